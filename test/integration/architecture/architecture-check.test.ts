import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repo = resolve(import.meta.dirname, '../../..');

/**
 * `npm run check:architecture` run on a copy of the repository, with a planted violation in
 * the copy: the check must fail on what it is there to catch, and pass on the tree as it is.
 */
// Each check cruises the whole of src/: seconds alone, longer on a busy machine.
describe('npm run check:architecture', { timeout: 180_000 }, () => {
  let copy: string;

  beforeAll(async () => {
    copy = await mkdtemp(join(tmpdir(), 'caduceus-architecture-'));
    for (const entry of ['src', 'migrations', 'scripts', 'tsconfig.json', '.dependency-cruiser.cjs', 'package.json']) {
      await cp(join(repo, entry), join(copy, entry), { recursive: true });
    }
    await symlink(join(repo, 'node_modules'), join(copy, 'node_modules'), 'dir');
  });

  afterAll(async () => {
    await rm(copy, { recursive: true, force: true });
  });

  /** Runs the check in the copy with the given files planted; removes them (or puts the copied file back) afterwards. */
  async function checkWith(planted: Record<string, string>): Promise<{ ok: boolean; output: string }> {
    const replaced = new Map<string, string>();
    for (const [path, text] of Object.entries(planted)) {
      const before = await readFile(join(copy, path), 'utf8').catch(() => undefined);
      if (before !== undefined) replaced.set(path, before);
      await writeFile(join(copy, path), text);
    }
    try {
      const { stdout, stderr } = await run(process.execPath, ['scripts/check-architecture.mjs'], { cwd: copy });
      return { ok: true, output: stdout + stderr };
    } catch (err) {
      const e = err as { stdout: string; stderr: string };
      return { ok: false, output: e.stdout + e.stderr };
    } finally {
      for (const path of Object.keys(planted)) {
        if (replaced.has(path)) await writeFile(join(copy, path), replaced.get(path)!);
        else await rm(join(copy, path), { force: true });
      }
    }
  }

  it('passes on the tree as it is, with no exception list', async () => {
    const result = await checkWith({});
    expect(result.output).toContain('the module borders hold');
    expect(result.output).toContain('no exceptions');
    expect(result.ok).toBe(true);
  });

  it('refuses an exception list in the configuration', async () => {
    const config = await readFile(join(repo, '.dependency-cruiser.cjs'), 'utf8');
    const result = await checkWith({
      '.dependency-cruiser.cjs': `${config}\nmodule.exports.knownViolations = [{ rule: 'domain-not-to-oidc', from: 'src/webhooks/planted.ts', to: 'src/oidc/index.ts' }];\n`,
      'src/webhooks/planted.ts': "import { OidcModule } from '../oidc/index.js';\nexport const planted = OidcModule;\n",
    });
    expect(result.ok).toBe(false);
    expect(result.output).toContain('knownViolations: the borders take no exceptions');
    expect(result.output).toContain('domain-not-to-oidc: src/webhooks/planted.ts → src/oidc/index.ts');
  });

  it('fails on a cycle planted between two modules, naming both and the imports that close it', async () => {
    const result = await checkWith({
      'src/policies/planted.ts': "import { WebhooksService } from '../webhooks/index.js';\nexport const planted = WebhooksService;\n",
      'src/webhooks/planted.ts': "import { PoliciesService } from '../policies/index.js';\nexport const planted = PoliciesService;\n",
    });
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(/no-module-cycle: src\/policies, src\/webhooks import each other/);
    expect(result.output).toContain('src/policies/planted.ts → src/webhooks/index.ts');
    expect(result.output).toContain('src/webhooks/planted.ts → src/policies/index.ts');
  });

  it('fails on a cycle round three modules, through files in their sub-folders', async () => {
    const result = await checkWith({
      'src/policies/entities/planted.ts': "import { WebhooksService } from '../../webhooks/index.js';\nexport const planted = WebhooksService;\n",
      'src/webhooks/planted.ts': "import { ScimModule } from '../scim/scim.module.js';\nexport const planted = ScimModule;\n",
      'src/scim/planted.ts': "import { PoliciesService } from '../policies/index.js';\nexport const planted = PoliciesService;\n",
    });
    expect(result.ok).toBe(false);
    // scim/ already imports identity/, which imports policies/: the loop takes them in too.
    expect(result.output).toMatch(/no-module-cycle: [^\n]*src\/policies, src\/scim, src\/webhooks import each other/);
    expect(result.output).toContain('src/policies/entities/planted.ts → src/webhooks/index.ts');
  });

  it('leaves a cycle of type-only imports out: a type crosses no border at run time', async () => {
    const result = await checkWith({
      'src/policies/planted.ts': "import type { WebhooksService } from '../webhooks/index.js';\nexport type Planted = WebhooksService;\n",
      'src/webhooks/planted.ts': "import type { PoliciesService } from '../policies/index.js';\nexport type Planted = PoliciesService;\n",
    });
    expect(result.output).toContain('the module borders hold');
    expect(result.ok).toBe(true);
  });

  it('fails on a forbidden arrow: the infrastructure kit importing a domain module', async () => {
    const result = await checkWith({
      'src/events/planted.ts': "import { IdentityService } from '../identity/index.js';\nexport const planted = IdentityService;\n",
    });
    expect(result.ok).toBe(false);
    expect(result.output).toContain('kit-not-to-domain: src/events/planted.ts → src/identity/index.ts');
  });

  it('fails on the admin kit importing a domain module, and on the cycle that closes (domain modules import the kit)', async () => {
    const result = await checkWith({
      'src/admin/planted.ts': "import { ClientsService } from '../clients/index.js';\nexport const planted = ClientsService;\n",
    });
    expect(result.ok).toBe(false);
    expect(result.output).toContain('kit-not-to-domain: src/admin/planted.ts → src/clients/index.ts');
    expect(result.output).toMatch(/no-module-cycle: [^\n]*src\/admin, [^\n]*src\/clients[^\n]* import each other/);
  });

  it('fails on a forbidden arrow: a domain module importing oidc/', async () => {
    const result = await checkWith({
      'src/webhooks/planted.ts': "import { OidcModule } from '../oidc/index.js';\nexport const planted = OidcModule;\n",
    });
    expect(result.ok).toBe(false);
    expect(result.output).toContain('domain-not-to-oidc: src/webhooks/planted.ts → src/oidc/index.ts');
  });
});
