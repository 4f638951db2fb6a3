import * as oidc from 'openid-client';
import { beforeAll, describe, expect, it } from 'vitest';
import { HttpBrowser } from '../../support/http-browser.js';
import { signIn } from '../../support/sign-in-flow.js';
import { waitFor } from '../../support/ports.js';
import { useEvents } from '../../support/fixture.js';
import { useAdminApi } from '../admin/admin-api.js';

const REDIRECT = 'http://127.0.0.1:9/callback';
const PASSWORD = 'a long and unusual passphrase 7';
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';
const ROLES_EXT = 'urn:caduceus:params:scim:schemas:extension:2.0:Group';

/** The SCIM 2.0 service provider driven as Entra ID and Okta drive it, against the real app and PostgreSQL. */
describe('/scim/v2', () => {
  const api = useAdminApi();
  let scimToken: string;
  let config: oidc.Configuration;
  const events = useEvents(api, (event) => event?.name?.startsWith('user.') || event?.name?.startsWith('group.'));

  beforeAll(async () => {
    scimToken = await api.token(['provisioning']);
    ({ config } = await api.registerClient({
      name: 'Ward board',
      mfaPolicy: 'optional', // password-only sign-ins keep this suite about provisioning
      redirectUris: [REDIRECT],
      grantTypes: ['authorization_code', 'refresh_token'],
    }));
  });

  const scim = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}, token = scimToken) =>
    api.call(method, `/scim/v2${path}`, { token, body, headers: { 'content-type': 'application/scim+json', ...headers } });

  /** RFC 7644 §3.3's example, with an email as userName (Caduceus identifies people by email). */
  const createUser = async (userName: string, extra: Record<string, unknown> = {}) => {
    const res = await scim('POST', '/Users', {
      schemas: [USER],
      userName,
      externalId: userName.split('@')[0],
      name: { formatted: 'Ms. Barbara J Jensen III', familyName: 'Jensen', givenName: 'Barbara' },
      ...extra,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res;
  };

  /** Audit records commit with the change; wait on the condition, never on time. */
  const waitForAudit = (sql: string, params: unknown[], count = 1) =>
    waitFor('audit records', async () => ((await api.db.query(sql, params)).length >= count ? true : undefined), 10_000);

  const setPassword = async (userId: string) => {
    const res = await api.call('POST', `/admin/v1/users/${userId}/password`, { token: await api.token(['user-admin']), body: { password: PASSWORD } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  };

  it('creates a user as RFC 7644 §3.3 shows: 201, Location, ETag, meta, application/scim+json; audited with the provisioning client as actor', async () => {
    const res = await createUser('bjensen@example.com');
    expect(res.headers.get('content-type')).toMatch(/^application\/scim\+json/);
    expect(res.headers.get('location')).toBe(`${api.url}/scim/v2/Users/${res.body.id}`.replace('localhost', new URL(res.headers.get('location')!).hostname));
    expect(res.headers.get('etag')).toBe('W/"1"');
    expect(res.body).toMatchObject({
      schemas: [USER],
      userName: 'bjensen@example.com',
      externalId: 'bjensen',
      name: { familyName: 'Jensen', givenName: 'Barbara' },
      active: true,
      meta: { resourceType: 'User', version: 'W/"1"' },
    });
    const created = events.find((e) => e.name === 'user.created' && (e.payload as { userId: string }).userId === res.body.id)!;
    expect(created.actor).toMatchObject({ type: 'client' });
    await waitForAudit(`SELECT actor_type, actor_id FROM audit_events WHERE subject_id = $1 AND event_type = 'user.created'`, [res.body.id]);
    const audit = await api.db.query<{ actor_type: string; actor_id: string }>(`SELECT actor_type, actor_id FROM audit_events WHERE subject_id = $1 AND event_type = 'user.created'`, [res.body.id]);
    expect(audit).toEqual([{ actor_type: 'client', actor_id: created.actor.id }]);

    const again = await scim('POST', '/Users', { schemas: [USER], userName: 'BJensen@example.com' });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ schemas: [ERROR], status: '409', scimType: 'uniqueness' });
  });

  it('lists with filters (eq, co, sw, and, or) and startIndex/count paging, as RFC 7644 §3.4.2 shows', async () => {
    await createUser('list.one@ward7.example.com');
    await createUser('list.two@ward7.example.com');
    const eq = await scim('GET', `/Users?filter=${encodeURIComponent('userName eq "list.one@ward7.example.com"')}`);
    expect(eq.status).toBe(200);
    expect(eq.body).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: 1, startIndex: 1, itemsPerPage: 1 });
    expect(eq.body.Resources[0].userName).toBe('list.one@ward7.example.com');
    const page = await scim('GET', `/Users?filter=${encodeURIComponent('emails[type eq "work" and value co "@ward7.example"]')}&startIndex=2&count=1`);
    expect(page.body).toMatchObject({ totalResults: 2, startIndex: 2, itemsPerPage: 1 });
    expect(page.body.Resources[0].userName).toBe('list.two@ward7.example.com');
    const or = await scim('GET', `/Users?filter=${encodeURIComponent('externalId eq "list.one" or userName sw "LIST.TWO"')}`);
    expect(or.body.totalResults).toBe(2);
  });

  it('validates startIndex and count (RFC 7644 §3.4.2.4): below 1 counts as 1, count is capped, a start out of range or not a number is 400 invalidValue, never 500', async () => {
    for (const resource of ['Users', 'Groups']) {
      for (const query of ['startIndex=99999999999999999999', 'startIndex=2147483648', 'startIndex=abc', 'count=1.5']) {
        const res = await scim('GET', `/${resource}?${query}`);
        expect(res.status, `${resource}?${query}`).toBe(400);
        expect(res.headers.get('content-type')).toMatch(/^application\/scim\+json/);
        expect(res.body).toMatchObject({ schemas: [ERROR], status: '400', scimType: 'invalidValue' });
        expect(res.body.detail).toContain(query.split('=')[0]);
      }
      const low = await scim('GET', `/${resource}?startIndex=-5&count=1`);
      expect(low.status).toBe(200);
      expect(low.body).toMatchObject({ startIndex: 1 });
      const many = await scim('GET', `/${resource}?count=99999999999999999999`);
      expect(many.status).toBe(200);
      expect(many.body.itemsPerPage).toBeLessThanOrEqual(200);
      const none = await scim('GET', `/${resource}?count=-1`);
      expect(none.status).toBe(200);
      expect(none.body.Resources).toEqual([]);
    }
  });

  it('answers a filter with invalid syntax with 400 invalidFilter as SCIM error JSON', async () => {
    const res = await scim('GET', `/Users?filter=${encodeURIComponent('userName eq')}`);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/scim\+json/);
    expect(res.body).toMatchObject({ schemas: [ERROR], status: '400', scimType: 'invalidFilter' });
    expect(JSON.stringify(res.body)).not.toMatch(/at .*\.ts/);
    const unknown = await scim('GET', `/Groups?filter=${encodeURIComponent('owner eq "x"')}`);
    expect(unknown.body).toMatchObject({ status: '400', scimType: 'invalidFilter' });
  });

  it('deprovisioning (Entra ID: PATCH Replace active "False") makes the user\'s tokens introspect inactive at once', async () => {
    const user = await createUser('leaver@example.com');
    await setPassword(user.body.id);
    const { tokens } = await signIn(new HttpBrowser(api.url), config, REDIRECT, { email: 'leaver@example.com', password: PASSWORD }, { scope: 'openid offline_access', prompt: 'consent' });
    expect((await oidc.tokenIntrospection(config, tokens.access_token)).active).toBe(true);
    const patched = await scim('PATCH', `/Users/${user.body.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'active', value: 'False' }] });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect(patched.body.active).toBe(false);
    expect((await oidc.tokenIntrospection(config, tokens.access_token)).active).toBe(false);
    expect((await oidc.tokenIntrospection(config, tokens.refresh_token!)).active).toBe(false);
    const disabled = events.find((e) => e.name === 'user.disabled' && (e.payload as { userId: string }).userId === user.body.id)!;
    expect(disabled.actor.type).toBe('client');
  });

  it('DELETE ends the tokens too, and the user is gone from SCIM', async () => {
    const user = await createUser('deleted@example.com');
    await setPassword(user.body.id);
    const { tokens } = await signIn(new HttpBrowser(api.url), config, REDIRECT, { email: 'deleted@example.com', password: PASSWORD }, { scope: 'openid', prompt: 'consent' });
    expect((await scim('DELETE', `/Users/${user.body.id}`)).status).toBe(204);
    expect((await oidc.tokenIntrospection(config, tokens.access_token)).active).toBe(false);
    const gone = await scim('GET', `/Users/${user.body.id}`);
    expect(gone.status).toBe(404);
    expect(gone.body).toMatchObject({ schemas: [ERROR], status: '404' });
  });

  it("groups: Entra ID's Add / Remove members PATCHes; a group's roles reach the ID token's roles claim, its name the groups claim", async () => {
    const nurse = await createUser('nurse@example.com');
    const other = await createUser('other@example.com');
    await setPassword(nurse.body.id);
    const group = await scim('POST', '/Groups', { schemas: [GROUP, ROLES_EXT], displayName: 'Ward 7', externalId: 'ward-7-oid', [ROLES_EXT]: { roles: ['ward-7-nurse'] } });
    expect(group.status, JSON.stringify(group.body)).toBe(201);
    const id = group.body.id;
    const add = await scim('PATCH', `/Groups/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'Add', path: 'members', value: [{ value: nurse.body.id }, { value: other.body.id }] }] });
    expect(add.status, JSON.stringify(add.body)).toBe(200);
    expect(add.body.members.map((m: { value: string }) => m.value).sort()).toEqual([nurse.body.id, other.body.id].sort());
    const remove = await scim('PATCH', `/Groups/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'Remove', path: 'members', value: [{ value: other.body.id }] }] });
    expect(remove.body.members.map((m: { value: string }) => m.value)).toEqual([nurse.body.id]);
    const byMember = await scim('GET', `/Groups?filter=${encodeURIComponent(`members.value eq "${nurse.body.id}" and displayName eq "ward 7"`)}&excludedAttributes=members`);
    expect(byMember.body.totalResults).toBe(1);
    expect(byMember.body.Resources[0].members).toBeUndefined();
    // Entra ID renames with a path-less Replace whose value is an object.
    const renamed = await scim('PATCH', `/Groups/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'Replace', value: { displayName: 'Ward 7 North' } }] });
    expect(renamed.body.displayName).toBe('Ward 7 North');
    expect(events.filter((e) => e.name === 'group.updated' && (e.payload as { groupId: string }).groupId === id).every((e) => e.actor.type === 'client')).toBe(true);
    await waitForAudit(`SELECT 1 FROM audit_events WHERE subject_type = 'group' AND subject_id = $1 AND event_type = 'group.updated' AND actor_type = 'client'`, [id], 3);

    const { tokens } = await signIn(new HttpBrowser(api.url), config, REDIRECT, { email: 'nurse@example.com', password: PASSWORD }, { scope: 'openid roles groups', prompt: 'consent' });
    const claims = tokens.claims()!;
    expect(claims.roles).toContain('ward-7-nurse');
    expect(claims.groups).toEqual(['Ward 7 North']);

    // Removing by a value filter (RFC 7644 §3.5.2.2) takes the role away from the next token.
    const removed = await scim('PATCH', `/Groups/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: `members[value eq "${nurse.body.id}"]` }] });
    expect(removed.body.members).toEqual([]);
    const after = await signIn(new HttpBrowser(api.url), config, REDIRECT, { email: 'nurse@example.com', password: PASSWORD }, { scope: 'openid roles', prompt: 'consent' });
    expect(after.tokens.claims()!.roles ?? []).not.toContain('ward-7-nurse');
  });

  it('never grants a protected role, and says so', async () => {
    const res = await scim('POST', '/Users', { schemas: [USER], userName: 'climber@example.com', roles: [{ value: 'super-admin' }] });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ schemas: [ERROR], status: '403' });
    expect(res.body.detail).toContain('protected role (super-admin)');
    const group = await scim('POST', '/Groups', { schemas: [GROUP, ROLES_EXT], displayName: 'Admins', [ROLES_EXT]: { roles: ['user-admin'] } });
    expect(group.status).toBe(403);
    expect(group.body.detail).toContain('protected role');
    expect((await scim('GET', `/Users?filter=${encodeURIComponent('userName eq "climber@example.com"')}`)).body.totalResults).toBe(0);
  });

  it('honours If-Match: a stale ETag is 412 and changes nothing', async () => {
    const user = await createUser('etag@example.com');
    const ok = await scim('PUT', `/Users/${user.body.id}`, { schemas: [USER], userName: 'etag@example.com', name: { givenName: 'Eve' } }, { 'if-match': 'W/"1"' });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.headers.get('etag')).toBe('W/"2"');
    const stale = await scim('PATCH', `/Users/${user.body.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'name.givenName', value: 'Mallory' }] }, { 'if-match': 'W/"1"' });
    expect(stale.status).toBe(412);
    expect(stale.body).toMatchObject({ schemas: [ERROR], status: '412' });
    expect((await scim('GET', `/Users/${user.body.id}`)).body.name.givenName).toBe('Eve');
  });

  it('lets in only a provisioning client: another admin token is 403, none is 401, both as SCIM errors', async () => {
    const none = await api.call('GET', '/scim/v2/Users');
    expect(none.status).toBe(401);
    expect(none.body).toMatchObject({ schemas: [ERROR], status: '401' });
    const userAdmin = await scim('GET', '/Users', undefined, {}, await api.token(['user-admin']));
    expect(userAdmin.status).toBe(403);
    expect(userAdmin.body.detail).toContain('admin:provisioning');
  });

  it('describes itself: ServiceProviderConfig, ResourceTypes, Schemas', async () => {
    const spc = await api.call('GET', '/scim/v2/ServiceProviderConfig');
    expect(spc.body).toMatchObject({ patch: { supported: true }, filter: { supported: true }, etag: { supported: true }, bulk: { supported: false } });
    const types = await api.call('GET', '/scim/v2/ResourceTypes');
    expect(types.body.Resources.map((t: { id: string }) => t.id)).toEqual(['User', 'Group']);
    const schemas = await api.call('GET', '/scim/v2/Schemas');
    expect(schemas.body.Resources.map((s: { id: string }) => s.id)).toContain(USER);
  });
});
