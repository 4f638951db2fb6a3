import type { FastifyInstance, FastifyReply } from 'fastify';

/**
 * Limits on input shapes that size caps alone do not bound: how deep an admin JSON body nests,
 * and how long and how many the query parameters of the OIDC endpoints are (oidc-provider bounds
 * bodies itself, not the query string). Pure decisions first, then the hooks that apply them.
 */
export const LIMITS = {
  jsonDepth: 32,
  queryParams: 50,
  /** Long enough for a request object (JAR) or a login_hint_token; longer is not a sign-in. */
  paramLength: 8192,
  scopeTokens: 100,
} as const;

/** How deep a parsed JSON value nests, measured without recursion and stopping once past max. */
export function jsonDepthExceeds(value: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth + 1 > max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}

/**
 * Whether a parsed body carries a NUL character in any key or string: PostgreSQL cannot store
 * one in text, so it could only ever end as a driver error; no legitimate form or JSON has one.
 */
export function containsNul(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string') {
      if (v.includes('\u0000')) return true;
    } else if (v !== null && typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) {
        if (k.includes('\u0000')) return true;
        stack.push(child);
      }
    }
  }
  return false;
}

/** What is wrong with a query string, in words a developer can act on, or null. */
export function queryProblem(search: string): string | null {
  if (!search) return null;
  const params = new URLSearchParams(search);
  let count = 0;
  for (const [name, value] of params) {
    if (++count > LIMITS.queryParams) return `more than ${LIMITS.queryParams} parameters`;
    if (name.length > 128) return 'a parameter name is longer than 128 characters';
    if (value.length > LIMITS.paramLength) return `parameter ${name} is longer than ${LIMITS.paramLength} characters`;
    if (name === 'scope' && value.split(' ').filter(Boolean).length > LIMITS.scopeTokens) return `more than ${LIMITS.scopeTokens} scopes requested`;
  }
  return null;
}

const ADMIN_API = /^\/admin\/v\d+(\/|$|\?)/;
const OIDC_QUERY_PATHS = new Set(['/authorize', '/session/end', '/userinfo', '/jwks', '/.well-known/openid-configuration']);

export function installInputLimits(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', async (request, reply) => {
    const q = request.url.indexOf('?');
    if (q < 0 || !OIDC_QUERY_PATHS.has(request.url.slice(0, q))) return;
    const problem = queryProblem(request.url.slice(q + 1));
    if (!problem) return;
    return reply
      .code(400)
      .header('Cache-Control', 'no-store')
      .type('application/json; charset=utf-8')
      .send(JSON.stringify({ error: 'invalid_request', error_description: problem }));
  });
  fastify.addHook('onRequest', async (request, reply) => {
    // OIDC routes: oidc-provider validates its own parameters; every other route reaches PostgreSQL.
    if (isOidcPath(request.url) || !/%00|\u0000/.test(request.url)) return;
    return refuse(reply, request.url, 'url', 'must not contain a NUL character');
  });
  fastify.addHook('preValidation', async (request, reply) => {
    if (request.body === undefined || request.body === null) return;
    if (containsNul(request.body)) return refuse(reply, request.url, 'body', 'must not contain a NUL character');
    if (ADMIN_API.test(request.url) && jsonDepthExceeds(request.body, LIMITS.jsonDepth)) {
      return refuse(reply, request.url, 'body', `must not nest deeper than ${LIMITS.jsonDepth} levels`);
    }
  });
}

function isOidcPath(url: string): boolean {
  const path = url.split('?', 1)[0] ?? '';
  return OIDC_QUERY_PATHS.has(path) || ['/token', '/introspect', '/revoke', '/par'].includes(path);
}

/** A 400 in the dialect of the surface: problem+json on the admin API, plain words on pages. */
function refuse(reply: FastifyReply, url: string, field: string, message: string): FastifyReply {
  reply.code(400).header('Cache-Control', 'no-store');
  if (ADMIN_API.test(url)) {
    return reply.type('application/problem+json; charset=utf-8').send(
      JSON.stringify({
        type: 'about:blank',
        title: 'Bad Request',
        status: 400,
        detail: `the ${field} ${message}`,
        errors: [{ field, message }],
        instance: url.split('?')[0],
      }),
    );
  }
  return reply.type('text/plain; charset=utf-8').send(`Bad request: the ${field} ${message}.`);
}
