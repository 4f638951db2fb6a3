import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { IdentityService } from '../identity/index.js';
import { messagePage, type Brand, type SafeHtml } from '../ui/index.js';
import { deny, goto, json, page, type SignInStepContext, type StepOutcome } from '../common/interaction.js';
import { EnrolmentCodesService } from './enrolment-codes.service.js';
import { MfaError } from './mfa.errors.js';
import { enrolmentCodePage, mfaChallengePage, mfaEnrolPage, recoveryCodesPage } from './mfa-pages.js';
import { MfaService, type SecondFactorResult } from './mfa.service.js';
import { lockedMessage, SecondFactorLockout, type LockState } from './second-factor-lockout.js';

const WRONG_CODE = 'That code did not work. Check your authenticator and try again.';
const TOO_MANY = 'too many failed verification attempts';

type Body = { code?: unknown } | undefined;

/**
 * The second-factor step of a sign-in: the challenge (TOTP, passkey or recovery code), the
 * invite-only enrolment code, first-factor enrolment and its recovery codes. Each method gets
 * the sign-in state (the row the dispatcher loaded for this interaction, at the stage the route
 * serves) and the form, and answers with an outcome; it changes the state only through
 * `ctx.store`, never touches the reply, never calls oidc-provider and never decides the stage
 * (the dispatcher's next() does). Wrong codes are counted per sign-in; at MFA_MAX_ATTEMPTS the
 * sign-in ends and the app is told access_denied.
 */
