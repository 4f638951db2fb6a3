/**
 * TRUST_PROXY as Fastify wants it. A number of proxies becomes a hop function: Nest's adapter
 * types do not accept Fastify's numeric form, and the rule is the same (believe the nearest n hops,
 * so a client cannot pick its own address by sending an X-Forwarded-For its proxy only appends to).
 */
export function fastifyTrustProxy(setting: boolean | number | string[]): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (typeof setting === 'number') return (_address: string, hop: number) => hop < setting;
  return setting;
}
