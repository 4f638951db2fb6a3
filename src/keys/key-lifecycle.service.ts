import { calculateJwkThumbprint } from 'jose';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { AdvisoryLockService } from '../database/index.js';
import { EventBus, SYSTEM_ACTOR, type EventActor } from '../events/index.js';
import { KEYS_CLOCK, type Clock } from './clock.js';
import type { SigningAlg, SigningKeyState } from './entities/signing-key.entity.js';
import { generateSigningKey, type GeneratedKeyPair } from './key-generation.js';
import { importSigningKey, type KeyImportInput } from './key-import.js';
import { KeySealer } from './key-sealer.js';
import { KeysError, KeysErrorCode } from './keys.errors.js';
import { KeysRepository, type NewSigningKey, type StoredSigningKey } from './keys.repository.js';
import { KeystoreWatcher } from './keystore-watcher.js';
import { activationAt, planRotation, publishUntil, type RotationAction, type RotationSchedule } from './rotation-policy.js';
import { scheduleProblems } from './schedule-rules.js';

export const KEYS_LOCK = 'caduceus:keys';

export interface EffectiveSchedule extends RotationSchedule {
  source: 'environment' | 'admin';
  updatedAt: Date | null;
  updatedBy: string | null;
  jwksMaxAgeSeconds: number;
  /** The environment's schedule is version 1; each change through the admin API adds one. */
  version: number;
}

/** Who asks, for the events: the administrator (with the request id) or the system. */
export interface EventContext {
  actor: EventActor;
  correlationId?: string;
}

export interface RotationOutcome {
  alg: SigningAlg;
  activeKid: string;
  nextKid: string | null;
  /** When the next key starts signing (now, for an immediate rotation). */
  activatesAt: Date | null;
}

type Ctx = EventContext & { now: Date };

/**
 * The signing key lifecycle: next → active → retired → removed, and revoked. Every change is
 * made under the keys advisory lock, re-reading persisted state first (another instance may
 * already have made it), and announced so every instance reloads its keystore.
 */
@Injectable()
export class KeyLifecycleService {
  private readonly logger = new Logger(KeyLifecycleService.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly repo: KeysRepository,
    private readonly sealer: KeySealer,
    private readonly locks: AdvisoryLockService,
    private readonly bus: EventBus,
    private readonly watcher: KeystoreWatcher,
    @Inject(KEYS_CLOCK) private readonly clock: Clock,
  ) {}

  /** Longest lifetime of anything signed with a signing key (tokens are capped at these TTLs). */
  get maxTokenTtlSeconds(): number {
    const { accessToken, idToken, clientCredentials } = this.config.ttl;
    return Math.max(accessToken, idToken, clientCredentials);
  }

  async listKeys(): Promise<StoredSigningKey[]> {
    return this.repo.findAll();
  }

  async getKey(kid: string): Promise<StoredSigningKey> {
    const key = await this.repo.findByKid(kid);
    if (!key) throw new KeysError(KeysErrorCode.KEY_NOT_FOUND, `no signing key with kid ${kid}`, { field: 'kid' });
    return key;
  }

  async getSchedule(): Promise<EffectiveSchedule> {
    const stored = await this.repo.findSchedule();
    const jwksMaxAgeSeconds = this.config.keys.jwksMaxAgeSeconds;
    if (stored) return { ...stored, source: 'admin', jwksMaxAgeSeconds };
    const { rotationIntervalSeconds, prePublicationWindowSeconds } = this.config.keys;
    return {
      rotationIntervalSeconds,
      prePublicationWindowSeconds,
      source: 'environment',
      updatedAt: null,
      updatedBy: null,
      jwksMaxAgeSeconds,
      version: 1,
    };
  }

