import { z } from 'zod';
import { envSchema, type Env } from './config.schema.js';

export interface AppConfig {
  port: number;
  host: string;
  issuer: string;
  /** Whether a proxy is trusted at all (https and host from X-Forwarded-*). */
  trustProxy: boolean;
  /** Which X-Forwarded-For hops Fastify believes for the client IP (audit, rate limits). */
  trustedProxies: boolean | number | string[];
  /**
   * RFC 8705 behind the TLS-terminating proxy: the (lower-case) request headers carrying the client
   * certificate (URL-encoded PEM) and its verification result; both believed only from a trusted proxy.
   */
  mtls: { certificateHeader?: string; verifyHeader?: string };
  log: { level: Env['LOG_LEVEL']; pretty: boolean };
  database:
    | {
        kind: 'postgres';
        url: string;
        poolSize: number;
        /** Server-side limit of one statement (statement_timeout); the client gives up a little later. */
        statementTimeoutMs: number;
        /** Longest wait for a pooled connection, including opening a new one. */
        acquireTimeoutMs: number;
      } | { kind: 'embedded'; dataDir: string };
  dataDir: string;
  /** Absent only in embedded mode, where the keys module generates one under dataDir. */
  keyEncryptionKey?: Buffer;
  /** The key-encryption key being rotated away from: used only to unseal, never to seal. */
  keyEncryptionKeyPrevious?: Buffer;
  keys: {
    signingAlgs: Array<'ES256' | 'PS256' | 'RS256' | 'EdDSA'>;
    rotationIntervalSeconds: number;
    prePublicationWindowSeconds: number;
    jwksMaxAgeSeconds: number;
    pollIntervalSeconds: number;
  };
  redisUrl?: string;
  bootstrapAdminClient?: { clientId: string; clientSecret: string };
  ttl: {
    accessToken: number;
    idToken: number;
    clientCredentials: number;
    authorizationCode: number;
    refreshTokenIdle: number;
    refreshTokenAbsolute: number;
    sessionIdle: number;
    sessionAbsolute: number;
    interaction: number;
  };
  oidcCleanupIntervalSeconds: number;
  /** Audit records are kept at least retentionYears; the chain head is signed every checkpointIntervalMinutes. */
  audit: { retentionYears: number; checkpointIntervalMinutes: number };
  brand: { name: string; logoUrl?: string; supportContact?: string };
  /** Outbound calls may reach loopback addresses (off by default: SSRF protection). */
  outboundAllowLoopback: boolean;
  /** CIDRs and host names outbound calls may reach although private (OUTBOUND_ALLOW_PRIVATE); empty: public addresses only. */
  outboundAllowPrivate: string[];
  /** Deployment MFA policy, roles that always need MFA, wrong codes allowed per sign-in. */
  mfa: { policy: 'required' | 'optional'; alwaysRoles: string[]; maxAttempts: number; enrolment: 'at-sign-in' | 'invite-only'; accountLockout: { threshold: number; seconds: number } };
  /** Failures per account identifier before a temporary lock, its length, and the per-IP budget per window. */
  signIn: { lockoutThreshold: number; lockoutSeconds: number; ipFailureBudget: number };
  shutdownGraceSeconds: number;
  /** CIDRs allowed to reach /admin (ADMIN_IP_ALLOWLIST); empty means any address. */
  adminIpAllowlist: string[];
  /** SMART on FHIR: the FHIR servers (base URLs, no trailing slash) tokens may be issued for. */
  /** ehrLaunch: SMART EHR launch enabled (SMART_EHR_LAUNCH); launchTtlSeconds: life of a launch value. */
  smart: { fhirBaseUrls: string[]; ehrLaunch: boolean; launchTtlSeconds: number };
  /** Consent given by a user to an app lasts ttlSeconds. */
  consent: { ttlSeconds: number };
  /** Emergency access: the role that may use it and how long its session lasts (seconds). */
  breakGlass: { role: string; sessionSeconds: number };
  /** Requests allowed per windowSeconds on each rate-limited surface, per client IP and per client_id. */
  rateLimit: {
    enabled: boolean;
    windowSeconds: number;
    redisPrefix: string;
    tokenPerIp: number;
    tokenPerClient: number;
    introspectPerIp: number;
    introspectPerClient: number;
    signInPerIp: number;
    adminPerIp: number;
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

/** Validates the environment and maps it into AppConfig; throws ConfigError listing every problem. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) throw new ConfigError(describeIssues(parsed.error));
  const env = parsed.data;
  const issuer = (env.ISSUER ?? `http://localhost:${env.PORT}`).replace(/\/+$/, '');
  return {
    port: env.PORT,
    host: env.HOST,
    issuer,
    trustProxy: env.TRUST_PROXY !== false,
    trustedProxies: env.TRUST_PROXY,
    mtls: { certificateHeader: env.CLIENT_CERT_HEADER, verifyHeader: env.CLIENT_CERT_VERIFY_HEADER },
    log: { level: env.LOG_LEVEL, pretty: env.LOG_FORMAT ? env.LOG_FORMAT === 'pretty' : env.LOG_PRETTY || Boolean(process.stdout.isTTY) },
    database: databaseConfig(env),
    dataDir: env.DATA_DIR,
    keyEncryptionKey: env.KEY_ENCRYPTION_KEY ? Buffer.from(env.KEY_ENCRYPTION_KEY, 'base64') : undefined,
    keyEncryptionKeyPrevious: env.KEY_ENCRYPTION_KEY_PREVIOUS ? Buffer.from(env.KEY_ENCRYPTION_KEY_PREVIOUS, 'base64') : undefined,
    keys: {
      signingAlgs: env.SIGNING_ALGS,
      rotationIntervalSeconds: env.KEY_ROTATION_INTERVAL,
      prePublicationWindowSeconds: env.KEY_PREPUBLICATION_WINDOW,
      jwksMaxAgeSeconds: env.JWKS_MAX_AGE,
      pollIntervalSeconds: env.KEYS_POLL_INTERVAL,
    },
    redisUrl: env.REDIS_URL,
    bootstrapAdminClient:
      env.BOOTSTRAP_ADMIN_CLIENT_ID && env.BOOTSTRAP_ADMIN_CLIENT_SECRET
        ? { clientId: env.BOOTSTRAP_ADMIN_CLIENT_ID, clientSecret: env.BOOTSTRAP_ADMIN_CLIENT_SECRET }
        : undefined,
    ttl: {
      accessToken: env.ACCESS_TOKEN_TTL,
      idToken: env.ID_TOKEN_TTL,
      clientCredentials: env.CLIENT_CREDENTIALS_TTL,
      authorizationCode: env.AUTHORIZATION_CODE_TTL,
      refreshTokenIdle: env.REFRESH_TOKEN_IDLE_TTL,
      refreshTokenAbsolute: env.REFRESH_TOKEN_ABSOLUTE_TTL,
      sessionIdle: env.SESSION_IDLE_TTL,
      sessionAbsolute: env.SESSION_ABSOLUTE_TTL,
      interaction: env.INTERACTION_TTL,
    },
    oidcCleanupIntervalSeconds: env.OIDC_CLEANUP_INTERVAL,
    audit: { retentionYears: env.AUDIT_RETENTION_YEARS, checkpointIntervalMinutes: env.AUDIT_CHECKPOINT_INTERVAL_MINUTES },
    brand: { name: env.BRAND_NAME, logoUrl: env.BRAND_LOGO_URL, supportContact: env.SUPPORT_CONTACT },
    outboundAllowLoopback: env.OUTBOUND_ALLOW_LOOPBACK,
    outboundAllowPrivate: env.OUTBOUND_ALLOW_PRIVATE,
    mfa: { policy: env.MFA_POLICY, alwaysRoles: env.MFA_ALWAYS_ROLES, maxAttempts: env.MFA_MAX_ATTEMPTS, enrolment: env.MFA_ENROLMENT, accountLockout: { threshold: env.MFA_ACCOUNT_LOCKOUT_THRESHOLD, seconds: env.MFA_ACCOUNT_LOCKOUT_DURATION } },
    signIn: {
      lockoutThreshold: env.LOCKOUT_THRESHOLD,
      lockoutSeconds: env.LOCKOUT_DURATION,
      ipFailureBudget: env.LOGIN_IP_FAILURE_BUDGET,
    },
    shutdownGraceSeconds: env.SHUTDOWN_GRACE_SECONDS,
    adminIpAllowlist: env.ADMIN_IP_ALLOWLIST,
    smart: {
      fhirBaseUrls: [...new Set(env.FHIR_BASE_URLS.map((u) => u.replace(/\/+$/, '')))],
      ehrLaunch: env.SMART_EHR_LAUNCH === 'on',
      launchTtlSeconds: env.SMART_LAUNCH_TTL_SECONDS,
    },
    consent: { ttlSeconds: env.CONSENT_TTL },
    breakGlass: { role: env.BREAKGLASS_ROLE, sessionSeconds: env.BREAKGLASS_SESSION_MINUTES * 60 },
    rateLimit: rateLimitConfig(env),
  };
}

function databaseConfig(env: Env): AppConfig['database'] {
  return env.DATABASE_URL
    ? {
        kind: 'postgres',
        url: env.DATABASE_URL,
        poolSize: env.DATABASE_POOL_SIZE,
        statementTimeoutMs: env.DATABASE_STATEMENT_TIMEOUT_MS,
        acquireTimeoutMs: env.DATABASE_ACQUIRE_TIMEOUT_MS,
      }
    : { kind: 'embedded', dataDir: env.DATA_DIR };
}

function rateLimitConfig(env: Env): AppConfig['rateLimit'] {
  return {
    enabled: env.RATE_LIMIT_ENABLED,
    windowSeconds: env.RATE_LIMIT_WINDOW,
    redisPrefix: env.RATE_LIMIT_REDIS_PREFIX,
    tokenPerIp: env.RATE_LIMIT_TOKEN_PER_IP,
    tokenPerClient: env.RATE_LIMIT_TOKEN_PER_CLIENT,
    introspectPerIp: env.RATE_LIMIT_INTROSPECT_PER_IP,
    introspectPerClient: env.RATE_LIMIT_INTROSPECT_PER_CLIENT,
    signInPerIp: env.RATE_LIMIT_SIGN_IN_PER_IP,
    adminPerIp: env.RATE_LIMIT_ADMIN_PER_IP,
  };
}

/** One line per bad variable; values are never echoed, so a secret cannot leak into a log. */
function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const variable = issue.path.join('.') || '(environment)';
    return `${variable} ${issue.message}`;
  });
}
