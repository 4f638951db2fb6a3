import { randomBytes } from 'node:crypto';
import { createLocalJWKSet, compactVerify, type JSONWebKeySet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeysService } from '../../../src/keys/index.js';
import { KekRotationService } from '../../../src/keys/kek-rotation.service.js';
import { rotateKekFromEnvironment } from '../../../src/app/kek-rotation.runner.js';
import { KeyLifecycleService } from '../../../src/keys/key-lifecycle.service.js';
import { PoliciesService } from '../../../src/policies/index.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { startApp, testKek, type RunningApp } from '../../support/in-process-app.js';

const PRIVATE_JWK_MEMBER = /"(d|p|q|dp|dq|qi|k)"\s*:/;
const PEM_PRIVATE = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;
const ALL_ALGS = 'ES256,PS256,RS256,EdDSA';
const SYSTEM = { actor: { type: 'system' as const, id: 'test' } };

/** Every column of every table, as someone with a copy of the database would read it. */
async function expectNoPrivateKeyInClear(db: TestDatabase, secrets: Buffer[] = []): Promise<void> {
  const tables = await db.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
  );
  expect(tables.length).toBeGreaterThan(3);
  for (const { table_name } of tables) {
    const dump = JSON.stringify(await db.query(`SELECT * FROM "${table_name}"`));
    expect(dump, table_name).not.toMatch(PRIVATE_JWK_MEMBER);
    expect(dump, table_name).not.toMatch(PEM_PRIVATE);
    for (const secret of secrets) {
      expect(dump, table_name).not.toContain(secret.toString('base64url'));
      expect(dump, table_name).not.toContain(secret.toString('base64'));
      expect(dump, table_name).not.toContain(secret.toString('hex'));
    }
  }
}

const jwksOf = async (running: RunningApp): Promise<JSONWebKeySet> => (await (await fetch(`${running.url}/jwks`)).json()) as JSONWebKeySet;