  /** Sets the cluster-wide schedule; `expectedVersions` (If-Match) guards against a lost update. */
  async updateSchedule(schedule: RotationSchedule, events: EventContext, expectedVersions?: number[]): Promise<EffectiveSchedule> {
    const [problem] = scheduleProblems(schedule, this.config.keys.jwksMaxAgeSeconds);
    if (problem) throw new KeysError(KeysErrorCode.INVALID_SCHEDULE, problem.message, { field: problem.field });
    return this.locks.withLock(KEYS_LOCK, async () => {
      const before = await this.getSchedule();
      if (expectedVersions && !expectedVersions.includes(before.version)) {
        throw new KeysError(KeysErrorCode.VERSION_MISMATCH, 'the schedule changed since it was read');
      }
      const { actor } = events;
      await this.repo.saveSchedule({ ...pickSchedule(schedule), updatedAt: this.clock.now(), updatedBy: `${actor.type}:${actor.id}`, version: before.version + 1 });
      await this.bus.publish('keys.schedule.updated', { before: pickSchedule(before), after: pickSchedule(schedule) }, events);
      return this.getSchedule();
    });
  }

  /** Every alg given has an active key (generated at once when missing). Safe on several instances. */
  async ensureActiveKeys(requested: readonly SigningAlg[]): Promise<void> {
    const algs = [...new Set(requested)];
    const missing = (list: StoredSigningKey[]) => algs.filter((alg) => !list.some((k) => k.alg === alg && k.state === 'active'));
    if (missing(await this.repo.findPublishable()).length === 0) return;
    await this.locks.withLock(KEYS_LOCK, async () => {
      const algsToFix = missing(await this.repo.findPublishable());
      if (algsToFix.length === 0) return;
      const ctx = this.ctx({ actor: SYSTEM_ACTOR });
      const keys = await this.repo.findPublishable();
      for (const alg of algsToFix) {
        const next = keys.find((k) => k.alg === alg && k.state === 'next');
        await this.apply(next ? { type: 'activate-next', alg, kid: next.kid, retireKid: null } : { type: 'generate-active', alg }, ctx);
      }
      await this.watcher.announceLocalChange();
    });
  }

  /**
   * The scheduled job's work: plans from persisted state and applies the plan. When another
   * instance holds the lock it is doing this very work, so this one skips.
   */
  async runScheduledRotation(): Promise<RotationAction[]> {
    const outcome = await this.locks.tryWithLock(KEYS_LOCK, async () => {
      const ctx = this.ctx({ actor: SYSTEM_ACTOR });
      const schedule = await this.getSchedule();
      const actions = planRotation(await this.repo.findPublishable(), schedule, ctx.now, this.config.keys.signingAlgs);
      for (const action of actions) await this.apply(action, ctx);
      if (actions.length > 0) await this.watcher.announceLocalChange();
      return actions;
    });
    return outcome.ran ? outcome.result : [];
  }

  /**
   * Rotate now. Not immediate: a next key is published (if none is) and signs as soon as it has
   * been published for the pre-publication window. Immediate: the next key (or a fresh one)
   * signs at once; relying parties holding a cached JWKS may meet an unknown kid until they refetch.
   */
  async rotateNow(alg: SigningAlg, immediate: boolean, events: EventContext): Promise<RotationOutcome> {
    return this.locks.withLock(KEYS_LOCK, async () => {
      const ctx = this.ctx(events);
      const schedule = await this.getSchedule();
      let keys = await this.repo.findPublishable();
      let active = keys.find((k) => k.alg === alg && k.state === 'active');
      let next = keys.find((k) => k.alg === alg && k.state === 'next');
      if (immediate || !active) {
        const action: RotationAction = next
          ? { type: 'activate-next', alg, kid: next.kid, retireKid: active?.kid ?? null }
          : { type: 'generate-active', alg };
        const activeKid = await this.apply(action, ctx, active?.kid);
        await this.bus.publish('keys.rotation.requested', { alg, kid: activeKid, immediate: true, activatesAt: ctx.now.toISOString() }, events);
        await this.watcher.announceLocalChange();
        return { alg, activeKid, nextKid: null, activatesAt: ctx.now };
      }
      await this.repo.requestRotation(active.kid, ctx.now);
      if (!next) await this.apply({ type: 'publish-next', alg }, ctx);
      keys = await this.repo.findPublishable();
      active = keys.find((k) => k.alg === alg && k.state === 'active')!;
      next = keys.find((k) => k.alg === alg && k.state === 'next')!;
      const activatesAt = activationAt(active, next, schedule);
      await this.bus.publish('keys.rotation.requested', { alg, kid: next.kid, immediate: false, activatesAt: activatesAt.toISOString() }, events);
      let outcome: RotationOutcome = { alg, activeKid: active.kid, nextKid: next.kid, activatesAt };
      if (activatesAt <= ctx.now) {
        await this.apply({ type: 'activate-next', alg, kid: next.kid, retireKid: active.kid }, ctx);
        outcome = { alg, activeKid: next.kid, nextKid: null, activatesAt };
      }
      await this.watcher.announceLocalChange();
      return outcome;
    });
  }

