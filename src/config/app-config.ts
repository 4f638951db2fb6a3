import { z } from 'zod';
import { envSchema, type Env } from './config.schema.js';

export interface AppConfig {
  port: number;
  host: string;
  issuer: string;
  trustProxy: boolean;
  log: { level: Env['LOG_LEVEL']; pretty: boolean };
  database: { kind: 'postgres'; url: string; poolSize: number } | { kind: 'embedded'; dataDir: string };
  dataDir: string;
  /** Absent only in embedded mode, where the keys module generates one under dataDir. */
  keyEncryptionKey?: Buffer;
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
  shutdownGraceSeconds: number;
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
    trustProxy: env.TRUST_PROXY,
    log: { level: env.LOG_LEVEL, pretty: env.LOG_PRETTY },
    database: env.DATABASE_URL
      ? { kind: 'postgres', url: env.DATABASE_URL, poolSize: env.DATABASE_POOL_SIZE }
      : { kind: 'embedded', dataDir: env.DATA_DIR },
    dataDir: env.DATA_DIR,
    keyEncryptionKey: env.KEY_ENCRYPTION_KEY ? Buffer.from(env.KEY_ENCRYPTION_KEY, 'base64') : undefined,
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
    shutdownGraceSeconds: env.SHUTDOWN_GRACE_SECONDS,
  };
}

/** One line per bad variable; values are never echoed, so a secret cannot leak into a log. */
function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const variable = issue.path.join('.') || '(environment)';
    return `${variable} ${issue.message}`;
  });
}
