import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { IdentityService } from '../identity/index.js';
import { lockedMessage, MfaService, SecondFactorLockout, type LockState } from '../mfa/index.js';
import { WebhooksService } from '../webhooks/index.js';
import { messagePage } from '../ui/index.js';
import { emergencyFactorPage, emergencyStartPage } from './emergency-pages.js';
import { deny, json, page, type EmergencyChallenge, type SignInBeginContext, type SignInStepContext, type StepContext, type StepOutcome } from '../common/interaction.js';
import { MIN_JUSTIFICATION, justificationProblem } from './breakglass-rules.js';
import { BreakGlassService } from './breakglass.service.js';

const REFUSED = 'Emergency access is not possible with these details. Use the normal sign-in, or call the help desk.';
const NO_FACTOR = 'Emergency access needs a second factor (an authenticator app or a passkey) that you have already set up.';
const WRONG = 'That did not work. Try again.';
const WRONG_RECOVERY = 'Recovery code: that code is not right or was already used.';

type Body = Record<string, unknown>;

/**
 * The emergency-access step of the sign-in: password and a typed reason (which open the sign-in
 * state row at the emergency_challenge stage, with the reason and the factor asked for), then
 * the user's own strongest factor; it then answers with a login proven with `emergency` (the
 * dispatcher in src/auth/flow marks and hands it on, and ends the row). It never decides what comes next (consent is the
 * dispatcher's), never checks a password or a code itself, and never touches the reply or
 * the provider. The dispatcher has checked the form's token before any method here runs.
 */
