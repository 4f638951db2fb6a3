import proxyAddr from '@fastify/proxy-addr';

/**
 * TRUST_PROXY as Fastify wants it. A number of proxies becomes a hop function: Nest's adapter
 * types do not accept Fastify's numeric form, and the rule is the same (believe the nearest n hops,
 * so a client cannot pick its own address by sending an X-Forwarded-For its proxy only appends to).
 */
export function fastifyTrustProxy(setting: boolean | number | string[]): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (typeof setting === 'number') return (_address: string, hop: number) => hop < setting;
  return setting;
}

/**
 * Whether the immediate peer of a connection (the socket's address, hop 0) is a proxy
 * TRUST_PROXY trusts: the rule Fastify applies before it believes X-Forwarded-*, computed with
 * the same library, so a header only a proxy may set (the client certificate) is believed from
 * exactly the peers whose X-Forwarded-For is. With a number of proxies any peer is the nearest
 * proxy (the instances are reachable only through it); with false no peer is.
 */
export function trustedPeer(setting: boolean | number | string[]): (address: string | undefined) => boolean {
  if (setting === false) return () => false;
  if (setting === true || typeof setting === 'number') return (address) => Boolean(address);
  const trust = proxyAddr.compile(setting);
  return (address) => Boolean(address) && trust(address!, 0);
}

/**
 * Whether the address Fastify resolves for a request is one the caller cannot choose: TRUST_PROXY
 * unset (the socket's own address) or naming the proxies (only a listed peer's X-Forwarded-For
 * counts). With a count or `true` any peer is taken for the proxy, so a caller that reaches an
 * instance directly names its own address in X-Forwarded-For; a decision that rests on the
 * address (a client's IP allow-list) cannot be made on it.
 */
export function clientAddressVerifiable(setting: boolean | number | string[]): boolean {
  return setting === false || Array.isArray(setting);
}
