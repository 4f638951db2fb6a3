/**
 * `npm run audit:verify -- --file export.ndjson --checkpoint cp.jws [--checkpoint tombstone.jws] --jwks jwks.json`
 * Verifies an NDJSON export of the audit trail offline: nothing but the three files is needed
 * (the JWKS is the service's published /jwks). Exit 0 when the chain is intact and every
 * checkpoint matches, 1 when it is not (the first broken record is named), 2 on bad usage.
 */
import { createReadStream, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import type { JSONWebKeySet } from 'jose';
import { verifyExport } from './chain/offline-verify.js';

const USAGE = 'usage: audit:verify --file <export.ndjson> --jwks <jwks.json> [--checkpoint <checkpoint.jws> ...] [--json]';

function fail(message: string, code: number): never {
  process.stderr.write(`audit:verify: ${message}\n`);
  process.exit(code);
}

/** Lines of a file, read only once iteration starts (readline drops lines emitted before its iterator exists). */
async function* fileLines(path: string): AsyncGenerator<string> {
  yield* createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
}

async function main(): Promise<void> {
  let args;
  try {
    args = parseArgs({
      options: { file: { type: 'string' }, jwks: { type: 'string' }, checkpoint: { type: 'string', multiple: true }, json: { type: 'boolean' } },
      strict: true,
    }).values;
  } catch (err) {
    fail(`${(err as Error).message}\n${USAGE}`, 2);
  }
  if (!args.file || !args.jwks) fail(USAGE, 2);
  let jwks: JSONWebKeySet;
  let checkpoints: string[];
  try {
    jwks = JSON.parse(readFileSync(args.jwks, 'utf8')) as JSONWebKeySet;
    checkpoints = (args.checkpoint ?? []).map((path) => readFileSync(path, 'utf8'));
  } catch (err) {
    fail((err as Error).message, 2);
  }
  const report = await verifyExport(fileLines(args.file), checkpoints, jwks);

  if (args.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else {
    const out: string[] = [];
    out.push(`records ${report.firstSeq ?? '-'}..${report.lastSeq ?? '-'}: ${report.recordsChecked} checked, start anchored: ${report.anchor}`);
    for (const c of report.checkpoints) out.push(`checkpoint (${c.kind}) at record ${c.seq}, signed ${new Date(c.iat * 1000).toISOString()} by key ${c.kid ?? '?'}`);
    if (report.firstBroken) out.push(`BROKEN at record ${report.firstBroken.seq} (${report.firstBroken.reason}): ${report.firstBroken.detail}`);
    for (const p of report.problems) out.push(`note: ${p}`);
    out.push(
      report.ok
        ? `VERIFIED${report.provenThroughSeq ? `: records through ${report.provenThroughSeq} are proven by a signed checkpoint` : ''}`
        : 'NOT VERIFIED',
    );
    process.stdout.write(`${out.join('\n')}\n`);
  }
  process.exit(report.ok ? 0 : 1);
}

void main();
