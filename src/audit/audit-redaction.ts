import type { JsonObject, JsonValue } from './chain/audit-record.js';

export const REDACTED = '[REDACTED]';
const MAX_DEPTH = 8;
const MAX_STRING = 2048;
const MAX_ARRAY = 200;

/**
 * Field names whose values are credentials: passwords, secrets, tokens, codes (authorization,
 * recovery, TOTP, user codes), one-time passwords, private keys, assertions, cookies, PKCE
 * verifiers. Matched on the name lower-cased without separators, by its ending, so
 * `clientSecret`, `refresh_token`, `totpCode` and `recoveryCodes` are caught while
 * `accessTokenFormat` and `tokenEndpointAuthMethod` (which only describe) are not.
 */
const SECRET_NAME =
  /(password|passwd|passphrase|secret|secrethash|passwordhash|token|tokens|code|codes|totp|otp|privatekey|privatejwk|assertion|cookie|authorization|verifier|pepper|seed|kek|pin)$/;
/** Names that end like a secret but only ever hold a status or error code. */
const NOT_SECRET = new Set(['statuscode', 'errorcode', 'reasoncode', 'countrycode', 'languagecode']);

/** Values that are credentials whatever their field is called. */
const SECRET_VALUES: RegExp[] = [
  /^eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/, // a JWS/JWT
  /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
  /^hmac-sha256\$/, // a stored client-secret hash
];

export interface RedactionResult {
  details: JsonObject;
  /** Paths that were replaced by [REDACTED]: a sign that an emitter leaks, logged for its authors. */
  redacted: string[];
}

export function isSecretName(name: string): boolean {
  const normalised = name.toLowerCase().replace(/[^a-z0-9]/g, '');
  return SECRET_NAME.test(normalised) && !NOT_SECRET.has(normalised);
}

/**
 * The redaction guard every audit record's details pass through, whatever the mapping says.
 * Rules: a field named like a credential keeps only a boolean or null (`hasSecret: true` is a
 * fact, not a secret); any other value there, and any value shaped like a credential anywhere,
 * becomes [REDACTED]; a JWK with private members is redacted whole. It also makes the details
 * exactly representable in PostgreSQL jsonb (no NUL, no lone surrogate, finite numbers, bounded
 * size), so the hash computed now is the hash recomputed from the stored row.
 */
export function redactDetails(input: unknown): RedactionResult {
  const redacted: string[] = [];
  const root = clean(input, '', 0, redacted);
  const details = root !== null && typeof root === 'object' && !Array.isArray(root) ? root : root === null ? {} : { value: root };
  return { details, redacted };
}

/** A free-text value (user agent, ids) made storable and bounded; null stays null. */
export function cleanText(value: unknown, max = 512): string | null {
  if (value === undefined || value === null) return null;
  return cleanString(String(value), max);
}

function cleanString(value: string, max = MAX_STRING): string {
  // eslint-disable-next-line no-control-regex
  const s = value.toWellFormed().replace(/\u0000/g, '\uFFFD');
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

function clean(value: unknown, path: string, depth: number, redacted: string[]): JsonValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? (Object.is(value, -0) ? 0 : value) : null;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'string') {
    if (SECRET_VALUES.some((re) => re.test(value))) return redact(path, redacted);
    return cleanString(value);
  }
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (depth >= MAX_DEPTH) return '[TOO DEEP]';
  if (Array.isArray(value)) {
    return value.slice(0, MAX_ARRAY).map((v, i) => clean(v, `${path}[${i}]`, depth + 1, redacted));
  }
  if (typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    if (typeof obj.kty === 'string' && ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'].some((m) => m in obj)) return redact(path, redacted);
    const out: JsonObject = {};
    for (const [key, v] of Object.entries(obj)) {
      if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
      const at = path ? `${path}.${key}` : key;
      const safeKey = cleanString(key, 200);
      out[safeKey] = isSecretName(key) && !(typeof v === 'boolean' || v === null) ? redact(at, redacted) : clean(v, at, depth + 1, redacted);
    }
    return out;
  }
  return null;
}

function redact(path: string, redacted: string[]): string {
  redacted.push(path || '(root)');
  return REDACTED;
}
