// The browserless sign-in, as one virtual user: authorize → sign-in form (password) → TOTP form
// → (consent, only if the service asks) → callback → code exchange. Cookies are kept by hand,
// redirects followed by hand, every form posted with the CSRF token it carries.
import { createHash, randomBytes } from 'node:crypto';
import { currentStep, totpAt } from './totp.mjs';

const b64url = (buf) => buf.toString('base64url');
const unescape = (s) => s.replace(/&#61;/g, '=').replace(/&amp;/g, '&').replace(/&#x2F;/g, '/').replace(/&#39;/g, "'").replace(/&quot;/g, '"');

export function basicAuth(id, secret) {
  return `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

/** Users whose TOTP code for the current step has not been used yet (a code works once per step). */
export class UserPool {
  constructor(users) {
    this.users = users;
    this.next = 0;
  }
  take() {
    const step = currentStep();
    for (let n = 0; n < this.users.length; n++) {
      const u = this.users[(this.next + n) % this.users.length];
      if (u.lastStep < step && !u.busy) {
        this.next = (this.next + n + 1) % this.users.length;
        u.busy = true;
        u.lastStep = step;
        return { ...u, code: totpAt(u.secret, step), release: () => (u.busy = false) };
      }
    }
    return undefined;
  }
}

class Agent {
  constructor(origin) {
    this.origin = origin;
    this.cookies = new Map();
    this.requests = 0;
  }
  async request(url, init = {}) {
    const target = new URL(url, this.origin);
    const headers = new Headers(init.headers);
    if (target.origin === this.origin && this.cookies.size) headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    this.requests++;
    const res = await fetch(target, { ...init, headers, redirect: 'manual' });
    for (const header of res.headers.getSetCookie()) {
      const pair = header.split(';')[0];
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (/expires=Thu, 01 Jan 1970/i.test(header) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }
  /** Follows redirects within the issuer; stops at a page or at a redirect elsewhere (the app). */
  async follow(url, init) {
    let current = new URL(url, this.origin);
    let res = await this.request(current, init);
    for (let hops = 0; hops < 10 && res.status >= 300 && res.status < 400; hops++) {
      await res.body?.cancel();
      current = new URL(res.headers.get('location'), current);
      if (current.origin !== this.origin) return { res, url: current, html: '' };
      res = await this.request(current);
    }
    return { res, url: current, html: await res.text() };
  }
  async post(action, fields) {
    const res = await this.request(unescape(action), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields),
    });
    if (res.status !== 303) throw new Error(`form POST ${action} answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
    await res.body?.cancel();
    return this.follow(res.headers.get('location'));
  }
}

function form(html, actionPattern) {
  const action = new RegExp(`<form method="post" action="(${actionPattern})"`).exec(html)?.[1];
  const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1];
  return action && csrf ? { action, csrf: unescape(csrf) } : undefined;
}

/**
 * One whole sign-in for `user` (from UserPool.take) at `client`; returns the token response and
 * the steps it went through. Throws on anything a real user would see as a failure.
 */
export async function signIn(origin, client, user, { scope = 'openid profile email', extra = {} } = {}) {
  const agent = new Agent(origin);
  const verifier = b64url(randomBytes(32));
  const state = b64url(randomBytes(16));
  const authorize = new URL('/authorize', origin);
  for (const [k, v] of Object.entries({
    client_id: client.clientId,
    redirect_uri: client.redirectUri,
    response_type: 'code',
    scope,
    state,
    nonce: b64url(randomBytes(16)),
    code_challenge: b64url(createHash('sha256').update(verifier).digest()),
    code_challenge_method: 'S256',
    ...extra,
  }))
    authorize.searchParams.set(k, v);

  const steps = [];
  let page = await agent.follow(authorize);
  for (let n = 0; n < 6 && !page.url.href.startsWith(client.redirectUri); n++) {
    const html = page.html;
    let f;
    if ((f = form(html, '[^"]+')) && html.includes('name="password"')) {
      steps.push('password');
      page = await agent.post(f.action, { csrf: f.csrf, email: user.email, password: user.password });
    } else if ((f = form(html, '/interaction/[^"]+/mfa/totp'))) {
      steps.push('totp');
      page = await agent.post(f.action, { csrf: f.csrf, code: user.code });
    } else if ((f = form(html, '[^"]+')) && html.includes('name="decision" value="allow"')) {
      steps.push('consent');
      page = await agent.post(f.action, { csrf: f.csrf, decision: 'allow' });
    } else {
      throw new Error(`unexpected page (${page.res.status} ${page.url.pathname}) after ${steps.join(' → ') || 'authorize'}: ${html.replace(/<head>[\s\S]*<\/head>/, '').slice(0, 400)}`);
    }
  }
  if (!page.url.href.startsWith(client.redirectUri)) throw new Error(`never came back to the app (${steps.join(' → ')})`);
  const code = page.url.searchParams.get('code');
  if (!code || page.url.searchParams.get('state') !== state) throw new Error(`callback without a code: ${page.url.search}`);
  agent.requests++;
  const res = await fetch(new URL('/token', origin), {
    method: 'POST',
    headers: { authorization: basicAuth(client.clientId, client.clientSecret), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: client.redirectUri, code_verifier: verifier }),
  });
  const tokens = await res.json();
  if (res.status !== 200 || !tokens.id_token) throw new Error(`code exchange answered ${res.status}: ${JSON.stringify(tokens)}`);
  return { tokens, steps, requests: agent.requests };
}
