import { Controller, Get, Inject, Logger, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { APP_CONFIG, type AppConfig } from '../../config/index.js';
import { errorPage } from '../../ui/index.js';
import { FederationBroker, failureReason, failureStatus, federationErrorPage } from '../../federation/index.js';
import { signInPage } from './sign-in-page.js';
import { ConsentStep, SmartContextService, SmartLaunchService, launchUserMatches } from '../../consent/index.js';
import { EmergencyStep } from '../../breakglass/index.js';
import { goto, page, type StepOutcome } from '../../common/interaction.js';
import { MfaStep } from '../mfa.step.js';
import { GENERIC_FAILURE, SignInService } from '../sign-in.service.js';
import { InteractionSessions, type InteractionSession } from './interaction-session.js';
import { stageLocation } from './routes.js';

type Body = Record<string, unknown>;

/**
 * The sign-in dispatcher: oidc-provider hands the browser to /interaction/:uid, and every route
 * under it is served here or in FlowMfaController (the second-factor routes). Each request
 * opens one InteractionSession (id, details, stage, form token; src/auth/flow/routes.ts says
 * which stage each route serves), asks one step for an outcome and answers with it. The steps
 * (password: SignInService; second factor: MfaStep; consent: ConsentStep; upstream IdPs:
 * FederationBroker; emergency access: EmergencyStep) never call each other, never touch the
 * reply and never call oidc-provider. Every form POST answers 303 or a page; every page is no-store.
 */
@ApiExcludeController()
@Controller('interaction')
export class InteractionController {
  private readonly logger = new Logger(InteractionController.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly sessions: InteractionSessions,
    private readonly signIn: SignInService,
    private readonly mfaStep: MfaStep,
    private readonly consent: ConsentStep,
    private readonly launches: SmartLaunchService,
    private readonly smart: SmartContextService,
    private readonly federation: FederationBroker,
    private readonly emergency: EmergencyStep,
  ) {}

  @Get(':uid')
  async show(@Param('uid') uid: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const s = await this.sessions.open(uid, 'show', req, reply);
    if (!s) return;
    await s.answer(await this.current(s));
  }

  /** The current step's page, or where it is. */
  private async current(s: InteractionSession): Promise<StepOutcome> {
    const { details } = s;
    switch (s.stage.stage) {
      case 'consent':
        return (await this.launchUserRefused(s)) ?? this.consent.show(s);
      case 'identify':
        if (details.prompt.name !== 'login') {
          this.logger.warn({ prompt: details.prompt.name }, 'interaction prompt without a step');
          return page(400, errorPage(this.config.brand, 'unsupported_prompt', 'this sign-in step is not available'));
        }
        if (isStepUpOnly(s)) {
          // Signed in already; the app asks for a higher level: only the second factor is due.
          const session = details.session!;
          return goto(await this.mfaStep.begin(s.uid, session.accountId!, session.amr ?? ['pwd']));
        }
        return page(200, signInPage(this.config.brand, await this.form(s)));
      case 'emergency_challenge':
        return this.emergency.factor(s);
      case 'denied':
        return s.denied(s.stage.reason);
      default:
        return goto(stageLocation(s.uid, s.stage.stage));
    }
  }

  @Post(':uid/login')
  async login(@Param('uid') uid: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const s = await this.sessions.open(uid, 'login', req, reply, async (s) => {
      await this.signIn.refuse({ ip: s.ip, interactionUid: uid, clientId: s.clientId }, 'csrf');
      return this.signInFailed(s, req.body as Body);
    });
    if (!s) return;
    const body = (req.body ?? {}) as Body;
    // Both fields are needed (a form without them is refused like a wrong password, with no audit of an account).
    if (typeof body.email !== 'string' || typeof body.password !== 'string' || !body.email || !body.password) return s.answer(await this.signInFailed(s, body));
    const outcome = await this.signIn.attempt({
      email: body.email.slice(0, 320),
      password: body.password.slice(0, 1024),
      ip: s.ip,
      interactionUid: uid,
      clientId: s.clientId,
    });
    if (!outcome.ok) return s.answer(await this.signInFailed(s, body));
    if (await this.mfaStep.required(outcome.user, s.details)) return s.answer(goto(await this.mfaStep.begin(uid, outcome.user.id, ['pwd'])));
    return s.answer(this.mfaStep.singleFactor(outcome.user.id, ['pwd']));
  }

  private async signInFailed(s: InteractionSession, body: Body | undefined): Promise<StepOutcome> {
    const email = typeof body?.email === 'string' ? body.email.slice(0, 320) : undefined;
    return page(401, signInPage(this.config.brand, { ...(await this.form(s)), email, error: GENERIC_FAILURE }));
  }

  /** Home-realm discovery: an organisation email goes straight to the IdP that lists its domain. */
  @Post(':uid/federation')
  async discover(@Param('uid') uid: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const s = await this.sessions.open(uid, 'discover', req, reply, async () => page(403, federationErrorPage(this.config.brand, 'unknown_flow')));
    if (!s) return;
    const raw = (req.body as Body | undefined)?.email;
    const email = typeof raw === 'string' ? raw.trim().slice(0, 320) : '';
    const idp = await this.federation.discover(email);
    if (!idp) {
      const error = 'No organisation sign-in is set up for that email address. Sign in with your password instead.';
      return s.answer(page(200, signInPage(this.config.brand, { ...(await this.form(s)), email, error })));
    }
    return s.answer(await this.upstream(s, idp.id, email));
  }

  /** A "Sign in with <IdP>" button: off to the upstream IdP (the result comes back to /complete). */
  @Post(':uid/federation/:idp')
  async federate(@Param('uid') uid: string, @Param('idp') idpId: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const s = await this.sessions.open(uid, 'federate', req, reply, async () => page(403, federationErrorPage(this.config.brand, 'unknown_flow')));
    if (!s) return;
    return s.answer(await this.upstream(s, idpId.slice(0, 64)));
  }

  /** Back from the upstream: the same MFA decision as after a password, with amr `fed` (plus trusted upstream factors). */
  @Get(':uid/federation/complete')
  async federated(@Param('uid') uid: string, @Query('state') state: unknown, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const s = await this.sessions.open(uid, 'federated', req, reply);
    if (!s) return;
    const login = typeof state === 'string' ? await this.federation.complete(uid, state, { interactionUid: uid, clientId: s.clientId, ip: s.ip }) : null;
    if (!login) return s.answer(page(400, federationErrorPage(this.config.brand, 'unknown_flow')));
    if (login.mfaSatisfied) return s.answer(await this.mfaStep.multiFactor(uid, login.userId, ['fed'], login.amr));
    if (await this.mfaStep.required(login.user, s.details)) return s.answer(goto(await this.mfaStep.begin(uid, login.userId, login.amr)));
    return s.answer(this.mfaStep.singleFactor(login.userId, login.amr));
  }

  private async upstream(s: InteractionSession, idpId: string, loginHint?: string): Promise<StepOutcome> {
    try {
      return goto(await this.federation.begin(s.uid, idpId, s.clientId, loginHint));
    } catch (err) {
      const reason = await this.federation.failed(failureReason(err), idpId, { interactionUid: s.uid, clientId: s.clientId, ip: s.ip });
      this.logger.warn({ reason, idpId }, 'could not start an upstream sign-in');
      return page(failureStatus(reason), federationErrorPage(this.config.brand, reason));
    }
  }

  // ---- consent ---------------------------------------------------------------------------

  @Post(':uid/consent')
  async decide(@Param('uid') uid: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const s = await this.sessions.open(uid, 'consent', req, reply);
    if (!s) return;
    await s.answer((await this.launchUserRefused(s)) ?? (await this.consent.decide(s, (req.body as Body | undefined)?.decision)));
  }

  @Post(':uid/patient')
  async patient(@Param('uid') uid: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const s = await this.sessions.open(uid, 'patient', req, reply);
    if (!s) return;
    await s.answer((await this.launchUserRefused(s)) ?? (await this.consent.choosePatient(s, (req.body as Body | undefined)?.patient)));
  }

  /**
   * SMART EHR launch: the EHR launched the app for one person, and anyone else who signed in is
   * refused (audited by the launch service) before the consent step runs.
   */
  private async launchUserRefused(s: InteractionSession): Promise<StepOutcome | undefined> {
    const accountId = s.details.session?.accountId;
    if (!accountId || !s.clientId) return undefined;
    const launch = await this.launches.ofInteraction(s.details.params.launch, s.clientId).catch(() => null);
    if (!launch) return undefined;
    if (launchUserMatches(launch, { id: accountId, fhirUser: await this.smart.fhirUserOf(accountId) })) return undefined;
    await this.launches.refusedUser(launch, accountId);
    return { kind: 'finish', result: { error: 'access_denied', error_description: 'this launch was created in the EHR for another user' }, merge: false };
  }

  // ---- emergency access ------------------------------------------------------------------

  @Get(':uid/emergency')
  async emergencyPage(@Param('uid') uid: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const s = await this.sessions.open(uid, 'emergency', req, reply);
    if (!s) return;
    await s.answer(await this.emergency.show(s));
  }

  @Post(':uid/emergency')
  async emergencyStart(@Param('uid') uid: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const body = (req.body ?? {}) as Body;
    const s = await this.sessions.open(uid, 'emergencyStart', req, reply, (s) => this.emergency.forged(s, 'start', body));
    if (!s) return;
    await s.answer(await this.emergency.start(s, body));
  }

  @Post(':uid/emergency/totp')
  async emergencyTotp(@Param('uid') uid: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const body = (req.body ?? {}) as Body;
    const s = await this.sessions.open(uid, 'emergencyTotp', req, reply, (s) => this.emergency.forged(s, 'totp', body));
    if (!s) return;
    await s.answer(await this.emergency.totp(s, body));
  }

  /** A recovery code in place of the authenticator code (a user whose strongest factor is a passkey must use it). */
  @Post(':uid/emergency/recovery')
  async emergencyRecovery(@Param('uid') uid: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const body = (req.body ?? {}) as Body;
    const s = await this.sessions.open(uid, 'emergencyRecovery', req, reply, (s) => this.emergency.forged(s, 'totp', body));
    if (!s) return;
    await s.answer(await this.emergency.recovery(s, body));
  }

  @Post(':uid/emergency/webauthn-options')
  async emergencyPasskeyOptions(@Param('uid') uid: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const s = await this.sessions.open(uid, 'emergencyPasskeyOptions', req, reply, (s) => this.emergency.forged(s, 'json', {}));
    if (!s) return;
    await s.answer(await this.emergency.passkeyOptions(s));
  }

  @Post(':uid/emergency/webauthn')
  async emergencyPasskey(@Param('uid') uid: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const s = await this.sessions.open(uid, 'emergencyPasskey', req, reply, (s) => this.emergency.forged(s, 'json', {}));
    if (!s) return;
    await s.answer(await this.emergency.passkey(s, req.body));
  }

  // ---- the sign-in page ------------------------------------------------------------------

  private async form(s: InteractionSession) {
    const csrf = await s.csrf('interaction');
    const idps = await this.federation.signInOptions();
    const client = s.clientId ? await s.grants.client(s.clientId) : null;
    return {
      action: `/interaction/${s.uid}/login`,
      csrf,
      clientName: client?.name,
      federation: {
        csrf,
        options: idps.map((i) => ({ name: i.displayName, logoUri: i.logoUri, action: `/interaction/${s.uid}/federation/${encodeURIComponent(i.id)}` })),
        discoveryAction: idps.some((i) => i.homeRealm) ? `/interaction/${s.uid}/federation` : undefined,
      },
    };
  }
}

/** The login prompt is open only because the app asked for the MFA level (acr step-up) of a live session. */
function isStepUpOnly(s: InteractionSession): boolean {
  const reasons = (s.details.prompt.reasons ?? []) as string[];
  return Boolean(s.details.session?.accountId) && reasons.length > 0 && reasons.every((r) => r === 'acr_step_up');
}
