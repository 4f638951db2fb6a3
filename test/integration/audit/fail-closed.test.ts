import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_CLOCK, type AuditClock } from '../../../src/audit/index.js';
import { managerFor, UnitOfWork, DATABASE, type OpenedDatabase } from '../../../src/database/index.js';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { EventBus } from '../../../src/events/index.js';
import { useApp } from '../../support/fixture.js';
import { adminGet, adminPost, adminToken, BOOTSTRAP_ID, BOOTSTRAP_SECRET, bootstrapEnv, injectAuditFaults, tokenRequest } from './audit-test-kit.js';

/**
 * The audit write fails (a fault injected in PostgreSQL, as a full disk or a revoked grant
 * would): the action it records must fail with it, and leave nothing behind.
 */
describe('fail closed when the audit record cannot be written', () => {
  let token: string;
  const bootstrap = { clientId: BOOTSTRAP_ID, clientSecret: BOOTSTRAP_SECRET };
  let faults: Awaited<ReturnType<typeof injectAuditFaults>>;
  const fault = (eventType: string) => faults.fail(eventType);
  const count = async (sql: string) => Number((await running.db.query<{ n: string }>(sql))[0]!.n);

  const running = useApp({ env: bootstrapEnv() });

  beforeAll(async () => {
    token = await adminToken(running.url, bootstrap, 'super-admin');
    faults = await injectAuditFaults(running.db);
  });

  afterEach(async () => {
    await faults.clear();
  });

  it('withholds the token: the client gets server_error, not an access token', async () => {
    const issued = () => count(`SELECT count(*) AS n FROM audit_events WHERE event_type = 'oidc.token.issued'`);
    const before = await issued();
    await fault('oidc.token.issued');
    const res = await tokenRequest(running.url, bootstrap);
    expect(res.status).toBe(500);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toEqual({ error: 'server_error', error_description: 'the request could not be completed' });
    expect(res.headers.get('cache-control')).toContain('no-store');
    expect(await issued()).toBe(before);

    await faults.clear();
    expect((await tokenRequest(running.url, bootstrap)).status).toBe(200);
    expect(await issued()).toBe(before + 1);
  });

  it('rolls back an admin mutation with its audit record: no checkpoint without its record', async () => {
    await fault('audit.checkpoint.created');
    const res = await adminPost(running.url, token, '/admin/v1/audit/checkpoints');
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(await count('SELECT count(*) AS n FROM audit_checkpoints')).toBe(0);
  });

  it('rolls back a retention purge with its audit record: nothing deleted, no tombstone', async () => {
    const clock = running.app.get<AuditClock>(AUDIT_CLOCK);
    const real = clock.now;
    const before = await count('SELECT count(*) AS n FROM audit_events');
    clock.now = () => new Date(Date.now() + 7 * 366 * 86400_000);
    try {
      await fault('audit.purged');
      expect((await adminPost(running.url, token, '/admin/v1/audit/purge', {})).status).toBe(503);
    } finally {
      clock.now = real;
    }
    expect(await count('SELECT count(*) AS n FROM audit_events')).toBe(before);
    expect(await count(`SELECT count(*) AS n FROM audit_checkpoints WHERE kind = 'tombstone'`)).toBe(0);
  });

  it('commits a change and its audit record together through a unit of work, or neither', async () => {
    const uow = running.app.get(UnitOfWork);
    const bus = running.app.get(EventBus);
    const database = running.app.get<OpenedDatabase>(DATABASE);
    await running.db.query('CREATE TABLE scratch_clients (client_id text PRIMARY KEY, enabled boolean)');
    const disable = (clientId: string) =>
      uow.run(async (tx) => {
        await managerFor(database, tx).query('INSERT INTO scratch_clients VALUES ($1, false)', [clientId]);
        await bus.publish('client.disabled', { clientId }, { actor: { type: 'admin', id: 'alice' }, tx });
      });

    await fault('client.disabled');
    await expect(disable('ehr-1')).rejects.toThrow();
    expect(await running.db.query('SELECT * FROM scratch_clients')).toEqual([]);

    await faults.clear();
    await disable('ehr-2');
    expect(await running.db.query('SELECT client_id FROM scratch_clients')).toEqual([{ client_id: 'ehr-2' }]);
    const [row] = await running.db.query<Record<string, unknown>>(`SELECT actor_type, actor_id, subject_id FROM audit_events WHERE event_type = 'client.disabled'`);
    expect(row).toEqual({ actor_type: 'admin', actor_id: 'alice', subject_id: 'ehr-2' });
  });

  it('lets a listener of an event published in a unit of work publish its own event without waiting on the chain', async () => {
    const uow = running.app.get(UnitOfWork);
    const bus = running.app.get(EventBus);
    const emitter = running.app.get(EventEmitter2);
    // A reaction in another module (oidc revoking a disabled client's tokens) that emits outside the unit.
    const reaction = async (event: { payload: { clientId: string } }) => {
      await bus.publish('oidc.token.revoked', { kind: 'AccessToken', tokenRef: null, clientId: event.payload.clientId, accountId: null, grantId: null });
    };
    emitter.on('client.disabled', reaction);
    try {
      await uow.run((tx) => bus.publish('client.disabled', { clientId: 'ehr-3' }, { actor: { type: 'admin', id: 'alice' }, tx }));
    } finally {
      emitter.off('client.disabled', reaction);
    }
    const rows = await running.db.query<{ event_type: string }>(
      `SELECT event_type FROM audit_events WHERE client_id = 'ehr-3' OR subject_id = 'ehr-3' ORDER BY seq`,
    );
    expect(rows.map((r) => r.event_type)).toEqual(['oidc.token.revoked', 'client.disabled']);
  });

  it('leaves a chain that still verifies after every refused action', async () => {
    const report = (await (await adminGet(running.url, token, '/admin/v1/audit/verify')).json()) as Record<string, unknown>;
    expect(report).toMatchObject({ ok: true, firstBroken: null });
  });
});
