import type { AuditOutcome } from './chain/audit-record.js';

/** Search and export criteria; every one is optional and they combine with AND. */
export interface AuditFilter {
  from?: Date;
  to?: Date;
  /** An exact event type, or a prefix ending in `.*` (`auth.login.*`). */
  type?: string;
  actor?: string;
  actorType?: string;
  subject?: string;
  subjectType?: string;
  client?: string;
  /** The request id (an error page's reference code): the records that request caused. */
  reference?: string;
  outcome?: AuditOutcome;
  /** An exact IP, or a CIDR block (`10.1.0.0/16`). */
  ip?: string;
  fromSeq?: number;
  toSeq?: number;
}

/** A SQL WHERE clause (parameter numbers from `first`) for a filter. Column names are fixed here. */
export function filterSql(filter: AuditFilter, first = 1): { where: string; params: unknown[] } {
  const clauses: string[] = [];
  const params: unknown[] = [];
  const add = (sql: (n: string) => string, value: unknown) => {
    params.push(value);
    clauses.push(sql(`$${first + params.length - 1}`));
  };
  if (filter.from) add((n) => `occurred_at >= ${n}`, filter.from);
  if (filter.to) add((n) => `occurred_at < ${n}`, filter.to);
  if (filter.type?.endsWith('.*')) add((n) => `starts_with(event_type, ${n})`, filter.type.slice(0, -1));
  else if (filter.type) add((n) => `event_type = ${n}`, filter.type);
  if (filter.actor) add((n) => `actor_id = ${n}`, filter.actor);
  if (filter.actorType) add((n) => `actor_type = ${n}`, filter.actorType);
  if (filter.subject) add((n) => `subject_id = ${n}`, filter.subject);
  if (filter.subjectType) add((n) => `subject_type = ${n}`, filter.subjectType);
  if (filter.client) add((n) => `client_id = ${n}`, filter.client);
  if (filter.reference) add((n) => `correlation_id = ${n}`, filter.reference);
  if (filter.outcome) add((n) => `outcome = ${n}`, filter.outcome);
  // Stored IPs are validated on write, so the cast cannot fail on the application's own rows.
  if (filter.ip?.includes('/')) add((n) => `(CASE WHEN ip ~ '^[0-9A-Fa-f:.]+$' THEN ip::inet <<= ${n}::inet ELSE false END)`, filter.ip);
  else if (filter.ip) add((n) => `ip = ${n}`, filter.ip);
  if (filter.fromSeq !== undefined) add((n) => `seq >= ${n}`, filter.fromSeq);
  if (filter.toSeq !== undefined) add((n) => `seq <= ${n}`, filter.toSeq);
  return { where: clauses.length ? clauses.join(' AND ') : 'true', params };
}
