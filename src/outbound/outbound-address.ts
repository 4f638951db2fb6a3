import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
// The entry rule is read by the configuration schema too, so it lives below outbound/, in config/.
import { allowPrivateEntryProblem, isNetwork } from '../config/outbound-entries.js';

/**
 * Which addresses an outbound call (upstream IdP, client jwks_uri, back-channel logout, webhook)
 * may connect to. The special-purpose ranges come from ipaddr.js (the range tables behind
 * proxy-addr in Express and Fastify): anything it does not call `unicast` is not public.
 */
export type AddressClass =
  | 'public'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'unique-local'
  | 'carrier-grade-nat'
  | 'multicast'
  | 'broadcast'
  | 'unspecified'
  | 'reserved'
  | 'invalid';

/** Never a destination, whatever an administrator allows (0.0.0.0 reaches the local host on Linux). */
const NEVER: ReadonlySet<AddressClass> = new Set(['unspecified', 'multicast', 'broadcast', 'invalid']);
/** What an allowed host name (OUTBOUND_ALLOW_PRIVATE=idp.hospital.local) may resolve to: the hospital's own networks. */
const PRIVATE_NETWORKS: ReadonlySet<AddressClass> = new Set(['private', 'unique-local', 'carrier-grade-nat']);

const NAT64 = ipaddr.parseCIDR('64:ff9b::/96') as [ipaddr.IPv6, number];
const IPV4_COMPATIBLE = ipaddr.parseCIDR('::/96') as [ipaddr.IPv6, number];

const V4_CLASSES: Record<string, AddressClass> = {
  unicast: 'public',
  loopback: 'loopback',
  private: 'private',
  linkLocal: 'link-local',
  carrierGradeNat: 'carrier-grade-nat',
  multicast: 'multicast',
  broadcast: 'broadcast',
  unspecified: 'unspecified',
};
const V6_CLASSES: Record<string, AddressClass> = {
  unicast: 'public',
  loopback: 'loopback',
  linkLocal: 'link-local',
  uniqueLocal: 'unique-local',
  multicast: 'multicast',
  unspecified: 'unspecified',
};

/**
 * The class of an IP address (IPv4, IPv6, with or without [brackets] or a %zone).
 * Rules: IPv4-mapped (::ffff:a.b.c.d) and NAT64 (64:ff9b::a.b.c.d) addresses are judged by the
 * IPv4 address they reach; the deprecated IPv4-compatible ::a.b.c.d, 6to4, Teredo and every
 * other special-purpose range are `reserved`; anything that is not an IP address is `invalid`.
 */
export function classifyAddress(raw: string): AddressClass {
  const address = raw.replace(/^\[|\]$/g, '');
  if (!isIP(address)) return 'invalid';
  // ::a.b.c.d is the deprecated IPv4-compatible form, which ipaddr.js would read as IPv4-mapped.
  if (isIP(address) === 6 && /^[0:]+(\d{1,3}\.){3}\d{1,3}$/.test(address)) return 'reserved';
  const ip = ipaddr.parse(address);
  if (ip.kind() === 'ipv4') return V4_CLASSES[ip.range()] ?? 'reserved';
  const v6 = ip as ipaddr.IPv6;
  const embedded = embeddedIPv4(v6);
  if (embedded) return classifyAddress(embedded.toString());
  if (v6.match(IPV4_COMPATIBLE) && v6.range() !== 'unspecified' && v6.range() !== 'loopback') return 'reserved';
  return V6_CLASSES[v6.range()] ?? 'reserved';
}

/** The IPv4 address an IPv4-mapped or NAT64 (well-known prefix) IPv6 address stands for. */
function embeddedIPv4(ip: ipaddr.IPv6): ipaddr.IPv4 | null {
  if (ip.isIPv4MappedAddress()) return ip.toIPv4Address();
  if (ip.match(NAT64)) {
    const [hi, lo] = [ip.parts[6]!, ip.parts[7]!];
    return new ipaddr.IPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);
  }
  return null;
}

/** localhost, 127.0.0.0/8 or ::1 written in the URL itself: what OUTBOUND_ALLOW_LOOPBACK applies to. */
export function isLiteralLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  if (host === 'localhost') return true;
  return isIP(host) !== 0 && classifyAddress(host) === 'loopback';
}

/** What an administrator allowed beyond public addresses (OUTBOUND_ALLOW_LOOPBACK, OUTBOUND_ALLOW_PRIVATE). */
export interface OutboundPolicy {
  /** A URL whose host is literally loopback may use http and reach a loopback address. */
  allowLoopback: boolean;
  /** Networks (CIDR) whose addresses may be reached, and host names (exact, or `*.suffix`) that may resolve to private networks. */
  allowPrivate: readonly string[];
}

export const PUBLIC_ONLY: OutboundPolicy = { allowLoopback: false, allowPrivate: [] };

export { allowPrivateEntryProblem, isNetwork };

/** Parsed form of the policy's allowances; build once per policy. */
export class AddressRules {
  private readonly networks: Array<[ipaddr.IPv4 | ipaddr.IPv6, number]> = [];
  private readonly hosts = new Set<string>();
  private readonly domains: string[] = [];

  constructor(readonly policy: OutboundPolicy) {
    for (const entry of policy.allowPrivate) {
      const problem = allowPrivateEntryProblem(entry);
      if (problem) throw new Error(problem);
      if (isNetwork(entry)) {
        this.networks.push(entry.includes('/') ? ipaddr.parseCIDR(entry) : [ipaddr.parse(entry), isIP(entry) === 4 ? 32 : 128]);
      } else if (entry.startsWith('*.')) this.domains.push(entry.slice(1).toLowerCase());
      else this.hosts.add(entry.toLowerCase());
    }
  }

  /**
   * Why connecting to `address` for a URL naming `hostname` is refused, or null when allowed.
   * Rules: public addresses are allowed; unspecified, multicast and broadcast never are; a
   * loopback address only for a literally loopback host with OUTBOUND_ALLOW_LOOPBACK; any other
   * address inside an allowed CIDR; private, unique-local or CGNAT ones for an allowed host name.
   */
  refusal(address: string, hostname: string): string | null {
    const cls = classifyAddress(address);
    if (cls === 'public') return null;
    if (!NEVER.has(cls)) {
      if (cls === 'loopback' && this.policy.allowLoopback && isLiteralLoopbackHost(hostname)) return null;
      if (this.inAllowedNetwork(address)) return null;
      if (PRIVATE_NETWORKS.has(cls) && this.hostAllowed(hostname)) return null;
    }
    return `${address} is a ${cls} address`;
  }

  hostAllowed(hostname: string): boolean {
    const host = hostname.toLowerCase().replace(/\.$/, '');
    return this.hosts.has(host) || this.domains.some((d) => host.endsWith(d));
  }

  private inAllowedNetwork(raw: string): boolean {
    if (!this.networks.length) return false;
    let ip = ipaddr.parse(raw.replace(/^\[|\]$/g, ''));
    if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) ip = (ip as ipaddr.IPv6).toIPv4Address();
    return this.networks.some(([net, prefix]) => net.kind() === ip.kind() && ip.match(net, prefix));
  }
}
