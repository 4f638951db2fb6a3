import { describe, expect, it } from 'vitest';
import { checkpointDue } from './audit-checkpoint.service.js';
import { retentionCutoff } from './audit-retention.service.js';

const at = (iso: string) => new Date(iso);

describe('when a periodic checkpoint is due', () => {
  it.each([
    ['an empty trail', null, null, '2026-01-01T00:00:00Z', false],
    ['a trail never checkpointed', null, { seq: 3, hash: 'h' }, '2026-01-01T00:00:00Z', true],
    ['an interval passed and the chain grew', { seq: 3, createdAt: at('2026-01-01T00:00:00Z') }, { seq: 9, hash: 'h' }, '2026-01-01T00:15:00Z', true],
    ['the interval has not passed', { seq: 3, createdAt: at('2026-01-01T00:00:00Z') }, { seq: 9, hash: 'h' }, '2026-01-01T00:14:59Z', false],
    ['the chain is idle since the last one', { seq: 9, createdAt: at('2026-01-01T00:00:00Z') }, { seq: 9, hash: 'h' }, '2026-01-02T00:00:00Z', false],
  ] as const)('%s: %s', (_label, latest, head, now, due) => {
    expect(checkpointDue(latest, head, at(now), 15)).toBe(due);
  });
});

describe('the retention cut-off', () => {
  it('is whole calendar years back, leap days included', () => {
    expect(retentionCutoff(at('2032-02-29T12:00:00Z'), 6).toISOString()).toBe('2026-03-01T12:00:00.000Z');
    expect(retentionCutoff(at('2026-11-28T00:00:00Z'), 6).toISOString()).toBe('2020-11-28T00:00:00.000Z');
  });
});
