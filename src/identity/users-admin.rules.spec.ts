import { describe, expect, it } from 'vitest';
import type { AdminRole } from '../admin/index.js';
import { mayAdministerUser } from './users-admin.rules.js';

describe('mayAdministerUser', () => {
  it.each<[AdminRole[], string[], string[] | undefined, boolean]>([
    [['user-admin'], [], ['clinician'], true],
    [['user-admin'], ['clinician'], undefined, true],
    [['user-admin'], [], ['user-admin'], false],
    [['user-admin'], [], ['auditor'], false],
    [['user-admin'], ['super-admin'], undefined, false],
    [['user-admin'], ['key-admin', 'clinician'], ['clinician'], false],
    [['super-admin'], ['super-admin'], ['user-admin'], true],
    [['super-admin'], [], ['super-admin'], true],
    [['user-admin'], [], ['breakglass'], false],
    [['user-admin'], ['breakglass'], [], false],
    [['user-admin'], ['breakglass'], undefined, false],
    [['super-admin'], [], ['breakglass'], true],
  ])('caller %j, user holds %j, would hold %j: %s', (granted, current, next, expected) => {
    expect(mayAdministerUser(granted, 'breakglass', current, next)).toBe(expected);
  });
});
