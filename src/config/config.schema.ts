/**
 * The one validated source of configuration. Only this folder reads process.env.
 * Flat environment variables are mapped into a typed, nested object; every error is
 * reported at once, naming the variable, before anything else starts.
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import { allowPrivateEntryProblem } from './outbound-entries.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const port = z.coerce
  .number({ error: 'must be a whole number from 1 to 65535' })
  .int('must be a whole number from 1 to 65535')
  .min(1, 'must be a whole number from 1 to 65535')
  .max(65535, 'must be a whole number from 1 to 65535');

const seconds = (min: number, max: number) =>
  z.coerce
    .number({ error: `must be a whole number of seconds from ${min} to ${max}` })
    .int(`must be a whole number of seconds from ${min} to ${max}`)
    .min(min, `must be at least ${min} seconds`)
    .max(max, `must be at most ${max} seconds`);

const millis = (min: number, max: number) =>
  z.coerce
    .number({ error: `must be a whole number of milliseconds from ${min} to ${max}` })
    .int(`must be a whole number of milliseconds from ${min} to ${max}`)
    .min(min, `must be at least ${min} milliseconds`)
    .max(max, `must be at most ${max} milliseconds`);

/** Requests allowed per window for one key (an IP or a client). */
const rateLimit = z.coerce
  .number({ error: 'must be a whole number of requests from 1 to 1000000' })
  .int('must be a whole number of requests from 1 to 1000000')
  .min(1, 'must be a whole number of requests from 1 to 1000000')
  .max(1_000_000, 'must be a whole number of requests from 1 to 1000000');

