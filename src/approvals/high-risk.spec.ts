import { describe, expect, it } from 'vitest';
import { grantsHighRiskRole, grantsHighRiskScope, groupGrantsHighRiskRole } from './high-risk.js';

describe('high-risk role grants (dual control)', () => {
  it.each([
    [[], ['super-admin'], ['super-admin']],
    [[], ['nurse', 'breakglass'], ['breakglass']],
    [['key-admin'], ['key-admin', 'nurse'], []],
    [['nurse'], ['nurse', 'user-admin'], []],
    [['super-admin'], [], []],
    [[], undefined, []],
  ])('from %j to %j grants %j', (current, next, granted) => {
    expect(grantsHighRiskRole(current, next, 'breakglass')).toEqual(granted);
  });
});

describe('high-risk role grants through a group (dual control)', () => {
  it.each([
    ['a new group with members', null, { roles: ['key-admin'], members: ['a'] }, { granted: ['key-admin'], members: ['a'] }],
    ['a new group without members', null, { roles: ['super-admin'], members: [] }, { granted: [], members: [] }],
    ['a new member', { roles: ['breakglass'], members: ['a'] }, { roles: ['breakglass'], members: ['a', 'b'] }, { granted: ['breakglass'], members: ['b'] }],
    ['a role given to members', { roles: ['nurse'], members: ['a'] }, { roles: ['nurse', 'super-admin'], members: ['a'] }, { granted: ['super-admin'], members: ['a'] }],
    ['a member removed', { roles: ['super-admin'], members: ['a', 'b'] }, { roles: ['super-admin'], members: ['a'] }, { granted: [], members: [] }],
    ['an ordinary role', { roles: [], members: ['a'] }, { roles: ['auditor'], members: ['a', 'b'] }, { granted: [], members: [] }],
  ])('%s', (_name, current, next, expected) => {
    expect(groupGrantsHighRiskRole(current, next, 'breakglass')).toEqual(expected);
  });
});

describe('high-risk admin scopes of a client (dual control)', () => {
  it.each([
    [[], ['admin:auditor', 'admin:key-admin'], ['admin:key-admin']],
    [[], ['admin:super-admin'], ['admin:super-admin']],
    [['admin:super-admin'], ['admin:super-admin', 'admin:auditor'], []],
    [[], ['admin:user-admin', 'breakglass'], []],
    [[], undefined, []],
  ])('from %j to %j grants %j', (current, next, granted) => {
    expect(grantsHighRiskScope(current, next)).toEqual(granted);
  });
});
