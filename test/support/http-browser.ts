/**
 * A minimal cookie-keeping HTTP user agent for flows where a real browser adds nothing but
 * time (failure messages, lockout, prompts): it follows redirects by hand and keeps cookies.
 */
export class HttpBrowser {
  private readonly cookies = new Map<string, string>();

  /**
   * `origin` is where requests go. With `issuer` set (another instance of the same service),
   * URLs on the issuer's origin are sent to `origin` instead: a load balancer's job.
   */
  constructor(
    private readonly origin: string,
    private readonly issuer?: string,
  ) {}

  private resolve(url: string | URL, base: string | URL = this.origin): URL {
    const target = new URL(url, base);
    if (this.issuer && target.origin === new URL(this.issuer).origin) return new URL(target.pathname + target.search, this.origin);
    return target;
  }

  private remember(res: Response): void {
    for (const header of res.headers.getSetCookie()) {
      const [pair] = header.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (/expires=Thu, 01 Jan 1970/i.test(header) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }

  async request(url: string | URL, init: RequestInit = {}): Promise<Response> {
    const target = this.resolve(url);
    const headers = new Headers(init.headers);
    if (target.origin === new URL(this.origin).origin && this.cookies.size) {
      headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    }
    const res = await fetch(target, { ...init, headers, redirect: 'manual' });
    this.remember(res);
    return res;
  }

  /** Follows redirects within the issuer's origin; stops at the first response elsewhere or a page. */
  async follow(url: string | URL, init: RequestInit = {}): Promise<{ res: Response; url: URL }> {
    let current = this.resolve(url);
    let res = await this.request(current, init);
    for (let hops = 0; hops < 10 && res.status >= 300 && res.status < 400; hops++) {
      current = this.resolve(res.headers.get('location')!, current);
      if (current.origin !== new URL(this.origin).origin) return { res, url: current };
      res = await this.request(current);
    }
    return { res, url: current };
  }

  /** Submits the sign-in form found in `html` (its action and CSRF token) with the given fields. */
  async submitSignIn(html: string, fields: { email: string; password: string }) {
    const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1];
    if (!action || !csrf) throw new Error(`no sign-in form in the page:\n${html.slice(0, 500)}`);
    return this.request(action.replace(/&#61;/g, '='), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf: csrf.replace(/&#61;/g, '='), ...fields }),
    });
  }
}
