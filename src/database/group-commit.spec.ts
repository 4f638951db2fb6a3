import { describe, expect, it } from 'vitest';
import { GroupCommit } from './group-commit.js';

/** A writer that records its batches and fails items marked bad (the whole batch, as a database would). */
function recordingWriter(bad: (n: number) => boolean = () => false) {
  const batches: number[][] = [];
  const write = async (items: number[]) => {
    batches.push([...items]);
    await new Promise((r) => setTimeout(r, 1));
    if (items.some(bad)) throw Object.assign(new Error('refused'), { code: 'P0001' });
    return items.map((n) => n * 10);
  };
  return { batches, write };
}

describe('GroupCommit', () => {
  it('writes items handed in while a write is in flight together, each caller getting its own result', async () => {
    const { batches, write } = recordingWriter();
    const group = new GroupCommit(write, { maxBatch: 100 });
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => group.add(i)));
    expect(results).toEqual(Array.from({ length: 10 }, (_, i) => i * 10));
    expect(batches).toEqual([[0], [1, 2, 3, 4, 5, 6, 7, 8, 9]]);
  });

  it('fails only the item whose write fails; the others of its batch are written alone and succeed', async () => {
    const { write } = recordingWriter((n) => n === 4);
    const group = new GroupCommit(write, { maxBatch: 100 });
    const settled = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => group.add(i)));
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled']);
  });

  it('fails the whole batch at once when the error says every item would fail (no retry storm)', async () => {
    const { batches, write } = recordingWriter((n) => n >= 1);
    const group = new GroupCommit(write, { maxBatch: 100, failsEveryItem: () => true });
    const settled = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => group.add(i)));
    expect(settled.filter((s) => s.status === 'rejected')).toHaveLength(4);
    expect(batches).toHaveLength(2);
  });

  it('writes an item handed in by a caller resumed by the previous write (never left waiting)', async () => {
    const { write } = recordingWriter();
    const group = new GroupCommit(write, { maxBatch: 100 });
    const second = await group.add(1).then(() => group.add(2));
    expect(second).toBe(20);
    const third = await group.add(3).then(async () => {
      await Promise.resolve();
      return group.add(4);
    });
    expect(third).toBe(40);
    await group.drain();
  });

  it('respects the batch size', async () => {
    const { batches, write } = recordingWriter();
    const group = new GroupCommit(write, { maxBatch: 3 });
    await Promise.all(Array.from({ length: 8 }, (_, i) => group.add(i)));
    expect(batches.map((b) => b.length)).toEqual([1, 3, 3, 1]);
  });
});
