import { Controller, Get, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { KeysService } from '../keys/index.js';
import { connectedAppsPage, messagePage } from '../ui/index.js';
import { htmlReply } from '../common/interaction.js';
import { ACCOUNT_CALLBACK_PATH, AccountService } from './account.service.js';
import { formToken, formTokenValid, sameOrigin } from './consent-csrf.js';
import { ConsentError } from './consent.errors.js';
import { ConsentService } from './consent.service.js';
import { ACCOUNT_APPS_PATH } from './consent.step.js';

/**
 * The user's connected apps (SMART's management endpoint): every app they allowed, what it may
 * do in plain language, and "Revoke access". Signed-in users only (the browser's provider
 * session); others are sent to sign in first. Pages are no-store; the revoke form answers 303.
 */
@ApiExcludeController()
@Controller()
export class AccountController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly keys: KeysService,
    private readonly account: AccountService,
    private readonly consent: ConsentService,
  ) {}

  @Get(ACCOUNT_APPS_PATH.slice(1))
  async apps(@Query('revoked') revoked: string | undefined, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const who = await this.account.signedIn(req, reply);
    if (!who) return this.redirect(reply, await this.account.signInUrl());
    const apps = await this.account.connectedApps(who.accountId);
    const csrf = formToken(await this.keys.getSecret('csrf-key'), 'account', who.sessionUid);
    const day = (d: Date) => d.toISOString().slice(0, 10);
    return this.page(
      reply,
      200,
      connectedAppsPage(this.config.brand, {
        csrf,
        notice: revoked === '1' ? 'Access was taken back. The app can no longer use what you had allowed.' : undefined,
        apps: apps.map((a) => ({
          name: a.clientName,
          grantedOn: day(a.grant.createdAt),
          expiresOn: day(a.grant.expiresAt),
          groups: a.groups.map((g) => ({ label: g.label, items: g.items.map((i) => ({ scope: i.scope, text: i.text })) })),
          revokeAction: `${ACCOUNT_APPS_PATH}/${a.grant.id}/revoke`,
        })),
      }),
    );
  }

  @Post(`${ACCOUNT_APPS_PATH.slice(1)}/:grantId/revoke`)
  async revoke(@Param('grantId') grantId: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const who = await this.account.signedIn(req, reply);
    if (!who) return this.redirect(reply, await this.account.signInUrl());
    const body = (req.body ?? {}) as { csrf?: unknown };
    const valid =
      sameOrigin(req.headers as { origin?: string }, this.config.issuer) &&
      formTokenValid(await this.keys.getSecret('csrf-key'), 'account', who.sessionUid, body.csrf);
    if (!valid) return this.page(reply, 403, messagePage(this.config.brand, 'This form has expired', 'Open your connected apps again and retry.'));
    try {
      await this.consent.revoke(who.accountId, grantId, 'user', { type: 'user', id: who.accountId });
    } catch (err) {
      if (!(err instanceof ConsentError)) throw err;
      return this.page(reply, 404, messagePage(this.config.brand, 'App not found', 'This app is not among your connected apps.'));
    }
    return this.redirect(reply, `${ACCOUNT_APPS_PATH}?revoked=1`);
  }

  /** Back from signing in: the session is set; the code is not needed. */
  @Get(ACCOUNT_CALLBACK_PATH.slice(1))
  callback(@Query('error') error: string | undefined, @Res() reply: FastifyReply): void {
    if (error) return this.page(reply, 400, messagePage(this.config.brand, 'Sign-in did not complete', 'Open your connected apps again to retry.'));
    return this.redirect(reply, ACCOUNT_APPS_PATH);
  }

  private redirect(reply: FastifyReply, location: string): void {
    reply.code(303).header('Cache-Control', 'no-store').header('Location', location).send();
  }

  private page(reply: FastifyReply, status: number, html: string): void {
    htmlReply(reply, status, html);
  }
}
