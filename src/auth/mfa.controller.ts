import { Controller, Get, Inject, Param, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { IdentityService } from '../identity/index.js';
import { EnrolmentCodesService, MfaError, MfaService, type SecondFactorResult } from '../mfa/index.js';
import { EventBus } from '../events/index.js';
import { enrolmentCodePage, messagePage, mfaChallengePage, mfaEnrolPage, recoveryCodesPage } from '../ui/index.js';
import { next } from './flow/next.js';
import { FIRST_FACTORS, SECOND_FACTORS, factorsOf, type Stage } from './flow/sign-in-state.js';
import { InteractionsService } from './interactions.service.js';
import { MfaStep } from './mfa.step.js';
import { SignInProgressRepository, type SignInProgress } from './sign-in-progress.repository.js';

const WRONG_CODE = 'That code did not work. Check your authenticator and try again.';

type Body = { csrf?: unknown; code?: unknown };

/**
 * The second-factor step of the sign-in: challenge (TOTP, passkey or recovery code), or
 * enrolment when policy requires MFA and the user has no factor yet. Wrong codes are counted
 * per sign-in; at MFA_MAX_ATTEMPTS the sign-in ends and the app is told access_denied.
 */
@ApiExcludeController()
@Controller('interaction/:uid/mfa')
export class MfaController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly interactions: InteractionsService,
    private readonly progress: SignInProgressRepository,
    private readonly mfa: MfaService,
    private readonly step: MfaStep,
    private readonly identity: IdentityService,
    private readonly bus: EventBus,
    private readonly enrolmentCodes: EnrolmentCodesService,
  ) {}

  @Get()
  async show(@Param('uid') uid: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const state = await this.load(uid, req, reply, ['challenge', 'enrolment_code', 'enrol'], 'mfa');
    if (!state) return;
    return this.render(uid, state, reply, 200);
  }

  /** MFA_ENROLMENT=invite-only: the administrator's one-time code opens enrolment for this sign-in. */
  @Post('enrolment-code')
  async enrolmentCode(@Param('uid') uid: string, @Req() req: FastifyRequest<{ Body: Body }>, @Res() reply: FastifyReply) {
    const state = await this.loadForm(uid, req, reply, ['enrolment_code'], 'mfa/enrolment-code');
    if (!state) return;
    if (!(await this.enrolmentCodes.redeem(state.userId, String(req.body?.code ?? '').slice(0, 32)))) return this.wrongCode(uid, state, reply, req);
    await this.progress.allowEnrolment(uid);
    return this.interactions.redirect(reply, `/interaction/${uid}/mfa`);
  }

  @Post('totp')
  async totp(@Param('uid') uid: string, @Req() req: FastifyRequest<{ Body: Body }>, @Res() reply: FastifyReply) {
    const state = await this.loadForm(uid, req, reply, ['challenge'], 'mfa/totp');
    if (!state) return;
    const result = await this.mfa.verifyTotp(state.userId, String(req.body?.code ?? '').slice(0, 12));
    return this.conclude(uid, state, result, req, reply);
  }

  @Post('recovery')
  async recovery(@Param('uid') uid: string, @Req() req: FastifyRequest<{ Body: Body }>, @Res() reply: FastifyReply) {
    const state = await this.loadForm(uid, req, reply, ['challenge'], 'mfa/recovery');
    if (!state) return;
    const result = await this.mfa.useRecoveryCode(state.userId, String(req.body?.code ?? '').slice(0, 32));
    return this.conclude(uid, state, result, req, reply);
  }

  @Post('enrol')
  async enrol(@Param('uid') uid: string, @Req() req: FastifyRequest<{ Body: Body }>, @Res() reply: FastifyReply) {
    const state = await this.loadForm(uid, req, reply, ['enrol'], 'mfa/enrol');
    if (!state) return;
    if (!state.enrolmentFactorId) return this.interactions.redirect(reply, `/interaction/${uid}/mfa`);
    let result: SecondFactorResult;
    try {
      result = await this.mfa.confirmTotpEnrolment(state.userId, state.enrolmentFactorId, String(req.body?.code ?? '').slice(0, 12));
    } catch (err) {
      if (err instanceof MfaError) return this.interactions.redirect(reply, `/interaction/${uid}/mfa`);
      throw err;
    }
    if (!result.ok) return this.wrongCode(uid, state, reply, req);
    await this.progress.markEnrolled(uid, result.amr);
    return this.interactions.redirect(reply, `/interaction/${uid}/mfa/recovery-codes`);
  }

  /**
   * Shows a new set of recovery codes once, right after a factor was enrolled and proven in this
   * interaction. Having a factor is not enough: a password holder would otherwise replace the
   * user's codes with ones he sees, and use one as the second factor (#16).
   */
  @Get('recovery-codes')
  async recoveryCodes(@Param('uid') uid: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const state = await this.load(uid, req, reply, ['recovery_codes'], 'mfa/recovery-codes');
    if (!state) return;
    if (!state.factorEnrolled) return this.interactions.redirect(reply, `/interaction/${uid}/mfa`);
    const codes = (await this.progress.claimRecoveryCodesShowing(uid)) ? await this.mfa.regenerateRecoveryCodes(state.userId) : null;
    return this.interactions.page(reply, 200, recoveryCodesPage(this.config.brand, uid, await this.interactions.csrf(uid), codes));
  }

  /** After enrolment: the new factor was just proven, so the sign-in completes with it. */
  @Post('done')
  async done(@Param('uid') uid: string, @Req() req: FastifyRequest<{ Body: Body }>, @Res() reply: FastifyReply) {
    const state = await this.loadForm(uid, req, reply, ['recovery_codes'], 'mfa/done');
    if (!state) return;
    const second = state.amr.filter((m) => m !== 'pwd' && m !== 'fed');
    if (!second.length || !state.factorEnrolled || !state.recoveryCodesShown) return this.interactions.redirect(reply, `/interaction/${uid}/mfa`);
    const first = state.amr.filter((m) => !second.includes(m));
    return this.interactions.finish(req, reply, await this.step.multiFactorResult(uid, state.userId, first, second));
  }

  @Post('webauthn/authenticate-options')
  async authenticateOptions(@Param('uid') uid: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const state = await this.loadJson(uid, req, reply, ['challenge'], 'mfa/webauthn/authenticate-options');
    if (!state) return;
    const options = await this.mfa.webauthnAuthenticationOptions(state.userId);
    await this.progress.setChallenge(uid, options.challenge);
    return reply.header('Cache-Control', 'no-store').send(options);
  }

  @Post('webauthn/authenticate')
  async authenticate(@Param('uid') uid: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const state = await this.loadJson(uid, req, reply, ['challenge'], 'mfa/webauthn/authenticate');
    if (!state) return;
    const challenge = await this.progress.takeChallenge(uid);
    const result = challenge
      ? await this.mfa.verifyWebauthn(state.userId, challenge, req.body as never)
      : ({ ok: false, reason: 'verification_failed' } as const);
    if (!result.ok) {
      await this.countFailure(uid, state);
      return reply.code(401).header('Cache-Control', 'no-store').send({ message: 'the passkey could not be verified' });
    }
    const login = await this.step.multiFactorResult(uid, state.userId, state.amr, result.amr);
    const redirect = await this.interactions.resultLocation(req, reply, login);
    return reply.header('Cache-Control', 'no-store').send({ redirect });
  }

  @Post('webauthn/register-options')
  async registerOptions(@Param('uid') uid: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const state = await this.loadJson(uid, req, reply, ['enrol'], 'mfa/webauthn/register-options');
    if (!state) return;
    if (await this.mfa.hasFactor(state.userId)) return reply.code(409).send({ message: 'a factor is already enrolled' });
    const user = await this.identity.findById(state.userId);
    const options = await this.mfa.webauthnRegistrationOptions(state.userId, user?.email ?? state.userId);
    await this.progress.setChallenge(uid, options.challenge);
    return reply.header('Cache-Control', 'no-store').send(options);
  }

  @Post('webauthn/register')
  async register(@Param('uid') uid: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const state = await this.loadJson(uid, req, reply, ['enrol'], 'mfa/webauthn/register');
    if (!state) return;
    const challenge = await this.progress.takeChallenge(uid);
    if (!challenge || (await this.mfa.hasFactor(state.userId))) return reply.code(400).send({ message: 'no registration is pending' });
    try {
      const { amr } = await this.mfa.completeWebauthnRegistration(state.userId, challenge, req.body as never);
      await this.progress.markEnrolled(uid, amr);
      return reply.header('Cache-Control', 'no-store').send({ redirect: `/interaction/${uid}/mfa/recovery-codes` });
    } catch (err) {
      if (err instanceof MfaError) return reply.code(400).send({ message: 'the passkey could not be registered' });
      throw err;
    }
  }

  // ---- helpers ---------------------------------------------------------------------------

  /**
   * The sign-in of this interaction, when it stands at one of the stages the route serves.
   * Rules: the interaction and its first factor exist; next() over what this interaction has
   * proven names a stage the route serves; otherwise a GET goes (303) to the current step, a
   * POST is refused (403), and either is audited as auth.flow.refused.
   */
  private async load(uid: string, req: FastifyRequest, reply: FastifyReply, serves: Stage[], route: string, kind: 'page' | 'form' | 'json' = 'page'): Promise<SignInProgress | undefined> {
    const details = await this.interactions.details(uid, req, reply);
    if (!details) return undefined;
    const state = await this.progress.find(uid);
    if (!state) {
      // No first factor on record for this interaction: start the sign-in over.
      this.interactions.redirect(reply, `/interaction/${uid}`);
      return undefined;
    }
    const held = await this.stageOf(state);
    if (serves.includes(held)) return state;
    const refused = {
      interactionUid: uid,
      userId: state.userId,
      clientId: details.params.client_id ? String(details.params.client_id) : null,
      route,
      stageAsked: serves.join('|'),
      stageHeld: held,
      ip: req.ip ?? null,
    };
    await this.bus.publish('auth.flow.refused', refused);
    if (held === 'denied') {
      // Under MFA_ENROLMENT=invite-only without an enrolment code, this sign-in cannot go on.
      await this.progress.finish(uid);
      await this.interactions.finish(req, reply, { error: 'access_denied', error_description: 'a second factor must be set up with an enrolment code from an administrator' });
      return undefined;
    }
    if (kind === 'json') reply.code(403).header('Cache-Control', 'no-store').send({ message: 'this step is not open in this sign-in' });
    else if (kind === 'form') this.interactions.page(reply, 403, messagePage(this.config.brand, 'This step is not open', 'Return to the application and start again.'));
    else this.interactions.redirect(reply, stageLocation(uid, held));
    return undefined;
  }

  /**
   * Where this sign-in stands, from what it has proven. The first factors come from the row's
   * amr; a second factor counts only when it was enrolled and proven here (a challenge that
   * succeeds finishes the interaction at once, and an upstream's untrusted amr proves nothing).
   */
  private async stageOf(state: SignInProgress): Promise<Stage> {
    const proven = factorsOf(state.amr).filter((f) => FIRST_FACTORS.includes(f));
    if (state.factorEnrolled) proven.push(...factorsOf(state.amr).filter((f) => SECOND_FACTORS.includes(f)));
    const hasFactor = await this.mfa.hasFactor(state.userId);
    const enrolment = this.config.mfa.enrolment;
    const enrolmentCodePending = enrolment === 'invite-only' && !hasFactor && !state.enrolmentAllowed && (await this.enrolmentCodes.pending(state.userId));
    return next(
      { proven, hasFactor, enrolled: state.factorEnrolled, failures: state.mfaFailures, enrolmentAllowed: state.enrolmentAllowed, enrolmentCodePending },
      // A row exists only when MFA was due for this sign-in (MfaStep.begin).
      { mfaRequired: true, maxAttempts: this.config.mfa.maxAttempts, enrolment },
      { consentNeeded: false },
    ).stage;
  }

  private async loadForm(uid: string, req: FastifyRequest<{ Body: Body }>, reply: FastifyReply, serves: Stage[], route: string) {
    const state = await this.load(uid, req, reply, serves, route, 'form');
    if (!state) return undefined;
    if (!(await this.interactions.formTrusted(uid, req, req.body?.csrf))) {
      this.interactions.page(reply, 403, mfaChallengePage(this.config.brand, { ...(await this.pageState(uid, await this.mfa.confirmedFactors(state.userId))), error: 'This form has expired. Try again.' }));
      return undefined;
    }
    return state;
  }

  private async loadJson(uid: string, req: FastifyRequest, reply: FastifyReply, serves: Stage[], route: string) {
    const state = await this.load(uid, req, reply, serves, route, 'json');
    if (!state) return undefined;
    if (!(await this.interactions.formTrusted(uid, req, req.headers['x-csrf-token']))) {
      reply.code(403).send({ message: 'forbidden' });
      return undefined;
    }
    return state;
  }

  private async conclude(uid: string, state: SignInProgress, result: SecondFactorResult, req: FastifyRequest, reply: FastifyReply) {
    if (!result.ok) return this.wrongCode(uid, state, reply, req);
    return this.interactions.finish(req, reply, await this.step.multiFactorResult(uid, state.userId, state.amr, result.amr));
  }

  private async wrongCode(uid: string, state: SignInProgress, reply: FastifyReply, req: FastifyRequest) {
    if (await this.countFailure(uid, state)) {
      return this.interactions.finish(req, reply, {
        error: 'access_denied',
        error_description: 'too many failed verification attempts',
      });
    }
    return this.render(uid, state, reply, 401, WRONG_CODE);
  }

  /** Counts a failure; true when this one used up the attempts (the sign-in then ends). */
  private async countFailure(uid: string, state: SignInProgress): Promise<boolean> {
    const failures = await this.progress.addFailure(uid);
    if (failures < this.config.mfa.maxAttempts) return false;
    await this.progress.finish(uid);
    await this.mfa.recordTooManyAttempts(state.userId, 'totp');
    return true;
  }

  private async pageState(uid: string, factors: Array<{ type: string }>) {
    return {
      uid,
      csrf: await this.interactions.csrf(uid),
      hasTotp: factors.some((f) => f.type === 'totp'),
      hasPasskey: factors.some((f) => f.type === 'webauthn'),
    };
  }

  private async render(uid: string, state: SignInProgress, reply: FastifyReply, status: number, error?: string) {
    const factors = await this.mfa.confirmedFactors(state.userId);
    if (factors.length) {
      return this.interactions.page(reply, status, mfaChallengePage(this.config.brand, { ...(await this.pageState(uid, factors)), error }));
    }
    if (this.config.mfa.enrolment === 'invite-only' && !state.enrolmentAllowed) {
      return this.interactions.page(reply, status, enrolmentCodePage(this.config.brand, { uid, csrf: await this.interactions.csrf(uid), error }));
    }
    const user = await this.identity.findById(state.userId);
    const account = user?.email ?? state.userId;
    let enrolment = state.enrolmentFactorId
      ? await this.mfa.pendingTotpEnrolment(state.userId, state.enrolmentFactorId, account).catch(() => undefined)
      : undefined;
    if (!enrolment) {
      enrolment = await this.mfa.startTotpEnrolment(state.userId, account);
      await this.progress.setEnrolmentFactor(uid, enrolment.factorId);
    }
    return this.interactions.page(
      reply,
      status,
      mfaEnrolPage(this.config.brand, { uid, csrf: await this.interactions.csrf(uid), secret: enrolment.secret, qrSvg: enrolment.qrSvg, error }),
    );
  }
}

/** The page of the step a sign-in stands at. */
function stageLocation(uid: string, stage: Stage): string {
  switch (stage) {
    case 'challenge':
    case 'enrolment_code':
    case 'enrol':
      return `/interaction/${uid}/mfa`;
    case 'recovery_codes':
      return `/interaction/${uid}/mfa/recovery-codes`;
    case 'identify':
    case 'consent':
    case 'finish':
    case 'denied':
      return `/interaction/${uid}`;
  }
}
