import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

/**
 * Rules for a webhook target: https only; with OUTBOUND_ALLOW_LOOPBACK, http or https to a
 * literal loopback host is also allowed (tests, single-host labs). No credentials in the URL.
 * Returns the reason it is refused, or null.
 */
export function urlRefusal(raw: string, allowLoopback: boolean): string | null {
  if (!URL.canParse(raw)) return 'is not an absolute URL';
  const url = new URL(raw);
  if (url.username || url.password) return 'must not carry credentials';
  if (url.hash) return 'must not have a fragment';
  if (allowLoopback && isLoopbackName(url.hostname) && (url.protocol === 'http:' || url.protocol === 'https:')) return null;
  if (url.protocol !== 'https:') return 'must be an https URL';
  const host = bare(url.hostname);
  if (isIP(host) && isPrivateAddress(host)) return 'must not point at a private, loopback or link-local address';
  if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.internal') || host.endsWith('.local')) return 'must be a public host';
  return null;
}

/**
 * Checked again at each delivery (DNS may change after subscription): every address the name
 * resolves to must be public, unless loopback was allowed and the host is literally loopback.
 */
export async function resolvedRefusal(raw: string, allowLoopback: boolean): Promise<string | null> {
  const static_ = urlRefusal(raw, allowLoopback);
  if (static_) return static_;
  const url = new URL(raw);
  if (allowLoopback && isLoopbackName(url.hostname)) return null;
  const host = bare(url.hostname);
  const addresses = isIP(host) ? [host] : (await lookup(host, { all: true })).map((a) => a.address);
  return addresses.some(isPrivateAddress) ? 'resolves to a private, loopback or link-local address' : null;
}

export function isLoopbackName(hostname: string): boolean {
  const h = bare(hostname);
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

/** Loopback, RFC 1918, CGNAT, link-local, unique-local, unspecified, multicast and IPv4-mapped forms of them. */
export function isPrivateAddress(address: string): boolean {
  const a = address.toLowerCase();
  if (isIP(a) === 6) {
    if (a === '::1' || a === '::') return true;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a);
    if (mapped) return isPrivateAddress(mapped[1]!);
    return /^(fc|fd|fe8|fe9|fea|feb|ff)/.test(a);
  }
  const [x, y] = a.split('.').map(Number) as [number, number];
  return (
    x === 0 || x === 10 || x === 127 || x >= 224 ||
    (x === 100 && y >= 64 && y <= 127) ||
    (x === 169 && y === 254) ||
    (x === 172 && y >= 16 && y <= 31) ||
    (x === 192 && y === 168)
  );
}

function bare(hostname: string): string {
  return hostname.replace(/^\[|\]$/g, '');
}
