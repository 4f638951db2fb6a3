import { describe, expect, it } from 'vitest';
import { grantsHighRiskRole } from './high-risk.js';

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
