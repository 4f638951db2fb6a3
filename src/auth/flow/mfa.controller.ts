import { Controller, Get, Inject, Param, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { APP_CONFIG, type AppConfig } from '../../config/index.js';
import { IdentityService } from '../../identity/index.js';
import { EnrolmentCodesService, MfaError, MfaService, type SecondFactorResult } from '../../mfa/index.js';
import { enrolmentCodePage, mfaChallengePage, mfaEnrolPage, recoveryCodesPage } from './mfa-pages.js';
import { goto, json, page, type StepOutcome } from '../../common/interaction.js';
import { MfaStep } from '../mfa.step.js';
import { SignInProgressRepository, type SignInProgress } from '../sign-in-progress.repository.js';
import { InteractionSessions, type InteractionSession } from './interaction-session.js';
import type { FlowRouteName } from './routes.js';

const WRONG_CODE = 'That code did not work. Check your authenticator and try again.';

type Body = { csrf?: unknown; code?: unknown };

/**
 * The dispatcher's second-factor routes: challenge (TOTP, passkey or recovery code), or
 * enrolment when policy requires MFA and the user has no factor yet. The stage each route
 * serves is declared in routes.ts and checked when the session opens, so every handler here
 * runs with the sign-in state row of a sign-in that stands at that stage. Wrong codes are
 * counted per sign-in; at MFA_MAX_ATTEMPTS the sign-in ends and the app is told access_denied.
 */
@ApiExcludeController()
@Controller('interaction/:uid/mfa')
export class FlowMfaController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly sessions: InteractionSessions,
    private readonly progress: SignInProgressRepository,
    private readonly mfa: MfaService,
    private readonly step: MfaStep,
    private readonly identity: IdentityService,
    private readonly enrolmentCodes: EnrolmentCodesService,
  ) {}

  @Get()
  async show(@Param('uid') uid: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const s = await this.open(uid, 'mfa', req, reply);
    if (!s) return;
    return s.answer(await this.render(s, 200));
  }

  /** MFA_ENROLMENT=invite-only: the administrator's one-time code opens enrolment for this sign-in. */
  @Post('enrolment-code')
  async enrolmentCode(@Param('uid') uid: string, @Req() req: FastifyRequest<{ Body: Body }>, @Res() reply: FastifyReply) {
    const s = await this.open(uid, 'enrolmentCode', req, reply);
    if (!s) return;
    if (!(await this.enrolmentCodes.redeem(state(s).userId, String(req.body?.code ?? '').slice(0, 32)))) return s.answer(await this.wrongCode(s));
    await this.progress.allowEnrolment(uid);
    return s.answer(goto(`/interaction/${uid}/mfa`));
  }

  @Post('totp')
  async totp(@Param('uid') uid: string, @Req() req: FastifyRequest<{ Body: Body }>, @Res() reply: FastifyReply) {
    const s = await this.open(uid, 'totp', req, reply);
    if (!s) return;
    const result = await this.mfa.verifyTotp(state(s).userId, String(req.body?.code ?? '').slice(0, 12));
    return s.answer(await this.conclude(s, result));
  }

  @Post('recovery')
  async recovery(@Param('uid') uid: string, @Req() req: FastifyRequest<{ Body: Body }>, @Res() reply: FastifyReply) {
    const s = await this.open(uid, 'recovery', req, reply);
    if (!s) return;
    const result = await this.mfa.useRecoveryCode(state(s).userId, String(req.body?.code ?? '').slice(0, 32));
    return s.answer(await this.conclude(s, result));
  }

  @Post('enrol')
  async enrol(@Param('uid') uid: string, @Req() req: FastifyRequest<{ Body: Body }>, @Res() reply: FastifyReply) {
    const s = await this.open(uid, 'enrol', req, reply);
    if (!s) return;
    const row = state(s);
    if (!row.enrolmentFactorId) return s.answer(goto(`/interaction/${uid}/mfa`));
    let result: SecondFactorResult;
    try {
      result = await this.mfa.confirmTotpEnrolment(row.userId, row.enrolmentFactorId, String(req.body?.code ?? '').slice(0, 12));
    } catch (err) {
      if (err instanceof MfaError) return s.answer(goto(`/interaction/${uid}/mfa`));
      throw err;
    }
    if (!result.ok) return s.answer(await this.wrongCode(s));
    await this.progress.markEnrolled(uid, result.amr);
    return s.answer(goto(`/interaction/${uid}/mfa/recovery-codes`));
  }

  /**
   * Shows a new set of recovery codes once, right after a factor was enrolled and proven in this
   * interaction (the only time the recovery_codes stage is held). Having a factor is not enough:
   * a password holder would otherwise replace the user's codes with ones he sees, and use one as
   * the second factor (#16).
   */
  @Get('recovery-codes')
  async recoveryCodes(@Param('uid') uid: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const s = await this.open(uid, 'recoveryCodes', req, reply);
    if (!s) return;
    if (!state(s).factorEnrolled) return s.answer(goto(`/interaction/${uid}/mfa`));
    const codes = (await this.progress.claimRecoveryCodesShowing(uid)) ? await this.mfa.regenerateRecoveryCodes(state(s).userId) : null;
    return s.answer(page(200, recoveryCodesPage(this.config.brand, uid, await s.csrf('interaction'), codes)));
  }

  /** After enrolment: the new factor was just proven, so the sign-in completes with it. */
  @Post('done')
  async done(@Param('uid') uid: string, @Req() req: FastifyRequest<{ Body: Body }>, @Res() reply: FastifyReply) {
    const s = await this.open(uid, 'done', req, reply);
    if (!s) return;
    const row = state(s);
    const second = row.amr.filter((m) => m !== 'pwd' && m !== 'fed');
    if (!second.length || !row.factorEnrolled || !row.recoveryCodesShown) return s.answer(goto(`/interaction/${uid}/mfa`));
    const first = row.amr.filter((m) => !second.includes(m));
    return s.answer(await this.step.multiFactor(uid, row.userId, first, second));
  }

  @Post('webauthn/authenticate-options')
  async authenticateOptions(@Param('uid') uid: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const s = await this.open(uid, 'authenticateOptions', req, reply);
    if (!s) return;
    const options = await this.mfa.webauthnAuthenticationOptions(state(s).userId);
    await this.progress.setChallenge(uid, options.challenge);
    return s.answer(json(200, options));
  }

  @Post('webauthn/authenticate')
  async authenticate(@Param('uid') uid: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const s = await this.open(uid, 'authenticate', req, reply);
    if (!s) return;
    const row = state(s);
    const challenge = await this.progress.takeChallenge(uid);
    const result = challenge ? await this.mfa.verifyWebauthn(row.userId, challenge, req.body as never) : ({ ok: false, reason: 'verification_failed' } as const);
    if (!result.ok) {
      // The attempts used up end the sign-in's state row; the page's script shows the message.
      if (await this.countFailure(s)) await this.progress.finish(uid);
      return s.answer(json(401, { message: 'the passkey could not be verified' }));
    }
    return s.answer(await this.step.multiFactor(uid, row.userId, row.amr, result.amr));
  }

  @Post('webauthn/register-options')
  async registerOptions(@Param('uid') uid: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const s = await this.open(uid, 'registerOptions', req, reply);
    if (!s) return;
    const row = state(s);
    if (await this.mfa.hasFactor(row.userId)) return s.answer(json(409, { message: 'a factor is already enrolled' }));
    const user = await this.identity.findById(row.userId);
    const options = await this.mfa.webauthnRegistrationOptions(row.userId, user?.email ?? row.userId);
    await this.progress.setChallenge(uid, options.challenge);
    return s.answer(json(200, options));
  }

  @Post('webauthn/register')
  async register(@Param('uid') uid: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const s = await this.open(uid, 'register', req, reply);
    if (!s) return;
    const row = state(s);
    const challenge = await this.progress.takeChallenge(uid);
    if (!challenge || (await this.mfa.hasFactor(row.userId))) return s.answer(json(400, { message: 'no registration is pending' }));
    try {
      const { amr } = await this.mfa.completeWebauthnRegistration(row.userId, challenge, req.body as never);
      await this.progress.markEnrolled(uid, amr);
      return s.answer(json(200, { redirect: `/interaction/${uid}/mfa/recovery-codes` }));
    } catch (err) {
      if (err instanceof MfaError) return s.answer(json(400, { message: 'the passkey could not be registered' }));
      throw err;
    }
  }

  // ---- helpers ---------------------------------------------------------------------------

  /** The session of a second-factor route; a form with a wrong token gets the challenge page again. */
  private open(uid: string, name: FlowRouteName, req: FastifyRequest, reply: FastifyReply): Promise<InteractionSession | undefined> {
    return this.sessions.open(uid, name, req, reply, async (s) => {
      if (s.route.kind === 'json') return json(403, { message: 'forbidden' });
      const factors = await this.mfa.confirmedFactors(state(s).userId);
      return page(403, mfaChallengePage(this.config.brand, { ...(await this.pageState(s, factors)), error: 'This form has expired. Try again.' }));
    });
  }

  private async conclude(s: InteractionSession, result: SecondFactorResult): Promise<StepOutcome> {
    if (!result.ok) return this.wrongCode(s);
    return this.step.multiFactor(s.uid, state(s).userId, state(s).amr, result.amr);
  }

  private async wrongCode(s: InteractionSession): Promise<StepOutcome> {
    if (await this.countFailure(s)) return s.denied('too_many_attempts');
    return this.render(s, 401, WRONG_CODE);
  }

  /** Counts a failure; true when this one used up the attempts (the sign-in then ends). */
  private async countFailure(s: InteractionSession): Promise<boolean> {
    const failures = await this.progress.addFailure(s.uid);
    if (failures < this.config.mfa.maxAttempts) return false;
    await this.mfa.recordTooManyAttempts(state(s).userId, 'totp');
    return true;
  }

  private async pageState(s: InteractionSession, factors: Array<{ type: string }>) {
    return {
      uid: s.uid,
      csrf: await s.csrf('interaction'),
      hasTotp: factors.some((f) => f.type === 'totp'),
      hasPasskey: factors.some((f) => f.type === 'webauthn'),
    };
  }

  private async render(s: InteractionSession, status: number, error?: string): Promise<StepOutcome> {
    const row = state(s);
    const factors = await this.mfa.confirmedFactors(row.userId);
    if (factors.length) return page(status, mfaChallengePage(this.config.brand, { ...(await this.pageState(s, factors)), error }));
    if (this.config.mfa.enrolment === 'invite-only' && !row.enrolmentAllowed) {
      return page(status, enrolmentCodePage(this.config.brand, { uid: s.uid, csrf: await s.csrf('interaction'), error }));
    }
    const user = await this.identity.findById(row.userId);
    const account = user?.email ?? row.userId;
    let enrolment = row.enrolmentFactorId ? await this.mfa.pendingTotpEnrolment(row.userId, row.enrolmentFactorId, account).catch(() => undefined) : undefined;
    if (!enrolment) {
      enrolment = await this.mfa.startTotpEnrolment(row.userId, account);
      await this.progress.setEnrolmentFactor(s.uid, enrolment.factorId);
    }
    return page(status, mfaEnrolPage(this.config.brand, { uid: s.uid, csrf: await s.csrf('interaction'), secret: enrolment.secret, qrSvg: enrolment.qrSvg, issuer: this.config.brand.name, account, error }));
  }
}

/** The sign-in state row: every MFA stage is held only when one exists (InteractionSessions.stageOf). */
function state(s: InteractionSession): SignInProgress {
  if (!s.progress) throw new Error('an MFA stage without a sign-in state row');
  return s.progress;
}
