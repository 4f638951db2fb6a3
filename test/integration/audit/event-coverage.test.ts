import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AUDIT_MAPPINGS } from '../../../src/app/audit-mappings.js';

const SRC = fileURLToPath(new URL('../../../src', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.spec.ts') ? [path] : [];
  });
}

/** Event names declared in every `<module>.events.ts` (the members of the interfaces merged into EventMap). */
function declaredEventNames(): Map<string, string> {
  const names = new Map<string, string>();
  for (const file of sourceFiles(SRC).filter((f) => f.endsWith('.events.ts'))) {
    for (const match of readFileSync(file, 'utf8').matchAll(/^\s*'([a-z0-9_]+(?:\.[a-z0-9_]+)+)'\??:/gm)) {
      names.set(match[1]!, relative(SRC, file));
    }
  }
  return names;
}

/** Event names passed as a literal to EventBus.publish / notify anywhere in the code. */
function emittedEventNames(): Map<string, string> {
  const names = new Map<string, string>();
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/\.(?:publish|notify)\(\s*(?:[^'()]*\?\s*)?'([a-z0-9_.]+)'(?:\s*:\s*'([a-z0-9_.]+)')?/g)) {
      for (const name of [match[1], match[2]]) if (name) names.set(name, relative(SRC, file));
    }
  }
  return names;
}

describe('every event the code can emit lands in the audit trail', () => {
  const declared = declaredEventNames();
  const emitted = emittedEventNames();
  const mapped = new Set(Object.keys(AUDIT_MAPPINGS));

  it('finds the events of every module (the scan itself works)', () => {
    expect(declared.size).toBeGreaterThanOrEqual(10);
    for (const name of ['keys.generated', 'client.created', 'oidc.token.issued', 'oidc.grant.failed', 'audit.purged']) {
      expect(declared.has(name), name).toBe(true);
    }
    expect(emitted.has('oidc.token.issued')).toBe(true);
  });

  it('has an audit mapping for each declared event', () => {
    const missing = [...declared].filter(([name]) => !mapped.has(name)).map(([name, file]) => `${name} (${file})`);
    expect(missing).toEqual([]);
  });

  it('has an audit mapping for each event published or notified in the code', () => {
    const missing = [...emitted].filter(([name]) => !mapped.has(name)).map(([name, file]) => `${name} (${file})`);
    expect(missing).toEqual([]);
  });

  it('maps no event that does not exist (a renamed event would otherwise go unaudited)', () => {
    expect([...mapped].filter((name) => !declared.has(name))).toEqual([]);
  });

  it('gives every mapping a FHIR action and a category', () => {
    for (const [name, mapping] of Object.entries(AUDIT_MAPPINGS)) {
      expect(['C', 'R', 'U', 'D', 'E'], name).toContain(mapping.action);
      expect(mapping.category, name).toMatch(/^[a-z-]+$/);
    }
  });
});
