/**
 * The rows of a raw query's result, whichever shape the driver gave: a SELECT answers the rows,
 * an UPDATE or DELETE … RETURNING answers [rows, affectedCount].
 */
export function rowsOf<T = Record<string, unknown>>(result: unknown): T[] {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[0] as T[];
  return (Array.isArray(result) ? result : []) as T[];
}
