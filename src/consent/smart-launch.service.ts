import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { UnitOfWork } from '../database/index.js';
import { EventBus, type EventActor } from '../events/index.js';
import { ScopePolicyRefusal } from './scope-refusal.js';
import { CONSENT_CLOCK, type ConsentClock } from './consent-clock.js';
import { launchRefusal, type LaunchContext, type StoredLaunch } from './smart-launch.js';
import { SmartLaunchRepository } from './smart-launch.repository.js';

export interface NewLaunch {
  clientId: string;
  fhirBase: string;
  userId: string | null;
  fhirUser: string | null;
  context: LaunchContext;
}

const hashOf = (value: string) => createHash('sha256').update(value, 'utf8').digest('hex');

const REFUSAL_TEXT: Record<string, string> = {
  unknown: 'the launch is not known',
  expired: 'the launch has expired',
  used: 'the launch was already used',
  other_client: 'the launch was created for another app',
  other_fhir_base: 'the launch was created for another FHIR server (aud)',
};

/**
 * SMART EHR launches: an EHR creates one for an app (an opaque random value, stored hashed,
 * valid SMART_LAUNCH_TTL_SECONDS), the app's authorization request uses it exactly once.
 * Every creation, use and refusal is published (audited).
 */
@Injectable()
export class SmartLaunchService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CONSENT_CLOCK) private readonly clock: ConsentClock,
    private readonly repo: SmartLaunchRepository,
    private readonly uow: UnitOfWork,
    private readonly bus: EventBus,
  ) {}

  get enabled(): boolean {
    return this.config.smart.ehrLaunch;
  }

  /** Creates a launch; the value is returned here only. */
  async create(input: NewLaunch, actor: EventActor, correlationId?: string): Promise<{ id: string; launch: string; expiresAt: Date }> {
    const value = randomBytes(32).toString('base64url');
    const now = this.clock.now();
    const stored: StoredLaunch = {
      id: randomUUID(),
      clientId: input.clientId,
      fhirBase: input.fhirBase,
      userId: input.userId,
      fhirUser: input.fhirUser,
      context: input.context,
      createdAt: now,
      expiresAt: new Date(now.getTime() + this.config.smart.launchTtlSeconds * 1000),
      usedAt: null,
    };
    await this.uow.run(async (tx) => {
      await this.repo.insert({ ...stored, valueHash: hashOf(value), createdBy: `${actor.type}:${actor.id}` }, tx);
      await this.bus.publish(
        'smart.launch.created',
        {
          launchId: stored.id,
          clientId: stored.clientId,
          fhirBase: stored.fhirBase,
          patientId: stored.context.patient,
          encounterId: stored.context.encounter,
          userId: stored.userId,
          fhirUser: stored.fhirUser,
          expiresAt: stored.expiresAt.toISOString(),
        },
        { actor, correlationId, tx },
      );
    });
    await this.repo.deleteExpired(now);
    return { id: stored.id, launch: value, expiresAt: stored.expiresAt };
  }

  /**
   * The authorization request's use of a launch. Rules: EHR launch must be enabled; the
   * `launch` parameter and the `launch` scope come together; the launch is taken atomically
   * (unknown, expired, used, another client's or another FHIR server's: refused with
   * invalid_request, never downgraded to a standalone launch).
   */
  async use(input: { value: unknown; launchScope: boolean; clientId: string; aud: string | undefined; consume: boolean }): Promise<StoredLaunch | undefined> {
    const { clientId } = input;
    if (input.value === undefined && !input.launchScope) return undefined;
    if (!this.enabled) return this.refuse(null, clientId, 'disabled', 'EHR launch is not enabled on this server');
    if (typeof input.value !== 'string' || !input.value) return this.refuse(null, clientId, 'scope_mismatch', 'the launch scope needs a launch parameter');
    if (!input.launchScope) return this.refuse(null, clientId, 'scope_mismatch', 'a launch parameter needs the launch scope (granted to this app)');
    const hash = hashOf(input.value);
    const aud = (input.aud ?? '').replace(/\/+$/, '');
    const now = this.clock.now();
    if (!input.consume) {
      const found = await this.repo.findByHash(hash);
      const reason = launchRefusal(found, { clientId, aud, now });
      return reason ? this.refuse(found?.id ?? null, clientId, reason, REFUSAL_TEXT[reason]!) : found!;
    }
    const taken = await this.repo.consume(hash, clientId, aud, now);
    if (taken) {
      await this.bus.publish(
        'smart.launch.used',
        { launchId: taken.id, clientId, patientId: taken.context.patient, encounterId: taken.context.encounter },
        { actor: { type: 'client', id: clientId } },
      );
      return taken;
    }
    const found = await this.repo.findByHash(hash);
    // The row was there but taken by a concurrent request between the UPDATE and this read: used.
    const reason = launchRefusal(found, { clientId, aud, now }) ?? 'used';
    return this.refuse(found?.id ?? null, clientId, reason, REFUSAL_TEXT[reason]!);
  }

  /** The launch an interaction's authorization request used (already taken at /authorize), or null. */
  async ofInteraction(value: unknown, clientId: string): Promise<StoredLaunch | null> {
    if (typeof value !== 'string' || !value) return null;
    const found = await this.repo.findByHash(hashOf(value));
    return found && found.usedAt && found.clientId === clientId ? found : null;
  }

  async bindGrant(launchId: string, oidcGrantId: string): Promise<void> {
    await this.repo.bindGrant(launchId, oidcGrantId);
  }

  async contextOfGrant(oidcGrantId: string): Promise<LaunchContext | null> {
    return this.repo.contextOfGrant(oidcGrantId);
  }

  /** Records that the person who signed in is not the one the EHR launched for. */
  async refusedUser(launch: StoredLaunch, userId: string): Promise<void> {
    await this.bus.publish(
      'smart.launch.refused',
      { launchId: launch.id, clientId: launch.clientId, reason: 'other_user', userId },
      { actor: { type: 'user', id: userId } },
    );
  }

  private async refuse(
    launchId: string | null,
    clientId: string,
    reason: 'unknown' | 'expired' | 'used' | 'other_client' | 'other_fhir_base' | 'scope_mismatch' | 'disabled',
    description: string,
  ): Promise<never> {
    await this.bus.publish('smart.launch.refused', { launchId, clientId, reason, userId: null }, { actor: { type: 'client', id: clientId } });
    throw new ScopePolicyRefusal('invalid_request', description);
  }
}
