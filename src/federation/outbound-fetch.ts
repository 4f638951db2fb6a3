import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';

/**
 * The fetch openid-client uses for every upstream call (discovery, JWKS, token, userinfo),
 * with the same SSRF rule as oidc-provider's own outbound calls: private, loopback, link-local
 * and other special-use addresses are refused, checked on the address actually connected to
 * (so a DNS name cannot smuggle one in). Only with OUTBOUND_ALLOW_LOOPBACK, a URL whose host is
 * literally loopback may reach a loopback address.
 */
const SPECIAL_USE = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24],
  ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) SPECIAL_USE.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['2001:db8::', 32], ['64:ff9b::', 96], ['100::', 64]] as const) {
  SPECIAL_USE.addSubnet(net, prefix, 'ipv6');
}
const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

export function isSpecialUseAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return SPECIAL_USE.check(mapped[1]!, 'ipv4');
  const family = isIP(address);
  if (!family) return true;
  return SPECIAL_USE.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

export function isLoopbackHostname(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || hostname === '::1' || /^127(\.\d{1,3}){3}$/.test(hostname);
}

function addressAllowed(address: string, hostname: string, allowLoopback: boolean): boolean {
  if (allowLoopback && isLoopbackHostname(hostname)) {
    const family = isIP(address);
    if (family && LOOPBACK.check(address, family === 4 ? 'ipv4' : 'ipv6')) return true;
  }
  return !isSpecialUseAddress(address);
}

export class SsrfRefusedError extends Error {
  override name = 'SsrfRefusedError';
}

type AgentCtor = new (options: Record<string, unknown>) => unknown;

/** The Agent class of the undici inside Node's fetch (the one its `dispatcher` option must be). */
function fetchAgentClass(): AgentCtor | undefined {
  void Response; // loads Node's bundled undici, which installs the global dispatcher
  const g = globalThis as unknown as Record<symbol, { constructor: AgentCtor } | undefined>;
  return (g[Symbol.for('undici.globalDispatcher.2')] ?? g[Symbol.for('undici.globalDispatcher.1')])?.constructor;
}

export function guardedFetch(allowLoopback: boolean): typeof globalThis.fetch {
  const Agent = fetchAgentClass();
  const dispatcher = Agent
    ? new Agent({
        connect: {
          lookup(hostname: string, options: object, callback: (err: Error | null, address: string | LookupAddress[], family?: number) => void) {
            dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
              if (err) return callback(err, []);
              const allowed = addresses.filter((a) => addressAllowed(a.address, hostname, allowLoopback));
              if (!allowed.length) return callback(new SsrfRefusedError(`${hostname} resolves to a special-use address`), []);
              if ((options as { all?: boolean }).all) return callback(null, allowed);
              return callback(null, allowed[0]!.address, allowed[0]!.family);
            });
          },
        },
      })
    : undefined;
  return async (input, init) => {
    const href = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const url = new URL(href);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (url.protocol !== 'https:' && !(allowLoopback && isLoopbackHostname(url.hostname))) {
      throw new SsrfRefusedError('upstream calls must use https');
    }
    // An IP literal is connected to without a lookup, so it is checked here.
    if (isIP(host) && !addressAllowed(host, url.hostname, allowLoopback)) throw new SsrfRefusedError(`${host} is a special-use address`);
    if (!dispatcher) throw new SsrfRefusedError('no SSRF-guarded dispatcher available');
    return globalThis.fetch(input, { ...init, redirect: 'manual', dispatcher } as RequestInit);
  };
}
