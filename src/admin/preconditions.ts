import { ProblemError } from './problem.filter.js';

/**
 * Optimistic concurrency for admin resources (RFC 9110 §13): every single resource carries a
 * version that its repository bumps on each change; its strong ETag is that version, and an
 * update names the version it read in `If-Match`. The repository then updates with
 * compare-and-swap (`... WHERE version = $n`), so two administrators never overwrite each
 * other's change unseen.
 */
export function etagOf(version: number): string {
  return `"${version}"`;
}

/**
 * Sets the resource's ETag on the reply and returns its response body: what every admin route
 * that returns one versioned resource (get, update, enable...) ends with.
 */
export function withETag<T extends { version: number }, R>(reply: { header(name: string, value: string): unknown }, resource: T, toResponse: (resource: T) => R): R {
  reply.header('ETag', etagOf(resource.version));
  return toResponse(resource);
}

export type IfMatch = { kind: 'absent' } | { kind: 'any' } | { kind: 'versions'; versions: number[] };

/**
 * Rules: a missing or blank header is `absent`; `*` is `any`; otherwise a list of entity
 * tags where only strong tags of our form count (a weak tag never matches for If-Match,
 * and a tag we never issued matches nothing, which makes the request fail with 412).
 */
export function parseIfMatch(header: string | string[] | undefined): IfMatch {
  const raw = (Array.isArray(header) ? header.join(',') : (header ?? '')).trim();
  if (!raw) return { kind: 'absent' };
  if (raw === '*') return { kind: 'any' };
  const versions: number[] = [];
  for (const part of raw.split(',')) {
    const m = /^"([1-9][0-9]{0,9})"$/.exec(part.trim());
    if (m) versions.push(Number(m[1]));
  }
  return { kind: 'versions', versions };
}

export function preconditionRequired(): ProblemError {
  return new ProblemError({
    type: 'about:blank',
    title: 'Precondition Required',
    status: 428,
    detail: 'send If-Match with the ETag of the version you read (GET the resource first); * is not accepted',
  });
}

export function preconditionFailed(currentVersion?: number): ProblemError {
  return new ProblemError({
    type: 'about:blank',
    title: 'Precondition Failed',
    status: 412,
    detail: 'the resource changed since you read it: GET it again, reapply your change and send the new ETag',
    ...(currentVersion !== undefined ? { currentEtag: etagOf(currentVersion) } : {}),
  });
}

/**
 * For updates: If-Match is required (428 without it, or with `*`, which would defeat the
 * lost-update protection). Returns the versions the caller accepts; the repository's
 * compare-and-swap decides, and a mismatch there is a 412.
 */
export function requireIfMatch(header: string | string[] | undefined): number[] {
  const parsed = parseIfMatch(header);
  if (parsed.kind !== 'versions') throw preconditionRequired();
  if (!parsed.versions.length) throw preconditionFailed();
  return parsed.versions;
}

/**
 * For actions where a precondition is optional (disable, delete, rotate): absent or `*`
 * means "whatever the current version", otherwise the listed versions.
 */
export function optionalIfMatch(header: string | string[] | undefined): number[] | undefined {
  const parsed = parseIfMatch(header);
  if (parsed.kind !== 'versions') return undefined;
  if (!parsed.versions.length) throw preconditionFailed();
  return parsed.versions;
}
