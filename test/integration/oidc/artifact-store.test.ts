import { beforeAll, describe, expect, it } from 'vitest';
import { OidcService } from '../../../src/oidc/index.js';
import { useApp } from '../../support/fixture.js';

/**
 * oidc-provider's artifacts in PostgreSQL through the adapter, exercised through the provider's
 * own models (the same calls its endpoints make): lookups by id, uid and grant, consumption,
 * expiry, and the cleanup job.
 */
describe('OIDC artifact storage', () => {
  let oidcService: OidcService;

  const running = useApp();

  beforeAll(async () => {
    oidcService = running.app.get(OidcService);
  });

  const provider = () => oidcService.current as unknown as {
    Session: new (p: Record<string, unknown>) => { save(ttl: number): Promise<string>; uid: string; jti: string };
    Grant: new (p: Record<string, unknown>) => { save(): Promise<string>; addOIDCScope(s: string): void };
    Interaction: { find(id: string): Promise<unknown> };
    AccessToken: (new (p: Record<string, unknown>) => { save(): Promise<string> }) & { find(v: string): Promise<unknown> };
    RefreshToken: (new (p: Record<string, unknown>) => { save(): Promise<string>; consume(): Promise<void> }) & {
      find(v: string): Promise<{ isValid?: boolean; consumed?: unknown } | undefined>;
    };
  };

  it('finds a session by uid and keeps what the provider stored', async () => {
    const Session = (oidcService.current as unknown as { Session: { new (p: object): { save(t: number): Promise<unknown>; uid: string; jti: string }; findByUid(uid: string): Promise<{ accountId?: string } | undefined> } }).Session;
    const session = new Session({ accountId: 'acct-1', loginTs: Math.floor(Date.now() / 1000) });
    await session.save(60);
    const found = await Session.findByUid(session.uid);
    expect(found?.accountId).toBe('acct-1');
    const rows = await running.db.query<{ model: string; expires_at: Date }>(`SELECT model, expires_at FROM oidc_artifacts WHERE uid = $1`, [session.uid]);
    expect(rows[0]!.model).toBe('Session');
    expect(rows[0]!.expires_at.getTime()).toBeGreaterThan(Date.now());
  });

  it('answers finds made together (one statement) each with its own artifact, consumed ones marked, expired and unknown ones absent', async () => {
    const { OidcArtifactRepository } = await import('../../../src/oidc/oidc-artifact.repository.js');
    const repo = running.app.get(OidcArtifactRepository);
    await repo.upsert('AccessToken', 'batch-at', { jti: 'batch-at', kind: 'AccessToken' }, 60);
    await repo.upsert('RefreshToken', 'batch-rt', { jti: 'batch-rt', kind: 'RefreshToken' }, 60);
    await repo.upsert('RefreshToken', 'batch-at', { jti: 'batch-at', kind: 'RefreshToken (same id, other model)' }, 60);
    await repo.upsert('Session', 'batch-expired', { jti: 'batch-expired' }, 60);
    await running.db.query(`UPDATE oidc_artifacts SET expires_at = now() - interval '1 second' WHERE id = 'batch-expired'`);
    await repo.consume('RefreshToken', 'batch-rt');

    const [at, rt, atAsRefresh, atAsClientCredentials, expired, unknown] = await Promise.all([
      repo.find('AccessToken', 'batch-at'),
      repo.find('RefreshToken', 'batch-rt'),
      repo.find('RefreshToken', 'batch-at'),
      repo.find('ClientCredentials', 'batch-at'),
      repo.find('Session', 'batch-expired'),
      repo.find('AccessToken', 'no-such-token'),
    ]);
    expect(at).toEqual({ jti: 'batch-at', kind: 'AccessToken' });
    expect(rt).toMatchObject({ jti: 'batch-rt', kind: 'RefreshToken', consumed: expect.any(Number) });
    expect(atAsRefresh).toEqual({ jti: 'batch-at', kind: 'RefreshToken (same id, other model)' });
    expect(atAsClientCredentials).toBeUndefined();
    expect(expired).toBeUndefined();
    expect(unknown).toBeUndefined();
  });

  it('within one request reads an interaction once, gives each find its own copy, and reads again after the request writes', async () => {
    const { OidcArtifactRepository } = await import('../../../src/oidc/oidc-artifact.repository.js');
    const { runInRequestScope } = await import('../../../src/events/index.js');
    const repo = running.app.get(OidcArtifactRepository);
    await repo.upsert('Interaction', 'memo-int', { jti: 'memo-int', uid: 'memo-int', step: 'password' }, 60);

    await runInRequestScope({ origin: {} }, async () => {
      const first = await repo.find('Interaction', 'memo-int');
      expect(first).toMatchObject({ step: 'password' });
      // What the caller does with its copy is not what the next find returns.
      (first as Record<string, unknown>).step = 'changed in memory';
      // Another instance changes the row: this request keeps what it read first, as if both reads were one.
      await running.db.query(`UPDATE oidc_artifacts SET payload = jsonb_set(payload, '{step}', '"totp"') WHERE id = 'memo-int'`);
      expect(await repo.find('Interaction', 'memo-int')).toMatchObject({ step: 'password' });
      expect(await repo.findByUid('Interaction', 'memo-int')).toMatchObject({ step: 'totp' });
      // Its own write: the next find reads the database.
      await repo.upsert('Interaction', 'memo-int', { jti: 'memo-int', uid: 'memo-int', step: 'done' }, 60);
      expect(await repo.find('Interaction', 'memo-int')).toMatchObject({ step: 'done' });
      await repo.destroy('Interaction', 'memo-int');
      expect(await repo.find('Interaction', 'memo-int')).toBeUndefined();
    });

    // The next request reads the database, not the previous request's memory.
    await repo.upsert('Interaction', 'memo-int', { jti: 'memo-int', uid: 'memo-int', step: 'again' }, 60);
    await runInRequestScope({ origin: {} }, async () => {
      expect(await repo.find('Interaction', 'memo-int')).toMatchObject({ step: 'again' });
    });
    // Tokens are never remembered: a consumption by anyone is seen by the next find.
    await repo.upsert('RefreshToken', 'memo-rt', { jti: 'memo-rt' }, 60);
    await runInRequestScope({ origin: {} }, async () => {
      expect((await repo.find('RefreshToken', 'memo-rt'))?.consumed).toBeUndefined();
      await running.db.query(`UPDATE oidc_artifacts SET consumed_at = now() WHERE id = 'memo-rt'`);
      expect((await repo.find('RefreshToken', 'memo-rt'))?.consumed).toEqual(expect.any(Number));
    });
  });

  it('reads a refresh token with its grant, and forgets both once the request revokes them', async () => {
    const { OidcArtifactRepository } = await import('../../../src/oidc/oidc-artifact.repository.js');
    const { runInRequestScope } = await import('../../../src/events/index.js');
    const repo = running.app.get(OidcArtifactRepository);
    await repo.upsert('Grant', 'memo-grant', { jti: 'memo-grant', accountId: 'acct-2', openid: { scope: 'openid' } }, 60);
    await repo.upsert('RefreshToken', 'memo-rt2', { jti: 'memo-rt2', grantId: 'memo-grant' }, 60);
    await runInRequestScope({ origin: {} }, async () => {
      expect(await repo.find('RefreshToken', 'memo-rt2')).toMatchObject({ grantId: 'memo-grant' });
      expect(await repo.find('Grant', 'memo-grant')).toMatchObject({ accountId: 'acct-2' });
      // What oidc-provider's revocation does: the grant's tokens, then the grant.
      await repo.revokeByGrantId('memo-grant');
      expect(await repo.find('RefreshToken', 'memo-rt2')).toBeUndefined();
      await repo.destroy('Grant', 'memo-grant');
      expect(await repo.find('Grant', 'memo-grant')).toBeUndefined();
    });
  });

  it('answers "not found" for a key PostgreSQL text cannot hold (NUL), without failing the finds made with it', async () => {
    const { OidcArtifactRepository } = await import('../../../src/oidc/oidc-artifact.repository.js');
    const repo = running.app.get(OidcArtifactRepository);
    await repo.upsert('AccessToken', 'nul-neighbour', { jti: 'nul-neighbour' }, 60);
    const [hostile, neighbour, byUid] = await Promise.all([
      repo.find('AccessToken', 'bad\u0000token'),
      repo.find('AccessToken', 'nul-neighbour'),
      repo.findByUid('Session', 'bad\u0000uid'),
    ]);
    expect(hostile).toBeUndefined();
    expect(neighbour).toEqual({ jti: 'nul-neighbour' });
    expect(byUid).toBeUndefined();
  });

  it('revokes every token of a grant at once', async () => {
    const p = provider();
    const grant = new p.Grant({ accountId: 'acct-2', clientId: 'client-x' });
    grant.addOIDCScope('openid');
    const grantId = await grant.save();
    const at = new p.AccessToken({ accountId: 'acct-2', clientId: 'client-x', grantId, scope: 'openid', gty: 'authorization_code' });
    const rt = new p.RefreshToken({ accountId: 'acct-2', clientId: 'client-x', grantId, scope: 'openid', gty: 'authorization_code' });
    const [atValue, rtValue] = [await at.save(), await rt.save()];
    expect(await p.AccessToken.find(atValue)).toBeTruthy();

    await (oidcService.current as unknown as { Grant: { adapter: { revokeByGrantId(id: string): Promise<void> } } }).Grant.adapter.revokeByGrantId(grantId);
    expect(await p.AccessToken.find(atValue)).toBeUndefined();
    expect(await p.RefreshToken.find(rtValue)).toBeUndefined();
  });

  it('marks a consumed refresh token so reuse is detectable', async () => {
    const p = provider();
    const rt = new p.RefreshToken({ accountId: 'acct-3', clientId: 'client-x', grantId: 'g-3', scope: 'openid', gty: 'authorization_code' });
    const value = await rt.save();
    const loaded = (await p.RefreshToken.find(value)) as unknown as { consume(): Promise<void> };
    await loaded.consume();
    const again = await p.RefreshToken.find(value);
    expect(again?.consumed).toBeTruthy();
  });

  it('hides expired artifacts at once and deletes them in the cleanup job', async () => {
    await running.db.query(
      `INSERT INTO oidc_artifacts (model, id, payload, expires_at) VALUES ('AccessToken', 'expired-token', '{"kind":"AccessToken"}', now() - interval '1 second')`,
    );
    expect(await provider().AccessToken.find('expired-token')).toBeUndefined();
    const deleted = await oidcService.cleanupExpired();
    expect(deleted).toBeGreaterThanOrEqual(1);
    expect(await running.db.query(`SELECT 1 FROM oidc_artifacts WHERE id = 'expired-token'`)).toHaveLength(0);
  });
});
