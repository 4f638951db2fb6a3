/** Calls of the public admin API (/admin/v1) with the signed-in person's access token. */
export interface Problem {
  status: number;
  title: string;
  detail?: string;
  errors?: Array<{ field: string; message: string }>;
}

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ?? problem.title);
  }
}

export interface Response<T> {
  status: number;
  body: T;
  etag: string | null;
}

export interface Page<T> {
  items: T[];
  nextCursor?: string | null;
}

export interface CallOptions {
  body?: unknown;
  ifMatch?: string | null;
  query?: Record<string, string | number | boolean | undefined | null>;
  idempotent?: boolean;
}

export class AdminApi {
  constructor(
    private readonly token: () => string | null,
    private readonly unauthorized: () => void,
  ) {}

  url(path: string, query?: CallOptions['query']): string {
    const url = new URL(`/admin/v1${path}`, location.origin);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== null && v !== '') url.searchParams.set(k, String(v));
    return url.href;
  }

  async raw(method: string, path: string, opts: CallOptions = {}): Promise<globalThis.Response> {
    const headers: Record<string, string> = { accept: 'application/json', authorization: `Bearer ${this.token() ?? ''}` };
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    if (opts.ifMatch) headers['if-match'] = opts.ifMatch;
    if (opts.idempotent) headers['idempotency-key'] = crypto.randomUUID();
    const res = await fetch(this.url(path, opts.query), {
      method,
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      cache: 'no-store',
    });
    if (res.status === 401) {
      this.unauthorized();
      throw new ApiError({ status: 401, title: 'Signed out', detail: 'your sign-in has ended; signing in again' });
    }
    if (!res.ok) {
      const problem = (await res.json().catch(() => null)) as Problem | null;
      throw new ApiError(problem && typeof problem.title === 'string' ? { ...problem, status: res.status } : { status: res.status, title: res.statusText || 'Error' });
    }
    return res;
  }

  async call<T>(method: string, path: string, opts: CallOptions = {}): Promise<Response<T>> {
    const res = await this.raw(method, path, opts);
    const body = res.status === 204 ? (undefined as T) : ((await res.json()) as T);
    return { status: res.status, body, etag: res.headers.get('etag') };
  }

  get<T>(path: string, query?: CallOptions['query']): Promise<Response<T>> {
    return this.call<T>('GET', path, { query });
  }
}