/** Nobody with a copy of the database can mint tokens: private keys exist only sealed. */
describe('signing keys at rest', () => {
  let db: TestDatabase;
  let running: RunningApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    running = await startApp({ DATABASE_URL: db.url, KEY_ENCRYPTION_KEY: testKek(), SIGNING_ALGS: ALL_ALGS });
  });

  afterAll(async () => {
    await running?.close();
    await db?.drop();
  });

  it('generates one active key per configured algorithm and publishes only their public parts', async () => {
    const keys = await db.query<{ kid: string; alg: string; state: string }>('SELECT kid, alg, state FROM signing_keys ORDER BY alg');
    expect(keys.map((k) => [k.alg, k.state])).toEqual([
      ['ES256', 'active'],
      ['EdDSA', 'active'],
      ['PS256', 'active'],
      ['RS256', 'active'],
    ]);
    const jwks = await jwksOf(running);
    expect(jwks.keys).toHaveLength(4);
    const byAlg = Object.fromEntries(jwks.keys.map((k) => [k.alg, k]));
    expect(byAlg.ES256).toMatchObject({ kty: 'EC', crv: 'P-256', use: 'sig' });
    expect(byAlg.EdDSA).toMatchObject({ kty: 'OKP', crv: 'Ed25519', use: 'sig' });
    // New RSA keys are 3072-bit: a 384-byte modulus.
    for (const alg of ['PS256', 'RS256']) {
      expect(byAlg[alg]).toMatchObject({ kty: 'RSA', use: 'sig' });
      expect(Buffer.from(byAlg[alg]!.n!, 'base64url')).toHaveLength(384);
    }
    expect(JSON.stringify(jwks)).not.toMatch(PRIVATE_JWK_MEMBER);

    const discovery = (await (await fetch(`${running.url}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(discovery.id_token_signing_alg_values_supported).toEqual(expect.arrayContaining(['ES256', 'PS256', 'RS256', 'EdDSA']));
  });

  it('signs with every algorithm, verifiably against /jwks', async () => {
    const keys = running.app.get(KeysService);
    const jwks = createLocalJWKSet(await jwksOf(running));
    for (const alg of ['ES256', 'PS256', 'RS256', 'EdDSA'] as const) {
      const jws = await keys.signJws({ statement: alg }, 'test+jws', alg);
      const { protectedHeader, payload } = await compactVerify(jws, jwks);
      expect(protectedHeader.alg).toBe(alg);
      expect(JSON.parse(new TextDecoder().decode(payload))).toEqual({ statement: alg });
    }
  });

  it('holds no private key material in clear in any column of any table, through every lifecycle state', async () => {
    const lifecycle = running.app.get(KeyLifecycleService);
    for (const alg of ['ES256', 'PS256', 'RS256', 'EdDSA'] as const) await lifecycle.rotateNow(alg, false, SYSTEM);
    await lifecycle.rotateNow('ES256', true, SYSTEM);
    const [{ kid }] = await db.query<{ kid: string }>(`SELECT kid FROM signing_keys WHERE alg = 'RS256' AND state = 'active'`);
    await lifecycle.revoke(kid, 'test', SYSTEM);
    const states = await db.query<{ state: string }>(`SELECT DISTINCT state FROM signing_keys ORDER BY state`);
    expect(states.map((s) => s.state)).toEqual(['active', 'next', 'retired', 'revoked']);
    await expectNoPrivateKeyInClear(db);
  });

  it('refuses to start with a different key-encryption key instead of running unsigned', async () => {
    await expect(startApp({ DATABASE_URL: db.url, KEY_ENCRYPTION_KEY: Buffer.alloc(32, 9).toString('base64') })).rejects.toThrow(
      /sealed under key-encryption key .* but KEY_ENCRYPTION_KEY is/,
    );
  });
});

/**
 * KEK rotation, as an operator runs it: every instance restarted with the new key and the old
 * one as KEY_ENCRYPTION_KEY_PREVIOUS, then one re-seal; then the old key can be destroyed.
 */
describe('key-encryption key rotation', () => {
  const oldKek = randomBytes(32);
  const newKek = randomBytes(32);
  const newerKek = randomBytes(32);
  let db: TestDatabase;
  let running: RunningApp | undefined;

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(async () => {
    await running?.close();
    await db?.drop();
  });

  const start = (kek: Buffer, previous?: Buffer) =>
    startApp({
      DATABASE_URL: db.url,
      KEY_ENCRYPTION_KEY: kek.toString('base64'),
      ...(previous ? { KEY_ENCRYPTION_KEY_PREVIOUS: previous.toString('base64') } : {}),
      SIGNING_ALGS: ALL_ALGS,
    });
  const sealedRows = () =>
    db.query<{ id: string; kek_id: string; ciphertext: string; wrapped: string }>(
      `SELECT kid AS id, kek_id, sealed_private_jwk AS ciphertext, wrapped_data_key AS wrapped FROM signing_keys
       UNION ALL SELECT name, kek_id, sealed_value, wrapped_data_key FROM sealed_secrets ORDER BY id`,
    );

  it('re-seals every signing key and secret under the new KEK without changing a single key', async () => {
    running = await start(oldKek);
    await running.app.get(KeyLifecycleService).rotateNow('ES256', false, SYSTEM);
    const jwksBefore = await jwksOf(running);
    const before = await sealedRows();
    expect(new Set(before.map((r) => r.kek_id)).size).toBe(1);
    expect(before.length).toBeGreaterThan(5);
    await running.close();

    running = await start(newKek, oldKek);
    expect(await jwksOf(running)).toEqual(jwksBefore);
    const outcome = await running.app.get(KekRotationService).rotateKek(SYSTEM);
    expect(outcome).toMatchObject({ signingKeys: 5, secrets: before.length - 5, fromKekIds: [before[0]!.kek_id] });
    const after = await sealedRows();
    expect(new Set(after.map((r) => r.kek_id))).toEqual(new Set([outcome.toKekId]));
    // Same sealed keys (same data keys): only the wrapping of each data key changed.
    expect(after.map((r) => [r.id, r.ciphertext])).toEqual(before.map((r) => [r.id, r.ciphertext]));
    for (const [i, row] of after.entries()) expect(row.wrapped).not.toBe(before[i]!.wrapped);
    expect(await running.app.get(KekRotationService).rotateKek(SYSTEM)).toMatchObject({ signingKeys: 0, secrets: 0 });
    await running.close();
    running = undefined;

    // The old KEK can now be destroyed: the new one alone serves the very same keys...
    running = await start(newKek);
    expect(await jwksOf(running)).toEqual(jwksBefore);
    await expectNoPrivateKeyInClear(db, [oldKek, newKek]);
    await running.close();
    running = undefined;
    // ... and the old one alone no longer opens anything.
    await expect(start(oldKek)).rejects.toThrow(/sealed under key-encryption key/);
  });

  it('does the same from the command line (npm run keys:rotate-kek) with the service environment', async () => {
    await expect(rotateKekFromEnvironment({ DATABASE_URL: db.url, KEY_ENCRYPTION_KEY: newerKek.toString('base64'), LOG_LEVEL: 'silent' })).rejects.toThrow(
      /KEY_ENCRYPTION_KEY_PREVIOUS/,
    );
    const outcome = await rotateKekFromEnvironment({
      DATABASE_URL: db.url,
      KEY_ENCRYPTION_KEY: newerKek.toString('base64'),
      KEY_ENCRYPTION_KEY_PREVIOUS: newKek.toString('base64'),
      LOG_LEVEL: 'silent',
    });
    expect(outcome.signingKeys).toBe(5);
    running = await start(newerKek);
    expect((await jwksOf(running)).keys).toHaveLength(5);
    await expectNoPrivateKeyInClear(db, [oldKek, newKek, newerKek]);
  });

  it('refuses the command-line rotation while dual control is on (it is asked for through the admin API)', async () => {
    const policies = running!.app.get(PoliciesService);
    await policies.update({ admin: { dualControl: true } }, [(await policies.read()).version], SYSTEM.actor);
    const before = await sealedRows();
    await expect(
      rotateKekFromEnvironment({
        DATABASE_URL: db.url,
        KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
        KEY_ENCRYPTION_KEY_PREVIOUS: newerKek.toString('base64'),
        LOG_LEVEL: 'silent',
      }),
    ).rejects.toThrow(/dual control is on: request the rotation with POST \/admin\/v1\/keys\/kek\/rotate/);
    expect(await sealedRows()).toEqual(before);
  });
});
