import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FLOW_ROUTES, stageLocation } from './routes.js';
import { STAGES } from './sign-in-state.js';

const doc = readFileSync(new URL('../../../docs/sign-in.md', import.meta.url), 'utf8');

/** The routes column of docs/sign-in.md's table, per stage. */
function documented(stage: string): string[] {
  const row = doc.split('\n').find((l) => l.startsWith(`| \`${stage}\` |`));
  return row ? [...row.split('|')[3]!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!) : [];
}

describe('the stage each /interaction route serves', () => {
  it('is what docs/sign-in.md says, route by route', () => {
    for (const stage of STAGES.filter((s) => s !== 'finish' && s !== 'denied')) {
      const declared = Object.values(FLOW_ROUTES)
        .filter((r) => r.path !== '' && (r.serves as readonly string[]).includes(stage))
        .map((r) => `${r.method} …/${r.path}`);
      const inDoc = documented(stage).filter((r) => r !== 'GET /interaction/:uid');
      expect(inDoc.sort(), `routes of ${stage}`).toEqual(declared.sort());
    }
  });

  it('sends a GET of another stage to a page that serves the stage held', () => {
    for (const stage of STAGES) {
      const path = stageLocation('uid-of-test', stage).replace('/interaction/uid-of-test', '').replace(/^\//, '');
      const route = Object.values(FLOW_ROUTES).find((r) => r.method === 'GET' && r.path === path);
      expect(route && (route.serves as readonly string[]).includes(stage), `${stage} → /${path}`).toBe(true);
    }
  });
});
