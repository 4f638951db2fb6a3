import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { OIDC_ROUTES } from './provider-config.js';

type Callback = (req: IncomingMessage, res: ServerResponse) => void;
type Middleware = (ctx: KoaContextWithOIDC, next: () => Promise<void>) => Promise<void>;

export const DISCOVERY_PATH = '/.well-known/openid-configuration';

/** Distinct request origins whose discovery document is kept; beyond them requests go through the provider. */
const MAX_DISCOVERY_ORIGINS = 16;

interface Prepared {
  body: Buffer;
  contentType: string;
  cacheControl?: string;
  etag?: string;
}

/**
 * /jwks and the discovery document, serialised once instead of on every request. One instance
 * belongs to one Provider, and a new Provider (with a new instance) is built when the published
 * keystore changes (keys.rotated): a key set is never served after the Provider that published
 * it was replaced, and nothing here expires by time.
 *
 * Rules: the first GET of the exact path (no query string) goes through the provider as before;
 * its 200 answer is kept (body bytes, type, Cache-Control and ETag) and later GET and HEAD
 * requests get those bytes without entering the provider, with the per-request headers the
 * provider adds (CORS `Access-Control-Allow-Origin` from the request's Origin, `Vary: Origin`)
 * and a 304 for a matching If-None-Match on /jwks. The discovery document names endpoints under
 * the origin the request addressed (oidc-provider builds them from Host, and from
 * X-Forwarded-Host/-Proto behind a trusted proxy), so it is kept per those request inputs, for
 * at most MAX_DISCOVERY_ORIGINS of them: one request naming another host can never change what
 * the others are served.
 */
export class PublishedDocuments {
  private readonly prepared = new Map<string, Prepared>();
  private discoveryOrigins = 0;

  constructor(
    private readonly jwksMaxAgeSeconds: number,
    private readonly trustProxy: () => boolean,
  ) {}

  /**
   * Koa middleware: Cache-Control and ETag on /jwks (RFC 9110 conditional requests), and the
   * answer kept for the next request when it is one that can be.
   */
  middleware(): Middleware {
    return async (ctx, next) => {
      await next();
      const jwks = ctx.path === OIDC_ROUTES.jwks;
      if ((!jwks && ctx.path !== DISCOVERY_PATH) || (ctx.method !== 'GET' && ctx.method !== 'HEAD') || ctx.status !== 200 || !ctx.body) return;
      const key = ctx.method === 'GET' && ctx.req.url === ctx.path ? this.keyOf(ctx.req) : undefined;
      if (!jwks && !key) return;
      const doc = (key && this.prepared.get(key)) || this.prepare(ctx, jwks);
      if (key && !this.prepared.has(key) && this.mayKeep(key)) this.prepared.set(key, doc);
      if (!jwks) return;
      ctx.set('Cache-Control', doc.cacheControl!);
      ctx.set('ETag', doc.etag!);
      // RFC 9110 §13.1.2 (weak comparison); not ctx.fresh, which ignores If-None-Match when the
      // request says Cache-Control: no-cache, as fetch() does for every conditional request.
      if (noneMatch(ctx.get('if-none-match'), doc.etag!)) {
        ctx.status = 304;
        ctx.body = null;
      }
    };
  }

  /** The provider's request callback, with kept documents answered before the provider is entered. */
  wrap(handler: Callback): Callback {
    return (req, res) => {
      const doc = (req.method === 'GET' || req.method === 'HEAD') && (req.url === OIDC_ROUTES.jwks || req.url === DISCOVERY_PATH) ? this.prepared.get(this.keyOf(req)) : undefined;
      if (!doc) return handler(req, res);
      serve(doc, req, res);
    };
  }

  private prepare(ctx: KoaContextWithOIDC, jwks: boolean): Prepared {
    // What koa would send: JSON.stringify of the body object.
    const body = Buffer.from(typeof ctx.body === 'string' ? ctx.body : JSON.stringify(ctx.body));
    const contentType = String(ctx.response.get('Content-Type') || 'application/json; charset=utf-8');
    if (!jwks) return { body, contentType };
    return {
      body,
      contentType,
      cacheControl: `public, max-age=${this.jwksMaxAgeSeconds}`,
      etag: `"${createHash('sha256').update(body).digest('base64url')}"`,
    };
  }

  private mayKeep(key: string): boolean {
    if (key === OIDC_ROUTES.jwks) return true;
    if (this.discoveryOrigins >= MAX_DISCOVERY_ORIGINS) return false;
    this.discoveryOrigins += 1;
    return true;
  }

  /**
   * /jwks is the same for every request. The discovery document depends on what koa reads to
   * build the request's origin (request.protocol and request.host): those raw inputs are the key.
   */
  private keyOf(req: IncomingMessage): string {
    if (req.url === OIDC_ROUTES.jwks) return OIDC_ROUTES.jwks;
    const h = req.headers;
    const encrypted = (req.socket as { encrypted?: boolean }).encrypted ? 's' : '';
    const authority = req.httpVersionMajor >= 2 ? String(h[':authority'] ?? '') : '';
    const forwarded = this.trustProxy() ? `\n${String(h['x-forwarded-host'] ?? '')}\n${String(h['x-forwarded-proto'] ?? '')}` : '';
    return `${DISCOVERY_PATH}\n${encrypted}\n${authority}\n${String(h.host ?? '')}${forwarded}`;
  }
}

function serve(doc: Prepared, req: IncomingMessage, res: ServerResponse): void {
  const headers: Record<string, string | number> = { Vary: 'Origin', 'Access-Control-Allow-Origin': req.headers.origin || '*' };
  if (doc.cacheControl) headers['Cache-Control'] = doc.cacheControl;
  if (doc.etag) {
    headers.ETag = doc.etag;
    if (noneMatch(String(req.headers['if-none-match'] ?? ''), doc.etag)) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
  }
  headers['Content-Type'] = doc.contentType;
  headers['Content-Length'] = doc.body.length;
  res.writeHead(200, headers);
  if (req.method === 'HEAD') res.end();
  else res.end(doc.body);
}

function noneMatch(header: string, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}
