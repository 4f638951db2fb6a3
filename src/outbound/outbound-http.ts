import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP } from 'node:net';
import { Agent, fetch as undiciFetch, type RequestInit as UndiciRequestInit } from 'undici';
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
 *   (read as a stream, aborted past the cap), and no redirect followed (a 3xx is an error);
 * - always a direct connection: `fetch` and its `Agent` both come from the undici package, so
 *   no global dispatcher (Node's environment proxy, a library's ProxyAgent or mock) is involved.
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

  refuseEnvironmentProxy();
  const dispatcher = new Agent({
    connect: {
      timeout: options.connectTimeoutMs ?? 5_000,
      lookup(hostname: string, opts: LookupOptions, callback: (err: Error | null, address: string | LookupAddress[], family?: number) => void) {
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

  const fetch: typeof globalThis.fetch = async (input, given) => {
    const href = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const init = input instanceof Request ? { ...requestInit(input), ...given } : given;
    const early = outboundUrlRefusal(href, rules, options.originOnly);
    if (early) await refuse(early);
    const url = new URL(href);
    const target = refusalTarget(url, options.originOnly ?? false);
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    let res: Awaited<ReturnType<typeof undiciFetch>>;
    try {
      res = await undiciFetch(href, { ...init, signal, redirect: 'manual', dispatcher } as UndiciRequestInit);
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
    // Always a global Response (libraries such as openid-client check `instanceof Response`), its body capped.
    const body = !res.body || NULL_BODY_STATUSES.has(res.status) ? null : (res.body as ReadableStream<Uint8Array>).pipeThrough(byteCap(maxBytes, () => refuse(tooLarge(target, maxBytes))));
    return new Response(body, { status: res.status, statusText: res.statusText, headers: new Headers([...res.headers]) });
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

/** The parts of a Request object a call made from one needs. */
function requestInit(request: Request): RequestInit {
  const init: RequestInit & { duplex?: 'half' } = { method: request.method, headers: request.headers, signal: request.signal };
  if (request.body) Object.assign(init, { body: request.body, duplex: 'half' });
  return init;
}

/**
 * Node's environment proxy (NODE_USE_ENV_PROXY=1 or --use-env-proxy, with HTTPS_PROXY or
 * HTTP_PROXY) makes Node's own fetch go through an EnvHttpProxyAgent. Calls to configured URLs
 * never do: they connect directly so that the address connected to can be judged (through a
 * proxy only the proxy's address would be). An operator who sets it expects every call to use
 * the proxy, so the service refuses to start, naming the setting, rather than silently not use
 * it (OutboundHttp and createApp call this at start-up).
 */
export function refuseEnvironmentProxy(env: NodeJS.ProcessEnv = process.env, execArgv: readonly string[] = process.execArgv): void {
  const flag = execArgv.includes('--use-env-proxy') || /(^|\s)--use-env-proxy(\s|=|$)/.test(env.NODE_OPTIONS ?? '');
  const enabled = flag || (env.NODE_USE_ENV_PROXY !== undefined && env.NODE_USE_ENV_PROXY !== '' && env.NODE_USE_ENV_PROXY !== '0');
  const proxy = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'].some((name) => Boolean(env[name]));
  if (!enabled || !proxy) return;
  throw new Error(
    "outbound HTTP: Node's fetch dispatcher is EnvHttpProxyAgent, not a direct Agent (NODE_USE_ENV_PROXY=1 or --use-env-proxy with HTTPS_PROXY or HTTP_PROXY installs EnvHttpProxyAgent): " +
      'through a proxy the address of a client, IdP or webhook URL cannot be checked against the outbound policy, so those calls connect directly and would not use it; unset NODE_USE_ENV_PROXY (and --use-env-proxy) for this service',
  );
}
