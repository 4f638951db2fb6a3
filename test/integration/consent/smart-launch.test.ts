import { exportJWK, generateKeyPair } from 'jose';
import * as oidc from 'openid-client';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DomainEvent } from '../../../src/events/index.js';
import { HttpBrowser } from '../../support/http-browser.js';
import { useApp } from '../../support/fixture.js';
import { buildAuthorizationUrl } from '../../support/relying-party.js';
import { choose, createApp, createUser, exchange, FHIR, followTo, PASSWORD, recordEvents, scopeSet, startAndSignIn } from './consent-harness.js';

const REDIRECT = 'http://127.0.0.1:9/callback';

/**
 * SMART standalone launch against the real service: the patient picker, the launch context in
 * the token response and at introspection, aud validation, malformed scopes refused.
 */
describe('SMART standalone launch', () => {
  let events: DomainEvent[];
  let app: Awaited<ReturnType<typeof createApp>>;

  const running = useApp({ env: { FHIR_BASE_URLS: `${FHIR},https://fhir.hospital.test/dstu2` } });

  beforeAll(async () => {
    events = recordEvents(running);
    app = await createApp(running, {
      name: 'Growth Charts',
      redirectUris: [REDIRECT],
      resourceScopes: ['launch/patient', 'launch/encounter', 'fhirUser', 'patient/*.rs', 'user/Patient.rs'],
    });
  });

  it('asks a clinician which patient to open, then returns that patient with the token and at introspection', async () => {
    await createUser(running, 'paediatrician@hospital.test', {
      fhirUser: 'Practitioner/pr-7',
      patients: [
        { patientId: 'pat-100', displayName: 'Alice Example (born 2019-03-02)', encounterId: 'enc-1' },
        { patientId: 'pat-200', displayName: 'Bob Example (born 2020-11-17)', encounterId: 'enc-2' },
      ],
    });
    const browser = new HttpBrowser(running.url);
    const { request, step } = await startAndSignIn(browser, app, REDIRECT, 'paediatrician@hospital.test', {
      scope: 'openid fhirUser launch/patient launch/encounter patient/Observation.rs patient/Patient.r',
      aud: FHIR,
    });
    expect(step.kind).toBe('page');
    const picker = step as Extract<typeof step, { kind: 'page' }>;
    expect(picker.html).toContain('Choose a patient');
    expect(picker.html).toContain('Alice Example (born 2019-03-02)');
    expect(picker.html).toContain('Bob Example (born 2020-11-17)');

    // A patient id the user was not given is not accepted.
    const forged = await choose(browser, picker, { patient: 'pat-999' }, REDIRECT).catch((e: Error) => e);
    expect(forged).toBeInstanceOf(Error);

    const consent = await choose(browser, picker, { patient: 'pat-200' }, REDIRECT);
    expect(consent.kind).toBe('page');
    const page = (consent as Extract<typeof consent, { kind: 'page' }>).html;
    expect(page).toContain('Bob Example (born 2020-11-17)');
    expect(page).toContain('>Allow</button>');
    expect(page).toContain('>Deny</button>');

    const back = await choose(browser, consent, { decision: 'allow' }, REDIRECT);
    expect(back.kind).toBe('callback');
    const tokens = await exchange(app, back.url, request);
    expect(tokens.patient).toBe('pat-200');
    expect(tokens.encounter).toBe('enc-2');
    expect(scopeSet(tokens.scope)).toEqual(scopeSet('openid fhirUser launch/patient launch/encounter patient/Observation.rs patient/Patient.r'));
    expect(tokens.claims()!.fhirUser).toBe('Practitioner/pr-7');

    const introspection = await oidc.tokenIntrospection(app.config, tokens.access_token);
    expect(introspection).toMatchObject({ active: true, aud: FHIR, patient: 'pat-200', encounter: 'enc-2', fhirUser: 'Practitioner/pr-7' });
    expect(events.filter((e) => e.name === 'consent.granted').at(-1)?.payload).toMatchObject({ via: 'consent_page', patientId: 'pat-200' });
  });

  it('refuses a request whose aud is not a FHIR server it protects, and a SMART request without aud', async () => {
    const browser = new HttpBrowser(running.url);
    const wrong = await buildAuthorizationUrl(app.config, REDIRECT, { scope: 'openid patient/Observation.rs', aud: 'https://evil.example/fhir' });
    const refused = await followTo(browser, wrong.url, REDIRECT);
    expect(refused.kind).toBe('callback');
    expect(refused.url.searchParams.get('error')).toBe('invalid_request');

    const missing = await buildAuthorizationUrl(app.config, REDIRECT, { scope: 'openid launch/patient patient/Observation.rs' });
    const noAud = await followTo(browser, missing.url, REDIRECT);
    expect(noAud.kind === 'callback' && noAud.url.searchParams.get('error')).toBe('invalid_request');
  });

  it('refuses malformed SMART scopes with invalid_scope instead of ignoring them', async () => {
    const browser = new HttpBrowser(running.url);
    for (const scope of ['openid patient/Observation.rx', 'openid patient/Observation.read?category=laboratory', 'openid launch/']) {
      const request = await buildAuthorizationUrl(app.config, REDIRECT, { scope, aud: FHIR });
      const step = await followTo(browser, request.url, REDIRECT);
      expect(step.kind, scope).toBe('callback');
      expect(step.url.searchParams.get('error'), scope).toBe('invalid_scope');
    }
  });

  it('launches through PAR with aud, and with a signed request object whose own aud is the issuer (JAR)', async () => {
    await createUser(running, 'ward.doctor@hospital.test', { fhirUser: null, patients: [{ patientId: 'pat-300', displayName: 'Carol Example' }] });
    const keys = await generateKeyPair('ES256');
    const jarApp = await createApp(running, {
      name: 'Fluid Balance',
      redirectUris: [REDIRECT],
      resourceScopes: ['launch/patient', 'patient/*.rs'],
      jwks: { keys: [{ ...(await exportJWK(keys.publicKey)), kty: 'EC', kid: 'fb-1' }] },
      requireSignedRequestObject: true,
    });
    const scope = 'openid launch/patient patient/Observation.rs';

    for (const via of ['PAR', 'JAR'] as const) {
      const verifier = oidc.randomPKCECodeVerifier();
      const request = { verifier, state: oidc.randomState(), nonce: oidc.randomNonce() };
      const params = {
        redirect_uri: REDIRECT,
        scope,
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state: request.state,
        nonce: request.nonce,
      };
      // A request object's aud claim must name the issuer (RFC 9101), so the FHIR server goes in resource.
      const url =
        via === 'PAR'
          ? await oidc.buildAuthorizationUrlWithPAR(app.config, { ...params, aud: FHIR })
          : await oidc.buildAuthorizationUrlWithJAR(jarApp.config, { ...params, resource: FHIR }, { key: keys.privateKey, kid: 'fb-1' });
      const browser = new HttpBrowser(running.url);
      let step = await followTo(browser, url, REDIRECT);
      expect(step.kind === 'page' && step.html, via).toContain('name="password"');
      const posted = await browser.submitSignIn((step as Extract<typeof step, { kind: 'page' }>).html, { email: 'ward.doctor@hospital.test', password: PASSWORD });
      step = await followTo(browser, posted.headers.get('location')!, REDIRECT);
      if (step.kind === 'page' && step.html.includes('Choose a patient')) step = await choose(browser, step, { patient: 'pat-300' }, REDIRECT);
      step = await choose(browser, step, { decision: 'allow' }, REDIRECT);
      expect(step.kind, via).toBe('callback');
      const tokens = await exchange(via === 'PAR' ? app : jarApp, step.url, request);
      expect(tokens.patient, via).toBe('pat-300');
      expect(scopeSet(tokens.scope), via).toEqual(scopeSet(scope));
      // Introspected by the client the token was issued to: no other client may see it (#17).
      expect(await oidc.tokenIntrospection((via === 'PAR' ? app : jarApp).config, tokens.access_token), via).toMatchObject({ active: true, aud: FHIR, patient: 'pat-300' });
    }
  });
});
