import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable } from '@nestjs/common';
import { PoliciesService } from '../policies/index.js';
import { EventBus } from '../events/index.js';
import { IdentityService, type User } from '../identity/index.js';
import type { LoginFailureReason } from './auth.events.js';
import { AuthRepository } from './auth.repository.js';
import { accountKey, ipKey, isLocked, overBudget, progressiveDelayMs } from './throttle.js';

export interface SignInAttempt {
  email: string;
  password: string;
  ip: string | null;
  interactionUid: string;
  clientId: string | null;
}

export type SignInOutcome = { ok: true; user: User } | { ok: false; reason: LoginFailureReason };

/** The one message every failed sign-in gets: it never says whether the account exists. */
export const GENERIC_FAILURE = 'The email or password is incorrect, or this account cannot sign in right now.';

/**
 * Password sign-in with brute-force defence. Every failure, whatever its cause, costs the same
 * argon2id verification and returns the same outcome to the page; the reason goes to the
 * audit trail only.
 */
@Injectable()
export class SignInService {
  constructor(
    private readonly policies: PoliciesService,
    private readonly identity: IdentityService,
    private readonly throttle: AuthRepository,
    private readonly bus: EventBus,
  ) {}

  async attempt(a: SignInAttempt, now = new Date()): Promise<SignInOutcome> {
    const { lockoutThreshold, lockoutSeconds, ipFailureBudget } = await this.policies.signInLimits();
    const acct = accountKey(a.email);
    const [acctState, ipState] = await Promise.all([this.throttle.find(acct), a.ip ? this.throttle.find(ipKey(a.ip)) : null]);

    let blocked: LoginFailureReason | null = null;
    if (overBudget(ipState, ipFailureBudget, lockoutSeconds, now)) blocked = 'ip_throttled';
    else if (isLocked(acctState, now)) blocked = 'account_throttled';
    await sleep(progressiveDelayMs(acctState?.failures ?? 0));

    if (blocked) {
      await this.identity.hasher.verifyDummy(a.password);
      return this.fail(a, blocked, null);
    }
    const check = await this.identity.checkPassword(a.email, a.password, now);
    if (check.ok) {
      await this.throttle.reset(acct);
      if (check.user.lockedUntil) await this.identity.clearLock(check.user.id);
      await this.bus.publish('auth.login.succeeded', {
        userId: check.user.id,
        clientId: a.clientId,
        interactionUid: a.interactionUid,
        ip: a.ip,
        amr: ['pwd'],
      });
      return { ok: true, user: check.user };
    }
    const after = await this.throttle.recordFailure(acct, lockoutSeconds, lockoutThreshold, lockoutSeconds);
    if (a.ip) await this.throttle.recordFailure(ipKey(a.ip), lockoutSeconds, 0, 0);
    if (check.user && after.lockedUntil && after.failures === lockoutThreshold) {
      await this.identity.lockUntil(check.user.id, after.lockedUntil, after.failures);
    }
    return this.fail(a, check.reason, check.user?.id ?? null);
  }

  /** Records a refused form (bad CSRF token or input) without touching any account. */
  async refuse(a: Omit<SignInAttempt, 'password' | 'email'>, reason: LoginFailureReason): Promise<SignInOutcome> {
    return this.fail({ ...a, email: '', password: '' }, reason, null);
  }

  private async fail(a: SignInAttempt, reason: LoginFailureReason, userId: string | null): Promise<SignInOutcome> {
    await this.bus.publish('auth.login.failed', { reason, userId, clientId: a.clientId, interactionUid: a.interactionUid, ip: a.ip });
    return { ok: false, reason };
  }
}
