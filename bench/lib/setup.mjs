// One-time set-up against the bench database, before the service process starts: the built
// application in-process (its own services, so password hashing and TOTP enrolment are the
// product's own code), creating the clients and the users the scenarios sign in as.
// Users go in this way because /admin/v1/users is not in the product yet (see BENCHMARKS.md).
import { generateKeyPairSync } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { ROOT, freePort } from './service.mjs';
import { currentStep, totpAt } from './totp.mjs';

export const PASSWORD = 'a long and unusual passphrase 7';
export const REDIRECT = 'http://127.0.0.1:9/callback';
/** The API the introspected tokens are for (its audience is the bench resource server client). */
export const LAB_API = 'urn:bench:lab-results';
export const LAB_SCOPE = 'lab.results.read';

const dist = (p) => import(pathToFileURL(`${ROOT}dist/src/${p}`).href);

async function pool(items, concurrency, fn) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i], i);
      }
    }),
  );
}

/** Creates clients and `users` users with a confirmed TOTP factor; returns what the scenarios need. */
export async function setUp(env, users) {
  const { loadConfig } = await dist('config/index.js');
  const { createApp } = await dist('app.factory.js');
  const { ClientsService } = await dist('clients/index.js');
  const { IdentityService } = await dist('identity/index.js');
  const { MfaService } = await dist('mfa/index.js');
  const port = await freePort();
  const config = loadConfig({ ...env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'silent' });
  const app = await createApp(config, { logger: false });
  await app.init();
  try {
    const clients = app.get(ClientsService);
    const identity = app.get(IdentityService);
    const mfa = app.get(MfaService);

    const basic = await clients.createClient({
      name: 'Bench lab interface',
      type: 'confidential',
      grantTypes: ['client_credentials'],
      tokenEndpointAuthMethod: 'client_secret_basic',
      resourceScopes: [LAB_SCOPE],
    });
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'bench-1', alg: 'ES256', use: 'sig' };
    const jwt = await clients.createClient({
      name: 'Bench device gateway',
      type: 'confidential',
      grantTypes: ['client_credentials'],
      tokenEndpointAuthMethod: 'private_key_jwt',
      jwks: { keys: [jwk] },
    });
    const resourceServer = await clients.createClient({
      name: 'Bench resource server',
      type: 'confidential',
      grantTypes: ['client_credentials'],
      tokenEndpointAuthMethod: 'client_secret_basic',
    });
    // Introspection answers a resource server only about tokens in its audience (#17): the API
    // the introspected tokens are issued for names this client as its audience.
    await clients.registerResourceServer({
      identifier: LAB_API,
      name: 'Bench lab results API',
      audience: resourceServer.clientId,
      scopes: [LAB_SCOPE],
      accessTokenFormat: 'opaque',
    });
    const web = await clients.createClient({
      name: 'Bench charting app',
      type: 'confidential',
      redirectUris: [REDIRECT],
      grantTypes: ['authorization_code', 'refresh_token'],
      tokenEndpointAuthMethod: 'client_secret_basic',
      mfaPolicy: 'required',
    });

    const created = [];
    await pool(
      Array.from({ length: users }, (_, i) => i),
      4,
      async (i) => {
        const email = `clinician${i}@bench.hospital.test`;
        const user = await identity.createUser({ email, password: PASSWORD });
        const enrolment = await mfa.startTotpEnrolment(user.id, email);
        // Confirmed with the previous step's code, so the current step is free for the first sign-in.
        const step = currentStep();
        const ok = await mfa.confirmTotpEnrolment(user.id, enrolment.factorId, totpAt(enrolment.secret, step - 1));
        if (!ok.ok) throw new Error(`TOTP enrolment of ${email} failed: ${JSON.stringify(ok)}`);
        created.push({ email, password: PASSWORD, secret: enrolment.secret, lastStep: step - 1 });
      },
    );
    return {
      basic: { clientId: basic.clientId, clientSecret: basic.clientSecret },
      jwt: { clientId: jwt.clientId, privateKey: privateKey.export({ format: 'pem', type: 'pkcs8' }), kid: 'bench-1' },
      resourceServer: { clientId: resourceServer.clientId, clientSecret: resourceServer.clientSecret },
      web: { clientId: web.clientId, clientSecret: web.clientSecret, redirectUri: REDIRECT },
      users: created,
    };
  } finally {
    await app.close();
  }
}
