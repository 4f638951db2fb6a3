import { describe, expect, it } from 'vitest';
import { effectiveRoles } from '../identity/groups.rules.js';
import { filterToSql } from '../identity/directory-filter.js';
import { GROUP_FILTER_ATTRIBUTES, parseScimFilter, USER_FILTER_ATTRIBUTES } from './scim-filter.js';
import { applyPatch } from './scim-patch.js';
import { readActive } from './scim-resources.js';
import { provisioningRefusal } from './scim-rules.js';
import { ScimError } from './scim.errors.js';

const scimTypeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return e instanceof ScimError ? `${e.status} ${e.scimType}` : String(e);
  }
  return 'no error';
};

describe('SCIM filters', () => {
  it.each([
    ['userName eq "bjensen@example.com"', { attr: 'email', op: 'eq', value: 'bjensen@example.com' }],
    ['USERNAME sw "J"', { attr: 'email', op: 'sw', value: 'J' }],
    ['emails[type eq "work" and value co "@example.com"] or externalId eq "x"', null],
    ['emails.value co "example"', { attr: 'email', op: 'co', value: 'example' }],
  ])('%s', (text, expected) => {
    const parsed = parseScimFilter(text, USER_FILTER_ATTRIBUTES);
    if (expected) expect(parsed).toEqual(expected);
  });

  it('translates members.value and displayName for groups into parameterised SQL', () => {
    const params: unknown[] = [];
    const sql = filterToSql(parseScimFilter('displayName eq "Ward 7" and members.value eq "2819c223-7f76-453a-919d-413861904646"', GROUP_FILTER_ATTRIBUTES), { displayName: { sql: 'g.display_name', caseExact: false }, member: 'M($VALUE)' }, params);
    expect(sql).toBe('((lower(g.display_name) = $1) AND M($2::uuid))');
    expect(params).toEqual(['ward 7', '2819c223-7f76-453a-919d-413861904646']);
  });

  it.each([
    ['userName eq', '400 invalidFilter'],
    ['userName eq "a" and', '400 invalidFilter'],
    ['(userName eq "a"', '400 invalidFilter'],
    ['password eq "x"', '400 invalidFilter'],
    ['meta.lastModified gt "2011-05-13T04:42:34Z"', '400 invalidFilter'],
  ])('refuses %s with invalidFilter', (text, expected) => {
    expect(scimTypeOf(() => parseScimFilter(text, USER_FILTER_ATTRIBUTES))).toBe(expected);
  });
});

describe('SCIM PATCH (RFC 7644 §3.5.2 and what Entra ID sends)', () => {
  const user = { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], id: 'u', userName: 'a@x.org', active: true, name: { givenName: 'A' }, meta: { resourceType: 'User' } };
  const group = { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], id: 'g', displayName: 'G', members: [{ value: 'm1' }, { value: 'm2' }], meta: { resourceType: 'Group' } };
  const patch = (ops: unknown[]) => ({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: ops });

  it('Entra ID: path-less Replace with an object value, active as the string "False"', () => {
    const out = applyPatch(user, patch([{ op: 'Replace', value: { active: 'False', 'name.familyName': 'Jensen' } }]));
    expect(readActive(out.active)).toBe(false);
    expect(out.name).toEqual({ givenName: 'A', familyName: 'Jensen' });
  });

  it('Entra ID: Add and Remove members by value, and remove by a value filter', () => {
    expect(applyPatch(group, patch([{ op: 'Add', path: 'members', value: [{ value: 'm3' }] }])).members.map((m) => m.value)).toEqual(['m1', 'm2', 'm3']);
    expect(applyPatch(group, patch([{ op: 'Remove', path: 'members', value: [{ value: 'm1' }] }])).members.map((m) => m.value)).toEqual(['m2']);
    expect(applyPatch(group, patch([{ op: 'remove', path: 'members[value eq "m2"]' }])).members.map((m) => m.value)).toEqual(['m1']);
    expect(applyPatch(group, patch([{ op: 'replace', path: 'members', value: [{ value: 'm9' }] }])).members.map((m) => m.value)).toEqual(['m9']);
  });

  it('refuses read-only paths, unknown ops and bodies without the PatchOp schema', () => {
    expect(scimTypeOf(() => applyPatch(user, patch([{ op: 'replace', path: 'id', value: 'x' }])))).toBe('400 mutability');
    expect(scimTypeOf(() => applyPatch(user, patch([{ op: 'move', path: 'active' }])))).toBe('400 invalidSyntax');
    expect(scimTypeOf(() => applyPatch(user, { Operations: [] }))).toBe('400 invalidSyntax');
  });
});

describe('provisioning and protected roles', () => {
  it.each([
    [[], ['clinician'], false],
    [[], ['super-admin'], true],
    [[], ['provisioning'], true],
    [[], ['breakglass'], true],
    [['user-admin'], [], true],
    [['nurse'], ['nurse', 'pharmacist'], false],
  ])('held %j, next %j → refused %s', (held, next, refused) => {
    const refusal = provisioningRefusal('breakglass', held, next);
    expect(Boolean(refusal)).toBe(refused);
    if (refusal) expect(refusal.message).toContain('protected role');
  });

  it("a user's effective roles are their own plus their groups'", () => {
    expect(effectiveRoles(['nurse'], [{ name: 'Ward 7', roles: ['nurse', 'ward-7'] }, { name: 'Cardiology', roles: ['cardio'] }])).toEqual({
      roles: ['nurse', 'ward-7', 'cardio'],
      groups: ['Cardiology', 'Ward 7'],
    });
  });
});