  /**
   * Revokes a key: it leaves the JWKS at once and whatever it signed is refused. Revoking the
   * active key puts a replacement in charge in the same transaction: the next key when there is
   * one (already published), otherwise a fresh key.
   */
  async revoke(kid: string, reason: string, events: EventContext): Promise<{ kid: string; previousState: SigningKeyState; replacedBy: string | null }> {
    return this.locks.withLock(KEYS_LOCK, async () => {
      const ctx = this.ctx(events);
      const key = await this.getKey(kid);
      if (key.state === 'revoked') throw new KeysError(KeysErrorCode.INVALID_STATE, `key ${kid} is already revoked`, { field: 'kid' });
      let replacedBy: string | null = null;
      if (key.state === 'active') {
        const next = (await this.repo.findPublishable()).find((k) => k.alg === key.alg && k.state === 'next');
        const fresh = next ? undefined : await this.generate(key.alg);
        replacedBy = next?.kid ?? fresh!.kid;
        await this.repo.revokeAndActivate(kid, ctx.now, reason, replacedBy, fresh ? await this.newRow(fresh, key.alg, 'generated', ctx) : undefined);
        if (fresh) await this.bus.publish('keys.generated', { kid: fresh.kid, alg: key.alg, state: 'active' }, events);
      } else {
        await this.repo.revokeAndActivate(kid, ctx.now, reason);
      }
      this.logger.warn({ kid, alg: key.alg, previousState: key.state, replacedBy }, 'signing key revoked');
      await this.bus.publish('keys.revoked', { kid, alg: key.alg, previousState: key.state, reason, replacedBy }, events);
      if (replacedBy) await this.bus.publish('keys.activated', { kid: replacedBy, alg: key.alg, previousKid: kid }, events);
      await this.watcher.announceLocalChange();
      return { kid, previousState: key.state, replacedBy };
    });
  }

  /**
   * Imports a private key from another identity provider. As `next` it is published now and
   * signs at the next rotation; as `active` it signs at once and the current key retires.
   */
  async importKey(input: KeyImportInput, state: 'next' | 'active', events: EventContext): Promise<StoredSigningKey> {
    const imported = await importSigningKey(input);
    // Who audits an import must be able to tell which key material came in, and in what form.
    const provenance = { thumbprint: await calculateJwkThumbprint(imported.publicJwk, 'sha256'), source: input.pem !== undefined ? ('pem' as const) : ('jwk' as const) };
    return this.locks.withLock(KEYS_LOCK, async () => {
      const ctx = this.ctx(events);
      if (await this.repo.findByKid(imported.kid)) {
        throw new KeysError(KeysErrorCode.KEY_ALREADY_EXISTS, `a key with kid ${imported.kid} already exists`, { field: 'kid' });
      }
      const keys = await this.repo.findPublishable();
      const active = keys.find((k) => k.alg === imported.alg && k.state === 'active');
      const next = keys.find((k) => k.alg === imported.alg && k.state === 'next');
      const row = await this.newRow(imported, imported.alg, 'imported', ctx);
      if (state === 'next') {
        if (next) {
          throw new KeysError(
            KeysErrorCode.KEY_ALREADY_EXISTS,
            `a next ${imported.alg} key already exists (kid ${next.kid}): revoke it first, or import with state active`,
            { field: 'state' },
          );
        }
        await this.repo.insertKey(row);
        await this.bus.publish('keys.imported', { kid: imported.kid, alg: imported.alg, state: 'next', ...provenance }, events);
      } else {
        const retire = active ? { kid: active.kid, at: ctx.now, publishUntil: publishUntil(ctx.now, this.maxTokenTtlSeconds) } : null;
        await this.repo.activate(imported.kid, ctx.now, retire, row);
        await this.bus.publish('keys.imported', { kid: imported.kid, alg: imported.alg, state: 'active', ...provenance }, events);
        await this.announceActivation(imported.alg, imported.kid, retire, ctx);
      }
      await this.watcher.announceLocalChange();
      return (await this.repo.findByKid(imported.kid))!;
    });
  }

