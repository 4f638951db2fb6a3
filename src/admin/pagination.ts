import { z } from 'zod';

/** Page sizes every admin list accepts; larger pages would let one request hold a connection long. */
export const PAGE_LIMIT_DEFAULT = 50;
export const PAGE_LIMIT_MAX = 200;

export interface Page<T> {
  items: T[];
  /** Opaque; pass as `?cursor=` for the next page. Null on the last page. */
  nextCursor: string | null;
}

/** Encodes a keyset position (the sort key of the last item) as an opaque base64url cursor. */
export function encodeCursor(position: unknown): string {
  return Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
}

/**
 * A query parameter holding a cursor that decodes to `position`. A cursor that is not
 * base64url JSON of the right shape (tampered, truncated, from another list) is a 400 on
 * `cursor`, never a server error or a silently different page.
 */
export function cursorParam<P extends z.ZodType>(position: P) {
  return z
    .string()
    .max(2000)
    .transform((value, ctx) => {
      let decoded: unknown;
      try {
        if (!/^[A-Za-z0-9_-]+$/.test(value)) throw new Error('not base64url');
        decoded = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
      } catch {
        ctx.addIssue({ code: 'custom', message: 'is not a cursor this list returned' });
        return z.NEVER;
      }
      const parsed = position.safeParse(decoded);
      if (!parsed.success) {
        ctx.addIssue({ code: 'custom', message: 'is not a cursor this list returned' });
        return z.NEVER;
      }
      return parsed.data as z.output<P>;
    });
}

/** `?limit=&cursor=`; extend it with the list's own filters (`pageQuery(position).extend({ q })`). */
export function pageQuery<P extends z.ZodType>(position: P) {
  return z.strictObject({
    limit: z.coerce
      .number({ error: `must be a whole number from 1 to ${PAGE_LIMIT_MAX}` })
      .int(`must be a whole number from 1 to ${PAGE_LIMIT_MAX}`)
      .min(1, `must be a whole number from 1 to ${PAGE_LIMIT_MAX}`)
      .max(PAGE_LIMIT_MAX, `must be a whole number from 1 to ${PAGE_LIMIT_MAX}`)
      .default(PAGE_LIMIT_DEFAULT),
    cursor: cursorParam(position).optional(),
  });
}

/**
 * Builds a page from rows fetched with `LIMIT limit + 1`: the extra row only proves that a
 * next page exists, and the cursor points after the last row returned.
 */
export function toPage<R, T>(rows: R[], limit: number, positionOf: (row: R) => unknown, map: (row: R) => T): Page<T> {
  const visible = rows.slice(0, limit);
  const more = rows.length > limit && visible.length > 0;
  return { items: visible.map(map), nextCursor: more ? encodeCursor(positionOf(visible[visible.length - 1]!)) : null };
}

/** Response schema of a page, for OpenAPI. */
export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    nextCursor: z.string().nullable().describe('opaque cursor for the next page; null on the last page'),
  });
}
