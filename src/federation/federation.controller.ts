import { Body, Controller, Get, Inject, Logger, Param, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { logoutDonePage } from '../ui/index.js';
import { federationErrorPage } from './federation-pages.js';
import { FederationBroker, type FlowRequest } from './federation-broker.service.js';
import { FederationAuthGuard, type CallbackOutcome, type FederationCallbackRequest } from './federation.strategy.js';
import { failureStatus } from './federation-failures.js';
import { UpstreamLogout } from './upstream-logout.js';

/**
 * The upstream IdPs' redirect_uri. The code exchange and ID token checks run in the passport
 * strategy; this handler sends the browser back into its interaction (where the MFA decision
 * and the result happen), or ends on a readable page with an audit record.
 */
@ApiExcludeController()
@Controller('federation')
export class FederationController {
  private readonly logger = new Logger(FederationController.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly broker: FederationBroker,
    private readonly logout: UpstreamLogout,
  ) {}

  /**
   * The upstream's post_logout_redirect_uri: our session ended before the browser went there;
   * it now continues to where our logout was going (the app's post_logout_redirect_uri).
   */
  @Get('logout/callback')
  async logoutCallback(@Query('state') state: unknown, @Res() reply: FastifyReply): Promise<void> {
    const to = await this.logout.continueTo(state);
    reply.header('Cache-Control', 'no-store').header('Referrer-Policy', 'no-referrer');
    if (to) return void reply.code(303).header('Location', to).send();
    reply.code(200).type('text/html; charset=utf-8').send(logoutDonePage(this.config.brand).toString());
  }

  /** OpenID Connect Back-Channel Logout 1.0: the upstream ends its session, we end ours. */
  @Post('backchannel-logout/:idp')
  async backchannelLogout(@Param('idp') idpId: string, @Body() body: unknown, @Res() reply: FastifyReply): Promise<void> {
    const token = (body as { logout_token?: unknown } | undefined)?.logout_token;
    const ok = await this.broker.backchannelLogout(idpId, token);
    reply.header('Cache-Control', 'no-store');
    if (ok) return void reply.code(200).send();
    reply.code(400).type('application/json').send({ error: 'invalid_request', error_description: 'the logout token is not valid' });
  }

  @Get('callback')
  @UseGuards(FederationAuthGuard)
  async callback(@Req() req: FederationCallbackRequest & { user?: CallbackOutcome }, @Res() reply: FastifyReply): Promise<void> {
    const outcome: CallbackOutcome = req.user ?? { ok: false, reason: 'unknown_flow' };
    if (outcome.ok) {
      const location = `/interaction/${encodeURIComponent(outcome.flow.interactionUid)}/federation/complete?state=${encodeURIComponent(outcome.flow.state)}`;
      reply.code(303).header('Cache-Control', 'no-store').header('Location', location).send();
      return;
    }
    const flow = outcome.flow;
    this.logger.warn({ reason: outcome.reason, idpId: flow?.idpId }, 'upstream sign-in failed');
    await this.broker.failed(outcome.reason, flow?.idpId ?? 'unknown', {
      interactionUid: flow?.interactionUid ?? null,
      clientId: (flow?.request as FlowRequest | undefined)?.clientId ?? null,
      ip: req.ip ?? null,
      userId: outcome.userId ?? null,
    });
    reply
      .code(failureStatus(outcome.reason))
      .header('Cache-Control', 'no-store')
      .type('text/html; charset=utf-8')
      .send(federationErrorPage(this.config.brand, outcome.reason).toString());
  }
}
