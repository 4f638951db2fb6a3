import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { weakenedDefaults } from '../config/weakened-defaults.js';
import { AuditCheckpointService, AuditQueryService, AuditVerifyService } from '../audit/index.js';
import { BreakGlassService } from '../breakglass/index.js';
import { EventBus, type EventActor } from '../events/index.js';
import { UserManagementService } from '../identity/user-management.service.js';
import { KeyLifecycleService, KeysService } from '../keys/index.js';
import { MfaService } from '../mfa/index.js';
import { PoliciesService } from '../policies/index.js';
import { ComplianceClock } from './compliance-clock.js';
import { postureLines, summarise, type PostureEvidence, type PostureLine } from './posture-rules.js';

export interface PostureReport {
  generatedAt: string;
  issuer: string;
  summary: { met: number; attention: number; notMet: number };
  lines: PostureLine[];
}

const PAGE = 200;
const MAX_SCAN = 100_000;

/**
 * The HIPAA posture report: gathers live evidence through other modules' services (users and
 * factors, sign-ins in the audit trail, policies in force, keys, chain verification, emergency
 * sessions) and lets the pure rules judge it. Generating it is audited.
 */
@Injectable()
export class ComplianceService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clock: ComplianceClock,
    private readonly users: UserManagementService,
    private readonly mfa: MfaService,
    private readonly policies: PoliciesService,
    private readonly keys: KeysService,
    private readonly lifecycle: KeyLifecycleService,
    private readonly verify: AuditVerifyService,
    private readonly checkpoints: AuditCheckpointService,
    private readonly audit: AuditQueryService,
    private readonly breakGlass: BreakGlassService,
    private readonly bus: EventBus,
  ) {}

  async report(format: 'json' | 'html', actor: EventActor, correlationId?: string): Promise<PostureReport> {
    const evidence = await this.evidence(actor);
    const lines = postureLines(evidence);
    const summary = summarise(lines);
    await this.bus.publish('compliance.report.generated', { format, ...summary }, { actor, correlationId });
    return { generatedAt: evidence.now.toISOString(), issuer: this.config.issuer, summary, lines };
  }

  private async evidence(actor: EventActor): Promise<PostureEvidence> {
    const now = this.clock.now();
    const { policies } = await this.policies.read();
    const users = await this.userEvidence(policies.mfa);
    const verified = await this.verify.verify({}, actor);
    const [lastCheckpoint] = await this.checkpoints.list({ limit: 1 });
    const schedule = await this.lifecycle.getSchedule();
    const active = (await this.lifecycle.listKeys()).filter((k) => k.state === 'active');
    const unreviewed = await this.breakGlass.unreviewed();
    return {
      now,
      issuer: this.config.issuer,
      users,
      signIns30d: await this.signIns(new Date(now.getTime() - 30 * 86_400_000)),
      mfa: {
        policy: policies.mfa.policy,
        alwaysRoles: policies.mfa.alwaysRoles,
        // Every factor the service accepts (TOTP, recovery codes) is allowed for every role: none is passkey-only yet.
        weakerThanPasskeyRoles: [...new Set([...policies.mfa.alwaysRoles, ...users.roles])].sort(),
        enrolment: this.config.mfa.enrolment,
      },
      session: { idleSeconds: policies.lifetimes.sessionIdle, absoluteSeconds: policies.lifetimes.sessionAbsolute },
      tokens: {
        accessToken: policies.lifetimes.accessToken,
        idToken: policies.lifetimes.idToken,
        refreshIdle: policies.lifetimes.refreshTokenIdle,
        refreshAbsolute: policies.lifetimes.refreshTokenAbsolute,
        authorizationCode: policies.lifetimes.authorizationCode,
      },
      breakGlass: { role: this.config.breakGlass.role, sessionSeconds: this.config.breakGlass.sessionSeconds, unreviewed: unreviewed.count, oldestUnreviewed: unreviewed.oldest },
      keys: {
        kekSource: this.keys.kekSource,
        active: active.map((k) => ({ kid: k.kid, alg: k.alg, activatedAt: k.activatedAt })),
        rotationIntervalSeconds: schedule.rotationIntervalSeconds,
      },
      audit: {
        verified: verified.ok,
        recordsChecked: verified.recordsChecked,
        firstBrokenSeq: verified.firstBroken?.seq ?? null,
        lastCheckpoint: lastCheckpoint ? { id: lastCheckpoint.id, seq: lastCheckpoint.seq, createdAt: lastCheckpoint.createdAt } : null,
        retentionYears: this.config.audit.retentionYears,
        checkpointIntervalMinutes: this.config.audit.checkpointIntervalMinutes,
      },
      admin: { dualControl: policies.admin.dualControl, superAdmins: users.superAdmins },
      weakened: weakenedDefaults({ ...this.config, mfa: { ...this.config.mfa, policy: policies.mfa.policy }, ttl: { ...this.config.ttl, sessionIdle: policies.lifetimes.sessionIdle } }),
    };
  }

  /** Active users page by page: who has a factor, who must have one and has not, who may break the glass. */
  private async userEvidence(mfaPolicy: { policy: 'required' | 'optional'; alwaysRoles: string[] }) {
    let after: { createdAt: string; id: string } | undefined;
    let active = 0;
    let withMfa = 0;
    let designated = 0;
    let designatedWithFactor = 0;
    let superAdmins = 0;
    const requiredWithoutMfa: Array<{ id: string; email: string }> = [];
    const roles = new Set<string>();
    for (let scanned = 0; scanned < MAX_SCAN; scanned += PAGE) {
      const page = await this.users.list({ limit: PAGE, after, status: 'active' });
      for (const { user } of page) {
        active++;
        // Roles held through a group count like roles held directly.
        user.effectiveRoles.forEach((r) => roles.add(r));
        const has = await this.mfa.hasFactor(user.id);
        if (has) withMfa++;
        const required = mfaPolicy.policy === 'required' || user.effectiveRoles.some((r) => mfaPolicy.alwaysRoles.includes(r));
        if (required && !has) requiredWithoutMfa.push({ id: user.id, email: user.email });
        if (user.effectiveRoles.includes('super-admin')) superAdmins++;
        if (user.effectiveRoles.includes(this.config.breakGlass.role)) {
          designated++;
          if (has) designatedWithFactor++;
        }
      }
      if (page.length < PAGE) break;
      after = page.at(-1)!.position;
    }
    return { active, withMfa, requiredWithoutMfa, designatedBreakGlass: designated, designatedWithFactor, superAdmins, roles: [...roles] };
  }

  /** Sign-ins since `from` in the audit trail, and how many of them passed a second factor. */
  private async signIns(from: Date): Promise<{ total: number; withMfa: number }> {
    const count = async (type: string) => {
      let n = 0;
      let afterSeq: number | undefined;
      while (n < MAX_SCAN) {
        const page = await this.audit.search({ type, from, outcome: 'success' }, { limit: 1000, afterSeq, order: 'asc' });
        n += page.length;
        if (page.length < 1000) break;
        afterSeq = page.at(-1)!.seq;
      }
      return n;
    };
    const total = await count('auth.login.succeeded');
    const withMfa = Math.min(total, await count('mfa.challenge.succeeded'));
    return { total, withMfa };
  }
}
