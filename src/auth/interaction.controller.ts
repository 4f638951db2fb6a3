import { Controller, Get, Inject, Logger, Param, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { errorPage, federationErrorPage, signInPage } from '../ui/index.js';
import { FederationBroker, failureReason, failureStatus } from '../federation/index.js';
import { ConsentStep } from '../consent/index.js';
import { InteractionsService, type InteractionDetails } from './interactions.service.js';
import { MfaStep } from './mfa.step.js';
import { nextStep } from './interaction-flow.js';
import { PasswordAuthGuard } from './password-auth.guard.js';
import { CsrfGuard } from './csrf.guard.js';
import type { InteractionRequest } from './password.strategy.js';
import { GENERIC_FAILURE, type SignInOutcome } from './sign-in.service.js';

/**
 * The sign-in flow's dispatcher: oidc-provider hands the browser here with an interaction; this
 * controller shows the step the prompt needs, takes each step's result and hands it back.
 * Every form POST answers 303; every page is no-store.
 */
@ApiExcludeController()
@Controller('interaction')
export class InteractionController {
  private readonly logger = new Logger(InteractionController.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly interactions: InteractionsService,
    private readonly mfaStep: MfaStep,
    private readonly consent: ConsentStep,
    private readonly federation: FederationBroker,
  ) {}

  @Get(':uid')
  async show(@Param('uid') uid: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const details = await this.details(uid, req, reply);
    if (!details) return;
    switch (nextStep(details.prompt.name)) {
      case 'login':
        if (isStepUpOnly(details)) {
          // Signed in already; the app asks for a higher level: only the second factor is due.
          const session = details.session!;
          return this.interactions.redirect(reply, await this.mfaStep.begin(uid, session.accountId!, session.amr ?? ['pwd']));
        }
        return this.page(reply, 200, signInPage(this.config.brand, await this.form(uid, details)));
      case 'consent':
        return this.consent.show(uid, details, req, reply);
      case 'unsupported':
        this.logger.warn({ prompt: details.prompt.name }, 'interaction prompt without a step');
        return this.page(reply, 400, errorPage(this.config.brand, 'unsupported_prompt', 'this sign-in step is not available'));
    }
  }

  @Post(':uid/login')
  @UseGuards(CsrfGuard, PasswordAuthGuard)
  async login(@Param('uid') uid: string, @Req() req: InteractionRequest & { user?: SignInOutcome }, @Res() reply: FastifyReply) {
    const details = await this.details(uid, req, reply);
    if (!details) return;
    const outcome = req.user ?? { ok: false, reason: 'invalid_input' as const };
    if (!outcome.ok) {
      const body = (req.body ?? {}) as { email?: unknown };
      const email = typeof body.email === 'string' ? body.email.slice(0, 320) : undefined;
      return this.page(reply, 401, signInPage(this.config.brand, { ...(await this.form(uid, details)), email, error: GENERIC_FAILURE }));
    }
    if (await this.mfaStep.required(outcome.user, details)) {
      return this.interactions.redirect(reply, await this.mfaStep.begin(uid, outcome.user.id, ['pwd']));
    }
    return this.finish(req, reply, this.mfaStep.singleFactorResult(outcome.user.id, ['pwd']));
  }

  /** Home-realm discovery: an organisation email goes straight to the IdP that lists its domain. */
  @Post(':uid/federation')
  async discover(@Param('uid') uid: string, @Req() req: InteractionRequest, @Res() reply: FastifyReply) {
    const details = await this.federationDetails(uid, req, reply);
    if (!details) return;
    const raw = (req.body as { email?: unknown }).email;
    const email = typeof raw === 'string' ? raw.trim().slice(0, 320) : '';
    const idp = await this.federation.discover(email);
    if (!idp) {
      const error = 'No organisation sign-in is set up for that email address. Sign in with your password instead.';
      return this.page(reply, 200, signInPage(this.config.brand, { ...(await this.form(uid, details)), email, error }));
    }
    return this.upstream(uid, idp.id, details, req, reply, email);
  }

  /** A "Sign in with <IdP>" button: off to the upstream IdP (the result comes back to /complete). */
  @Post(':uid/federation/:idp')
  async federate(@Param('uid') uid: string, @Param('idp') idpId: string, @Req() req: InteractionRequest, @Res() reply: FastifyReply) {
    const details = await this.federationDetails(uid, req, reply);
    if (!details) return;
    return this.upstream(uid, idpId.slice(0, 64), details, req, reply);
  }

  /** Back from the upstream: the same MFA decision as after a password, with amr `fed` (plus trusted upstream factors). */
  @Get(':uid/federation/complete')
  async federated(@Param('uid') uid: string, @Query('state') state: unknown, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const details = await this.details(uid, req, reply);
    if (!details) return;
    const clientId = details.params.client_id ? String(details.params.client_id) : null;
    const login = typeof state === 'string' ? await this.federation.complete(uid, state, { interactionUid: uid, clientId, ip: req.ip ?? null }) : null;
    if (!login) return this.page(reply, 400, federationErrorPage(this.config.brand, 'unknown_flow'));
    if (login.mfaSatisfied) return this.finish(req, reply, await this.mfaStep.multiFactorResult(uid, login.userId, ['fed'], login.amr));
    if (await this.mfaStep.required(login.user, details)) {
      return this.interactions.redirect(reply, await this.mfaStep.begin(uid, login.userId, login.amr));
    }
    return this.finish(req, reply, this.mfaStep.singleFactorResult(login.userId, login.amr));
  }

  private async federationDetails(uid: string, req: InteractionRequest, reply: FastifyReply): Promise<InteractionDetails | undefined> {
    const details = await this.details(uid, req, reply);
    if (!details) return undefined;
    if (!(await this.interactions.formTrusted(uid, req, (req.body as { csrf?: unknown } | undefined)?.csrf))) {
      this.page(reply, 403, federationErrorPage(this.config.brand, 'unknown_flow'));
      return undefined;
    }
    return details;
  }

  private async upstream(uid: string, idpId: string, details: InteractionDetails, req: FastifyRequest, reply: FastifyReply, loginHint?: string) {
    const clientId = details.params.client_id ? String(details.params.client_id) : null;
    try {
      return this.interactions.redirect(reply, await this.federation.begin(uid, idpId, clientId, loginHint));
    } catch (err) {
      const reason = await this.federation.failed(failureReason(err), idpId, { interactionUid: uid, clientId, ip: req.ip ?? null });
      this.logger.warn({ reason, idpId }, 'could not start an upstream sign-in');
      return this.page(reply, failureStatus(reason), federationErrorPage(this.config.brand, reason));
    }
  }

  /** Loads the interaction, or answers with a readable page when it expired or never existed. */
  private async details(uid: string, req: FastifyRequest, reply: FastifyReply): Promise<InteractionDetails | undefined> {
    const details = await this.interactions.details(uid, req, reply);
    if (details) (req as InteractionRequest).signIn = { clientId: String(details.params.client_id ?? '') || null };
    return details;
  }

  private async form(uid: string, details: { params: Record<string, unknown> }) {
    const csrf = await this.interactions.csrf(uid);
    const idps = await this.federation.signInOptions();
    return {
      action: `/interaction/${uid}/login`,
      csrf,
      clientName: await this.interactions.clientName(details.params.client_id),
      federation: {
        csrf,
        options: idps.map((i) => ({ name: i.displayName, logoUri: i.logoUri, action: `/interaction/${uid}/federation/${encodeURIComponent(i.id)}` })),
        discoveryAction: idps.some((i) => i.homeRealm) ? `/interaction/${uid}/federation` : undefined,
      },
    };
  }

  private finish(req: FastifyRequest, reply: FastifyReply, result: Parameters<InteractionsService['finish']>[2]) {
    return this.interactions.finish(req, reply, result);
  }

  private page(reply: FastifyReply, status: number, html: string): void {
    this.interactions.page(reply, status, html);
  }
}

/** The login prompt is open only because the app asked for the MFA level (acr step-up) of a live session. */
function isStepUpOnly(details: InteractionDetails): boolean {
  const reasons = (details.prompt.reasons ?? []) as string[];
  return Boolean(details.session?.accountId) && reasons.length > 0 && reasons.every((r) => r === 'acr_step_up');
}