/** An IPv4 or IPv6 address with an optional prefix length in range (`10.0.0.0/8`, `::1`). */
function isCidr(value: string): boolean {
  const [address, prefix, ...rest] = value.split('/');
  const family = isIP(address ?? '');
  if (!family || rest.length) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

const emptyToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

/** Headers that already mean something to the service or the proxy: never a client certificate's carrier. */
const RESERVED_HEADERS = new Set(['authorization', 'cookie', 'host', 'content-type', 'content-length', 'transfer-encoding', 'dpop', 'forwarded', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-request-id', 'user-agent', 'origin']);

/** An HTTP header name, lower-cased (how node presents request headers). */
const clientCertHeader = z.preprocess(
  emptyToUndefined,
  z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/, 'must be an HTTP header name of letters, digits and -, e.g. X-SSL-Client-Cert')
    .transform((v) => v.toLowerCase())
    .refine((v) => !RESERVED_HEADERS.has(v), { message: 'must be a header of its own, not one the service already reads' })
    .optional(),
);

const databaseUrl = z.preprocess(
  emptyToUndefined,
  z
    .string()
    .refine((v) => /^postgres(ql)?:\/\/[^\s]+$/.test(v) && URL.canParse(v), {
      message: 'must be a postgres:// or postgresql:// URL, e.g. postgres://user:pass@host:5432/caduceus',
    })
    .optional(),
);

/** 32 random bytes, base64 or base64url encoded (`openssl rand -base64 32`). */
const keyEncryptionKey = z.preprocess(
  emptyToUndefined,
  z
    .string()
    .refine((v) => /^[A-Za-z0-9+/_-]+={0,2}$/.test(v) && Buffer.from(v, 'base64').length === 32, {
      message: 'must be 32 random bytes, base64-encoded (generate one with: openssl rand -base64 32)',
    })
    .optional(),
);

const SIGNING_ALG_VALUES = ['ES256', 'PS256', 'RS256', 'EdDSA'] as const;

/** Comma-separated signing algorithms that must each have an active key; ES256 is always included. */
const signingAlgs = z.preprocess(
  (v) => (typeof v === 'string' ? v.split(',').map((a) => a.trim()).filter(Boolean) : v),
  z
    .array(z.enum(SIGNING_ALG_VALUES, { error: `must be a comma-separated list of ${SIGNING_ALG_VALUES.join(', ')}` }))
    .default(['ES256'])
    .transform((algs) => [...new Set(['ES256' as const, ...algs])]),
);

const boolean = z.preprocess(
  (v) => (typeof v === 'string' ? v.trim().toLowerCase() : v),
  z.enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' }).transform((v) => ['true', '1', 'yes'].includes(v)),
);

export const envSchema = z
  .object({
    PORT: port.default(3000),
    HOST: z.string().min(1).default('0.0.0.0'),
    ISSUER: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .refine((v) => /^https?:\/\//.test(v) && URL.canParse(v) && !new URL(v).search && !new URL(v).hash, {
          message: 'must be an absolute http(s) URL without query or fragment, e.g. https://id.hospital.org',
        })
        .optional(),
    ),
    DATABASE_URL: databaseUrl,
    DATABASE_POOL_SIZE: z.coerce.number({ error: 'must be a whole number from 1 to 200' }).int().min(1).max(200).default(10),
    DATABASE_STATEMENT_TIMEOUT_MS: millis(100, 600_000).default(5000),
    DATABASE_ACQUIRE_TIMEOUT_MS: millis(100, 60_000).default(3000),
    DATA_DIR: z.string().min(1, 'must not be empty').default('./data'),
    KEY_ENCRYPTION_KEY: keyEncryptionKey,
    KEY_ENCRYPTION_KEY_PREVIOUS: keyEncryptionKey,
    SIGNING_ALGS: signingAlgs,
    KEY_ROTATION_INTERVAL: seconds(3600, 365 * 86400).default(30 * 86400),
    KEY_PREPUBLICATION_WINDOW: seconds(60, 90 * 86400).default(86400),
    JWKS_MAX_AGE: seconds(60, 86400).default(300),
    KEYS_POLL_INTERVAL: seconds(1, 60).default(2),
    REDIS_URL: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .refine((v) => /^rediss?:\/\//.test(v) && URL.canParse(v), { message: 'must be a redis:// or rediss:// URL' })
        .optional(),
    ),
    LOG_LEVEL: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
    LOG_PRETTY: boolean.default(false),
    /** pretty (human-readable) or json; unset: pretty when stdout is a terminal, else json (#20). */
    LOG_FORMAT: z.preprocess(emptyToUndefined, z.enum(['pretty', 'json'], { error: 'must be pretty or json' }).optional()),
    /**
     * Which X-Forwarded-For hops to believe: false, true (every hop: only when the proxy overwrites the
     * header), a number of proxies in front, or a comma-separated list of proxy addresses/CIDRs.
     */
    TRUST_PROXY: z
      .string()
      .trim()
      .default('false')
      .transform((v, ctx): boolean | number | string[] => {
        const lower = v.toLowerCase();
        if (lower === 'true' || lower === 'yes') return true;
        if (['false', '0', 'no', ''].includes(lower)) return false;
        if (/^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= 10) return Number(v);
        const list = v.split(',').map((s) => s.trim()).filter(Boolean);
        if (list.length > 0 && list.every((s) => /^(\d{1,3}(\.\d{1,3}){3}|[0-9a-fA-F]*:[0-9a-fA-F:.]*)(\/\d{1,3})?$/.test(s) || ['loopback', 'linklocal', 'uniquelocal'].includes(s))) return list;
        ctx.addIssue({ code: 'custom', message: 'must be true, false, a number of proxies from 1 to 10, or a comma-separated list of proxy IPs/CIDRs' });
        return z.NEVER;
      }),
    /**
     * RFC 8705 behind a TLS-terminating proxy: the header the proxy puts the client certificate in
     * (URL-encoded PEM, nginx's $ssl_client_escaped_cert), and the one carrying its verification
     * result against the client CAs (nginx's $ssl_client_verify, `SUCCESS`; enables tls_client_auth).
     * Believed only from a peer TRUST_PROXY trusts. Unset: no mutual-TLS client authentication.
     */
    CLIENT_CERT_HEADER: clientCertHeader,
    CLIENT_CERT_VERIFY_HEADER: clientCertHeader,
    BOOTSTRAP_ADMIN_CLIENT_ID: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .regex(/^[A-Za-z0-9._~-]{3,128}$/, 'must be 3 to 128 characters of letters, digits and . _ ~ -')
        .optional(),
    ),
    BOOTSTRAP_ADMIN_CLIENT_SECRET: z.preprocess(
      emptyToUndefined,
      z.string().min(32, 'must be at least 32 characters (generate one with: openssl rand -base64 48)').max(512).optional(),
    ),
    ACCESS_TOKEN_TTL: seconds(60, 3600).default(600),
    ID_TOKEN_TTL: seconds(60, 3600).default(600),
    CLIENT_CREDENTIALS_TTL: seconds(60, 3600).default(600),
    AUTHORIZATION_CODE_TTL: seconds(10, 600).default(60),
    REFRESH_TOKEN_IDLE_TTL: seconds(300, 86400).default(1800),
    REFRESH_TOKEN_ABSOLUTE_TTL: seconds(3600, 7 * 86400).default(12 * 3600),
    SESSION_IDLE_TTL: seconds(5, 8 * 3600).default(900),
    BRAND_NAME: z.string().trim().min(1).max(80).default('Caduceus'),
    /** The help desk a stuck person is told to contact (locked, error and expired pages): "IT service desk, ext. 4357". */
    SUPPORT_CONTACT: z.preprocess(emptyToUndefined, z.string().trim().min(1).max(200).optional()),
    BRAND_LOGO_URL: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .refine((v) => v.startsWith('/') || /^https:\/\//.test(v), { message: 'must be an https URL or a path on this server' })
        .optional(),
    ),
    /** Lets back-channel logout and other outbound calls reach 127.0.0.1/::1/localhost (tests, single-host labs). */
    OUTBOUND_ALLOW_LOOPBACK: boolean.default(false),
    /**
     * Networks (CIDR) outbound calls may reach although not public, and host names that may
     * resolve to private networks (a hospital IdP on its intranet): `10.20.0.0/16,idp.hospital.local,*.corp.example`.
     */
    OUTBOUND_ALLOW_PRIVATE: z
      .string()
      .default('')
      .transform((v, ctx) => {
        const list = [...new Set(v.split(',').map((s) => s.trim()).filter(Boolean))];
        for (const entry of list) {
          const problem = allowPrivateEntryProblem(entry);
          if (problem) ctx.addIssue({ code: 'custom', message: problem });
        }
        if (list.length > 100) ctx.addIssue({ code: 'custom', message: 'at most 100 entries' });
        return list;
      }),
    /** `optional` weakens a HIPAA default: allowed, but said loudly at start (and visible in the posture report). */
    MFA_POLICY: z.enum(['required', 'optional'], { error: 'must be required or optional' }).default('required'),
    MFA_ALWAYS_ROLES: z
      .string()
      .default('super-admin')
      .transform((v) => v.split(',').map((r) => r.trim()).filter(Boolean))
      .refine((roles) => roles.every((r) => /^[a-z0-9][a-z0-9:_-]{0,63}$/.test(r)), { message: 'must be a comma-separated list of role names' }),
    /** Who may enrol a first second factor: whoever holds the password at sign-in, or only with an administrator's one-time enrolment code or after setting the password through an invitation or reset link. */
    MFA_ENROLMENT: z.enum(['at-sign-in', 'invite-only'], { error: 'must be at-sign-in or invite-only' }).default('at-sign-in'),
    MFA_MAX_ATTEMPTS: z.coerce.number({ error: 'must be a whole number from 3 to 10' }).int().min(3).max(10).default(5),
    /** NIST SP 800-63B 5.2.2: wrong second-factor answers per account (across sign-ins) in MFA_ACCOUNT_LOCKOUT_DURATION before its second factor locks for that long. */
    MFA_ACCOUNT_LOCKOUT_THRESHOLD: z.coerce.number({ error: 'must be a whole number from 5 to 100' }).int('must be a whole number from 5 to 100').min(5, 'must be a whole number from 5 to 100').max(100, 'must be a whole number from 5 to 100').default(10),
    MFA_ACCOUNT_LOCKOUT_DURATION: seconds(60, 86400).default(900),
    LOCKOUT_THRESHOLD: z.coerce.number({ error: 'must be a whole number from 3 to 20' }).int().min(3).max(20).default(5),
    LOCKOUT_DURATION: seconds(60, 86400).default(900),
    LOGIN_IP_FAILURE_BUDGET: z.coerce.number({ error: 'must be a whole number from 5 to 10000' }).int().min(5).max(10000).default(50),
    SESSION_ABSOLUTE_TTL: seconds(900, 24 * 3600).default(12 * 3600),
    INTERACTION_TTL: seconds(60, 3600).default(600),
    OIDC_CLEANUP_INTERVAL: seconds(10, 86400).default(300),
    AUDIT_RETENTION_YEARS: z.coerce.number({ error: 'must be a whole number of years from 1 to 100' }).int('must be a whole number of years from 1 to 100').min(1, 'must be a whole number of years from 1 to 100').max(100, 'must be a whole number of years from 1 to 100').default(6),
    AUDIT_CHECKPOINT_INTERVAL_MINUTES: z.coerce.number({ error: 'must be a whole number of minutes from 1 to 1440' }).int('must be a whole number of minutes from 1 to 1440').min(1, 'must be a whole number of minutes from 1 to 1440').max(1440, 'must be a whole number of minutes from 1 to 1440').default(15),
    SHUTDOWN_GRACE_SECONDS: seconds(1, 300).default(25),
    /** Comma-separated base URLs of the FHIR servers tokens may be issued for (SMART `aud`, RFC 8707 resource). */
    FHIR_BASE_URLS: z.preprocess(
      (v) => (typeof v === 'string' ? v.split(',').map((u) => u.trim()).filter(Boolean) : v),
      z
        .array(
          z.string().refine((v) => /^https?:\/\//.test(v) && URL.canParse(v) && !new URL(v).search && !new URL(v).hash, {
            message: 'must be a comma-separated list of absolute http(s) URLs without query or fragment',
          }),
        )
        .max(20)
        .default([]),
    ),
    /** SMART EHR launch (#21): EHRs create launch contexts; off unless an EHR integration is set up. */
    SMART_EHR_LAUNCH: z.preprocess(
      (v) => (typeof v === 'string' ? v.trim().toLowerCase() : v),
      z.enum(['on', 'off'], { error: 'must be on or off' }).default('off'),
    ),
    /** How long a launch value an EHR created stays usable. */
    SMART_LAUNCH_TTL_SECONDS: seconds(30, 3600).default(300),
    /** Users holding this role may start an emergency (break-glass) session; it lasts BREAKGLASS_SESSION_MINUTES, never extended. */
    BREAKGLASS_ROLE: z.string().regex(/^[a-z0-9][a-z0-9:_-]{0,63}$/, 'must be a lowercase role name').default('breakglass'),
    BREAKGLASS_SESSION_MINUTES: z.coerce.number({ error: 'must be a whole number of minutes from 5 to 240' }).int('must be a whole number of minutes from 5 to 240').min(5, 'must be a whole number of minutes from 5 to 240').max(240, 'must be a whole number of minutes from 5 to 240').default(60),
    /** Comma-separated CIDRs (IPv4 or IPv6) allowed to reach /admin; empty: any address. */
    ADMIN_IP_ALLOWLIST: z.preprocess(
      (v) => (typeof v === 'string' ? v.split(',').map((c) => c.trim()).filter(Boolean) : v),
      z.array(z.string().refine(isCidr, { message: 'must be a comma-separated list of CIDRs, e.g. 10.0.0.0/8,2001:db8::/32' })).max(100).default([]),
    ),
    /** How long a user's consent to an app lasts before they are asked again. */
    CONSENT_TTL: seconds(3600, 2 * 365 * 86400).default(90 * 86400),
    /** Request rate limits (src/hardening): requests per RATE_LIMIT_WINDOW, per client IP and per client_id. */
    RATE_LIMIT_ENABLED: boolean.default(true),
    RATE_LIMIT_WINDOW: seconds(1, 3600).default(60),
    RATE_LIMIT_TOKEN_PER_IP: rateLimit.default(600),
    RATE_LIMIT_TOKEN_PER_CLIENT: rateLimit.default(1200),
    RATE_LIMIT_INTROSPECT_PER_IP: rateLimit.default(3000),
    RATE_LIMIT_INTROSPECT_PER_CLIENT: rateLimit.default(3000),
    RATE_LIMIT_SIGN_IN_PER_IP: rateLimit.default(600),
    RATE_LIMIT_ADMIN_PER_IP: rateLimit.default(600),
    /** Prefix of the counters' keys in Redis (several deployments may share one Redis). */
    RATE_LIMIT_REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9:_.-]{1,64}$/, 'must be 1 to 64 characters of letters, digits and : _ . -').default('caduceus:rl:'),
  })
  .superRefine((env, ctx) => {
    if (Boolean(env.BOOTSTRAP_ADMIN_CLIENT_ID) !== Boolean(env.BOOTSTRAP_ADMIN_CLIENT_SECRET)) {
      const missing = env.BOOTSTRAP_ADMIN_CLIENT_ID ? 'BOOTSTRAP_ADMIN_CLIENT_SECRET' : 'BOOTSTRAP_ADMIN_CLIENT_ID';
      ctx.addIssue({ code: 'custom', path: [missing], message: 'must be set together with the other BOOTSTRAP_ADMIN_CLIENT_* variable' });
    }
    if (env.SMART_EHR_LAUNCH === 'on' && env.FHIR_BASE_URLS.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['SMART_EHR_LAUNCH'], message: 'needs FHIR_BASE_URLS (a launch is for one of those FHIR servers)' });
    }
    if (env.DATABASE_URL && !env.KEY_ENCRYPTION_KEY) {
      ctx.addIssue({
        code: 'custom',
        path: ['KEY_ENCRYPTION_KEY'],
        message: 'is required when DATABASE_URL is set (a generated key is only used for the embedded database)',
      });
    }
    if (env.KEY_ENCRYPTION_KEY_PREVIOUS && !env.KEY_ENCRYPTION_KEY) {
      ctx.addIssue({ code: 'custom', path: ['KEY_ENCRYPTION_KEY_PREVIOUS'], message: 'needs KEY_ENCRYPTION_KEY (the new key) set as well' });
    }
    if (env.KEY_ENCRYPTION_KEY_PREVIOUS && env.KEY_ENCRYPTION_KEY_PREVIOUS === env.KEY_ENCRYPTION_KEY) {
      ctx.addIssue({ code: 'custom', path: ['KEY_ENCRYPTION_KEY_PREVIOUS'], message: 'must differ from KEY_ENCRYPTION_KEY' });
    }
    // Relying parties may hold a cached JWKS for max-age: a key published for less than that could sign before they see it.
    if (env.KEY_PREPUBLICATION_WINDOW < env.JWKS_MAX_AGE) {
      ctx.addIssue({ code: 'custom', path: ['KEY_PREPUBLICATION_WINDOW'], message: 'must be at least JWKS_MAX_AGE' });
    }
    // Compared only when the interval itself is acceptable, so one mistake is reported once.
    if (env.KEY_ROTATION_INTERVAL >= 3600 && env.KEY_PREPUBLICATION_WINDOW >= env.KEY_ROTATION_INTERVAL) {
      ctx.addIssue({ code: 'custom', path: ['KEY_PREPUBLICATION_WINDOW'], message: 'must be shorter than KEY_ROTATION_INTERVAL' });
    }
    // The certificate header is believed only from a trusted proxy: without one it could never be used.
    if (env.CLIENT_CERT_HEADER && env.TRUST_PROXY === false) {
      ctx.addIssue({ code: 'custom', path: ['CLIENT_CERT_HEADER'], message: 'needs TRUST_PROXY: the header is believed only from the proxy that terminates TLS' });
    }
    // Under a count or true any peer passes for the proxy, so a caller reaching an instance directly
    // would pick, in X-Forwarded-For, the address the admin allow-list judges (listed proxies: no).
    if (env.ADMIN_IP_ALLOWLIST.length && (env.TRUST_PROXY === true || typeof env.TRUST_PROXY === 'number')) {
      ctx.addIssue({
        code: 'custom',
        path: ['ADMIN_IP_ALLOWLIST'],
        message: `cannot be enforced with TRUST_PROXY=${String(env.TRUST_PROXY)}: any peer that reaches an instance directly chooses, in X-Forwarded-For, the address it is judged on; list the proxy addresses in TRUST_PROXY (e.g. TRUST_PROXY=172.28.0.10)`,
      });
    }
    if (env.CLIENT_CERT_VERIFY_HEADER && !env.CLIENT_CERT_HEADER) {
      ctx.addIssue({ code: 'custom', path: ['CLIENT_CERT_VERIFY_HEADER'], message: 'needs CLIENT_CERT_HEADER (the certificate whose verification it reports)' });
    }
    if (env.CLIENT_CERT_VERIFY_HEADER && env.CLIENT_CERT_VERIFY_HEADER === env.CLIENT_CERT_HEADER) {
      ctx.addIssue({ code: 'custom', path: ['CLIENT_CERT_VERIFY_HEADER'], message: 'must differ from CLIENT_CERT_HEADER' });
    }
    if (env.SESSION_IDLE_TTL > env.SESSION_ABSOLUTE_TTL) {
      ctx.addIssue({ code: 'custom', path: ['SESSION_IDLE_TTL'], message: 'must not exceed SESSION_ABSOLUTE_TTL' });
    }
    if (env.REFRESH_TOKEN_IDLE_TTL > env.REFRESH_TOKEN_ABSOLUTE_TTL) {
      ctx.addIssue({ code: 'custom', path: ['REFRESH_TOKEN_IDLE_TTL'], message: 'must not exceed REFRESH_TOKEN_ABSOLUTE_TTL' });
    }
  });

export type Env = z.output<typeof envSchema>;

/** Settings that must never reach a log line or an error message. */
export const SENSITIVE_VARIABLES = ['DATABASE_URL', 'KEY_ENCRYPTION_KEY', 'KEY_ENCRYPTION_KEY_PREVIOUS', 'REDIS_URL', 'BOOTSTRAP_ADMIN_CLIENT_SECRET'] as const;
