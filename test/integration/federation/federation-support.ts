import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';

/** What the hand-written upstream signs in as next, and how it may misbehave. */
export interface UpstreamAccount {
  sub: string;
  email?: string;
  email_verified?: boolean;
  given_name?: string;
  family_name?: string;
  groups?: string[];
  amr?: string[];
  acr?: string;
}

export type Tamper = 'signature' | 'iss' | 'nonce' | undefined;

/**
 * A minimal but honest OpenID Provider for the rules around the broker: discovery, JWKS, an
 * authorization endpoint that signs in `account` at once, and a token endpoint that checks the
 * code and PKCE verifier and issues an ES256 ID token. `tamper` makes it forge one thing in the
 * ID token, as an attacker in the middle or a mix-up would.
 */
export interface ScriptedUpstream {
  issuer: string;
  clientId: string;
  clientSecret: string;
  account: UpstreamAccount;
  tamper: Tamper;
  tokenRequests: number;
  /** The parameters of the last authorization request the upstream received. */
  lastAuthorization?: URLSearchParams;
  /** A logout token as the upstream would send it (claims override the defaults). */
  logoutToken(claims: Record<string, unknown>, opts?: { rogueKey?: boolean }): Promise<string>;
  close(): Promise<void>;
}

export async function startScriptedUpstream(): Promise<ScriptedUpstream> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const rogue = await generateKeyPair('ES256', { extractable: true });
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'upstream-1', alg: 'ES256', use: 'sig' };
  const codes = new Map<string, { nonce?: string; challenge: string; clientId: string; redirectUri: string }>();
  const state = {
    issuer: '',
    clientId: 'caduceus-broker',
    clientSecret: randomBytes(16).toString('hex'),
    account: { sub: 'u-1' } as UpstreamAccount,
    tamper: undefined as Tamper,
    tokenRequests: 0,
  };
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', state.issuer);
    const json = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (url.pathname === '/.well-known/openid-configuration') {
      return json(200, {
        issuer: state.issuer,
        authorization_endpoint: `${state.issuer}/authorize`,
        token_endpoint: `${state.issuer}/token`,
        jwks_uri: `${state.issuer}/jwks`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['ES256'],
        code_challenge_methods_supported: ['S256'],
        token_endpoint_auth_methods_supported: ['client_secret_basic'],
        authorization_response_iss_parameter_supported: true,
      });
    }
    if (url.pathname === '/jwks') return json(200, { keys: [jwk] });
    if (url.pathname === '/authorize') {
      const p = url.searchParams;
      (state as { lastAuthorization?: URLSearchParams }).lastAuthorization = p;
      const code = randomBytes(16).toString('hex');
      codes.set(code, { nonce: p.get('nonce') ?? undefined, challenge: p.get('code_challenge') ?? '', clientId: p.get('client_id') ?? '', redirectUri: p.get('redirect_uri') ?? '' });
      const back = new URL(p.get('redirect_uri')!);
      back.searchParams.set('code', code);
      back.searchParams.set('state', p.get('state') ?? '');
      back.searchParams.set('iss', state.issuer);
      return res.writeHead(302, { location: back.href }).end();
    }
    if (url.pathname === '/token' && req.method === 'POST') {
      state.tokenRequests++;
      const form = new URLSearchParams(await body(req));
      const grant = codes.get(form.get('code') ?? '');
      codes.delete(form.get('code') ?? '');
      const basic = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString();
      const [id, secret] = basic.split(':').map((s) => decodeURIComponent(s));
      const verifier = form.get('code_verifier') ?? '';
      if (!grant || id !== state.clientId || secret !== state.clientSecret || form.get('redirect_uri') !== grant.redirectUri) {
        return json(400, { error: 'invalid_grant' });
      }
      if (createHash('sha256').update(verifier).digest('base64url') !== grant.challenge) return json(400, { error: 'invalid_grant', error_description: 'PKCE' });
      const now = Math.floor(Date.now() / 1000);
      const { sub, ...claims } = state.account;
      const idToken = await new SignJWT({
        ...claims,
        nonce: state.tamper === 'nonce' ? 'a-nonce-from-another-request' : grant.nonce,
      })
        .setProtectedHeader({ alg: 'ES256', kid: 'upstream-1' })
        .setIssuer(state.tamper === 'iss' ? 'https://evil.example' : state.issuer)
        .setAudience(state.clientId)
        .setSubject(sub)
        .setIssuedAt(now)
        .setExpirationTime(now + 300)
        .sign((state.tamper === 'signature' ? rogue.privateKey : privateKey) as CryptoKey);
      return json(200, { access_token: randomBytes(16).toString('hex'), token_type: 'Bearer', expires_in: 300, id_token: idToken });
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const logoutToken = async (claims: Record<string, unknown>, opts: { rogueKey?: boolean } = {}) =>
    new SignJWT({ events: { 'http://schemas.openid.net/event/backchannel-logout': {} }, jti: randomBytes(8).toString('hex'), ...claims })
      .setProtectedHeader({ alg: 'ES256', kid: 'upstream-1', typ: 'logout+jwt' })
      .setIssuer(state.issuer)
      .setAudience(state.clientId)
      .setIssuedAt()
      .sign((opts.rogueKey ? rogue.privateKey : privateKey) as CryptoKey);
  return Object.assign(state, {
    logoutToken,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  }) as ScriptedUpstream;
}

function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (data += c));
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}

/**
 * A user agent that keeps cookies per host and follows redirects across origins (Caduceus on
 * `localhost`, the upstream on `127.0.0.1`), stopping at a page or at the app's redirect URI.
 */
export class CrossSiteAgent {
  private readonly jars = new Map<string, Map<string, string>>();

  async request(url: string | URL, init: RequestInit = {}): Promise<Response> {
    const target = new URL(url);
    const jar = this.jars.get(target.hostname) ?? new Map<string, string>();
    this.jars.set(target.hostname, jar);
    const headers = new Headers(init.headers);
    if (jar.size) headers.set('cookie', [...jar].map(([k, v]) => `${k}=${v}`).join('; '));
    const res = await fetch(target, { ...init, headers, redirect: 'manual' });
    for (const header of res.headers.getSetCookie()) {
      const [pair] = header.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (/expires=Thu, 01 Jan 1970/i.test(header) || value === '') jar.delete(name);
      else jar.set(name, value);
    }
    return res;
  }

  async follow(url: string | URL, stopAt: string, init: RequestInit = {}): Promise<{ res: Response; url: URL }> {
    let current = new URL(url);
    let res = await this.request(current, init);
    for (let hops = 0; hops < 15 && res.status >= 300 && res.status < 400; hops++) {
      current = new URL(res.headers.get('location')!, current);
      if (current.href.startsWith(stopAt)) return { res, url: current };
      res = await this.request(current);
    }
    return { res, url: current };
  }

  /** Posts one of the page's forms (found by its action's ending) with its CSRF token and the fields. */
  async submit(html: string, base: string, actionEnding: RegExp, fields: Record<string, string>, stopAt: string) {
    const forms = [...html.matchAll(/<form method="post" action="([^"]+)">/g)].map((m) => m[1]!.replace(/&#61;/g, '='));
    const action = forms.find((a) => actionEnding.test(a));
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1]?.replace(/&#61;/g, '=');
    if (!action || !csrf) throw new Error(`no form matching ${actionEnding} in:\n${html.slice(0, 800)}`);
    return this.follow(new URL(action, base), stopAt, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf, ...fields }),
    });
  }
}
