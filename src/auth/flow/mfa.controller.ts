import { Controller, Get, Param, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { MfaChallengeStep } from '../../mfa/index.js';
import { InteractionSessions, type InteractionSession } from './interaction-session.js';
import type { FlowRouteName } from './routes.js';

type Body = { csrf?: unknown; code?: unknown } | undefined;

/**
 * The dispatcher's second-factor routes (challenge, enrolment code, enrolment, recovery codes,
 * passkeys). Each opens the InteractionSession (routes.ts says the stage it serves, checked
 * before the step runs, so every route here has the sign-in state row of a sign-in at that
 * stage) and answers with the outcome of MfaChallengeStep (src/mfa/), which holds every decision.
 */
@ApiExcludeController()
@Controller('interaction/:uid/mfa')
export class FlowMfaController {
  constructor(
    private readonly sessions: InteractionSessions,
    private readonly step: MfaChallengeStep,
  ) {}

  @Get()
  async show(@Param('uid') uid: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const s = await this.open(uid, 'mfa', req, reply);
    if (s) await s.answer(await this.step.show(s));
  }

  /** MFA_ENROLMENT=invite-only: the administrator's one-time code opens enrolment for this sign-in. */
  @Post('enrolment-code')
  async enrolmentCode(@Param('uid') uid: string, @Req() req: FastifyRequest<{ Body: Body }>, @Res() reply: FastifyReply) {
    const s = await this.open(uid, 'enrolmentCode', req, reply);
    if (s) await s.answer(await this.step.enrolmentCode(s, req.body));
  }

  @Post('totp')
  async totp(@Param('uid') uid: string, @Req() req: FastifyRequest<{ Body: Body }>, @Res() reply: FastifyReply) {
    const s = await this.open(uid, 'totp', req, reply);
    if (s) await s.answer(await this.step.totp(s, req.body));
  }

  @Post('recovery')
  async recovery(@Param('uid') uid: string, @Req() req: FastifyRequest<{ Body: Body }>, @Res() reply: FastifyReply) {
    const s = await this.open(uid, 'recovery', req, reply);
    if (s) await s.answer(await this.step.recovery(s, req.body));
  }

  @Post('enrol')
  async enrol(@Param('uid') uid: string, @Req() req: FastifyRequest<{ Body: Body }>, @Res() reply: FastifyReply) {
    const s = await this.open(uid, 'enrol', req, reply);
    if (s) await s.answer(await this.step.enrol(s, req.body));
  }

  /** Shown once, right after a factor was enrolled and proven in this interaction (the recovery_codes stage). */
  @Get('recovery-codes')
  async recoveryCodes(@Param('uid') uid: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const s = await this.open(uid, 'recoveryCodes', req, reply);
    if (s) await s.answer(await this.step.recoveryCodes(s));
  }

  @Post('done')
  async done(@Param('uid') uid: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const s = await this.open(uid, 'done', req, reply);
    if (s) await s.answer(await this.step.done(s));
  }

  @Post('webauthn/authenticate-options')
  async authenticateOptions(@Param('uid') uid: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const s = await this.open(uid, 'authenticateOptions', req, reply);
    if (s) await s.answer(await this.step.authenticateOptions(s));
  }

  @Post('webauthn/authenticate')
  async authenticate(@Param('uid') uid: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const s = await this.open(uid, 'authenticate', req, reply);
    if (s) await s.answer(await this.step.authenticate(s, req.body));
  }

  @Post('webauthn/register-options')
  async registerOptions(@Param('uid') uid: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const s = await this.open(uid, 'registerOptions', req, reply);
    if (s) await s.answer(await this.step.registerOptions(s));
  }

  @Post('webauthn/register')
  async register(@Param('uid') uid: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const s = await this.open(uid, 'register', req, reply);
    if (s) await s.answer(await this.step.register(s, req.body));
  }

  /** The session of a second-factor route; a form with a wrong token gets the challenge page again. */
  private open(uid: string, name: FlowRouteName, req: FastifyRequest, reply: FastifyReply): Promise<InteractionSession | undefined> {
    return this.sessions.open(uid, name, req, reply, (s) => this.step.forged(s, s.route.kind));
  }
}