@Injectable()
export class MfaChallengeStep {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly mfa: MfaService,
    private readonly identity: IdentityService,
    private readonly enrolmentCodes: EnrolmentCodesService,
    private readonly lockout: SecondFactorLockout,
  ) {}

  /** The page of the stage: the challenge, the enrolment-code form, or enrolment. */
  show(ctx: SignInStepContext): Promise<StepOutcome> {
    return this.render(ctx, 200);
  }

  /** A form whose token or origin is wrong: a script gets 403, a form the challenge page again. */
  async forged(ctx: SignInStepContext, kind: 'page' | 'form' | 'json'): Promise<StepOutcome> {
    if (kind === 'json') return json(403, { message: 'forbidden' });
    const factors = await this.mfa.confirmedFactors(ctx.signIn.userId);
    return page(403, mfaChallengePage(this.config.brand, { ...(await this.pageState(ctx, factors)), error: 'This form has expired. Try again.' }));
  }

  /** MFA_ENROLMENT=invite-only: the administrator's one-time code opens enrolment for this sign-in. */
  async enrolmentCode(ctx: SignInStepContext, body: Body): Promise<StepOutcome> {
    if (!(await this.enrolmentCodes.redeem(ctx.signIn.userId, codeOf(body, 32)))) return this.wrongCode(ctx);
    await ctx.store.allowEnrolment();
    return goto(`/interaction/${ctx.uid}/mfa`);
  }

  async totp(ctx: SignInStepContext, body: Body): Promise<StepOutcome> {
    const lock = await this.lockout.state(ctx.signIn.userId);
    if (lock.locked) return this.locked(lock);
    return this.conclude(ctx, await this.mfa.verifyTotp(ctx.signIn.userId, codeOf(body, 12)));
  }

  async recovery(ctx: SignInStepContext, body: Body): Promise<StepOutcome> {
    const lock = await this.lockout.state(ctx.signIn.userId);
    if (lock.locked) return this.locked(lock);
    return this.conclude(ctx, await this.mfa.useRecoveryCode(ctx.signIn.userId, codeOf(body, 32)));
  }

  async enrol(ctx: SignInStepContext, body: Body): Promise<StepOutcome> {
    const row = ctx.signIn;
    if (!row.enrolmentFactorId) return goto(`/interaction/${ctx.uid}/mfa`);
    let result: SecondFactorResult;
    try {
      result = await this.mfa.confirmTotpEnrolment(row.userId, row.enrolmentFactorId, codeOf(body, 12), Date.now(), (tx, amr) => ctx.store.markEnrolled(amr, tx));
    } catch (err) {
      if (err instanceof MfaError) return goto(`/interaction/${ctx.uid}/mfa`);
      throw err;
    }
    if (!result.ok) return this.wrongCode(ctx);
    return goto(`/interaction/${ctx.uid}/mfa/recovery-codes`);
  }

  /**
   * Shows a new set of recovery codes once, right after a factor was enrolled and proven in this
   * interaction (the only time the recovery_codes stage is held). Having a factor is not enough:
   * a password holder would otherwise replace the user's codes with ones he sees, and use one as
   * the second factor (#16).
   */
  async recoveryCodes(ctx: SignInStepContext): Promise<StepOutcome> {
    if (!ctx.signIn.factorEnrolled) return goto(`/interaction/${ctx.uid}/mfa`);
    const codes = await this.mfa.recoveryCodesIf(ctx.signIn.userId, (tx) => ctx.store.claimRecoveryCodesShowing(tx));
    return page(200, recoveryCodesPage(this.config.brand, ctx.uid, await ctx.csrf('interaction'), codes));
  }

  /** After enrolment: the new factor was just proven, so the sign-in completes with it. */
  async done(ctx: SignInStepContext): Promise<StepOutcome> {
    const row = ctx.signIn;
    const second = row.amr.filter((m) => m !== 'pwd' && m !== 'fed');
    if (!second.length || !row.factorEnrolled || !row.recoveryCodesShown) return goto(`/interaction/${ctx.uid}/mfa`);
    return proven(row.userId, row.amr.filter((m) => !second.includes(m)), second);
  }

  async authenticateOptions(ctx: SignInStepContext): Promise<StepOutcome> {
    const options = await this.mfa.webauthnAuthenticationOptions(ctx.signIn.userId);
    await ctx.store.setChallenge(options.challenge);
    return json(200, options);
  }

  async authenticate(ctx: SignInStepContext, body: unknown): Promise<StepOutcome> {
    const row = ctx.signIn;
    const lock = await this.lockout.state(row.userId);
    if (lock.locked) return json(429, { message: lockedMessage(lock) });
    const challenge = await ctx.store.takeChallenge();
    const result = challenge ? await this.mfa.verifyWebauthn(row.userId, challenge, body as never) : ({ ok: false, reason: 'verification_failed' } as const);
    if (!result.ok) {
      // A passkey failure costs the guesser a browser ceremony, not a typed code; counted all the same (cheap: one row).
      const after = challenge ? await this.lockout.failed(row.userId) : ({ locked: false } as const);
      if (after.locked) return json(429, { message: lockedMessage(after) });
      // The attempts used up end the sign-in's state row; the page's script shows the message.
      if (await this.countFailure(ctx)) await ctx.store.finish();
      return json(401, { message: 'the passkey could not be verified' });
    }
    return proven(row.userId, row.amr, result.amr);
  }

  async registerOptions(ctx: SignInStepContext): Promise<StepOutcome> {
    const row = ctx.signIn;
    if (await this.mfa.hasFactor(row.userId)) return json(409, { message: 'a factor is already enrolled' });
    const user = await this.identity.findById(row.userId);
    const options = await this.mfa.webauthnRegistrationOptions(row.userId, user?.email ?? row.userId);
    await ctx.store.setChallenge(options.challenge);
    return json(200, options);
  }

  async register(ctx: SignInStepContext, body: unknown): Promise<StepOutcome> {
    const row = ctx.signIn;
    const challenge = await ctx.store.takeChallenge();
    if (!challenge || (await this.mfa.hasFactor(row.userId))) return json(400, { message: 'no registration is pending' });
    try {
      await this.mfa.completeWebauthnRegistration(row.userId, challenge, body as never, undefined, (tx, amr) => ctx.store.markEnrolled(amr, tx));
      return json(200, { redirect: `/interaction/${ctx.uid}/mfa/recovery-codes` });
    } catch (err) {
      if (err instanceof MfaError) return json(400, { message: 'the passkey could not be registered' });
      throw err;
    }
  }

  // ---- helpers ---------------------------------------------------------------------------

  private async conclude(ctx: SignInStepContext, result: SecondFactorResult): Promise<StepOutcome> {
    if (!result.ok) {
      const after = await this.lockout.failed(ctx.signIn.userId);
      if (after.locked) return this.locked(after);
      return this.wrongCode(ctx);
    }
    return proven(ctx.signIn.userId, ctx.signIn.amr, result.amr);
  }

  /** The account's second factor is locked (every sign-in, SecondFactorLockout): the page says so and names the help desk; no code for the app. */
  private locked(lock: Extract<LockState, { locked: true }>): StepOutcome {
    return page(429, messagePage(this.config.brand, 'Verification locked', lockedMessage(lock)));
  }

  private async wrongCode(ctx: SignInStepContext): Promise<StepOutcome> {
    if (await this.countFailure(ctx)) return deny(TOO_MANY);
    return this.render(ctx, 401, WRONG_CODE);
  }

  /** Counts a failure; true when this one used up the attempts (the sign-in then ends). */
  private async countFailure(ctx: SignInStepContext): Promise<boolean> {
    const failures = await ctx.store.addFailure();
    if (failures < this.config.mfa.maxAttempts) return false;
    await this.mfa.recordTooManyAttempts(ctx.signIn.userId, 'totp');
    return true;
  }

  private async pageState(ctx: SignInStepContext, factors: Array<{ type: string }>) {
    return {
      uid: ctx.uid,
      csrf: await ctx.csrf('interaction'),
      hasTotp: factors.some((f) => f.type === 'totp'),
      hasPasskey: factors.some((f) => f.type === 'webauthn'),
    };
  }

  private async render(ctx: SignInStepContext, status: number, error?: string): Promise<StepOutcome> {
    const row = ctx.signIn;
    const factors = await this.mfa.confirmedFactors(row.userId);
    if (factors.length) return page(status, mfaChallengePage(this.config.brand, { ...(await this.pageState(ctx, factors)), error }));
    if (this.config.mfa.enrolment === 'invite-only' && !row.enrolmentAllowed) {
      return page(status, enrolmentCodePage(this.config.brand, { uid: ctx.uid, csrf: await ctx.csrf('interaction'), error }));
    }
    const user = await this.identity.findById(row.userId);
    const account = user?.email ?? row.userId;
    let enrolment = row.enrolmentFactorId ? await this.mfa.pendingTotpEnrolment(row.userId, row.enrolmentFactorId, account).catch(() => undefined) : undefined;
    if (!enrolment) {
      enrolment = await this.mfa.startTotpEnrolment(row.userId, account);
      await ctx.store.setEnrolmentFactor(enrolment.factorId);
    }
    return page(status, mfaEnrolPage(this.config.brand, { uid: ctx.uid, csrf: await ctx.csrf('interaction'), secret: enrolment.secret, qrSvg: enrolment.qrSvg, issuer: this.config.brand.name, account, error }));
  }
}

/** A login proven with a second factor: amr names the factors and `mfa` (RFC 8176); the dispatcher ends the state row. */
function proven(userId: string, firstAmr: string[], secondAmr: string[]): StepOutcome {
  const amr = [...new Set([...firstAmr, ...secondAmr, 'mfa'])];
  return { kind: 'proven', login: { accountId: userId, amr, secondFactor: true } };
}

function codeOf(body: Body, max: number): string {
  return String(body?.code ?? '').slice(0, max);
}
