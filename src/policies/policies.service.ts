import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { isDatabaseUnavailable, UnitOfWork } from '../database/index.js';
import { EventBus, type EventActor } from '../events/index.js';
import { PoliciesError, PoliciesErrorCode } from './policies.errors.js';
import { PoliciesRepository } from './policies.repository.js';
import {
  applyPatch,
  changedPolicyFields,
  defaultPolicies,
  highRiskPolicyFields,
  policyDocumentSchema,
  weakenedPolicyFields,
  type PolicyDocument,
  type PolicyPatch,
} from './policies.schemas.js';

export interface PolicySnapshot {
  policies: PolicyDocument;
  /** 1 while the environment's defaults apply; bumped by every change. */
  version: number;
  updatedAt: Date | null;
}

/** How long a read is served from memory: other instances see a change within this time. */
export const POLICY_CACHE_MS = 5000;

/**
 * Runtime policies: password length, MFA, token and session lifetimes, lockout. Defaults come
 * from the environment; a change is stored in one row (compare-and-swap on its version),
 * validated whole against every bound, and published as policy.updated with before and after
 * in the same transaction (no change without its audit record).
 * Readers on hot paths use `cached()`, which never waits on the database more than once per
 * POLICY_CACHE_MS and falls back to the last good value if the database is briefly away.
 */
@Injectable()
export class PoliciesService {
  private readonly logger = new Logger(PoliciesService.name);
  private readonly defaults: PolicyDocument;
  private snapshot: PolicySnapshot;
  private loadedAt = 0;
  private loading: Promise<PolicySnapshot> | undefined;
  /** The last read failed for an outage (warned once); the next good read says so. */
  private readFailing = false;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly repo: PoliciesRepository,
    private readonly bus: EventBus,
    private readonly uow: UnitOfWork,
  ) {
    this.defaults = defaultPolicies(config);
    this.snapshot = { policies: this.defaults, version: 1, updatedAt: null };
  }

  /** The environment's policies (what a stored change is compared with). */
  defaultPolicies(): PolicyDocument {
    return structuredClone(this.defaults);
  }

  /** The last snapshot read, without waiting (for synchronous callers such as token TTL functions). */
  current(): PolicySnapshot {
    if (Date.now() - this.loadedAt > POLICY_CACHE_MS) void this.cached().catch(() => undefined);
    return this.snapshot;
  }

  async cached(): Promise<PolicySnapshot> {
    if (Date.now() - this.loadedAt <= POLICY_CACHE_MS) return this.snapshot;
    this.loading ??= this.read().finally(() => (this.loading = undefined));
    try {
      return await this.loading;
    } catch (cause) {
      // An outage is one warning line while it lasts (README "Logs"), no stack; anything else is a defect, logged with it.
      if (!isDatabaseUnavailable(cause)) this.logger.warn({ err: cause }, 'could not read the policies; using the last known ones');
      else if (!this.readFailing) this.logger.warn(`could not read the policies (the database is unavailable); using the last known ones until it answers`);
      this.readFailing = true;
      return this.snapshot;
    }
  }

  /** The lockout thresholds in force, shaped like AppConfig['signIn'] (for the sign-in throttle). */
  async signInLimits(): Promise<AppConfig['signIn']> {
    const { lockout } = (await this.cached()).policies;
    return { lockoutThreshold: lockout.threshold, lockoutSeconds: lockout.durationSeconds, ipFailureBudget: lockout.ipFailureBudget };
  }

  /** The MFA policy in force, shaped like AppConfig['mfa'] without maxAttempts (for the MFA step). */
  async mfaPolicy(): Promise<Pick<AppConfig['mfa'], 'policy' | 'alwaysRoles'>> {
    const { mfa } = (await this.cached()).policies;
    return { policy: mfa.policy, alwaysRoles: [...mfa.alwaysRoles] };
  }

  /** Reads the stored policies now (admin reads: always fresh). */
  async read(): Promise<PolicySnapshot> {
    const stored = await this.repo.read();
    let snapshot: PolicySnapshot = { policies: this.defaults, version: 1, updatedAt: null };
    if (stored) {
      // A stored document missing a field added later takes that field from the defaults.
      const parsed = policyDocumentSchema.safeParse(applyPatch(this.defaults, stored.document as PolicyPatch));
      if (parsed.success) snapshot = { policies: parsed.data, version: stored.version, updatedAt: stored.updatedAt };
      else this.logger.error({ issues: parsed.error.issues }, 'stored policies are invalid; the defaults apply');
    }
    this.snapshot = snapshot;
    this.loadedAt = Date.now();
    if (this.readFailing) this.logger.log('the policies are read from the database again');
    this.readFailing = false;
    return snapshot;
  }

  /**
   * What a change would make of the policies in force (validated whole, version checked),
   * without making it; `highRisk` names the fields dual control holds for a second super-admin.
   */
  async preview(patch: PolicyPatch, expectedVersions: number[]): Promise<{ current: PolicySnapshot; next: PolicyDocument; highRisk: string[] }> {
    const current = await this.read();
    if (!expectedVersions.includes(current.version)) throw versionMismatch();
    const parsed = policyDocumentSchema.safeParse(applyPatch(current.policies, patch));
    if (!parsed.success) {
      const fields = parsed.error.issues.map((i) => ({ field: i.path.join('.') || 'body', message: i.message }));
      throw new PoliciesError(PoliciesErrorCode.INVALID_POLICY, 'the policies have invalid fields', fields);
    }
    return { current, next: parsed.data, highRisk: highRiskPolicyFields(current.policies, parsed.data) };
  }

  async update(patch: PolicyPatch, expectedVersions: number[], actor: EventActor, correlationId?: string): Promise<PolicySnapshot> {
    const { current, next } = await this.preview(patch, expectedVersions);
    const changed = changedPolicyFields(current.policies, next);
    if (!changed.length) return current;
    const now = new Date();
    const weakened = weakenedPolicyFields(this.defaults, next).filter((f) => changed.includes(f));
    const version = await this.uow.run(async (tx) => {
      const written = await this.repo.write(next, [current.version], now, tx);
      if (written === null) throw versionMismatch();
      await this.bus.publish('policy.updated', { changed, weakened, before: current.policies, after: next, version: written }, { actor, correlationId, tx });
      return written;
    });
    this.snapshot = { policies: next, version, updatedAt: now };
    this.loadedAt = Date.now();
    return this.snapshot;
  }
}

function versionMismatch(): PoliciesError {
  return new PoliciesError(PoliciesErrorCode.VERSION_MISMATCH, 'the policies changed since they were read');
}
