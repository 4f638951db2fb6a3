import { randomBytes } from 'node:crypto';
import * as oidc from 'openid-client';
import { beforeAll, describe, expect, it } from 'vitest';
import { ClientsService } from '../../../src/clients/index.js';
import { useApp } from '../../support/fixture.js';

const REDIRECT = 'https://app.hospital.test/callback';

/** What an attacker or a sloppy app would try at /authorize: every one refused by default. */
describe('authorization request defaults', () => {
  let clientId: string;

  const running = useApp();

  beforeAll(async () => {
    ({ clientId } = await running.app.get(ClientsService).createClient({
      name: 'EHR viewer',
      type: 'public',
      redirectUris: [REDIRECT],
      grantTypes: ['authorization_code', 'refresh_token'],
    }));
  });

  async function authorize(params: Record<string, string>) {
    const url = new URL('/authorize', running.url);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    return fetch(url, { redirect: 'manual' });
  }

  const base = () => ({ client_id: clientId, redirect_uri: REDIRECT, response_type: 'code', scope: 'openid', state: 's1' });

  it('requires PKCE, and says so to the app with iss in the response', async () => {
    const res = await authorize(base());
    expect(res.status).toBe(303);
    const location = new URL(res.headers.get('location')!);
    expect(location.origin + location.pathname).toBe(REDIRECT);
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.get('error_description')).toMatch(/PKCE/);
    expect(location.searchParams.get('iss')).toBe(running.url);
    expect(location.searchParams.get('state')).toBe('s1');
  });

  it('refuses the plain PKCE method', async () => {
    const res = await authorize({ ...base(), code_challenge: 'a'.repeat(43), code_challenge_method: 'plain' });
    const location = new URL(res.headers.get('location')!);
    expect(location.searchParams.get('error')).toBe('invalid_request');
  });

  it('refuses the implicit flow', async () => {
    const verifier = oidc.randomPKCECodeVerifier();
    const res = await authorize({
      ...base(),
      response_type: 'token',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    // An implicit-style response type answers in the fragment, as the spec requires.
    const location = new URL(res.headers.get('location')!);
    const answer = new URLSearchParams(location.hash.slice(1) || location.search);
    expect(answer.get('error')).toBe('unsupported_response_type');
  });

  it('never redirects to a URI that is not registered exactly', async () => {
    const res = await authorize({ ...base(), redirect_uri: `${REDIRECT}/../evil`, code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' });
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    const page = await res.text();
    expect(page).toContain('redirect_uri');
    expect(page).not.toMatch(/at .*\.js:\d+/);
  });

  it('refuses the password grant', async () => {
    const res = await fetch(new URL('/token', running.url), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'password', username: 'a', password: 'b', client_id: clientId }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('unsupported_grant_type');
  });

  it('sends a valid request on to the sign-in interaction', async () => {
    const verifier = oidc.randomPKCECodeVerifier();
    const res = await authorize({
      ...base(),
      nonce: randomBytes(8).toString('hex'),
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toMatch(/^\/interaction\/[\w-]+$/);
    const rows = await running.db.query<{ n: string }>(`SELECT count(*) AS n FROM oidc_artifacts WHERE model = 'Interaction'`);
    expect(Number(rows[0]!.n)).toBeGreaterThan(0);
  });
});
