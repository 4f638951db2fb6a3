import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useDatabase } from '../../support/fixture.js';
import { freePort } from '../../support/ports.js';
import { startService, type ServiceProcess } from '../../support/service-process.js';
import {
  adminGet,
  adminPost,
  adminToken,
  BOOTSTRAP_ID,
  BOOTSTRAP_SECRET,
  bootstrapEnv,
  refOfToken,
  tokenRequest,
} from '../../integration/audit/audit-test-kit.js';

const CLI = fileURLToPath(new URL('../../../dist/src/audit/audit-verify.cli.js', import.meta.url));
const GRANTS = 50;

/**
 * Two instances on one database take 50 concurrent client-credentials grants between them
 * (two-instances-sign-in.test.ts does the same with password sign-ins): the chain stays one
 * line, gap-free, and verifies, online and offline with the CLI.
 */
describe('concurrent grants across two instances', () => {
  const db = useDatabase();
  let a: ServiceProcess;
  let b: ServiceProcess;
  let dir: string;
  let tokens: string[];
  let admin: string;
  const bootstrap = { clientId: BOOTSTRAP_ID, clientSecret: BOOTSTRAP_SECRET };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'caduceus-audit-'));
    // One service behind a proxy: both instances share the database, the KEK and the public issuer.
    const portA = await freePort();
    const env = {
      DATABASE_URL: db.url,
      KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      ISSUER: `http://localhost:${portA}`,
      ...bootstrapEnv(),
    };
    a = await startService(env, portA);
    b = await startService(env);
    const responses = await Promise.all(
      Array.from({ length: GRANTS }, (_, i) => tokenRequest(i % 2 === 0 ? a.url : b.url, bootstrap)),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(GRANTS).fill(200));
    tokens = await Promise.all(responses.map(async (r) => ((await r.json()) as { access_token: string }).access_token));
    admin = await adminToken(a.url, bootstrap, 'super-admin');
  });

  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('records every grant once, on one gap-free chain', async () => {
    const rows = await db.query<{ seq: string; prev_hash: string; hash: string; ref: string | null }>(
      `SELECT seq, prev_hash, hash, details->>'tokenRef' AS ref FROM audit_events ORDER BY seq`,
    );
    expect(rows.map((r) => Number(r.seq))).toEqual(rows.map((_, i) => i + 1));
    for (let i = 1; i < rows.length; i++) expect(rows[i]!.prev_hash).toBe(rows[i - 1]!.hash);
    const refs = rows.map((r) => r.ref);
    for (const token of tokens) expect(refs.filter((r) => r === refOfToken(token))).toHaveLength(1);
  });

  it('verifies through either instance', async () => {
    for (const service of [a, b]) {
      const report = (await (await adminGet(service.url, admin, '/admin/v1/audit/verify')).json()) as Record<string, any>;
      expect(report).toMatchObject({ ok: true, firstBroken: null });
      expect(report.recordsChecked).toBeGreaterThanOrEqual(GRANTS);
    }
  });

  it('verifies offline with the CLI from an export, a checkpoint and the JWKS, and names an edited record', async () => {
    const checkpoint = (await (await adminPost(b.url, admin, '/admin/v1/audit/checkpoints')).json()) as { id: string; seq: number };
    const jws = await (await adminGet(a.url, admin, `/admin/v1/audit/checkpoints/${checkpoint.id}/jws`)).text();
    const ndjson = await (await adminGet(a.url, admin, '/admin/v1/audit/export?format=ndjson')).text();
    const jwks = await (await fetch(`${a.url}/jwks`)).text();
    writeFileSync(join(dir, 'export.ndjson'), ndjson);
    writeFileSync(join(dir, 'cp.jws'), jws);
    writeFileSync(join(dir, 'jwks.json'), jwks);
    const run = (file: string) =>
      spawnSync(process.execPath, [CLI, '--file', join(dir, file), '--checkpoint', join(dir, 'cp.jws'), '--jwks', join(dir, 'jwks.json')], {
        encoding: 'utf8',
      });

    const ok = run('export.ndjson');
    expect(ok.status, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toContain(`VERIFIED: records through ${checkpoint.seq} are proven by a signed checkpoint`);

    const lines = ndjson.trim().split('\n');
    const victim = JSON.parse(lines[10]!);
    lines[10] = JSON.stringify({ ...victim, outcome: 'failure' });
    writeFileSync(join(dir, 'edited.ndjson'), `${lines.join('\n')}\n`);
    const broken = run('edited.ndjson');
    expect(broken.status).toBe(1);
    expect(broken.stdout).toContain(`BROKEN at record ${victim.seq} (altered)`);
    expect(broken.stdout).toContain('NOT VERIFIED');

    const usage = spawnSync(process.execPath, [CLI, '--file', join(dir, 'export.ndjson')], { encoding: 'utf8' });
    expect(usage.status).toBe(2);
  });
});
