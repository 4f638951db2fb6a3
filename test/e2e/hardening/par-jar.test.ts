import { EventEmitter2 } from '@nestjs/event-emitter';
import { exportJWK, generateKeyPair, UnsecuredJWT } from 'jose';
import * as oidc from 'openid-client';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DomainEvent } from '../../../src/events/index.js';
import { IdentityService } from '../../../src/identity/index.js';
import { HttpBrowser } from '../../support/http-browser.js';
import { useApp } from '../../support/fixture.js';
import { buildAuthorizationUrl, type AuthorizationRequest } from '../../support/relying-party.js';
import { allowIfAsked } from '../../support/sign-in-flow.js';

const REDIRECT = 'http://127.0.0.1:9/callback';
const EMAIL = 'par.jar@hospital.test';
const PASSWORD = 'a long and unusual passphrase 9';
const KID = 'ward-app-jar-1';

/**
 * Pushed authorization requests (RFC 9126) and request objects (RFC 9101) with openid-client
 * as the app: a client may be required to use either, and then a plain request is refused; a
 * request object is believed only with a valid signature of a key the client registered.
 */
describe('PAR and JAR, requirable per client', () => {
  let keys: Awaited<ReturnType<typeof generateKeyPair>>;
  /** Requires PAR; authenticates with a secret. */
  let parClient: oidc.Configuration;
  /** Requires signed request objects; registered the public key of `keys`. */
  let jarClient: oidc.Configuration;
  const refusals: Array<{ endpoint: string; clientId: string | null; error: string; description: string | null }> = [];

  const running = useApp();

  beforeAll(async () => {
    running.app.get(EventEmitter2).onAny((_name: string | string[], event: DomainEvent) => {
      if (event?.name === 'oidc.grant.failed') refusals.push(event.payload as (typeof refusals)[number]);
    });
    await running.app.get(IdentityService).createUser({ email: EMAIL, password: PASSWORD });
    keys = await generateKeyPair('ES256', { extractable: true });

    ({ config: parClient } = await running.registerClient({
      name: 'Theatre scheduling',
      mfaPolicy: 'optional',
      redirectUris: [REDIRECT],
      requirePushedAuthorizationRequests: true,
    }));

    ({ config: jarClient } = await running.registerClient({
      name: 'Medication round',
      mfaPolicy: 'optional',
      redirectUris: [REDIRECT],
      jwks: { keys: [await publicJwk()] },
      requireSignedRequestObject: true,
    }));
  });

  const publicJwk = async () => ({ ...(await exportJWK(keys.publicKey)), kty: 'EC', kid: KID, alg: 'ES256', use: 'sig' });

  /** Fresh PKCE, state and nonce: the parameters an app sends, before any encoding. */
  async function requestParams(): Promise<{ checks: Omit<AuthorizationRequest, 'url'>; params: Record<string, string> }> {
    const verifier = oidc.randomPKCECodeVerifier();
    const checks = { verifier, state: oidc.randomState(), nonce: oidc.randomNonce() };
    const params = {
      redirect_uri: REDIRECT,
      scope: 'openid email',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: checks.state,
      nonce: checks.nonce,
    };
    return { checks, params };
  }

  /** Follows an authorization URL through sign-in and consent to the app, then exchanges the code. */
  async function signInAt(config: oidc.Configuration, url: URL, checks: Omit<AuthorizationRequest, 'url'>) {
    const browser = new HttpBrowser(running.url);
    const started = await browser.follow(url);
    const page = await started.res.text();
    expect(page, 'a sign-in page').toContain('name="password"');
    const posted = await browser.submitSignIn(page, { email: EMAIL, password: PASSWORD });
    expect(posted.status).toBe(303);
    let back = await browser.follow(posted.headers.get('location')!);
    if (!back.url.href.startsWith(REDIRECT)) back = await allowIfAsked(browser, back.res, back.url);
    expect(back.url.href.startsWith(REDIRECT), `back at the app, not at ${back.url.href}`).toBe(true);
    expect(back.url.searchParams.get('code')).toBeTruthy();
    return oidc.authorizationCodeGrant(config, back.url, {
      pkceCodeVerifier: checks.verifier,
      expectedState: checks.state,
      expectedNonce: checks.nonce,
    });
  }

  /** The tokens are the signed-in user's: the ID token's subject is whose email userinfo gives. */
  async function expectSignedInUser(config: oidc.Configuration, tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers) {
    const sub = tokens.claims()!.sub;
    expect((await oidc.fetchUserInfo(config, tokens.access_token, sub)).email).toBe(EMAIL);
  }

  /**
   * What the browser gets for a refused authorization request: the OAuth error, either in a
   * redirect to the app or on the error page (when the redirect URI cannot be trusted), and never a code.
   */
  async function refusedAt(url: URL): Promise<string> {
    const { res, url: landed } = await new HttpBrowser(running.url).follow(url);
    if (landed.href.startsWith(REDIRECT)) {
      expect(landed.searchParams.get('code')).toBeNull();
      return `${landed.searchParams.get('error')}: ${landed.searchParams.get('error_description')}`;
    }
    expect(res.status).toBe(400);
    const page = await res.text();
    expect(page).not.toMatch(/at .*\.js:\d+/);
    return /<p class="error" role="alert">([^<]*)<\/p>/.exec(page)?.[1] ?? page;
  }

  const refusalsOf = (clientId: string) => refusals.filter((r) => r.clientId === clientId);

  it('advertises PAR and signed request objects in discovery, without making either mandatory for all', async () => {
    const res = await fetch(new URL('/.well-known/openid-configuration', running.url));
    const meta = (await res.json()) as Record<string, unknown>;
    expect(meta.pushed_authorization_request_endpoint).toBe(`${running.url}/par`);
    expect(meta.require_pushed_authorization_requests).toBeUndefined();
    expect(meta.request_parameter_supported).toBe(true);
    expect(meta.require_signed_request_object).toBeUndefined();
    const algs = meta.request_object_signing_alg_values_supported as string[];
    expect(algs).toContain('ES256');
    expect(algs).not.toContain('none');
    expect(algs.filter((a) => a.startsWith('HS'))).toEqual([]);
  });

  describe('a client that requires PAR', () => {
    it('is refused at a plain /authorize, and the refusal is audited', async () => {
      const clientId = parClient.clientMetadata().client_id;
      const request = await buildAuthorizationUrl(parClient, REDIRECT, { scope: 'openid' });
      const before = refusalsOf(clientId).length;
      expect(await refusedAt(request.url)).toMatch(/invalid_request.*Pushed Authorization Request must be used/);
      expect(refusalsOf(clientId).slice(before)).toEqual([
        expect.objectContaining({ endpoint: 'authorization', error: 'invalid_request', description: 'Pushed Authorization Request must be used' }),
      ]);
    });

    it('signs in through PAR with openid-client: request_uri, code, tokens', async () => {
      const { checks, params } = await requestParams();
      const url = await oidc.buildAuthorizationUrlWithPAR(parClient, params);
      expect([...url.searchParams.keys()].sort()).toEqual(['client_id', 'request_uri']);
      const tokens = await signInAt(parClient, url, checks);
      await expectSignedInUser(parClient, tokens);
    });
  });

  describe('a client that requires signed request objects', () => {
    it('signs in with a request object signed with its registered key', async () => {
      const { checks, params } = await requestParams();
      const url = await oidc.buildAuthorizationUrlWithJAR(jarClient, params, { key: keys.privateKey, kid: KID });
      expect([...url.searchParams.keys()].sort()).toEqual(['client_id', 'request']);
      const tokens = await signInAt(jarClient, url, checks);
      await expectSignedInUser(jarClient, tokens);
    });

    it('signs in with a signed request object pushed through PAR', async () => {
      const { checks, params } = await requestParams();
      const jar = await oidc.buildAuthorizationUrlWithJAR(jarClient, params, { key: keys.privateKey, kid: KID });
      const url = await oidc.buildAuthorizationUrlWithPAR(jarClient, jar.searchParams);
      expect([...url.searchParams.keys()].sort()).toEqual(['client_id', 'request_uri']);
      const tokens = await signInAt(jarClient, url, checks);
      await expectSignedInUser(jarClient, tokens);
    });

    it('refuses plain parameters, at /authorize and at /par', async () => {
      const clientId = jarClient.clientMetadata().client_id;
      const before = refusalsOf(clientId).length;
      const request = await buildAuthorizationUrl(jarClient, REDIRECT, { scope: 'openid' });
      expect(await refusedAt(request.url)).toMatch(/invalid_request.*Request Object must be used by this client/);

      const { params } = await requestParams();
      await expect(oidc.buildAuthorizationUrlWithPAR(jarClient, params)).rejects.toMatchObject({
        error: 'invalid_request',
        error_description: 'Request Object must be used by this client',
      });
      expect(refusalsOf(clientId).slice(before).map((r) => `${r.endpoint} ${r.error}`)).toEqual([
        'authorization invalid_request',
        'pushed_authorization_request invalid_request',
      ]);
    });

    it('refuses a request object signed with a key it never registered, even under its key id', async () => {
      const attacker = await generateKeyPair('ES256');
      const { params } = await requestParams();
      const forged = await oidc.buildAuthorizationUrlWithJAR(jarClient, params, { key: attacker.privateKey, kid: KID });
      expect(await refusedAt(forged)).toMatch(/invalid_request_object.*could not validate Request Object/);
      await expect(oidc.buildAuthorizationUrlWithPAR(jarClient, forged.searchParams)).rejects.toMatchObject({
        error: 'invalid_request_object',
      });
    });

    it('refuses an unsigned (alg none) request object, at /authorize and at /par', async () => {
      const clientId = jarClient.clientMetadata().client_id;
      const { params } = await requestParams();
      const unsigned = new UnsecuredJWT({ ...params, response_type: 'code', client_id: clientId })
        .setIssuer(clientId)
        .setAudience(running.url)
        .setIssuedAt()
        .setExpirationTime('1m')
        .encode();
      const url = oidc.buildAuthorizationUrl(jarClient, { request: unsigned });
      expect(await refusedAt(url)).toMatch(/invalid_request_object.*unsupported signed request alg/);
      await expect(oidc.buildAuthorizationUrlWithPAR(jarClient, { request: unsigned })).rejects.toMatchObject({
        error: 'invalid_request_object',
      });
    });
  });

  it('takes an optional signed request object from a client that registered keys but requires nothing', async () => {
    const { config } = await running.registerClient({
      name: 'Bed management',
      mfaPolicy: 'optional',
      redirectUris: [REDIRECT],
      jwks: { keys: [await publicJwk()] },
    });
    const signed = await requestParams();
    const jarTokens = await signInAt(config, await oidc.buildAuthorizationUrlWithJAR(config, signed.params, { key: keys.privateKey, kid: KID }), signed.checks);
    await expectSignedInUser(config, jarTokens);
    const plain = await requestParams();
    const plainTokens = await signInAt(config, oidc.buildAuthorizationUrl(config, plain.params), plain.checks);
    await expectSignedInUser(config, plainTokens);
  });
});
