/**
 * The SMART App Launch 2.x scope algebra, as pure functions: parse a scope token, map v1 to v2,
 * decide whether one clinical scope lies within another, intersect two, and narrow a request to
 * a client's ceiling. Nothing here knows about HTTP, storage or oidc-provider.
 *
 * Clinical scopes: `patient|user|system` `/` `<ResourceType>|*` `.` permissions, where the
 * permissions are an in-order subset of `cruds` (v2) or `read`, `write`, `*` (v1), optionally
 * followed by `?param=value&...` (v2 only). Context scopes: `launch`, `launch/<context>`.
 */

export type SmartContext = 'patient' | 'user' | 'system';

/** A clinical (FHIR data) scope, with its permissions already in v2 terms. */
export interface ClinicalScope {
  kind: 'clinical';
  token: string;
  context: SmartContext;
  /** A FHIR resource type, or `*` for every type. */
  resource: string;
  /** An in-order subset of `cruds`, never empty. */
  permissions: string;
  /** `param=value` constraints in the order given; all must hold (a narrower grant has more). */
  query: Array<readonly [string, string]>;
  /** Written in v1 syntax (`.read`, `.write`, `.*`). */
  v1: boolean;
}

export type ParsedScope =
  | ClinicalScope
  /** `launch/patient`, `launch/encounter`, ... (standalone launch context). */
  | { kind: 'launch-context'; token: string; context: string }
  /** `launch`: EHR launch, which needs a `launch` parameter from an EHR. */
  | { kind: 'ehr-launch'; token: string }
  | { kind: 'malformed'; token: string; reason: string }
  /** Not a SMART scope (`openid`, `fhirUser`, an API's own scope ...): other rules apply. */
  | { kind: 'other'; token: string };

const PERMISSION_ORDER = 'cruds';
const V1_PERMISSIONS: Record<string, string> = { read: 'rs', write: 'cud', '*': 'cruds' };
const CLINICAL = /^(patient|user|system)\/([^.?]*)\.([^?]*)(?:\?(.*))?$/s;
const RESOURCE_TYPE = /^[A-Z][A-Za-z]{0,63}$/;
const QUERY_PARAM = /^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$/;
const LAUNCH_CONTEXT = /^launch\/([a-z]{1,64})$/;

/**
 * Rules: a token under `patient/`, `user/` or `system/` must be a well-formed clinical scope,
 * otherwise it is malformed (never guessed at); permissions are `read`, `write`, `*` or an
 * in-order, non-repeating subset of `cruds`; query constraints only in v2 syntax, each a
 * `name=value` with a non-empty value; `launch/` must name a lower-case context.
 */
