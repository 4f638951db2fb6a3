import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions } from 'node:dns';
import { isIP } from 'node:net';
import { AddressRules, isLiteralLoopbackHost, type OutboundPolicy } from './outbound-address.js';

/**
 * The one outbound HTTP client for calls to URLs that administrators, clients or upstream IdPs
 * name (upstream discovery, JWKS, token and userinfo; client jwks_uri, back-channel logout;
 * webhooks). Rules, each enforced here rather than by the callers:
 * - https only; http only to a literally loopback host when OUTBOUND_ALLOW_LOOPBACK is on;
 * - the destination address is judged on the address actually connected to: the DNS lookup
 *   happens inside the connection (undici `connect.lookup`), so a name that resolves to a
 *   public address for a check and a private one for the connection (DNS rebinding) cannot win;
 * - a connect timeout and an overall timeout (headers and body), a cap on the response body
 *   (read as a stream, aborted past the cap), and no redirect followed (a 3xx is an error).
 */
export type OutboundRefusalReason = 'invalid_url' | 'not_https' | 'credentials_in_url' | 'address_refused' | 'redirect_refused' | 'response_too_large';

export class OutboundRefusedError extends Error {
  override name = 'OutboundRefusedError';
  constructor(
    readonly reason: OutboundRefusalReason,
    /** The URL without query or fragment (they may carry tokens); only its origin where the path may hold a secret (`originOnly`). */
    readonly target: string,
    message: string,
    readonly address: string | null = null,
  ) {
    super(message);
  }
}

export interface OutboundHttpOptions {
  policy: OutboundPolicy;
  /** Connection set-up (DNS, TCP, TLS); default 5 s. */
  connectTimeoutMs?: number;
  /** The whole call, body included; default 10 s. A caller's own signal still applies. */
  timeoutMs?: number;
  /** Response body cap; default 1 MiB (a JWKS or discovery document is a few kilobytes). */
  maxResponseBytes?: number;
  /** Resolver (tests give one that maps a name to 127.0.0.1); default node:dns lookup. */
  lookup?: typeof dnsLookup;
  /** Told of every refusal, and awaited, before the refusal is thrown (to audit it). */
  onRefused?: (refusal: OutboundRefusedError) => void | Promise<void>;
  /**
   * Name the URL in refusals (target and message) by its origin alone (scheme://host[:port]):
   * for URLs whose path may itself be the credential, as webhook receivers' often is.
   */
  originOnly?: boolean;
}

/** A fetch that also closes its connection pool. */
export type OutboundFetch = typeof globalThis.fetch & { close(): Promise<void> };

const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/** How a refusal names a URL: never its query, fragment or credentials; its path unless `originOnly`. */
function refusalTarget(url: URL, originOnly: boolean): string {
  return originOnly ? url.origin : `${url.origin}${url.pathname}`;
}

/**
 * Why a URL may not be called at all, before any connection: not https (unless literal loopback
 * with the allowance), credentials in it, or a literal IP address that is not allowed.
 */
export function outboundUrlRefusal(raw: string, rules: AddressRules, originOnly = false): OutboundRefusedError | null {
  if (!URL.canParse(raw)) return new OutboundRefusedError('invalid_url', '(unparsable)', 'the URL is not absolute');
  const url = new URL(raw);
  const target = refusalTarget(url, originOnly);
  const loopbackHttp = url.protocol === 'http:' && rules.policy.allowLoopback && isLiteralLoopbackHost(url.hostname);
  if (url.protocol !== 'https:' && !loopbackHttp) return new OutboundRefusedError('not_https', target, `${target}: outbound calls must use https`);
  if (url.username || url.password) return new OutboundRefusedError('credentials_in_url', target, `${target}: the URL must not carry credentials`);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  // An IP literal is connected to without a lookup, so it is judged here.
  if (isIP(host)) {
    const refusal = rules.refusal(host, url.hostname);
    if (refusal) return new OutboundRefusedError('address_refused', target, `${target}: ${refusal}`, host);
  }
  return null;
}

