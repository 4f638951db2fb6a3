import { Controller, Get, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { htmlReply, seeOther } from '../common/interaction.js';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { ACCOUNT_APPS_PATH, ACCOUNT_CALLBACK_PATH, AccountService, ConsentError, ConsentService, connectedAppsPage } from '../consent/index.js';
import { accountPage, messagePage } from '../ui/index.js';
import { AccountSession } from './account-session.js';

/**
 * The user's connected apps (SMART's management endpoint), inside the account console: every
 * app they allowed, what it may do in plain language, and "Revoke access". Gate: the person's
 * own session (others are sent to sign in); the revoke form needs the console's CSRF token.
 */
@ApiExcludeController()
@Controller()
export class AppsController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly session: AccountSession,
    private readonly account: AccountService,
    private readonly consent: ConsentService,
  ) {}

  @Get(ACCOUNT_APPS_PATH.slice(1))
  async apps(@Query('revoked') revoked: string | undefined, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const v = await this.session.visitor(req, reply);
    if (!v) return seeOther(reply, await this.session.signInUrl());
    const apps = await this.account.connectedApps(v.user.id);
    const shell = { current: ACCOUNT_APPS_PATH, who: v.user.email, csrf: v.csrf };
    return htmlReply(
      reply,
      200,
      connectedAppsPage(
        this.config.brand,
        {
          csrf: v.csrf,
          notice: revoked === '1' ? 'Access was taken back. The app can no longer use what you had allowed.' : undefined,
          apps: apps.map((a) => ({
            name: a.clientName,
            grantedAt: a.grant.createdAt,
            expiresAt: a.grant.expiresAt,
            groups: a.groups.map((g) => ({ label: g.label, items: g.items.map((i) => ({ scope: i.scope, text: i.text })) })),
            revokeAction: `${ACCOUNT_APPS_PATH}/${a.grant.id}/revoke`,
          })),
        },
        (title, body) => accountPage(this.config.brand, shell, title, body),
      ),
    );
  }

  @Post(`${ACCOUNT_APPS_PATH.slice(1)}/:grantId/revoke`)
  async revoke(@Param('grantId') grantId: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const v = await this.session.visitor(req, reply);
    if (!v) return seeOther(reply, await this.session.signInUrl());
    if (!(await this.session.csrfValid(req, v))) {
      return htmlReply(reply, 403, messagePage(this.config.brand, 'This form has expired', 'Open your connected apps again and retry.', undefined, { startAgainUrl: ACCOUNT_APPS_PATH }));
    }
    try {
      await this.consent.revoke(v.user.id, grantId, 'user', { type: 'user', id: v.user.id });
    } catch (err) {
      if (!(err instanceof ConsentError)) throw err;
      return htmlReply(reply, 404, messagePage(this.config.brand, 'App not found', 'This app is not among your connected apps.'));
    }
    return seeOther(reply, `${ACCOUNT_APPS_PATH}?revoked=1`);
  }

  /** Back from signing in: the session is set; the code is not needed. The console opens. */
  @Get(ACCOUNT_CALLBACK_PATH.slice(1))
  callback(@Query('error') error: string | undefined, @Res() reply: FastifyReply): void {
    if (error) return htmlReply(reply, 400, messagePage(this.config.brand, 'Sign-in did not complete', 'Open your account page again to retry.', error, { startAgainUrl: '/account' }));
    return seeOther(reply, '/account');
  }
}