export function parseScope(token: string): ParsedScope {
  if (token === 'launch') return { kind: 'ehr-launch', token };
  if (token.startsWith('launch/')) {
    const m = LAUNCH_CONTEXT.exec(token);
    return m ? { kind: 'launch-context', token, context: m[1]! } : malformed(token, 'a launch context is launch/ and a lower-case name');
  }
  if (!/^(patient|user|system)\//.test(token)) return { kind: 'other', token };
  const m = CLINICAL.exec(token);
  if (!m) return malformed(token, 'a clinical scope is <context>/<ResourceType|*>.<permissions>');
  const [, context, resource, perms, rawQuery] = m as unknown as [string, SmartContext, string, string, string | undefined];
  if (resource !== '*' && !RESOURCE_TYPE.test(resource)) return malformed(token, 'the resource must be * or a FHIR resource type');
  const v1 = perms in V1_PERMISSIONS;
  const permissions = v1 ? V1_PERMISSIONS[perms]! : perms;
  if (!v1 && !isPermissionSet(permissions)) return malformed(token, 'permissions must be an in-order subset of cruds, or read, write or *');
  if (rawQuery !== undefined && v1) return malformed(token, 'query constraints need v2 permissions');
  const query = rawQuery === undefined ? [] : parseQuery(rawQuery);
  if (!query) return malformed(token, 'constraints are name=value pairs joined by &');
  return { kind: 'clinical', token, context, resource, permissions, query, v1 };
}

function malformed(token: string, reason: string): ParsedScope {
  return { kind: 'malformed', token, reason };
}

function isPermissionSet(perms: string): boolean {
  if (!perms) return false;
  let last = -1;
  for (const p of perms) {
    const at = PERMISSION_ORDER.indexOf(p);
    if (at <= last) return false;
    last = at;
  }
  return true;
}

function parseQuery(raw: string): Array<readonly [string, string]> | undefined {
  if (!raw) return undefined;
  const pairs: Array<readonly [string, string]> = [];
  for (const part of raw.split('&')) {
    const eq = part.indexOf('=');
    if (eq <= 0) return undefined;
    const name = part.slice(0, eq);
    const value = part.slice(eq + 1);
    if (!QUERY_PARAM.test(name) || !value || value.includes('=')) return undefined;
    if (!pairs.some(([n, v]) => n === name && v === value)) pairs.push([name, value]);
  }
  return pairs;
}

/** The v2 spelling of a clinical scope (`patient/Observation.read` → `patient/Observation.rs`); other tokens unchanged. */
export function toV2(token: string): string {
  const parsed = parseScope(token);
  return parsed.kind === 'clinical' ? formatClinical(parsed) : token;
}

export function formatClinical(s: Pick<ClinicalScope, 'context' | 'resource' | 'permissions' | 'query'>): string {
  const query = s.query.length ? `?${s.query.map(([n, v]) => `${n}=${v}`).join('&')}` : '';
  return `${s.context}/${s.resource}.${s.permissions}${query}`;
}

/**
 * Whether `inner` grants nothing `outer` does not. Rules: same context (patient, user and system
 * data are different things); `outer` names the same resource type or `*`; every permission of
 * `inner` is one of `outer`'s; every constraint of `outer` is also a constraint of `inner`.
 */
export function isWithin(inner: ClinicalScope, outer: ClinicalScope): boolean {
  if (inner.context !== outer.context) return false;
  if (outer.resource !== '*' && outer.resource !== inner.resource) return false;
  if (![...inner.permissions].every((p) => outer.permissions.includes(p))) return false;
  return outer.query.every(([n, v]) => inner.query.some(([m, w]) => m === n && w === v));
}

/**
 * The largest scope within both, or null when they share nothing. Rules: same context; `*`
 * meets a type as that type, two different types never meet; the permissions both have; the
 * constraints of either (both must hold).
 */
export function intersect(a: ClinicalScope, b: ClinicalScope): ClinicalScope | null {
  if (a.context !== b.context) return null;
  const resource = a.resource === '*' ? b.resource : b.resource === '*' || b.resource === a.resource ? a.resource : null;
  if (!resource) return null;
  const permissions = [...PERMISSION_ORDER].filter((p) => a.permissions.includes(p) && b.permissions.includes(p)).join('');
  if (!permissions) return null;
  const query = [...a.query, ...b.query.filter(([n, v]) => !a.query.some(([m, w]) => m === n && w === v))];
  const scope = { context: a.context, resource, permissions, query };
  return { kind: 'clinical', token: formatClinical(scope), v1: false, ...scope };
}

/**
 * A requested clinical scope narrowed to a ceiling. Rules: inside one ceiling entry, it is
 * granted as asked (a v1 scope stays v1, as SMART recommends); otherwise it becomes its
 * intersections with the ceiling entries, keeping only those not inside another; nothing
 * outside the ceiling is ever added.
 */
export function narrowClinical(requested: ClinicalScope, ceiling: readonly ClinicalScope[]): ClinicalScope[] {
  if (ceiling.some((c) => isWithin(requested, c))) return [requested];
  const pieces = ceiling.map((c) => intersect(requested, c)).filter((s): s is ClinicalScope => s !== null);
  return pieces.filter((p, i) => !pieces.some((q, j) => j !== i && isWithin(p, q) && (!isWithin(q, p) || j < i)));
}

/** Scopes that only a client whose ceiling names them may receive (they are not core OpenID Connect). */
export const CEILING_GOVERNED = new Set(['fhirUser', 'online_access']);
/** The standalone launch contexts this server can establish. */
export const SUPPORTED_LAUNCH_CONTEXTS = new Set(['patient', 'encounter']);

export interface ShapedScopes {
  /** The request as it may be granted: narrowed to the ceiling, in the order asked. */
  scopes: string[];
  /** Tokens of the request that are not in `scopes` as asked (removed or narrowed). */
  removed: string[];
  /** Well-formed-looking SMART tokens that do not parse: the request must be refused. */
  malformed: string[];
}

/**
 * A whole request narrowed to a client's ceiling (its registered scope list). Rules: malformed
 * SMART scopes are reported, never dropped into something wider; clinical scopes are narrowed
 * by the algebra above; `launch/<context>`, `fhirUser` and `online_access` are kept only when
 * the ceiling names them (and the context is one this server supports); `launch` (EHR launch,
 * not offered) is removed; every other token is left to the rules of OpenID Connect and of the
 * resource server it belongs to.
 */
export function shapeScopes(requested: readonly string[], ceiling: readonly string[]): ShapedScopes {
  const literal = new Set(ceiling);
  const clinicalCeiling = ceiling.map(parseScope).filter((s): s is ClinicalScope => s.kind === 'clinical');
  const scopes: string[] = [];
  const malformedTokens: string[] = [];
  for (const token of new Set(requested)) {
    const parsed = parseScope(token);
    switch (parsed.kind) {
      case 'malformed':
        malformedTokens.push(token);
        break;
      case 'clinical':
        scopes.push(...narrowClinical(parsed, clinicalCeiling).map((s) => s.token));
        break;
      case 'launch-context':
        if (SUPPORTED_LAUNCH_CONTEXTS.has(parsed.context) && literal.has(token)) scopes.push(token);
        break;
      case 'ehr-launch':
        // EHR launch (#21): within the ceiling; the launch parameter it needs is checked at /authorize.
        if (literal.has(token)) scopes.push(token);
        break;
      case 'other':
        if (!CEILING_GOVERNED.has(token) || literal.has(token)) scopes.push(token);
        break;
    }
  }
  const unique = [...new Set(scopes)];
  const kept = new Set(unique);
  return { scopes: unique, removed: [...new Set(requested)].filter((t) => !kept.has(t) && !malformedTokens.includes(t)), malformed: malformedTokens };
}

/**
 * Whether every requested token is covered by what was granted. Rules: a clinical scope is
 * covered by any granted clinical scope it lies within; any other token only by itself.
 */
export function isCoveredBy(requested: readonly string[], granted: readonly string[]): boolean {
  const literal = new Set(granted);
  const clinical = granted.map(parseScope).filter((s): s is ClinicalScope => s.kind === 'clinical');
  return requested.every((token) => {
    if (literal.has(token)) return true;
    const parsed = parseScope(token);
    return parsed.kind === 'clinical' && clinical.some((g) => isWithin(parsed, g));
  });
}

/** Whether the token is a SMART scope (clinical, launch or launch context, well-formed or not). */
export function isSmartScope(token: string): boolean {
  return parseScope(token).kind !== 'other';
}

export function clinicalScopes(tokens: readonly string[]): ClinicalScope[] {
  return tokens.map(parseScope).filter((s): s is ClinicalScope => s.kind === 'clinical');
}
