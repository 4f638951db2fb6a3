import { Controller, Get, Inject, Param, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { InteractionResults } from 'oidc-provider';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { IdentityService } from '../identity/index.js';
import { KeysService } from '../keys/index.js';
import { ACR_MFA, MfaService } from '../mfa/index.js';
import { AMR_EMERGENCY, OidcService } from '../oidc/index.js';
import { emergencyFactorPage, emergencyStartPage, messagePage } from '../ui/index.js';
import { MIN_JUSTIFICATION, justificationProblem } from './breakglass-rules.js';
import { BreakGlassService } from './breakglass.service.js';
import type { EmergencyAttempt } from './breakglass.repository.js';
import { INTERACTION_UID, htmlReply, seeOther } from '../common/interaction.js';
import { emergencyCsrf, emergencyCsrfValid, sameSiteForm } from './emergency-form.js';
import { isDatabaseUnavailable } from '../database/index.js';

const UID = INTERACTION_UID;
const REFUSED = 'Emergency access is not possible with these details. Use the normal sign-in, or call the help desk.';
const NO_FACTOR = 'Emergency access needs a second factor (an authenticator app or a passkey) that you have already set up.';
const WRONG = 'That did not work. Try again.';

/**
 * The emergency-access step of the sign-in: password and a typed reason, then the user's own
 * strongest factor; it then hands the dispatcher's interaction a login marked `emergency`.
 * It never decides what comes next (consent is the dispatcher's), and never checks a password
 * or a code itself.
 */
@ApiExcludeController()
@Controller('interaction')
export class BreakGlassController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly oidc: OidcService,
    private readonly keys: KeysService,
    private readonly identity: IdentityService,
    private readonly mfa: MfaService,
    private readonly breakGlass: BreakGlassService,
  ) {}

  @Get(':uid/emergency')
  async show(@Param('uid') uid: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    if (!(await this.details(uid, req, reply))) return;
    return this.page(reply, 200, emergencyStartPage(this.config.brand, { uid, csrf: await this.csrf(uid), minJustification: MIN_JUSTIFICATION }));
  }

  @Post(':uid/emergency')
  async start(@Param('uid') uid: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const details = await this.details(uid, req, reply);
    if (!details) return;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const email = typeof body.email === 'string' ? body.email.slice(0, 320) : '';
    const justification = typeof body.justification === 'string' ? body.justification.slice(0, 1000) : '';
    const again = async (status: number, error: string) =>
      this.page(reply, status, emergencyStartPage(this.config.brand, { uid, csrf: await this.csrf(uid), email, justification, minJustification: MIN_JUSTIFICATION, error }));
    if (!(await this.trusted(uid, req, body.csrf))) return again(403, REFUSED);
    const problem = justificationProblem(justification);
    if (problem) return again(400, problem);
    const throttled = await this.breakGlass.throttled(email);
    // The password is checked even when throttled, so a refusal costs the same either way.
    const check = await this.identity.checkPassword(email, typeof body.password === 'string' ? body.password : '');
    if (throttled) {
      await this.breakGlass.refused(check.user?.id ?? null, 'throttled');
      return again(401, REFUSED);
    }
    if (!check.ok) {
      await this.breakGlass.recordPasswordFailure(email);
      await this.breakGlass.refused(check.user?.id ?? null, 'bad_password');
      return again(401, REFUSED);
    }
    const eligible = await this.breakGlass.eligibility(check.user);
    if (!eligible.ok) {
      await this.breakGlass.refused(check.user.id, eligible.reason);
      return again(403, eligible.reason === 'no_factor' ? NO_FACTOR : REFUSED);
    }
    await this.breakGlass.beginAttempt(uid, check.user.id, justification.trim(), eligible.factor);
    return this.factorPage(uid, reply, 200, eligible.factor);
  }

  @Post(':uid/emergency/totp')
  async totp(@Param('uid') uid: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const details = await this.details(uid, req, reply);
    if (!details) return;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const attempt = await this.breakGlass.attempt(uid);
    if (!attempt || attempt.factor !== 'totp' || !(await this.trusted(uid, req, body.csrf))) return this.expired(reply);
    const result = await this.mfa.verifyTotp(attempt.userId, typeof body.code === 'string' ? body.code : '');
    if (!result.ok) {
      if (await this.breakGlass.failedFactor(attempt)) return this.finish(req, reply, { error: 'access_denied', error_description: 'too many failed verification attempts' });
      return this.factorPage(uid, reply, 401, 'totp', WRONG);
    }
    return this.finish(req, reply, await this.loginResult(attempt, result.amr, details.params.client_id));
  }

  @Post(':uid/emergency/webauthn-options')
  async passkeyOptions(@Param('uid') uid: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const attempt = await this.jsonAttempt(uid, req, reply);
    if (!attempt) return;
    const options = await this.mfa.webauthnAuthenticationOptions(attempt.userId);
    await this.breakGlass.setChallenge(uid, options.challenge);
    return reply.header('Cache-Control', 'no-store').send(options);
  }

  @Post(':uid/emergency/webauthn')
  async passkey(@Param('uid') uid: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const attempt = await this.jsonAttempt(uid, req, reply);
    if (!attempt) return;
    const result = attempt.challenge
      ? await this.mfa.verifyWebauthn(attempt.userId, attempt.challenge, req.body as never)
      : ({ ok: false, reason: 'verification_failed' } as const);
    if (!result.ok) {
      await this.breakGlass.failedFactor(attempt);
      return reply.code(401).header('Cache-Control', 'no-store').send({ message: 'the passkey could not be verified' });
    }
    const details = await this.oidc.current.interactionDetails(req.raw, reply.raw);
    const login = await this.loginResult(attempt, result.amr, details.params.client_id);
    const redirect = await this.oidc.current.interactionResult(req.raw, reply.raw, login, { mergeWithLastSubmission: true });
    return reply.header('Cache-Control', 'no-store').send({ redirect });
  }

  /** Starts the emergency session and builds the login: amr says which factors and `emergency`; the session is not remembered. */
  private async loginResult(attempt: EmergencyAttempt, factorAmr: string[], clientId: unknown): Promise<InteractionResults> {
    const user = await this.identity.findById(attempt.userId);
    const { loginTs } = await this.breakGlass.start(attempt, user?.email ?? '', typeof clientId === 'string' ? clientId : null);
    const amr = [...new Set(['pwd', ...factorAmr, 'mfa', AMR_EMERGENCY])];
    return { login: { accountId: attempt.userId, amr, acr: ACR_MFA, ts: loginTs, remember: false } };
  }

  private async jsonAttempt(uid: string, req: FastifyRequest, reply: FastifyReply): Promise<EmergencyAttempt | null> {
    const attempt = UID.test(uid) ? await this.breakGlass.attempt(uid) : null;
    if (!attempt || attempt.factor !== 'webauthn' || !(await this.trusted(uid, req, req.headers['x-csrf-token']))) {
      reply.code(403).header('Cache-Control', 'no-store').send({ message: 'this emergency sign-in has expired' });
      return null;
    }
    return attempt;
  }

  private async details(uid: string, req: FastifyRequest, reply: FastifyReply) {
    if (!UID.test(uid)) {
      this.page(reply, 404, messagePage(this.config.brand, 'Sign-in not found', 'Return to the application and start again.'));
      return undefined;
    }
    try {
      const details = await this.oidc.current.interactionDetails(req.raw, reply.raw);
      if (details.uid !== uid) throw new Error('interaction cookie does not match the URL');
      return details;
    } catch (err) {
      // An outage is not an expired sign-in: the outage filter answers 503 and the person retries.
      if (isDatabaseUnavailable(err)) throw err;
      this.expired(reply);
      return undefined;
    }
  }

  private expired(reply: FastifyReply): void {
    this.page(reply, 400, messagePage(this.config.brand, 'This sign-in has expired', 'Return to the application and start again.'));
  }

  private async factorPage(uid: string, reply: FastifyReply, status: number, factor: 'totp' | 'webauthn', error?: string) {
    return this.page(reply, status, emergencyFactorPage(this.config.brand, { uid, csrf: await this.csrf(uid), factor, error }));
  }

  private async csrf(uid: string): Promise<string> {
    return emergencyCsrf(await this.keys.getSecret('csrf-key'), uid);
  }

  private async trusted(uid: string, req: FastifyRequest, presented: unknown): Promise<boolean> {
    return sameSiteForm(req.headers, this.config.issuer) && emergencyCsrfValid(await this.keys.getSecret('csrf-key'), uid, presented);
  }

  private async finish(req: FastifyRequest, reply: FastifyReply, result: InteractionResults) {
    const location = await this.oidc.current.interactionResult(req.raw, reply.raw, result, { mergeWithLastSubmission: true });
    seeOther(reply, location);
  }

  private page(reply: FastifyReply, status: number, html: string): void {
    htmlReply(reply, status, html);
  }
}
