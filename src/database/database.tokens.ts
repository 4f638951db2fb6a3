/** Injection token for the OpenedDatabase (data source, kind, close). Repositories only. */
export const DATABASE = Symbol('DATABASE');
