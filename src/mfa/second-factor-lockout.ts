import { Inject, Injectable } from '@nestjs/common';
import { RateLimiterPostgres } from 'rate-limiter-flexible';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { DATABASE, type OpenedDatabase } from '../database/index.js';
import { EventBus } from '../events/index.js';

export type LockState = { locked: false } | { locked: true; retryAfterSeconds: number };

/**
 * The per-account limit on wrong second-factor answers (NIST SP 800-63B 5.2.2). A sign-in ends
 * after MFA_MAX_ATTEMPTS wrong codes, but whoever holds the password can start the next sign-in
 * at once; so every wrong TOTP, recovery code or passkey answer also counts against the account,
 * in PostgreSQL (shared by every instance, like the password lockout; the Redis request counters
 * fail open and so do not fit), on rate-limiter-flexible's RateLimiterPostgres. At
 * MFA_ACCOUNT_LOCKOUT_THRESHOLD in MFA_ACCOUNT_LOCKOUT_DURATION the account's second factor is
 * locked for MFA_ACCOUNT_LOCKOUT_DURATION (audited `mfa.locked`): even the right code is refused
 * until then, and a right answer never resets the count.
 */
@Injectable()
export class SecondFactorLockout {
  private limiter?: RateLimiterPostgres;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(DATABASE) private readonly db: OpenedDatabase,
    private readonly bus: EventBus,
  ) {}

  private get limit(): number {
    return this.config.mfa.accountLockout.threshold;
  }

  private get seconds(): number {
    return this.config.mfa.accountLockout.seconds;
  }

  private get counters(): RateLimiterPostgres {
    // The table is the migration's (MfaAccountLockout); the library never creates one.
    this.limiter ??= new RateLimiterPostgres({
      storeClient: (this.db.dataSource.driver as unknown as { master: unknown }).master,
      storeType: 'pool',
      tableName: 'mfa_account_failures',
      tableCreated: true,
      clearExpiredByTimeout: false,
      keyPrefix: 'mfa',
      points: this.limit,
      duration: this.seconds,
    });
    return this.limiter;
  }

  /** Whether the account's second factor is locked now (a database error is thrown: fail closed). */
  async state(userId: string): Promise<LockState> {
    const res = await this.counters.get(userId);
    if (!res || res.consumedPoints < this.limit) return { locked: false };
    return { locked: true, retryAfterSeconds: Math.max(1, Math.ceil(res.msBeforeNext / 1000)) };
  }

  /** Counts one wrong answer; the one that uses up the limit locks the second factor for the full window, audited once. */
  async failed(userId: string): Promise<LockState> {
    const res = await this.counters.penalty(userId, 1);
    if (res.consumedPoints < this.limit) return { locked: false };
    if (res.consumedPoints === this.limit) {
      await this.counters.block(userId, this.seconds);
      await this.bus.publish(
        'mfa.locked',
        { userId, failures: this.limit, windowSeconds: this.seconds, lockedUntil: new Date(Date.now() + this.seconds * 1000).toISOString() },
        { actor: { type: 'user', id: userId } },
      );
    }
    return { locked: true, retryAfterSeconds: this.seconds };
  }
}

/** What the person is told: the lock and when to try again (the page adds whom to call, supportLine). */
export function lockedMessage(state: { retryAfterSeconds: number }): string {
  const minutes = Math.max(1, Math.ceil(state.retryAfterSeconds / 60));
  return `Too many wrong codes for this account: verification is locked for ${minutes} minute${minutes === 1 ? '' : 's'}. If you did not try to sign in, tell your help desk.`;
}