/** A fetch with the rules above. Build one per purpose and keep it: it owns a connection pool. */
export function createOutboundFetch(options: OutboundHttpOptions): OutboundFetch {
  const rules = new AddressRules(options.policy);
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxBytes = options.maxResponseBytes ?? 1024 * 1024;
  const resolve = options.lookup ?? dnsLookup;
  const refuse = async (err: OutboundRefusedError): Promise<never> => {
    await options.onRefused?.(err);
    throw err;
  };

  const dispatcher = new (fetchAgentClass())({
    connect: {
      timeout: options.connectTimeoutMs ?? 5_000,
      lookup(hostname: string, opts: LookupAllOptions, callback: (err: Error | null, address: string | LookupAddress[], family?: number) => void) {
        resolve(hostname, { ...opts, all: true }, (err, addresses) => {
          if (err) return callback(err, []);
          const refusals: string[] = [];
          const allowed = addresses.filter((a) => {
            const refusal = rules.refusal(a.address, hostname);
            if (refusal) refusals.push(refusal);
            return !refusal;
          });
          if (!allowed.length) {
            const first = addresses[0]?.address ?? null;
            return callback(new OutboundRefusedError('address_refused', hostname, `${hostname} resolves to no allowed address (${refusals.join('; ')})`, first), []);
          }
          if (opts.all) return callback(null, allowed);
          return callback(null, allowed[0]!.address, allowed[0]!.family);
        });
      },
    },
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });

  const fetch: typeof globalThis.fetch = async (input, init) => {
    const href = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const early = outboundUrlRefusal(href, rules, options.originOnly);
    if (early) await refuse(early);
    const url = new URL(href);
    const target = refusalTarget(url, options.originOnly ?? false);
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    let res: Response;
    try {
      res = await globalThis.fetch(input, { ...init, signal, redirect: 'manual', dispatcher } as RequestInit);
    } catch (err) {
      const refused = refusalIn(err);
      if (refused) await refuse(new OutboundRefusedError(refused.reason, target, `${target}: ${refused.message}`, refused.address));
      throw err;
    }
    if (res.status >= 300 && res.status < 400 && res.status !== 304) {
      await res.body?.cancel().catch(() => undefined);
      await refuse(new OutboundRefusedError('redirect_refused', target, `${target} answered ${res.status}: redirects are not followed`));
    }
    const declared = Number(res.headers.get('content-length') ?? 0);
    if (declared > maxBytes) {
      await res.body?.cancel().catch(() => undefined);
      await refuse(tooLarge(target, maxBytes));
    }
    if (!res.body || NULL_BODY_STATUSES.has(res.status)) return res;
    return new Response(res.body.pipeThrough(byteCap(maxBytes, () => refuse(tooLarge(target, maxBytes)))), {
      status: res.status,
      statusText: res.statusText,
      headers: res.headers,
    });
  };
  return Object.assign(fetch, { close: () => dispatcher.close() });
}

function tooLarge(target: string, maxBytes: number): OutboundRefusedError {
  return new OutboundRefusedError('response_too_large', target, `${target}: the response is larger than ${maxBytes} bytes`);
}

/** Passes bytes through until `max`; past it, the stream fails with the refusal (which cancels the response). */
function byteCap(max: number, refuse: () => Promise<never>): TransformStream<Uint8Array, Uint8Array> {
  let seen = 0;
  return new TransformStream({
    async transform(chunk, controller) {
      seen += chunk.byteLength;
      if (seen > max) await refuse();
      controller.enqueue(chunk);
    },
  });
}

function refusalIn(err: unknown): OutboundRefusedError | null {
  for (let e: unknown = err, depth = 0; e && depth < 6; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof OutboundRefusedError) return e;
  }
  return null;
}

type AgentCtor = new (options: Record<string, unknown>) => { close(): Promise<void> };

/**
 * The Agent class of the undici inside Node's fetch: a `dispatcher` given to the global fetch
 * must come from the same undici (an npm undici of another major may not fit its handler API).
 * Node exposes that undici only through its global dispatcher, so the class is taken from
 * there, and only when it is a plain Agent, which connects to the destination itself. Under
 * NODE_USE_ENV_PROXY with HTTPS_PROXY/HTTP_PROXY the global dispatcher is an EnvHttpProxyAgent
 * (and a library may install a ProxyAgent, a mock or a wrapper): built from its class, every
 * connection would go to the proxy, `connect.lookup` would judge the proxy's address, and the
 * destination, which the proxy resolves, would never be checked. That is refused, not guessed
 * around: the service does not start (OutboundHttp builds this at start-up).
 */
export function fetchAgentClass(): AgentCtor {
  void Response; // touching a fetch global loads Node's bundled undici, which installs the global dispatcher
  const g = globalThis as unknown as Record<symbol, { constructor: AgentCtor } | undefined>;
  const ctor = (g[Symbol.for('undici.globalDispatcher.2')] ?? g[Symbol.for('undici.globalDispatcher.1')])?.constructor;
  if (!ctor) throw new Error('outbound HTTP: Node did not expose its fetch Agent; refusing to make unguarded calls');
  if (ctor.name !== 'Agent') {
    throw new Error(
      `outbound HTTP: Node's fetch dispatcher is ${ctor.name || 'unnamed'}, not a direct Agent (NODE_USE_ENV_PROXY=1 or --use-env-proxy with HTTPS_PROXY or HTTP_PROXY installs EnvHttpProxyAgent): ` +
        'through a proxy the address of a client, IdP or webhook URL cannot be checked against the outbound policy; unset NODE_USE_ENV_PROXY (and --use-env-proxy) for this service',
    );
  }
  return ctor;
}
