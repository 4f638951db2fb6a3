import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnService } from '../../support/service-process.js';
import { freePort } from '../../support/ports.js';

const dataDir = mkdtempSync(join(tmpdir(), 'caduceus-failfast-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

async function startExpectingFailure(env: Record<string, string>) {
  const { output, exited } = spawnService({ DATA_DIR: dataDir, PORT: String(await freePort()), ...env });
  const code = await exited;
  const lines = output()
    .split('\n')
    .filter((l) => l.startsWith('caduceus:'));
  return { code, lines, output: output() };
}

/** An identity service fails closed: a bad setting stops start-up with one clear line. */
describe('start-up with bad configuration', () => {
  it('names an unknown PORT value', async () => {
    const { code, lines, output } = await startExpectingFailure({ PORT: 'eighty' });
    expect(code).not.toBe(0);
    expect(lines).toEqual(['caduceus: invalid configuration: PORT must be a whole number from 1 to 65535']);
    expect(output).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('names a malformed KEY_ENCRYPTION_KEY without echoing it', async () => {
    const { code, lines } = await startExpectingFailure({ KEY_ENCRYPTION_KEY: 'too-short-secret-value' });
    expect(code).not.toBe(0);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^caduceus: invalid configuration: KEY_ENCRYPTION_KEY must be 32 random bytes, base64-encoded/);
    expect(lines[0]).not.toContain('too-short-secret-value');
  });

  it('names a malformed DATABASE_URL', async () => {
    const { code, lines } = await startExpectingFailure({ DATABASE_URL: 'mysql://x', KEY_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64') });
    expect(code).not.toBe(0);
    expect(lines).toEqual([
      'caduceus: invalid configuration: DATABASE_URL must be a postgres:// or postgresql:// URL, e.g. postgres://user:pass@host:5432/caduceus',
    ]);
  });

  it('says the database cannot be reached, without printing its password', async () => {
    const { code, lines } = await startExpectingFailure({
      DATABASE_URL: 'postgres://caduceus:s3cret-pass@127.0.0.1:1/caduceus',
      KEY_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64'),
    });
    expect(code).not.toBe(0);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^caduceus: cannot start: cannot connect to the database at DATABASE_URL \(ECONNREFUSED/);
    expect(lines.join('\n')).not.toContain('s3cret-pass');
  });

  it('refuses DATABASE_URL without a KEY_ENCRYPTION_KEY rather than inventing one', async () => {
    const { code, lines } = await startExpectingFailure({ DATABASE_URL: 'postgres://u@127.0.0.1:5432/db' });
    expect(code).not.toBe(0);
    expect(lines).toEqual([
      'caduceus: invalid configuration: KEY_ENCRYPTION_KEY is required when DATABASE_URL is set (a generated key is only used for the embedded database)',
    ]);
  });

  it('refuses an admin IP allow-list judged on an address any peer can choose (TRUST_PROXY a count)', async () => {
    const { code, lines, output } = await startExpectingFailure({ ADMIN_IP_ALLOWLIST: '10.0.0.0/8', TRUST_PROXY: '1' });
    expect(code).not.toBe(0);
    expect(lines).toEqual([
      'caduceus: invalid configuration: ADMIN_IP_ALLOWLIST cannot be enforced with TRUST_PROXY=1: any peer that reaches an instance directly chooses, in X-Forwarded-For, the address it is judged on; list the proxy addresses in TRUST_PROXY (e.g. TRUST_PROXY=172.28.0.10)',
    ]);
    expect(output).not.toMatch(/\n\s+at /);
  });

  it('reports every bad variable at once', async () => {
    const { lines } = await startExpectingFailure({ PORT: '70000', LOG_LEVEL: 'loud' });
    expect(lines).toHaveLength(2);
    expect(lines.some((l) => l.includes('PORT'))).toBe(true);
    expect(lines.some((l) => l.includes('LOG_LEVEL must be one of'))).toBe(true);
  });
});
