/**
 * The one validated source of configuration. Only this folder reads process.env.
 * Flat environment variables are mapped into a typed, nested object; every error is
 * reported at once, naming the variable, before anything else starts.
 */
import { z } from 'zod';

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

const emptyToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

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
    DATA_DIR: z.string().min(1, 'must not be empty').default('./data'),
    KEY_ENCRYPTION_KEY: keyEncryptionKey,
    REDIS_URL: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .refine((v) => /^rediss?:\/\//.test(v) && URL.canParse(v), { message: 'must be a redis:// or rediss:// URL' })
        .optional(),
    ),
    LOG_LEVEL: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
    LOG_PRETTY: boolean.default(false),
    TRUST_PROXY: boolean.default(false),
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
    SESSION_IDLE_TTL: seconds(60, 8 * 3600).default(900),
    SESSION_ABSOLUTE_TTL: seconds(900, 24 * 3600).default(12 * 3600),
    INTERACTION_TTL: seconds(60, 3600).default(600),
    OIDC_CLEANUP_INTERVAL: seconds(10, 86400).default(300),
    SHUTDOWN_GRACE_SECONDS: seconds(1, 300).default(25),
  })
  .superRefine((env, ctx) => {
    if (Boolean(env.BOOTSTRAP_ADMIN_CLIENT_ID) !== Boolean(env.BOOTSTRAP_ADMIN_CLIENT_SECRET)) {
      const missing = env.BOOTSTRAP_ADMIN_CLIENT_ID ? 'BOOTSTRAP_ADMIN_CLIENT_SECRET' : 'BOOTSTRAP_ADMIN_CLIENT_ID';
      ctx.addIssue({ code: 'custom', path: [missing], message: 'must be set together with the other BOOTSTRAP_ADMIN_CLIENT_* variable' });
    }
    if (env.DATABASE_URL && !env.KEY_ENCRYPTION_KEY) {
      ctx.addIssue({
        code: 'custom',
        path: ['KEY_ENCRYPTION_KEY'],
        message: 'is required when DATABASE_URL is set (a generated key is only used for the embedded database)',
      });
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
export const SENSITIVE_VARIABLES = ['DATABASE_URL', 'KEY_ENCRYPTION_KEY', 'REDIS_URL', 'BOOTSTRAP_ADMIN_CLIENT_SECRET'] as const;
