import { compactVerify, createLocalJWKSet, type JSONWebKeySet } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_CLOCK, type AuditClock, type AuditRecord } from '../../../src/audit/index.js';
import { verifyExport } from '../../../src/audit/chain/offline-verify.js';
import { useApp } from '../../support/fixture.js';
import {
  adminGet,
  adminPost,
  adminToken,
  BOOTSTRAP_ID,
  BOOTSTRAP_SECRET,
  bootstrapEnv,
  createAdminClient,
  tokenRequest,
  type ClientCredentials,
} from './audit-test-kit.js';

type Json = Record<string, any>;
const json = async (res: Response) => (await res.json()) as Json;

describe('/admin/v1/audit', () => {
  let auditor: string;
  let superAdmin: string;
  let clientAdmin: string;
  let app: ClientCredentials;
  const bootstrap = { clientId: BOOTSTRAP_ID, clientSecret: BOOTSTRAP_SECRET };
  const get = (path: string, token: string | undefined = auditor) => adminGet(running.url, token, path);

  const running = useApp({ env: bootstrapEnv() });

  beforeAll(async () => {
    const auditorClient = await createAdminClient(running, ['auditor']);
    const clientAdminClient = await createAdminClient(running, ['client-admin']);
    app = await createAdminClient(running, []);
    auditor = await adminToken(running.url, auditorClient, 'auditor');
    clientAdmin = await adminToken(running.url, clientAdminClient, 'client-admin');
    superAdmin = await adminToken(running.url, bootstrap, 'super-admin');
    for (let i = 0; i < 5; i++) expect((await tokenRequest(running.url, app)).status).toBe(200);
    expect((await tokenRequest(running.url, { ...app, clientSecret: 'not-the-secret-not-the-secret-xx' })).status).toBe(401);
  });

  describe('access', () => {
    it('answers 401 without a bearer token, as problem+json', async () => {
      const res = await adminGet(running.url, undefined, '/admin/v1/audit/events');
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.headers.get('www-authenticate')).toContain('Bearer');
    });

    it('answers 401 to a token that is not an admin access token', async () => {
      expect((await get('/admin/v1/audit/events', 'not.a.token')).status).toBe(401);
    });

    it('answers 403 to a client-admin: the trail is for auditors and super-admins', async () => {
      for (const path of ['/admin/v1/audit/events', '/admin/v1/audit/verify', '/admin/v1/audit/export', '/admin/v1/audit/checkpoints']) {
        const res = await get(path, clientAdmin);
        expect(res.status, path).toBe(403);
      }
    });

    it('lets only a super-admin purge (403 to an auditor)', async () => {
      const res = await adminPost(running.url, auditor, '/admin/v1/audit/purge', {});
      expect(res.status).toBe(403);
    });
  });

  describe('search', () => {
    it('names each bad query field in a 400', async () => {
      const cases: Array<[string, string]> = [
        ['colour=red', 'colour'],
        ['from=yesterday', 'from'],
        ['outcome=maybe', 'outcome'],
        ['limit=0', 'limit'],
        ['type=DROP%20TABLE', 'type'],
        ['ip=999.1.1.1', 'ip'],
        ['cursor=garbage!', 'cursor'],
        ['from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z', 'to'],
      ];
      for (const [query, field] of cases) {
        const res = await get(`/admin/v1/audit/events?${query}`);
        expect(res.status, query).toBe(400);
        const problem = await json(res);
        expect(problem.errors.map((e: { field: string }) => e.field), query).toContain(field);
      }
    });

    it('filters by event type, client and outcome', async () => {
      const issued = await json(await get(`/admin/v1/audit/events?type=oidc.token.issued&client=${app.clientId}`));
      expect(issued.items).toHaveLength(5);
      for (const r of issued.items) expect(r).toMatchObject({ eventType: 'oidc.token.issued', clientId: app.clientId, outcome: 'success' });

      const failed = await json(await get('/admin/v1/audit/events?outcome=failure&type=oidc.*'));
      expect(failed.items.length).toBeGreaterThanOrEqual(1);
      for (const r of failed.items) expect(r).toMatchObject({ outcome: 'failure', eventType: 'oidc.grant.failed' });
    });

    it('finds the records of one request by the reference code an error page showed (#20)', async () => {
      const failed = await fetch(`${running.url}/token`, {
        method: 'POST',
        headers: {
          'x-request-id': 'HELPDESKREF01',
          authorization: `Basic ${Buffer.from(`${app.clientId}:not-the-secret-not-the-secret-xx`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: 'grant_type=client_credentials',
      });
      expect(failed.status).toBe(401);
      const found = await json(await get('/admin/v1/audit/events?reference=HELPDESKREF01'));
      expect(found.items.length).toBeGreaterThanOrEqual(1);
      for (const r of found.items) expect(r).toMatchObject({ correlationId: 'HELPDESKREF01', outcome: 'failure' });
    });

    it('filters by actor, subject, IP (exact and CIDR) and time range', async () => {
      const byActor = await json(await get(`/admin/v1/audit/events?actor=${app.clientId}&type=oidc.token.issued`));
      expect(byActor.items).toHaveLength(5);
      const bySubject = await json(await get(`/admin/v1/audit/events?subject=${app.clientId}&subjectType=client&type=client.created`));
      expect(bySubject.items).toHaveLength(1);
      const ip = byActor.items[0].ip as string;
      expect((await json(await get(`/admin/v1/audit/events?ip=${ip}&actor=${app.clientId}&type=oidc.token.issued`))).items).toHaveLength(5);
      const cidr = ip.includes(':') ? '::/0' : '127.0.0.0/8';
      expect((await json(await get(`/admin/v1/audit/events?ip=${encodeURIComponent(cidr)}&actor=${app.clientId}&type=oidc.token.issued`))).items).toHaveLength(5);
      expect((await json(await get(`/admin/v1/audit/events?ip=10.9.9.9`))).items).toHaveLength(0);
      const future = new Date(Date.now() + 3600_000).toISOString();
      expect((await json(await get(`/admin/v1/audit/events?from=${future}`))).items).toHaveLength(0);
      const past = new Date(Date.now() - 3600_000).toISOString();
      expect((await json(await get(`/admin/v1/audit/events?from=${past}&to=${future}&actor=${app.clientId}&type=oidc.token.issued`))).items).toHaveLength(5);
    });

    it('pages with an opaque cursor, newest first, without repeating or skipping a record', async () => {
      const all = (await json(await get('/admin/v1/audit/events?limit=200'))).items.map((r: AuditRecord) => r.seq) as number[];
      const paged: number[] = [];
      let cursor: string | null = null;
      do {
        const page: Json = await json(await get(`/admin/v1/audit/events?limit=3${cursor ? `&cursor=${cursor}` : ''}`));
        expect(page.items.length).toBeLessThanOrEqual(3);
        paged.push(...page.items.map((r: AuditRecord) => r.seq));
        cursor = page.nextCursor;
      } while (cursor);
      // Reading the trail adds no record (only exports, verifications and changes do).
      expect(paged).toEqual(all);
      expect([...all].sort((a, b) => b - a)).toEqual(all);
    });
  });

  describe('exports, checkpoints and offline verification', () => {
    let jwks: JSONWebKeySet;
    let checkpoint: Json;

    beforeAll(async () => {
      jwks = (await (await fetch(`${running.url}/jwks`)).json()) as JSONWebKeySet;
      const res = await adminPost(running.url, auditor, '/admin/v1/audit/checkpoints');
      expect(res.status).toBe(201);
      checkpoint = await json(res);
    });

    it('signs the chain head on demand with a published key, downloadable as a JWS', async () => {
      const list = await json(await get('/admin/v1/audit/checkpoints'));
      expect(list.items[0]).toMatchObject({ id: checkpoint.id, kind: 'on_demand', seq: checkpoint.seq, hash: checkpoint.hash });
      const res = await get(`/admin/v1/audit/checkpoints/${checkpoint.id}/jws`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('application/jose');
      const { payload, protectedHeader } = await compactVerify(await res.text(), createLocalJWKSet(jwks));
      expect(protectedHeader.typ).toBe('caduceus-audit-checkpoint+jws');
      expect(JSON.parse(new TextDecoder().decode(payload))).toMatchObject({ kind: 'on_demand', seq: checkpoint.seq, hash: checkpoint.hash, iss: running.url });
      const [row] = await running.db.query<{ hash: string }>('SELECT hash FROM audit_events WHERE seq = $1', [checkpoint.seq]);
      expect(row!.hash).toBe(checkpoint.hash);
      // The on-demand checkpoint is itself an audited act of the auditor.
      const acts = await json(await get('/admin/v1/audit/events?type=audit.checkpoint.created'));
      expect(acts.items[0]).toMatchObject({ subject: { type: 'audit_checkpoint', id: checkpoint.id } });
    });

    it('exports NDJSON that verifies offline against the checkpoint and the JWKS, and shows an edited line', async () => {
      const res = await get('/admin/v1/audit/export?format=ndjson');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('application/x-ndjson');
      expect(res.headers.get('content-disposition')).toMatch(/attachment; filename="caduceus-audit-.*\.ndjson"/);
      const lines = (await res.text()).trim().split('\n');
      expect(JSON.parse(lines[0]!).seq).toBe(1);
      const report = await verifyExport(lines, [checkpoint.jws], jwks);
      expect(report).toMatchObject({ ok: true, anchor: 'genesis', provenThroughSeq: checkpoint.seq, firstBroken: null });

      const edited = [...lines];
      const victim = JSON.parse(edited[3]!);
      edited[3] = JSON.stringify({ ...victim, actor: { type: 'client', id: 'someone-else' } });
      expect((await verifyExport(edited, [checkpoint.jws], jwks)).firstBroken).toMatchObject({ seq: victim.seq, reason: 'altered' });

      const forged = checkpoint.jws.replace(/\.[^.]+$/, '.AAAA');
      expect((await verifyExport(lines, [forged], jwks)).ok).toBe(false);
    });

    it('verifies from a checkpoint an auditor names, and 404s an unknown one', async () => {
      const report = await json(await get(`/admin/v1/audit/verify?checkpoint=${checkpoint.id}`));
      expect(report).toMatchObject({ ok: true, anchor: { source: 'checkpoint', seq: checkpoint.seq, checkpointId: checkpoint.id }, fromSeq: checkpoint.seq + 1 });
      expect((await get('/admin/v1/audit/verify?checkpoint=00000000-0000-4000-8000-000000000000')).status).toBe(404);
      expect((await get('/admin/v1/audit/verify?checkpoint=nope')).status).toBe(400);
    });

    it('records who exported what', async () => {
      const exports = await json(await get('/admin/v1/audit/events?type=audit.exported'));
      expect(exports.items[0]).toMatchObject({ actor: { type: 'client' }, details: { format: 'ndjson' } });
    });

    it('exports CSV with a header, one row per record, and formulas defused', async () => {
      const res = await fetch(`${running.url}/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${app.clientId}:${app.clientSecret}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
          'user-agent': '=HYPERLINK("http://evil.example","open")',
        },
        body: 'grant_type=client_credentials',
      });
      expect(res.status).toBe(200);
      const csv = await (await get(`/admin/v1/audit/export?format=csv&actor=${app.clientId}&type=oidc.token.issued`)).text();
      const rows = csv.trim().split('\r\n');
      expect(rows[0]).toBe(
        'seq,recordedAt,occurredAt,eventType,outcome,actorType,actorId,subjectType,subjectId,clientId,ip,userAgent,sessionId,correlationId,details,prevHash,hash',
      );
      expect(rows).toHaveLength(1 + 6);
      expect(csv).toContain(`"'=HYPERLINK(""http://evil.example"",""open"")"`);
      expect(csv).not.toMatch(/(^|,)=HYPERLINK/m);
    });
  });

  describe('retention purge', () => {
    it('refuses to purge anything younger than the retention period, naming the field', async () => {
      const fiveYearsAgo = new Date(Date.now() - 5 * 365 * 86400_000).toISOString();
      const res = await adminPost(running.url, superAdmin, '/admin/v1/audit/purge', { before: fiveYearsAgo });
      expect(res.status).toBe(400);
      expect((await json(res)).errors[0].field).toBe('before');
      expect(await json(await adminPost(running.url, superAdmin, '/admin/v1/audit/purge', {}))).toMatchObject({ purgedCount: 0 });
    });

    it('six years on, removes the whole expired prefix, leaves a signed tombstone, and the chain still verifies', async () => {
      const clock = running.app.get<AuditClock>(AUDIT_CLOCK);
      const real = clock.now;
      const before = await running.db.query<{ seq: string }>('SELECT seq FROM audit_events ORDER BY seq');
      clock.now = () => new Date(Date.now() + 7 * 366 * 86400_000);
      try {
        const res = await adminPost(running.url, superAdmin, '/admin/v1/audit/purge', {});
        expect(res.status).toBe(200);
        const result = await json(res);
        expect(result.purgedCount).toBe(before.length);
        expect(result.throughSeq).toBe(Number(before.at(-1)!.seq));

        const remaining = await running.db.query<{ seq: string; event_type: string; prev_hash: string }>('SELECT seq, event_type, prev_hash FROM audit_events ORDER BY seq');
        expect(remaining[0]).toMatchObject({ seq: String(result.throughSeq + 1), event_type: 'audit.purged' });
        const tombstone = await json(await get(`/admin/v1/audit/checkpoints/${result.tombstoneId}`));
        expect(tombstone).toMatchObject({ kind: 'tombstone', seq: result.throughSeq, purgedFromSeq: 1 });
        expect(remaining[0]!.prev_hash).toBe(tombstone.hash);

        const report = await json(await get('/admin/v1/audit/verify'));
        expect(report).toMatchObject({ ok: true, anchor: { source: 'tombstone', seq: result.throughSeq } });

        const lines = (await (await get('/admin/v1/audit/export')).text()).trim().split('\n');
        const jwks = (await (await fetch(`${running.url}/jwks`)).json()) as JSONWebKeySet;
        expect(await verifyExport(lines, [tombstone.jws], jwks)).toMatchObject({ ok: true, anchor: 'checkpoint' });
      } finally {
        clock.now = real;
      }
    });
  });
});
