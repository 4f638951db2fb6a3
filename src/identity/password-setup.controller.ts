import { Controller, Get, Inject, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { html, layout, supportLine, type SafeHtml } from '../ui/index.js';
import { IdentityError } from './identity.errors.js';
import { PASSWORD_SETUP_PATH, UserManagementService } from './user-management.service.js';

const TOKEN = /^[A-Za-z0-9_-]{43}$/;

/**
 * The page behind an invitation or reset link: a form to choose a password. Rules: the token
 * is the only credential (no session, so no CSRF exposure beyond the link itself); it works
 * once and before it expires; a refused password does not spend it; every invalid, used or
 * expired link gets the same answer; the page is never cached nor sends a Referer.
 */
@ApiExcludeController()
@Controller(PASSWORD_SETUP_PATH.slice(1))
export class PasswordSetupController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly users: UserManagementService,
  ) {}

  @Get()
  async show(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const token = String((req.query as Record<string, unknown>)?.token ?? '');
    if (!TOKEN.test(token) || !(await this.users.isSetupTokenUsable(token))) return this.invalid(reply);
    return this.page(reply, 200, await this.form(token));
  }

  @Post()
  async submit(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const token = typeof body.token === 'string' ? body.token : '';
    const password = typeof body.password === 'string' ? body.password : '';
    if (!TOKEN.test(token)) return this.invalid(reply);
    try {
      if (!(await this.users.completePasswordSetup(token, password))) return this.invalid(reply);
    } catch (err) {
      if (err instanceof IdentityError) return this.page(reply, 400, await this.form(token, err.fields.map((f) => `Password ${f.message}.`).join(' ')));
      throw err;
    }
    return this.page(
      reply,
      200,
      layout(this.config.brand, 'Password set', html`<h1>Password set</h1><p>Your password is set. You can now sign in from your application.</p>`),
    );
  }

  /** The hint and the field's bounds follow the password policy in force. */
  private async form(token: string, error?: string): Promise<SafeHtml> {
    const { minLength } = await this.users.passwordLength();
    const alert = error && html`<p class="error" role="alert">${error}</p>`;
    return layout(
      this.config.brand,
      'Choose a password',
      html`<h1>Choose a password</h1>${alert}
<p class="muted">At least ${minLength} characters; a long phrase is best. This link works once.</p>
<form method="post" action="${PASSWORD_SETUP_PATH}" autocomplete="off">
<input type="hidden" name="token" value="${token}">
<label for="password">New password</label>
<input id="password" name="password" type="password" autocomplete="new-password" required minlength="${minLength}" maxlength="1024" autofocus>
<button type="submit">Set password</button>
</form>`,
    );
  }

  private invalid(reply: FastifyReply): void {
    this.page(
      reply,
      400,
      layout(this.config.brand, 'Link not valid', html`<h1>Link not valid</h1><p>This link is invalid, expired or already used. Ask your administrator for a new one.</p>${supportLine(this.config.brand)}`),
    );
  }

  private page(reply: FastifyReply, status: number, page: SafeHtml): void {
    void reply
      .status(status)
      .header('Cache-Control', 'no-store')
      .header('Referrer-Policy', 'no-referrer')
      .type('text/html; charset=utf-8')
      .send(page.toString());
  }
}