  /** Applies one planned action; returns the kid that is active for the alg afterwards (when it changed). */
  private async apply(action: RotationAction, ctx: Ctx, currentActive?: string): Promise<string> {
    switch (action.type) {
      case 'generate-active': {
        const fresh = await this.generate(action.alg);
        const retire = currentActive ? { kid: currentActive, at: ctx.now, publishUntil: publishUntil(ctx.now, this.maxTokenTtlSeconds) } : null;
        await this.repo.activate(fresh.kid, ctx.now, retire, await this.newRow(fresh, action.alg, 'generated', ctx));
        await this.bus.publish('keys.generated', { kid: fresh.kid, alg: action.alg, state: 'active' }, this.events(ctx));
        await this.announceActivation(action.alg, fresh.kid, retire, ctx);
        return fresh.kid;
      }
      case 'publish-next': {
        const fresh = await this.generate(action.alg);
        await this.repo.insertKey(await this.newRow(fresh, action.alg, 'generated', ctx));
        await this.bus.publish('keys.generated', { kid: fresh.kid, alg: action.alg, state: 'next' }, this.events(ctx));
        return fresh.kid;
      }
      case 'activate-next': {
        const retire = action.retireKid ? { kid: action.retireKid, at: ctx.now, publishUntil: publishUntil(ctx.now, this.maxTokenTtlSeconds) } : null;
        await this.repo.activate(action.kid, ctx.now, retire);
        await this.announceActivation(action.alg, action.kid, retire, ctx);
        return action.kid;
      }
      case 'remove': {
        if (await this.repo.markRemoved(action.kid, ctx.now)) {
          await this.bus.publish('keys.removed', { kid: action.kid, alg: action.alg }, this.events(ctx));
        }
        return action.kid;
      }
    }
  }

  private async announceActivation(alg: SigningAlg, kid: string, retired: { kid: string; publishUntil: Date } | null, ctx: Ctx): Promise<void> {
    this.logger.log({ kid, alg, retired: retired?.kid ?? null }, 'signing key activated');
    await this.bus.publish('keys.activated', { kid, alg, previousKid: retired?.kid ?? null }, this.events(ctx));
    if (retired) {
      await this.bus.publish(
        'keys.retired',
        { kid: retired.kid, alg, replacedBy: kid, publishedUntil: retired.publishUntil.toISOString() },
        this.events(ctx),
      );
    }
  }

  private async generate(alg: SigningAlg): Promise<GeneratedKeyPair> {
    return generateSigningKey(alg);
  }

  private async newRow(key: GeneratedKeyPair, alg: SigningAlg, source: 'generated' | 'imported', ctx: Ctx): Promise<NewSigningKey> {
    const envelope = await this.sealer.sealSigningKey(key.kid, key.privateJwk);
    return {
      kid: key.kid,
      alg,
      state: 'next',
      source,
      publicJwk: key.publicJwk as Record<string, unknown>,
      sealedPrivateJwk: envelope.ciphertext,
      wrappedDataKey: envelope.wrappedKey,
      kekId: envelope.kekId,
      createdAt: ctx.now,
      activatedAt: null,
    };
  }

  private ctx(events: EventContext): Ctx {
    return { ...events, now: this.clock.now() };
  }

  private events(ctx: Ctx): EventContext {
    return { actor: ctx.actor, correlationId: ctx.correlationId };
  }
}

function pickSchedule(s: RotationSchedule): RotationSchedule {
  return { rotationIntervalSeconds: s.rotationIntervalSeconds, prePublicationWindowSeconds: s.prePublicationWindowSeconds };
}
