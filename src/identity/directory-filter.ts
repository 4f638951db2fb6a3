/**
 * A directory search as identity understands it, independent of any wire format (SCIM maps its
 * filters onto it): comparisons on a few attributes combined with and/or/not. Translated to
 * parameterised SQL here; values never reach the SQL text.
 */
/** emailType: a user's one address is of type "work". */
export type DirectoryAttribute = 'id' | 'email' | 'emailType' | 'externalId' | 'displayName' | 'givenName' | 'familyName' | 'member';
export type DirectoryOperator = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'pr';

export type DirectoryFilter =
  | { op: 'and' | 'or'; filters: DirectoryFilter[] }
  | { op: 'not'; filter: DirectoryFilter }
  | { attr: DirectoryAttribute; op: DirectoryOperator; value?: string };

/** Column (SQL expression) of each attribute for one table; `member` is a membership test. */
export type DirectoryColumns = Partial<Record<Exclude<DirectoryAttribute, 'member'>, { sql: string; caseExact: boolean }>> & {
  /** SQL with `$VALUE` where the member id parameter goes, or absent when the resource has no members. */
  member?: string;
  /** SQL true when the resource has any member. */
  memberAny?: string;
};

const escapeLike = (v: string) => v.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * Rules: an attribute the resource does not have matches nothing (RFC 7644 §3.4.2.2: a filter on
 * an unknown attribute is not an error for eq on a known schema, but here it cannot match);
 * case-insensitive attributes compare lower-cased; `pr` means present and not empty.
 */
export function filterToSql(filter: DirectoryFilter, columns: DirectoryColumns, params: unknown[]): string {
  if ('filters' in filter) {
    const parts = filter.filters.map((f) => filterToSql(f, columns, params));
    return `(${parts.join(filter.op === 'and' ? ' AND ' : ' OR ')})`;
  }
  if (filter.op === 'not') return `(NOT ${filterToSql((filter as { filter: DirectoryFilter }).filter, columns, params)})`;
  const { attr, op, value } = filter as { attr: DirectoryAttribute; op: DirectoryOperator; value?: string };
  if (attr === 'member') {
    if (!columns.member) return 'FALSE';
    if (op === 'pr') return columns.memberAny ?? 'FALSE';
    if (op !== 'eq' || value === undefined || !/^[0-9a-f-]{36}$/i.test(value)) return op === 'ne' ? 'TRUE' : 'FALSE';
    params.push(value);
    return columns.member.replace(/\$VALUE/g, `$${params.length}::uuid`);
  }
  const column = columns[attr];
  if (!column) return 'FALSE';
  if (op === 'pr') return `(${column.sql} IS NOT NULL AND ${column.sql} <> '')`;
  const sql = column.caseExact ? column.sql : `lower(${column.sql})`;
  const v = column.caseExact ? String(value ?? '') : String(value ?? '').toLowerCase();
  if (attr === 'id' && !/^[0-9a-f-]{36}$/i.test(v)) return op === 'ne' ? 'TRUE' : 'FALSE';
  switch (op) {
    case 'eq':
      params.push(v);
      return `(${sql} = $${params.length})`;
    case 'ne':
      params.push(v);
      return `(${sql} IS DISTINCT FROM $${params.length})`;
    case 'co':
      params.push(`%${escapeLike(v)}%`);
      return `(${sql} LIKE $${params.length})`;
    case 'sw':
      params.push(`${escapeLike(v)}%`);
      return `(${sql} LIKE $${params.length})`;
    case 'ew':
      params.push(`%${escapeLike(v)}`);
      return `(${sql} LIKE $${params.length})`;
  }
}
