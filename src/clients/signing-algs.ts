/**
 * Rule: a client's ID tokens and a resource server's JWT access tokens may be signed only with
 * an algorithm the server keeps an active key for: one of SIGNING_ALGS (the keys module keeps
 * an active, rotated key for each, ES256 always). Returns why an algorithm is refused, or null.
 */
export function signingAlgRefusal(alg: string, configured: readonly string[]): string | null {
  if (configured.includes(alg)) return null;
  return `${alg} is not one of the signing algorithms this server keeps keys for (SIGNING_ALGS: ${configured.join(', ')})`;
}
