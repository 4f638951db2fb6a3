import type { JSONWebKeySet } from 'jose';
import { GENESIS_HASH, type AuditRecord } from './audit-record.js';
import { ChainWalker, type ChainAnchor, type ChainBreak } from './chain-walker.js';
import { verifyCheckpointJws, type CheckpointClaims } from './checkpoint-jws.js';

export interface OfflineReport {
  ok: boolean;
  firstSeq: number | null;
  lastSeq: number | null;
  recordsChecked: number;
  /** How the first record is tied to what came before it. */
  anchor: 'genesis' | 'checkpoint' | 'none';
  /** Records up to this seq are proven by a signed checkpoint; null when none applies. */
  provenThroughSeq: number | null;
  checkpoints: Array<{ kind: CheckpointClaims['kind']; seq: number; iat: number; kid: string | undefined }>;
  firstBroken: ChainBreak | null;
  problems: string[];
}

/**
 * Verifies an NDJSON export with nothing but files: the records' hashes and links, and each
 * given checkpoint's signature (against the JWKS) and its hash at its seq. Rules: every
 * checkpoint must verify and fall within the export (or name the record just before it, as
 * a tombstone does); the records must form one unbroken chain; records up to the highest
 * checkpoint are proven to have existed when it was signed, records after it only chain.
 */
export async function verifyExport(lines: AsyncIterable<string> | Iterable<string>, checkpointJws: string[], jwks: JSONWebKeySet): Promise<OfflineReport> {
  const problems: string[] = [];
  const checkpoints: CheckpointClaims[] = [];
  const described: OfflineReport['checkpoints'] = [];
  for (const [i, jws] of checkpointJws.entries()) {
    try {
      const { claims, kid } = await verifyCheckpointJws(jws, jwks);
      checkpoints.push(claims);
      described.push({ kind: claims.kind, seq: claims.seq, iat: claims.iat, kid });
    } catch (err) {
      problems.push(`checkpoint ${i + 1} does not verify against the JWKS: ${(err as Error).message}`);
    }
  }

  let walker: ChainWalker | undefined;
  let anchor: OfflineReport['anchor'] = 'none';
  let lineNo = 0;
  for await (const line of lines) {
    lineNo++;
    if (!line.trim()) continue;
    let record: AuditRecord;
    try {
      record = JSON.parse(line) as AuditRecord;
    } catch {
      problems.push(`line ${lineNo} is not JSON`);
      break;
    }
    if (!walker) {
      const start = startOf(record, checkpoints);
      anchor = start ? (start.source === 'genesis' ? 'genesis' : 'checkpoint') : 'none';
      walker = new ChainWalker(start, checkpoints.filter((c) => c.seq >= record.seq).map((c) => ({ seq: c.seq, hash: c.hash, label: `the ${c.kind} checkpoint at ${c.seq}` })));
    }
    if (!walker.push(record)) break;
  }
  const result = walker?.finish(true);
  if (!walker) problems.push('the export holds no record');
  if (checkpointJws.length === 0) problems.push('no checkpoint was given: only the chain’s internal consistency was checked');
  const proven = result?.ok ? Math.max(0, ...checkpoints.filter((c) => c.seq <= (result.lastSeq ?? 0)).map((c) => c.seq)) : 0;
  const fatal = problems.filter((p) => !p.startsWith('no checkpoint'));
  return {
    ok: Boolean(result?.ok) && fatal.length === 0,
    firstSeq: result?.firstSeq ?? null,
    lastSeq: result?.lastSeq ?? null,
    recordsChecked: result?.recordsChecked ?? 0,
    anchor,
    provenThroughSeq: proven > 0 ? proven : null,
    checkpoints: described,
    firstBroken: result?.firstBroken ?? null,
    problems,
  };
}

/** The genesis for an export that starts at record 1; a checkpoint (tombstone) of the record just before it otherwise. */
function startOf(first: AuditRecord, checkpoints: CheckpointClaims[]): ChainAnchor | null {
  if (first.seq === 1) return { seq: 0, hash: GENESIS_HASH, source: 'genesis' };
  const before = checkpoints.find((c) => c.seq === first.seq - 1);
  return before ? { seq: before.seq, hash: before.hash, source: before.kind === 'tombstone' ? 'tombstone' : 'checkpoint' } : null;
}
