import { BlockList, isIP } from 'node:net';

/** At most this many ranges per client: a hospital's networks, not a routing table. */
export const MAX_CLIENT_IP_RANGES = 50;

/**
 * One spelling per range, so a registration reads the same however it was typed and changes
 * show up in audit only when the range really changed. Rules: an IPv4 or IPv6 address with an
 * optional prefix length (a bare address is a single host, /32 or /128); host bits are cleared
 * (`10.1.2.3/16` → `10.1.0.0/16`); IPv6 is lowercase and compressed (RFC 5952); an IPv4-mapped
 * IPv6 range (`::ffff:10.0.0.0/104`) becomes the IPv4 range it means; zone ids are refused.
 * Returns null for anything else.
 */
export function normaliseIpRange(value: string): string | null {
  const [address = '', prefixText, ...rest] = value.trim().split('/');
  if (rest.length || address.includes('%')) return null;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return null;
  const family = isIP(address);
  if (family === 4) {
    const prefix = prefixText === undefined ? 32 : Number(prefixText);
    if (prefix > 32) return null;
    return `${formatV4(maskBits(parseV4(address), 32, prefix))}/${prefix}`;
  }
  if (family === 6) {
    const prefix = prefixText === undefined ? 128 : Number(prefixText);
    if (prefix > 128) return null;
    const bits = maskBits(parseV6(address), 128, prefix);
    if (prefix >= 96 && bits >> 32n === 0xffffn) return `${formatV4(bits & 0xffffffffn)}/${prefix - 96}`;
    return `${formatV6(bits)}/${prefix}`;
  }
  return null;
}

/** The prefix length of a normalised range. */
export function prefixLength(range: string): number {
  return Number(range.split('/')[1]);
}

/**
 * A matcher for normalised ranges. Rules: an address matches when it lies in one of the ranges;
 * an IPv4-mapped IPv6 address (`::ffff:10.1.2.3`, as a dual-stack socket reports IPv4 peers)
 * is judged as the IPv4 address it carries; anything that is not an IP address never matches.
 */
export function ipRangeMatcher(ranges: readonly string[]): (ip: string | undefined | null) => boolean {
  const list = new BlockList();
  for (const range of ranges) {
    const [address, prefix] = range.split('/') as [string, string];
    list.addSubnet(address, Number(prefix), isIP(address) === 4 ? 'ipv4' : 'ipv6');
  }
  return (ip) => {
    if (!ip) return false;
    const address = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)?.[1] ?? ip;
    const family = isIP(address);
    if (!family) return false;
    return list.check(address, family === 4 ? 'ipv4' : 'ipv6');
  };
}

function maskBits(bits: bigint, width: number, prefix: number): bigint {
  const hostBits = BigInt(width - prefix);
  return (bits >> hostBits) << hostBits;
}

function parseV4(address: string): bigint {
  return address.split('.').reduce((acc, octet) => (acc << 8n) | BigInt(Number(octet)), 0n);
}

function formatV4(bits: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => String((bits >> shift) & 0xffn)).join('.');
}

/** 128 bits of an address node:net already accepted as IPv6 (`::`, an embedded IPv4 tail). */
function parseV6(address: string): bigint {
  let text = address.toLowerCase();
  const v4Tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)?.[1];
  if (v4Tail) {
    const v4 = parseV4(v4Tail);
    text = `${text.slice(0, -v4Tail.length)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head = '', tail] = text.split('::') as [string, string | undefined];
  const groups = (part: string) => (part ? part.split(':') : []);
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const all = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return all.reduce((acc, group) => (acc << 16n) | BigInt(parseInt(group, 16)), 0n);
}

function formatV6(bits: bigint): string {
  const groups = Array.from({ length: 8 }, (_, i) => ((bits >> BigInt(112 - 16 * i)) & 0xffffn).toString(16));
  // The WHATWG URL serialiser compresses the longest run of zero groups, as RFC 5952 asks.
  return new URL(`http://[${groups.join(':')}]`).hostname.slice(1, -1);
}
