import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { IdentityService } from '../../../src/identity/index.js';
import { useEvents } from '../../support/fixture.js';
import { HttpBrowser } from '../../support/http-browser.js';
import { allowIfAsked, authorize } from '../../support/sign-in-flow.js';
import { createUserWithTotp, totpCode } from '../../support/totp.js';
import { useAdminApi } from './admin-api.js';

const PASSWORD = 'a long and unusual passphrase 7';

/**
 * #17, outside attack of session 5: a user-admin may prepare credentials for a person who holds
 * no protected role (an invitation or reset link, a password, an enrolment code). When a
 * super-admin later grants that person a protected role, what the user-admin prepared must not
 * open the new admin account: the grant voids it, whichever path grants the role.
 */
describe('a protected-role grant voids what a user-admin prepared', () => {
  const api = useAdminApi({ MFA_ENROLMENT: 'invite-only' });
  const events = useEvents(api, (e) => ['user.protected_role_granted', 'mfa.protected_role_credentials_voided', 'admin.forbidden'].includes(e?.name));
  let helpdesk: string;
  let root: string;
  let identity: IdentityService;

  beforeAll(async () => {
    helpdesk = await api.token(['user-admin']);
    root = await api.token(['super-admin']);
    identity = api.app.get(IdentityService);
  });

  const unique = (prefix: string) => `${prefix}.${randomUUID().slice(0, 8)}@hospital.test`;
  const etag = async (id: string) => (await api.call('GET', `/admin/v1/users/${id}`, { token: root })).headers.get('etag')!;
  const grant = async (id: string, roles: string[]) => {
    const res = await api.call('PATCH', `/admin/v1/users/${id}`, { token: root, body: { roles }, headers: { 'if-match': await etag(id) } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  };
  const setPassword = (link: string, password: string) => {
    const url = new URL(link);
    return fetch(new URL('/account/password-setup', api.url), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: url.searchParams.get('token')!, password }),
    });
  };
  const invited = async (email: string) => {
    const res = await api.call('POST', '/admin/v1/users', { token: helpdesk, body: { email, invite: true } });
    expect(res.status).toBe(201);
    return { id: res.body.id as string, link: res.body.passwordSetupLink as string };
  };

  it("voids a user-admin's invitation link when a super-admin grants super-admin: the link no longer sets a password", async () => {
    const email = unique('promoted');
    const { id, link } = await invited(email);
    await grant(id, ['super-admin']);

    const page = await fetch(new URL(link).href.replace(new URL(link).origin, api.url));
    expect(await page.text()).toContain('invalid, expired or already used');
    const used = await setPassword(link, PASSWORD);
    expect(used.status).toBe(400);
    expect((await identity.checkPassword(email, PASSWORD)).ok).toBe(false);
    expect(events.find((e) => e.name === 'user.protected_role_granted' && (e.payload as { userId: string }).userId === id)?.payload).toMatchObject({
      roles: ['super-admin'],
      via: 'user',
      setupLinksVoided: 1,
    });
  });

  it("voids a user-admin's reset link when the person gains key-admin through a group", async () => {
    const email = unique('grouped');
    const created = await api.call('POST', '/admin/v1/users', { token: helpdesk, body: { email, password: PASSWORD } });
    const reset = await api.call('POST', `/admin/v1/users/${created.body.id}/password`, { token: helpdesk, body: { link: true } });
    expect(reset.status).toBe(200);
    const group = await api.call('POST', '/admin/v1/groups', { token: root, body: { displayName: `keys ${randomUUID().slice(0, 6)}`, roles: ['key-admin'], members: [created.body.id] } });
    expect(group.status, JSON.stringify(group.body)).toBe(201);

    expect((await setPassword(reset.body.passwordSetupLink, 'a brand new passphrase for keys 3')).status).toBe(400);
    expect((await identity.checkPassword(email, 'a brand new passphrase for keys 3')).ok).toBe(false);
    expect(events.find((e) => e.name === 'user.protected_role_granted' && (e.payload as { userId: string }).userId === created.body.id)?.payload).toMatchObject({
      roles: ['key-admin'],
      via: 'group',
      groupId: group.body.id,
    });
  });

  it('removes a password a user-admin set when no second factor backs it, and voids their enrolment code', async () => {
    const email = unique('no-factor');
    const created = await api.call('POST', '/admin/v1/users', { token: helpdesk, body: { email, password: PASSWORD } });
    const code = await api.call('POST', `/admin/v1/users/${created.body.id}/mfa/enrolment-code`, { token: helpdesk });
    expect(code.status, JSON.stringify(code.body)).toBe(201);
    expect((await identity.checkPassword(email, PASSWORD)).ok).toBe(true);

    await grant(created.body.id, ['breakglass']);

    expect((await identity.checkPassword(email, PASSWORD)).ok).toBe(false);
    expect((await api.call('GET', `/admin/v1/users/${created.body.id}`, { token: root })).body.hasPassword).toBe(false);
    const codes = await api.db.query('SELECT 1 FROM mfa_enrolment_codes WHERE user_id = $1', [created.body.id]);
    expect(codes).toHaveLength(0);
    expect(events.find((e) => e.name === 'mfa.protected_role_credentials_voided' && (e.payload as { userId: string }).userId === created.body.id)?.payload).toMatchObject({
      enrolmentCodesVoided: 1,
      passwordRemoved: true,
    });
    // And the user-admin cannot prepare new ones now: only super-admin may.
    expect((await api.call('POST', `/admin/v1/users/${created.body.id}/password`, { token: helpdesk, body: { link: true } })).status).toBe(403);
    const invite = await api.call('POST', `/admin/v1/users/${created.body.id}/password`, { token: root, body: { link: true } });
    expect(invite.status).toBe(200);
  });

  it('keeps the password of a person whose own second factor backs it (a promotion is not a lock-out)', async () => {
    const email = unique('with-factor');
    const { user } = await createUserWithTotp(api, { email, password: PASSWORD });
    await grant(user.id, ['user-admin']);
    expect((await identity.checkPassword(email, PASSWORD)).ok).toBe(true);
  });

  it('ends a sign-in of theirs under way: a password proven before the grant finishes nothing after it', async () => {
    const redirect = 'http://127.0.0.1:9/cb';
    const app = (await api.registerClient({ name: 'Ward rota', redirectUris: [redirect], grantTypes: ['authorization_code'] })).config;
    const email = unique('mid-sign-in');
    const { user, secret } = await createUserWithTotp(api, { email, password: PASSWORD });
    const browser = new HttpBrowser(api.url);
    const started = await authorize(browser, app, redirect);
    const posted = await browser.submitSignIn(started.page!, { email, password: PASSWORD });
    const { res, url } = await browser.follow(posted.headers.get('location')!);
    expect(url.pathname).toMatch(/\/mfa$/);
    const csrf = /name="csrf" value="([^"]+)"/.exec(await res.text())![1]!.replace(/&#61;/g, '=');

    await grant(user.id, ['user-admin']);

    const answered = await browser.request(new URL(`${url.pathname}/totp`, api.url), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf, code: await totpCode(secret, 0) }),
    });
    let landed: URL | undefined;
    if (answered.status === 303) {
      let ended = await browser.follow(answered.headers.get('location')!);
      if (!ended.url.href.startsWith(redirect)) ended = await allowIfAsked(browser, ended.res, ended.url);
      landed = ended.url;
    }
    expect(landed?.searchParams.get('code') ?? null, 'no authorization code from a sign-in begun before the grant').toBeNull();
  });

  it('voids nothing when a role that is not protected is granted', async () => {
    const email = unique('clinician');
    const { id, link } = await invited(email);
    await grant(id, ['clinician']);
    expect((await setPassword(link, PASSWORD)).status).toBe(200);
    expect(events.some((e) => e.name === 'user.protected_role_granted' && (e.payload as { userId: string }).userId === id)).toBe(false);
  });

  it("audits a refused administrator's 403 with who was refused and why", async () => {
    const boss = await api.call('POST', '/admin/v1/users', { token: root, body: { email: unique('boss'), roles: ['super-admin'], password: PASSWORD } });
    const refused = await api.call('POST', `/admin/v1/users/${boss.body.id}/password`, { token: helpdesk, body: { link: true } });
    expect(refused.status).toBe(403);
    const audited = events.find((e) => e.name === 'admin.forbidden' && (e.payload as { path: string }).path === `/admin/v1/users/${boss.body.id}/password`);
    expect(audited?.payload).toMatchObject({ method: 'POST', roles: ['user-admin'], reason: refused.body.detail });
    expect(audited?.actor.type).toBe('client');

    const noRole = await api.call('GET', '/admin/v1/keys', { token: helpdesk });
    expect(noRole.status).toBe(403);
    expect(events.some((e) => e.name === 'admin.forbidden' && (e.payload as { path: string }).path === '/admin/v1/keys')).toBe(true);
  });

  it.each(['directly (PATCH)', 'through a group'])(
    'a password a user-admin sets while a protected role is granted %s never opens the account (outside attack: the race)',
    async (how) => {
      // The user-admin sends password sets back to back while a super-admin grants auditor: one
      // that was checked before the grant must not commit after it and survive. Each attempt is
      // a race; the rule (compare-and-swap on the user's version, which every grant moves) holds
      // whichever way it falls, so every attempt must end with neither password working.
      const group = how === 'through a group' ? await api.call('POST', '/admin/v1/groups', { token: root, body: { displayName: `auditors ${randomUUID()}`, roles: ['auditor'] } }) : undefined;
      for (let attempt = 0; attempt < 4; attempt++) {
        const email = unique('racer');
        const created = await api.call('POST', '/admin/v1/users', { token: helpdesk, body: { email, password: PASSWORD } });
        expect(created.status).toBe(201);
        const id = created.body.id as string;
        const chosen = `the user-admin's own choice ${attempt}`;
        const answers: number[] = [];
        let granted = false;
        const spam = (async () => {
          for (;;) {
            const res = await api.call('POST', `/admin/v1/users/${id}/password`, { token: helpdesk, body: { password: chosen } });
            answers.push(res.status);
            if (res.status === 403 || (granted && answers.length > 50)) return;
          }
        })();
        while (answers.length < 1) await new Promise((r) => setImmediate(r));
        if (group) {
          const added = await api.call('POST', `/admin/v1/groups/${group.body.id}/members`, { token: root, body: { userId: id } });
          expect(added.status, JSON.stringify(added.body)).toBe(200);
        } else {
          // A real administrator retries a 412 (the user-admin's write moved the version) with the new ETag.
          for (;;) {
            const res = await api.call('PATCH', `/admin/v1/users/${id}`, { token: root, body: { roles: ['auditor'] }, headers: { 'if-match': await etag(id) } });
            if (res.status === 412) continue;
            expect(res.status, JSON.stringify(res.body)).toBe(200);
            break;
          }
        }
        granted = true;
        await spam;
        expect(answers.at(-1), `attempt ${attempt}: ${answers.join(' ')}`).toBe(403);
        expect(answers.filter((status) => status >= 500), answers.join(' ')).toEqual([]);
        const [own, first] = [await identity.checkPassword(email, chosen), await identity.checkPassword(email, PASSWORD)];
        expect({ attempt, chosen: own.ok, first: first.ok }, answers.join(' ')).toEqual({ attempt, chosen: false, first: false });
      }
    },
  );

  it("refuses a user-admin any change, through a plain group, of what a protected-role holder holds: 403, nothing changed", async () => {
    const holder = await api.call('POST', '/admin/v1/users', { token: root, body: { email: unique('keys'), password: PASSWORD, roles: ['key-admin'] } });
    const plain = await api.call('POST', '/admin/v1/users', { token: helpdesk, body: { email: unique('plain'), password: PASSWORD } });
    expect([holder.status, plain.status]).toEqual([201, 201]);
    const made = await api.call('POST', '/admin/v1/groups', { token: helpdesk, body: { displayName: `nurses ${randomUUID()}`, roles: ['nurse'], members: [holder.body.id] } });
    expect(made.status).toBe(403);
    expect(made.body.detail).toMatch(/only super-admin may change the groups of a user who holds/);

    const ward = await api.call('POST', '/admin/v1/groups', { token: root, body: { displayName: `ward ${randomUUID()}`, roles: ['nurse'], members: [holder.body.id, plain.body.id] } });
    expect(ward.status).toBe(201);
    const path = `/admin/v1/groups/${ward.body.id}`;
    const tag = async () => (await api.call('GET', path, { token: root })).headers.get('etag')!;
    const changes: Array<[string, string, unknown]> = [
      ['PUT', path, { displayName: ward.body.displayName, roles: ['nurse', 'physician'], members: [holder.body.id, plain.body.id] }],
      ['DELETE', `${path}/members/${holder.body.id}`, undefined],
    ];
    for (const [method, url, body] of changes) {
      const res = await api.call(method, url, { token: helpdesk, body, headers: { 'if-match': await tag() } });
      expect(res.status, `${method} ${url}`).toBe(403);
    }
    expect((await api.call('GET', path, { token: root })).body).toMatchObject({ roles: ['nurse'], members: expect.arrayContaining([expect.objectContaining({ id: holder.body.id })]) });
    // What touches nobody protected stays the user-admin's: a rename, the plain member's removal.
    expect((await api.call('PUT', path, { token: helpdesk, body: { displayName: `${ward.body.displayName} east`, roles: ['nurse'], members: [holder.body.id, plain.body.id] }, headers: { 'if-match': await tag() } })).status).toBe(200);
    expect((await api.call('DELETE', `${path}/members/${plain.body.id}`, { token: helpdesk, headers: { 'if-match': await tag() } })).status).toBe(200);
  });
});
