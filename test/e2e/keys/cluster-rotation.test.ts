import { beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../support/ports.js';
import { DAY, kidOf, registerMachineClient, useKeysInstance, type MachineClient } from './keys-harness.js';

/**
 * Two instances of the service on one database, each on its own port, both running the
 * rotation job at the same moment: the advisory lock lets exactly one rotate, and the other
 * serves the new keystore within seconds through its own poll (nothing is poked by the test).
 */
describe('rotation in a cluster of two instances', () => {
  const a = useKeysInstance();
  const b = useKeysInstance(() => a.db);
  let machine: MachineClient;

  beforeAll(async () => {
    machine = await registerMachineClient(a, ['auditor']);
  });

  const keyRows = () => a.db.query<{ kid: string; state: string }>(`SELECT kid, state FROM signing_keys ORDER BY created_at, kid`);
  const bothPublishTheSame = (what: string) =>
    waitFor(
      what,
      async () => {
        const [ja, jb] = await Promise.all([a.jwks(), b.jwks()]);
        return JSON.stringify(ja.body) === JSON.stringify(jb.body) && ja.headers.get('etag') === jb.headers.get('etag') ? ja.body : undefined;
      },
      5_000,
    );

  it('publishes exactly one next key, then activates it exactly once, and both instances serve it', async () => {
    const [initial] = await keyRows();
    expect(await keyRows()).toEqual([{ kid: initial!.kid, state: 'active' }]);
    const activatedAt = (await a.db.query<{ activated_at: Date }>(`SELECT activated_at FROM signing_keys`))[0]!.activated_at;

    // 29 days on: the pre-publication window of the 30-day rotation opens on both instances at once.
    const publishTime = new Date(activatedAt.getTime() + 29 * DAY + 60_000);
    a.setNow(publishTime);
    b.setNow(publishTime);
    const [fromA, fromB] = await Promise.all([a.runRotationJob(), b.runRotationJob()]);
    expect([...fromA, ...fromB].map((x) => x.type)).toEqual(['publish-next']);
    const afterPublish = await keyRows();
    expect(afterPublish.map((k) => k.state).sort()).toEqual(['active', 'next']);
    const nextKid = afterPublish.find((k) => k.state === 'next')!.kid;
    const jwks = await bothPublishTheSame('both instances to publish the next key');
    expect(jwks.keys.map((k) => k.kid)).toEqual([initial!.kid, nextKid]);

    // 30 days and a minute on: due, and published for more than the 24 h window.
    const rotateTime = new Date(activatedAt.getTime() + 30 * DAY + 120_000);
    a.setNow(rotateTime);
    b.setNow(rotateTime);
    const [rotA, rotB] = await Promise.all([a.runRotationJob(), b.runRotationJob()]);
    expect([...rotA, ...rotB].map((x) => x.type)).toEqual(['activate-next']);
    expect(await keyRows()).toEqual(
      expect.arrayContaining([
        { kid: initial!.kid, state: 'retired' },
        { kid: nextKid, state: 'active' },
      ]),
    );
    expect(await keyRows()).toHaveLength(2);
    await bothPublishTheSame('both instances to publish the rotated keystore');

    // Both instances now sign with the new key.
    await waitFor('instance B to sign with the new key', async () => (kidOf(await machine.adminToken(b.url, ['auditor'])) === nextKid ? true : undefined), 5_000);
    expect(kidOf(await machine.adminToken(a.url, ['auditor']))).toBe(nextKid);

    // Running the job again anywhere changes nothing.
    expect([...(await a.runRotationJob()), ...(await b.runRotationJob())]).toEqual([]);
  });
});
