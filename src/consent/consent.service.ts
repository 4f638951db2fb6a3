import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { UnitOfWork } from '../database/index.js';
import { EventBus, type EventActor } from '../events/index.js';
import { allScopes, mergeScopes, type ConsentRecordView, type ScopeSet } from './consent-decision.js';
import { CONSENT_CLOCK, type ConsentClock } from './consent-clock.js';
import { ConsentError, ConsentErrorCode } from './consent.errors.js';
import { ConsentRepository, type StoredConsentGrant } from './consent.repository.js';
import { CONSENT_PROVIDER, type ConsentProvider } from './consent-ports.js';

export type ConsentGrant = StoredConsentGrant;

export interface AuthorizationLink {
  oidcGrantId: string;
  sessionUid: string | null;
  patientId: string | null;
  encounterId: string | null;
  /** When the provider grant itself expires. */
  expiresAt: Date;
}

export interface RecordConsent {
  userId: string;
  clientId: string;
  granted: ScopeSet;
  via: 'consent_page' | 'first_party';
  authorization: AuthorizationLink;
}

/**
 * Grants users give apps: recorded (widening a standing grant, replacing an expired one), linked
 * to every provider grant issued under them, listed, and revoked — revocation takes every token
 * of every linked provider grant with it.
 */
@Injectable()
export class ConsentService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CONSENT_CLOCK) private readonly clock: ConsentClock,
    private readonly repo: ConsentRepository,
    private readonly uow: UnitOfWork,
    private readonly bus: EventBus,
    @Inject(CONSENT_PROVIDER) private readonly provider: ConsentProvider,
  ) {}

  async findLive(userId: string, clientId: string): Promise<(ConsentRecordView & { id: string }) | null> {
    const g = await this.repo.findLiveGrant(userId, clientId);
    return g ? { id: g.id, granted: scopeSetOf(g), expiresAt: g.expiresAt, revokedAt: g.revokedAt } : null;
  }

  /**
   * Records what the user allowed (or what a first-party app received) and links the provider
   * grant; `consent.granted` is written in the same transaction. Rules: a standing grant is
   * widened and keeps its expiry for a user decision (a first-party grant is renewed); an expired
   * one is replaced by exactly this consent with a new expiry.
   */
  async record(input: RecordConsent): Promise<string> {
    const now = this.clock.now();
    const expiresAt = new Date(now.getTime() + this.config.consent.ttlSeconds * 1000);
    const origin: ConsentGrant['origin'] = input.via === 'first_party' ? 'first_party' : 'user';
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.uow.run(async (tx) => {
          const live = await this.repo.findLiveGrant(input.userId, input.clientId, tx);
          let id: string;
          let granted: ScopeSet;
          let expiry: Date;
          if (!live) {
            id = randomUUID();
            granted = input.granted;
            expiry = expiresAt;
            await this.repo.insertGrant(
              { id, userId: input.userId, clientId: input.clientId, ...granted, origin, createdAt: now, updatedAt: now, expiresAt, revokedAt: null, revokedBy: null, version: 1 },
              tx,
            );
          } else {
            const standing = live.expiresAt > now;
            id = live.id;
            granted = standing ? mergeScopes(scopeSetOf(live), input.granted) : input.granted;
            expiry = standing && origin === 'user' ? live.expiresAt : expiresAt;
            const changes = { ...granted, origin, expiresAt: expiry, updatedAt: now };
            if (!(await this.repo.updateGrant(live.id, live.version, changes, tx))) throw new RetryConsent();
          }
          await this.repo.insertAuthorization({ ...input.authorization, consentGrantId: id, createdAt: now }, tx);
          await this.bus.publish(
            'consent.granted',
            {
              grantId: id,
              userId: input.userId,
              clientId: input.clientId,
              scopes: allScopes(granted),
              expiresAt: expiry.toISOString(),
              via: input.via,
              patientId: input.authorization.patientId,
            },
            { actor: { type: 'user', id: input.userId }, tx },
          );
          return id;
        });
      } catch (err) {
        // Two sign-ins of the same user to the same app raced: read the winner's row and merge into it.
        const conflict = err instanceof RetryConsent || (err as { driverError?: { code?: string } }).driverError?.code === '23505';
        if (!conflict || attempt >= 2) throw err;
      }
    }
  }

  /** Records that the user refused what the app asked for. */
  async denied(userId: string, clientId: string, scopes: string[]): Promise<void> {
    await this.bus.publish('consent.denied', { userId, clientId, scopes }, { actor: { type: 'user', id: userId } });
  }

  /** Links a provider grant issued under a standing consent (a later sign-in that asked nothing new). */
  async link(consentGrantId: string, authorization: AuthorizationLink): Promise<void> {
    await this.repo.insertAuthorization({ ...authorization, consentGrantId, createdAt: this.clock.now() });
  }

  /**
   * Forgets links to provider grants that have ended. Rules: a provider grant never outlives its
   * own expiry, and its tokens end with it (an access token at most an hour later); the margin of
   * a week covers refresh lifetimes raised by policy after the link was written.
   */
  async cleanupExpiredLinks(): Promise<number> {
    return this.repo.deleteExpiredAuthorizations(7 * 86400 + 3600);
  }

  async listForUser(userId: string, query: { limit: number; after?: { createdAt: string; id: string }; liveOnly?: boolean }): Promise<ConsentGrant[]> {
    return this.repo.listGrants(userId, query);
  }

  async get(userId: string, grantId: string): Promise<ConsentGrant> {
    const grant = await this.repo.findGrant(grantId);
    if (!grant || grant.userId !== userId) throw new ConsentError(ConsentErrorCode.GRANT_NOT_FOUND, 'no such grant for this user');
    return grant;
  }

  /**
   * Takes a grant back. Rules: only the grant's own user (or an administrator naming that user)
   * may; revoking twice is harmless; the provider grants go first (tokens die before the record
   * says so), then the grant is marked and `consent.revoked` written together, then any provider
   * grant linked in the meantime is revoked too.
   */
  async revoke(userId: string, grantId: string, by: 'user' | 'admin', actor: EventActor, correlationId?: string): Promise<{ revoked: boolean }> {
    const grant = await this.get(userId, grantId);
    if (grant.revokedAt) return { revoked: false };
    const before = await this.repo.authorizationsOf(grant.id);
    const outcome = await this.provider.revokeGrants(grant.userId, grant.clientId, before);
    const now = this.clock.now();
    const marked = await this.uow.run(async (tx) => {
      if (!(await this.repo.markRevoked(grant.id, `${actor.type}:${actor.id}`, now, tx))) return false;
      await this.bus.publish(
        'consent.revoked',
        {
          grantId: grant.id,
          userId: grant.userId,
          clientId: grant.clientId,
          scopes: allScopes(scopeSetOf(grant)),
          by,
          providerGrants: outcome.providerGrants,
          notified: outcome.notified,
        },
        { actor, correlationId, tx },
      );
      return true;
    });
    const seen = new Set(before.map((a) => a.oidcGrantId));
    const late = (await this.repo.authorizationsOf(grant.id)).filter((a) => !seen.has(a.oidcGrantId));
    if (late.length) await this.provider.revokeGrants(grant.userId, grant.clientId, late);
    return { revoked: marked };
  }
}

class RetryConsent extends Error {}

export function scopeSetOf(g: Pick<StoredConsentGrant, 'oidcScopes' | 'oidcClaims' | 'resourceScopes'>): ScopeSet {
  return { oidcScopes: g.oidcScopes, oidcClaims: g.oidcClaims, resourceScopes: g.resourceScopes };
}
