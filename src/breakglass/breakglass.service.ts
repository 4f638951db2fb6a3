import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { UnitOfWork } from '../database/index.js';
import { EventBus, type EventActor } from '../events/index.js';
import { MfaService } from '../mfa/index.js';
import type { User } from '../identity/index.js';
import { BreakGlassError, BreakGlassErrorCode } from './breakglass.errors.js';
import type { EmergencyChallenge } from '../common/interaction.js';
import { BreakGlassRepository, type StoredEmergencySession } from './breakglass.repository.js';
import { isDesignated, strongestFactor } from './breakglass-rules.js';

const accountKeyOf = (email: string) => email.trim().toLowerCase();

export type EmergencyEligibility = { ok: true; factor: 'totp' | 'webauthn' } | { ok: false; reason: 'not_designated' | 'no_factor' };

/**
 * Emergency sessions: who may start one (the designated role, with a second factor), their
 * record and its events (start, each token, end), the claims their tokens carry, and the
 * review queue. It never checks a password or a code itself (identity and mfa do).
 */
@Injectable()
export class BreakGlassService {
  private readonly logger = new Logger(BreakGlassService.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly repo: BreakGlassRepository,
    private readonly mfa: MfaService,
    private readonly uow: UnitOfWork,
    private readonly bus: EventBus,
  ) {}

  async eligibility(user: User): Promise<EmergencyEligibility> {
    if (!isDesignated(user.roles, this.config.breakGlass.role)) return { ok: false, reason: 'not_designated' };
    const factor = strongestFactor((await this.mfa.confirmedFactors(user.id)).map((f) => f.type));
    return factor ? { ok: true, factor } : { ok: false, reason: 'no_factor' };
  }

  async refused(userId: string | null, reason: 'not_designated' | 'no_factor' | 'wrong_factor' | 'too_many_attempts' | 'bad_password' | 'throttled') {
    await this.bus.publish('breakglass.refused', { userId, reason }, userId ? { actor: { type: 'user', id: userId } } : {});
  }

  /** The break-glass path's own brute-force limit (the normal sign-in's throttle lives in auth/): the lockout threshold per lockout window, per account. */
  async throttled(email: string, now = new Date()): Promise<boolean> {
    return (await this.repo.failuresOf(accountKeyOf(email), now, this.config.signIn.lockoutSeconds)) >= this.config.signIn.lockoutThreshold;
  }

  recordPasswordFailure(email: string, now = new Date()): Promise<void> {
    return this.repo.recordFailure(accountKeyOf(email), now, this.config.signIn.lockoutSeconds);
  }

  /** Counts a wrong factor (`failures` is the sign-in's total now); true when the attempts are used up (the emergency sign-in is then over). */
  async failedFactor(userId: string, failures: number): Promise<boolean> {
    await this.refused(userId, failures >= this.config.mfa.maxAttempts ? 'too_many_attempts' : 'wrong_factor');
    return failures >= this.config.mfa.maxAttempts;
  }

  /** Starts the emergency session; the start event (and the alert queued by it) commit with the record. */
  async start(a: EmergencyChallenge & { userId: string }, email: string, clientId: string | null): Promise<{ sessionId: string; loginTs: number }> {
    const startedAt = new Date();
    const loginTs = Math.floor(startedAt.getTime() / 1000);
    const session: StoredEmergencySession = {
      id: randomUUID(),
      userId: a.userId,
      email,
      justification: a.justification,
      factor: a.factor,
      loginTs,
      startedAt,
      expiresAt: new Date((loginTs + this.config.breakGlass.sessionSeconds) * 1000),
      endedAt: null,
      tokensIssued: 0,
      reviewedAt: null,
      reviewedBy: null,
      reviewNote: null,
    };
    await this.uow.run(async (tx) => {
      await this.repo.insertSession(session, tx);
      await this.bus.publish(
        'breakglass.started',
        { sessionId: session.id, userId: a.userId, email, justification: a.justification, factor: a.factor, clientId, expiresAt: session.expiresAt.toISOString() },
        { actor: { type: 'user', id: a.userId }, tx },
      );
    });
    await this.repo.clearFailures(accountKeyOf(email));
    return { sessionId: session.id, loginTs };
  }

  /** Claims for a token of an emergency sign-in still in force; each issue is audited with the justification. */
  async tokenClaims(input: { accountId: string; loginTs: number; clientId: string; kind: 'IdToken' | 'AccessToken'; scope: string | null }) {
    const session = await this.repo.findByLogin(input.accountId, input.loginTs);
    if (!session || session.endedAt || session.expiresAt.getTime() <= Date.now()) return undefined;
    await this.repo.countToken(session.id);
    await this.bus.publish(
      'breakglass.token.issued',
      { sessionId: session.id, userId: session.userId, clientId: input.clientId, kind: input.kind, scope: input.scope, justification: session.justification },
      { actor: { type: 'user', id: session.userId } },
    );
    return { emergency_access: true, breakglass_session: session.id };
  }

  /** Marks the sessions that ran out as ended, once each (several instances may run this). */
  async endExpired(now = new Date()): Promise<number> {
    const ended = await this.repo.endExpired(now);
    for (const s of ended) {
      await this.bus.publish(
        'breakglass.ended',
        { sessionId: s.id, userId: s.userId, reason: 'expired', justification: s.justification, tokensIssued: s.tokensIssued, loginTs: s.loginTs },
        { actor: { type: 'system', id: 'caduceus' } },
      );
    }
    return ended.length;
  }

  /**
   * A super-admin ends a session still in force: the end, its event and the revocation of
   * everything the session issued (the oidc listener) commit together.
   */
  async end(id: string, actor: EventActor, correlationId?: string): Promise<StoredEmergencySession> {
    await this.get(id);
    await this.uow.run(async (tx) => {
      const s = await this.repo.endNow(id, new Date(), tx);
      if (!s) throw new BreakGlassError(BreakGlassErrorCode.NOT_ACTIVE, 'this emergency session has already ended');
      await this.bus.publish(
        'breakglass.ended',
        { sessionId: s.id, userId: s.userId, reason: 'ended', justification: s.justification, tokensIssued: s.tokensIssued, loginTs: s.loginTs },
        { actor, correlationId, tx },
      );
    });
    return this.get(id);
  }

  list(opts: { unreviewedOnly: boolean; limit: number }) {
    return this.repo.list(opts);
  }

  unreviewed() {
    return this.repo.countUnreviewed();
  }

  async get(id: string): Promise<StoredEmergencySession> {
    const s = await this.repo.findSession(id);
    if (!s) throw new BreakGlassError(BreakGlassErrorCode.NOT_FOUND, 'no such emergency session');
    return s;
  }

  async review(id: string, note: string, actor: EventActor, correlationId?: string): Promise<StoredEmergencySession> {
    const s = await this.get(id);
    await this.uow.run(async (tx) => {
      if (!(await this.repo.markReviewed(id, `${actor.type}:${actor.id}`, note, new Date(), tx))) {
        throw new BreakGlassError(BreakGlassErrorCode.ALREADY_REVIEWED, 'this emergency session has already been reviewed');
      }
      await this.bus.publish('breakglass.reviewed', { sessionId: id, userId: s.userId, note }, { actor, correlationId, tx });
    });
    return this.get(id);
  }
}
