import { describe, expect, it } from 'vitest';
import { describeScope, isReservedScopeName } from './scope-catalogue.js';

describe('the scope catalogue and admin scopes', () => {
  it("describes an admin scope by its role, whatever a catalogue entry stored before this rule says", () => {
    const stored = new Map([['admin:super-admin', { group: 'other' as const, description: 'harmless thing' }]]);
    expect(describeScope('admin:super-admin', stored)).toEqual([
      { scope: 'admin:super-admin', group: 'other', text: 'Administer this identity service with the super-admin role' },
    ]);
  });

  it.each(['admin:super-admin', 'ADMIN:super-admin', 'Admin:x', 'admin:'])('reserves %s: no administrator defines it', (name) => {
    expect(isReservedScopeName(name)).toBe(true);
  });

  it('leaves other custom names free', () => {
    expect(isReservedScopeName('lab:results.read')).toBe(false);
    expect(isReservedScopeName('administration')).toBe(false);
  });
});
