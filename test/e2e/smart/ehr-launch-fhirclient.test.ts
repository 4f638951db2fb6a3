import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientsService } from '../../../src/clients/index.js';
import type { DomainEvent } from '../../../src/events/index.js';
import { launchBrowser, reachApp } from '../../support/browser.js';
import { freePort } from '../../support/ports.js';
import { startAdminApi, type AdminApi } from '../../integration/admin/admin-api.js';
import { createUser, PASSWORD, recordEvents } from '../../integration/consent/consent-harness.js';

const EMAIL = 'dr.launch@hospital.test';
const SCOPE = 'openid fhirUser launch patient/Patient.r patient/Observation.rs';

/** A small HTTP server answering each path with a handler. */
async function serve(port: number, handle: (path: string) => Promise<{ type: string; body: string; headers?: Record<string, string> } | null>): Promise<Server> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    handle(path).then(
      (out) => (out ? res.writeHead(200, { 'content-type': out.type, ...out.headers }).end(out.body) : res.writeHead(404).end()),
      (err: Error) => res.writeHead(500).end(err.message),
    );
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return server;
}

/**
 * The SMART EHR launch as hospitals run it, with the official SMART client (`fhirclient`) in a
 * real browser: the EHR creates a launch through the admin API and opens the app with `launch`
 * and `iss`; the app's `FHIR.oauth2.authorize` reads the FHIR server's SMART discovery and
 * sends the clinician here; after sign-in and consent, `FHIR.oauth2.ready()` exchanges the code
 * and the app has the patient and encounter the EHR chose.
 */
describe('SMART EHR launch with fhirclient in Chromium', () => {
  let api: AdminApi;
  let browser: Browser;
  let fhirServer: Server;
  let appServer: Server;
  let fhirBase: string;
  let appOrigin: string;
  let clientId: string;
  let events: DomainEvent[];

  beforeAll(async () => {
    // The FHIR server's port comes first: FHIR_BASE_URLS names it.
    const fhirPort = await freePort();
    fhirBase = `http://127.0.0.1:${fhirPort}/fhir`;
    api = await startAdminApi({ FHIR_BASE_URLS: fhirBase, SMART_EHR_LAUNCH: 'on' });
    events = recordEvents(api.running);
    // The FHIR server publishes its authorization server's SMART discovery, as SMART requires.
    fhirServer = await serve(fhirPort, async (path) =>
      path === '/fhir/.well-known/smart-configuration'
        ? { type: 'application/json', body: await (await fetch(`${api.url}/.well-known/smart-configuration`)).text(), headers: { 'access-control-allow-origin': '*' } }
        : null,
    );
    const bundle = await readFile(createRequire(import.meta.url).resolve('fhirclient/build/fhir-client.js'), 'utf8');
    const appPort = await freePort();
    appOrigin = `http://127.0.0.1:${appPort}`;
    const registered = await api.running.app.get(ClientsService).createClient({
      name: 'Growth Charts',
      type: 'public',
      grantTypes: ['authorization_code'],
      redirectUris: [`${appOrigin}/app/index.html`],
      resourceScopes: ['launch', 'fhirUser', 'patient/*.rs'],
      mfaPolicy: 'optional',
    } as Parameters<ClientsService['createClient']>[0]);
    clientId = registered.clientId;
    // The app: a launch page calling authorize({ launch, iss, clientId, scope, redirectUri }), and a page calling ready().
    appServer = await serve(appPort, async (path) => {
      if (path === '/app/fhir-client.js') return { type: 'text/javascript', body: bundle };
      if (path === '/app/launch.html') {
        return {
          type: 'text/html',
          body: `<!DOCTYPE html><title>Launching</title><script src="fhir-client.js"></script><script>
            const q = new URLSearchParams(location.search);
            FHIR.oauth2.authorize({ launch: q.get('launch'), iss: q.get('iss'), clientId: ${JSON.stringify(clientId)},
              scope: ${JSON.stringify(SCOPE)}, redirectUri: ${JSON.stringify(`${appOrigin}/app/index.html`)} })
              .catch((e) => { document.title = 'authorize failed: ' + e.message; });
          </script>`,
        };
      }
      if (path === '/app/index.html') {
        return {
          type: 'text/html',
          body: `<!DOCTYPE html><title>App</title><script src="fhir-client.js"></script><script>
            FHIR.oauth2.ready().then((client) => {
              window.launched = { patient: client.getPatientId(), encounter: client.getEncounterId(), tokenResponse: client.state.tokenResponse };
              document.title = 'ready';
            }, (e) => { window.launched = { error: String(e && e.message || e) }; document.title = 'ready failed'; });
          </script>`,
        };
      }
      return null;
    });
    await createUser(api.running, EMAIL, { fhirUser: 'Practitioner/pr-77', patients: [{ patientId: 'pat-standalone', displayName: 'Somebody Else' }] });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => appServer?.close(r));
    await new Promise((r) => fhirServer?.close(r));
    await api?.close();
  });

  it('gives the app exactly the patient and encounter the EHR created the launch with', async () => {
    const ehr = await api.token(['smart-launch']);
    const created = await api.call('POST', '/admin/v1/smart/launches', {
      token: ehr,
      body: { clientId, fhirBase, patient: 'pat-4711', encounter: 'enc-0815', fhirUser: 'Practitioner/pr-77', needPatientBanner: false },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);

    // The EHR opens the app with launch and iss, as SMART App Launch 2.x describes.
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${appOrigin}/app/launch.html?${new URLSearchParams({ launch: created.body.launch, iss: created.body.iss })}`);
    await page.getByLabel('Email').waitFor({ timeout: 15_000 }).catch(async (e: Error) => {
      throw new Error(`${e.message}\nat ${page.url()} (${await page.title()})\n${(await page.content()).slice(0, 1000)}`);
    });
    const authorizeUrl = new URL(page.url());
    expect(authorizeUrl.origin).toBe(api.url);
    await page.getByLabel('Email').fill(EMAIL);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await reachApp(page, `${appOrigin}/app/index.html`);
    await page.waitForFunction(() => (globalThis as unknown as { launched?: unknown }).launched !== undefined, undefined, { timeout: 15_000 });
    const launched = (await page.evaluate(() => (globalThis as unknown as { launched: unknown }).launched)) as {
      patient?: string;
      encounter?: string;
      error?: string;
      tokenResponse?: Record<string, unknown>;
    };
    expect(launched.error).toBeUndefined();
    expect(launched.patient).toBe('pat-4711');
    expect(launched.encounter).toBe('enc-0815');
    expect(launched.tokenResponse).toMatchObject({ patient: 'pat-4711', encounter: 'enc-0815', need_patient_banner: false });
    expect(String(launched.tokenResponse?.scope).split(' ')).toContain('launch');
    expect(events.find((e) => e.name === 'smart.launch.used')?.payload).toMatchObject({ launchId: created.body.id, clientId });
    await page.context().close();
  });
});
