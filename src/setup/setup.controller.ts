import { Controller, Get, Inject, Param, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { IdentityService } from '../identity/index.js';
import { notFoundPage, setupAccountPage, setupDonePage, totpEnrolPage, type SafeHtml } from '../ui/index.js';
import { SETUP_PATH, SetupRefused, SetupService, type SetupState } from './setup.service.js';

const ADMIN_CONSOLE_PATH = '/admin/console';

/**
 * The first-run pages behind the link start-up prints (#20). Gate: the link's token itself
 * (no session exists yet, like a password-setup link); anything but a live token, and any
 * token once a super-admin exists, answers the ordinary 404 page. Step 1 creates the
 * super-admin (password policy-checked), step 2 enrols TOTP, then the admin console is linked.
 * Pages are no-store and send no Referer (the token is in the path).
 */
@ApiExcludeController()
@Controller(SETUP_PATH.slice(1))
export class SetupController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly setup: SetupService,
    private readonly identity: IdentityService,
  ) {}

  @Get(':token')
  async show(@Param('token') token: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const state = await this.gate(token, req, reply);
    if (!state) return;
    if (state.step === 'account') return this.page(reply, 200, await this.accountForm(token, {}));
    return this.factorForm(reply, token, state, undefined);
  }

  @Post(':token')
  async createAdministrator(@Param('token') token: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const state = await this.gate(token, req, reply);
    if (!state) return;
    if (state.step === 'factor') return this.factorForm(reply, token, state, undefined);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const form = {
      email: text(body.email),
      password: text(body.password),
      givenName: text(body.givenName).trim() || undefined,
      familyName: text(body.familyName).trim() || undefined,
    };
    if (!form.email.trim()) return this.page(reply, 400, await this.accountForm(token, { ...form, error: 'Email is required.' }));
    try {
      const enrolment = await this.setup.createAdministrator(token, form);
      return this.page(
        reply,
        200,
        totpEnrolPage(this.config.brand, 'Set up two-step verification', {
          action: `${SETUP_PATH}/${token}/totp`,
          factorId: enrolment.factorId,
          secret: enrolment.secret,
          qrSvg: enrolment.qrSvg,
          issuer: this.config.brand.name,
          account: form.email.trim(),
        }),
      );
    } catch (err) {
      if (!(err instanceof SetupRefused)) throw err;
      await this.setup.refused(err.reason);
      if (err.reason === 'invalid_link') return this.notFound(reply);
      // Nothing typed is lost but the password.
      return this.page(reply, 400, await this.accountForm(token, { ...form, error: err.message }));
    }
  }

  @Post(':token/totp')
  async confirmFactor(@Param('token') token: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const state = await this.gate(token, req, reply);
    if (!state) return;
    if (state.step === 'account') return this.page(reply, 200, await this.accountForm(token, {}));
    const body = (req.body ?? {}) as Record<string, unknown>;
    const factorId = text(body.factorId);
    const codes = await this.setup.completeEnrolment(token, state, factorId, text(body.code));
    if (!codes) {
      await this.setup.refused('wrong_code');
      return this.factorForm(reply, token, state, factorId, 'That code is not right. Check the time on your phone and enter the newest code.');
    }
    return this.page(reply, 200, setupDonePage(this.config.brand, codes, ADMIN_CONSOLE_PATH));
  }

  /** A live link's state, or the 404 page (and an audit record of the refused attempt). */
  private async gate(token: string, _req: FastifyRequest, reply: FastifyReply): Promise<SetupState | null> {
    const state = await this.setup.state(token);
    if (state) return state;
    await this.setup.refused((await this.setup.administratorExists()) ? 'admin_exists' : 'invalid_link');
    this.notFound(reply);
    return null;
  }

  private async factorForm(reply: FastifyReply, token: string, state: Extract<SetupState, { step: 'factor' }>, factorId: string | undefined, error?: string) {
    const enrolment = await this.setup.pendingEnrolment(state, factorId);
    return this.page(
      reply,
      error ? 400 : 200,
      totpEnrolPage(this.config.brand, 'Set up two-step verification', {
        action: `${SETUP_PATH}/${token}/totp`,
        factorId: enrolment.factorId,
        secret: enrolment.secret,
        qrSvg: enrolment.qrSvg,
        issuer: this.config.brand.name,
        account: state.email,
        error,
      }),
    );
  }

  private async accountForm(token: string, p: { email?: string; givenName?: string; familyName?: string; error?: string }): Promise<SafeHtml> {
    const { minLength } = await this.identity.passwordLength();
    return setupAccountPage(this.config.brand, { action: `${SETUP_PATH}/${token}`, minLength, ...p });
  }

  private notFound(reply: FastifyReply): void {
    this.page(reply, 404, notFoundPage(this.config.brand, String(reply.request.id)));
  }

  private page(reply: FastifyReply, status: number, html: SafeHtml): void {
    void reply.status(status).header('Cache-Control', 'no-store').header('Referrer-Policy', 'no-referrer').type('text/html; charset=utf-8').send(html.toString());
  }
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}