@Injectable()
export class EmergencyStep {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly identity: IdentityService,
    private readonly mfa: MfaService,
    private readonly breakGlass: BreakGlassService,
    private readonly webhooks: WebhooksService,
    private readonly lockout: SecondFactorLockout,
  ) {}

  async show(ctx: StepContext): Promise<StepOutcome> {
    return page(200, emergencyStartPage(this.config.brand, { uid: ctx.uid, csrf: await ctx.csrf('breakglass'), minJustification: MIN_JUSTIFICATION, alerted: await this.alerted() }));
  }

  /** The answer to an emergency form whose token or origin is wrong (or whose attempt is gone). */
  async forged(ctx: StepContext, route: 'start' | 'totp' | 'json', body: Body): Promise<StepOutcome> {
    if (route === 'start') return this.startPage(ctx, 403, REFUSED, body);
    if (route === 'json') return json(403, { message: 'this emergency sign-in has expired' });
    return this.expired();
  }

  async start(ctx: SignInBeginContext, body: Body): Promise<StepOutcome> {
    const email = typeof body.email === 'string' ? body.email.slice(0, 320) : '';
    const justification = typeof body.justification === 'string' ? body.justification.slice(0, 1000) : '';
    const problem = justificationProblem(justification);
    // Only the reason is wrong: nothing typed is lost, the password included (it was not checked yet).
    if (problem) return this.startPage(ctx, 400, problem, body, { keepPassword: true });
    const throttled = await this.breakGlass.throttled(email);
    // The password is checked even when throttled, so a refusal costs the same either way.
    const check = await this.identity.checkPassword(email, typeof body.password === 'string' ? body.password : '');
    if (throttled) {
      await this.breakGlass.refused(check.user?.id ?? null, 'throttled');
      return this.startPage(ctx, 401, REFUSED, body);
    }
    if (!check.ok) {
      await this.breakGlass.recordPasswordFailure(email);
      await this.breakGlass.refused(check.user?.id ?? null, 'bad_password');
      return this.startPage(ctx, 401, REFUSED, body);
    }
    const eligible = await this.breakGlass.eligibility(check.user);
    if (!eligible.ok) {
      await this.breakGlass.refused(check.user.id, eligible.reason);
      return this.startPage(ctx, 403, eligible.reason === 'no_factor' ? NO_FACTOR : REFUSED, body);
    }
    await ctx.beginSignIn({ userId: check.user.id, amr: ['pwd'], emergency: { justification: justification.trim(), factor: eligible.factor } });
    return this.factorPage(ctx, 200, eligible.factor);
  }

  /** The page of the emergency_challenge stage: the factor the emergency sign-in asks for. */
  async factor(ctx: SignInStepContext): Promise<StepOutcome> {
    const emergency = ctx.signIn.emergency;
    return emergency ? this.factorPage(ctx, 200, emergency.factor) : this.expired();
  }

  async totp(ctx: SignInStepContext, body: Body): Promise<StepOutcome> {
    const emergency = this.asking(ctx, 'totp');
    if (!emergency) return this.forged(ctx, 'totp', body);
    const lock = await this.lockout.state(ctx.signIn.userId);
    if (lock.locked) return this.locked(lock);
    const result = await this.mfa.verifyTotp(ctx.signIn.userId, typeof body.code === 'string' ? body.code : '');
    if (!result.ok) {
      const after = await this.lockout.failed(ctx.signIn.userId);
      if (after.locked) return this.locked(after);
      if (await this.breakGlass.failedFactor(ctx.signIn.userId, await ctx.store.addFailure())) return deny('too many failed verification attempts');
      return this.factorPage(ctx, 401, 'totp', WRONG);
    }
    return this.proven(ctx, emergency, result.amr);
  }

  /** A recovery code instead of the authenticator code (the TOTP step only: a passkey holder must use the passkey). */
  async recovery(ctx: SignInStepContext, body: Body): Promise<StepOutcome> {
    const emergency = this.asking(ctx, 'totp');
    if (!emergency) return this.forged(ctx, 'totp', body);
    const lock = await this.lockout.state(ctx.signIn.userId);
    if (lock.locked) return this.locked(lock);
    const result = await this.mfa.useRecoveryCode(ctx.signIn.userId, typeof body.code === 'string' ? body.code : '');
    if (!result.ok) {
      const after = await this.lockout.failed(ctx.signIn.userId);
      if (after.locked) return this.locked(after);
      if (await this.breakGlass.failedFactor(ctx.signIn.userId, await ctx.store.addFailure())) return deny('too many failed verification attempts');
      return this.factorPage(ctx, 401, 'totp', WRONG_RECOVERY);
    }
    return this.proven(ctx, emergency, result.amr);
  }

  async passkeyOptions(ctx: SignInStepContext): Promise<StepOutcome> {
    if (!this.asking(ctx, 'webauthn')) return this.forged(ctx, 'json', {});
    const options = await this.mfa.webauthnAuthenticationOptions(ctx.signIn.userId);
    await ctx.store.setChallenge(options.challenge);
    return json(200, options);
  }

  async passkey(ctx: SignInStepContext, body: unknown): Promise<StepOutcome> {
    const emergency = this.asking(ctx, 'webauthn');
    if (!emergency) return this.forged(ctx, 'json', {});
    const lock = await this.lockout.state(ctx.signIn.userId);
    if (lock.locked) return json(429, { message: lockedMessage(lock) });
    const challenge = await ctx.store.takeChallenge();
    const result = challenge ? await this.mfa.verifyWebauthn(ctx.signIn.userId, challenge, body as never) : ({ ok: false, reason: 'verification_failed' } as const);
    if (!result.ok) {
      const after = challenge ? await this.lockout.failed(ctx.signIn.userId) : ({ locked: false } as const);
      if (after.locked) return json(429, { message: lockedMessage(after) });
      // The attempts used up end the emergency sign-in; the page's script shows the message.
      if (await this.breakGlass.failedFactor(ctx.signIn.userId, await ctx.store.addFailure())) await ctx.store.finish();
      return json(401, { message: 'the passkey could not be verified' });
    }
    return this.proven(ctx, emergency, result.amr);
  }

  /** The account's second factor is locked (SecondFactorLockout): the emergency route is no way around it; the page names the help desk. */
  private locked(lock: Extract<LockState, { locked: true }>): StepOutcome {
    return page(429, messagePage(this.config.brand, 'Verification locked', lockedMessage(lock)));
  }

  /** The emergency challenge of this sign-in when it asks for `factor`, else null (the form is then refused). */
  private asking(ctx: SignInStepContext, factor: EmergencyChallenge['factor']): EmergencyChallenge | null {
    const emergency = ctx.signIn.emergency;
    return emergency?.factor === factor ? emergency : null;
  }

  /** Starts the emergency session: the login names the factors and `mfa`; the dispatcher adds `emergency`. */
  private async proven(ctx: SignInStepContext, emergency: EmergencyChallenge, factorAmr: string[]): Promise<StepOutcome> {
    const userId = ctx.signIn.userId;
    const user = await this.identity.findById(userId);
    const { loginTs } = await this.breakGlass.start({ userId, ...emergency }, user?.email ?? '', ctx.clientId);
    const amr = [...new Set(['pwd', ...factorAmr, 'mfa'])];
    return { kind: 'proven', login: { accountId: userId, amr, secondFactor: true, emergency: { ts: loginTs } } };
  }

  private expired(): StepOutcome {
    return page(400, messagePage(this.config.brand, 'This sign-in has expired', 'Return to the application and start again.'));
  }

  private async startPage(ctx: StepContext, status: number, error: string, body: Body, options: { keepPassword?: boolean } = {}): Promise<StepOutcome> {
    const email = typeof body.email === 'string' ? body.email.slice(0, 320) : '';
    const justification = typeof body.justification === 'string' ? body.justification.slice(0, 1000) : '';
    const password = options.keepPassword && typeof body.password === 'string' ? body.password.slice(0, 1024) : undefined;
    const csrf = await ctx.csrf('breakglass');
    return page(
      status,
      emergencyStartPage(this.config.brand, { uid: ctx.uid, csrf, email, password, justification, minJustification: MIN_JUSTIFICATION, alerted: await this.alerted(), error, errorField: options.keepPassword ? 'justification' : undefined }),
    );
  }

  /** The page promises an alert only when one goes out: a webhook subscribed to breakglass.started. */
  private alerted(): Promise<boolean> {
    return this.webhooks.subscribed('breakglass.started');
  }

  private async factorPage(ctx: StepContext, status: number, factor: 'totp' | 'webauthn', error?: string): Promise<StepOutcome> {
    return page(status, emergencyFactorPage(this.config.brand, { uid: ctx.uid, csrf: await ctx.csrf('breakglass'), factor, error }));
  }
}
