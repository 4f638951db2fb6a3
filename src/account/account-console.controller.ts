import { Controller, Get, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { htmlReply, seeOther } from '../common/interaction.js';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { EventBus, type EventActor } from '../events/index.js';
import { IdentityError, IdentityService } from '../identity/index.js';
import { MfaError, MfaService } from '../mfa/index.js';
import { SessionsService } from '../oidc/index.js';
import {
  accountPasswordPage,
  accountProfilePage,
  accountRecoveryCodesPage,
  accountSecurityPage,
  accountSessionsPage,
  accountTotpPage,
  accountVerifyPage,
  messagePage,
  type AccountShell,
  type SafeHtml,
} from '../ui/index.js';
import { AccountSession, type AccountVisitor } from './account-session.js';

const NOTICES: Record<string, string> = {
  password: 'Your password was changed. Every other device was signed out.',
  totp: 'Your authenticator app was added. Every other device was signed out.',
  passkey: 'Your passkey was added. Every other device was signed out.',
  removed: 'The factor was removed. Every other device was signed out.',
  'signed-out-others': 'Every other device was signed out.',
};

const day = (d: Date | string) => new Date(d).toISOString().slice(0, 10);
const minute = (d: Date | string) => `${new Date(d).toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/**
 * The account console (#20): profile, password, second factors, signed-in devices (connected
 * apps live beside it in AppsController). Gate on every route: the person's own Caduceus
 * session (others are sent to sign in); every POST needs this session's CSRF token; removing a
 * factor or creating recovery codes needs a fresh second factor (step-up), and so does adding
 * one when the person already has one. A change of password or factors ends every other
 * session of the person. Pages are no-store.
 */
@ApiExcludeController()
@Controller('account')
export class AccountConsoleController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly session: AccountSession,
    private readonly identity: IdentityService,
    private readonly mfa: MfaService,
    private readonly sessions: SessionsService,
    private readonly bus: EventBus,
  ) {}

  // ---- Profile --------------------------------------------------------------------------

  @Get()
  async profile(@Query('done') done: string | undefined, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const v = await this.gate(req, reply);
    if (!v) return;
    const name = [v.user.givenName, v.user.familyName].filter(Boolean).join(' ');
    htmlReply(reply, 200, accountProfilePage(this.config.brand, this.shell(v, '/account'), { email: v.user.email, name, roles: v.user.roles, notice: NOTICES[done ?? ''] }));
  }

  // ---- Password -------------------------------------------------------------------------

  @Get('password')
  async passwordForm(@Query('done') done: string | undefined, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const v = await this.gate(req, reply);
    if (!v) return;
    htmlReply(reply, 200, await this.passwordPage(v, undefined, NOTICES[done ?? '']));
  }

  @Post('password')
  async changePassword(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const v = await this.post(req, reply, 'password');
    if (!v) return;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const current = typeof body.currentPassword === 'string' ? body.currentPassword : '';
    const next = typeof body.newPassword === 'string' ? body.newPassword : '';
    const check = await this.identity.checkPassword(v.user.email, current);
    if (!check.ok || check.user.id !== v.user.id) {
      await this.bus.publish('account.password_change.refused', { userId: v.user.id, reason: 'wrong_current_password' }, { actor: this.actor(v) });
      return htmlReply(reply, 400, await this.passwordPage(v, 'Current password: that is not your current password.'));
    }
    try {
      await this.identity.changePassword(v.user.id, next, this.actor(v));
    } catch (err) {
      if (!(err instanceof IdentityError)) throw err;
      await this.bus.publish('account.password_change.refused', { userId: v.user.id, reason: 'weak_password' }, { actor: this.actor(v) });
      return htmlReply(reply, 400, await this.passwordPage(v, err.fields.map((f) => `New password ${f.message}.`).join(' ') || err.message));
    }
    await this.endOtherSessions(v, 'password_changed');
    seeOther(reply, '/account/password?done=password');
  }

  // ---- Second factors -------------------------------------------------------------------

  @Get('security')
  async security(@Query('done') done: string | undefined, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const v = await this.gate(req, reply);
    if (!v) return;
    htmlReply(reply, 200, await this.securityPage(req, v, NOTICES[done ?? '']));
  }

  @Post('security/totp')
  async startTotp(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const v = await this.post(req, reply, 'add_totp');
    if (!v || !(await this.requireStepUpWhenEnrolled(req, reply, v, 'add_totp'))) return;
    const enrolment = await this.mfa.startTotpEnrolment(v.user.id, v.user.email);
    htmlReply(reply, 200, accountTotpPage(this.config.brand, this.shell(v, '/account/security'), { ...enrolment, issuer: this.config.brand.name, account: v.user.email }));
  }

  @Post('security/totp/confirm')
  async confirmTotp(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const v = await this.post(req, reply, 'add_totp');
    if (!v) return;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const factorId = typeof body.factorId === 'string' ? body.factorId : '';
    const code = typeof body.code === 'string' ? body.code : '';
    const first = !(await this.mfa.hasFactor(v.user.id));
    try {
      const result = await this.mfa.confirmTotpEnrolment(v.user.id, factorId, code);
      if (!result.ok) {
        const pending = await this.mfa.pendingTotpEnrolment(v.user.id, factorId, v.user.email);
        return htmlReply(
          reply,
          400,
          accountTotpPage(this.config.brand, this.shell(v, '/account/security'), {
            ...pending,
            issuer: this.config.brand.name,
            account: v.user.email,
            error: 'Authentication code: that code is not right. Enter the newest code your app shows.',
          }),
        );
      }
    } catch (err) {
      if (!(err instanceof MfaError)) throw err;
      return htmlReply(reply, 400, await this.securityPage(req, v, undefined, 'That enrolment is no longer pending. Start again.'));
    }
    await this.endOtherSessions(v, 'factors_changed');
    if (first) {
      const codes = await this.mfa.regenerateRecoveryCodes(v.user.id);
      return htmlReply(reply, 200, accountRecoveryCodesPage(this.config.brand, this.shell(v, '/account/security'), codes));
    }
    seeOther(reply, '/account/security?done=totp');
  }

  @Post('security/passkey/register-options')
  async passkeyOptions(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const v = await this.json(req, reply);
    if (!v) return;
    if ((await this.mfa.hasFactor(v.user.id)) && !(await this.session.steppedUp(req, v))) {
      await this.refused(v, 'add_passkey', 'step_up_required');
      return this.jsonReply(reply, 403, { message: 'verify it is you first', redirect: '/account/verify?next=/account/security' });
    }
    const options = await this.mfa.webauthnRegistrationOptions(v.user.id, v.user.email);
    await this.session.rememberChallenge(reply, v, options.challenge);
    this.jsonReply(reply, 200, options);
  }

  @Post('security/passkey/register')
  async passkeyRegister(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const v = await this.json(req, reply);
    if (!v) return;
    const challenge = await this.session.takeChallenge(req, reply, v);
    if (!challenge) return this.jsonReply(reply, 400, { message: 'the passkey request expired; try again' });
    try {
      await this.mfa.completeWebauthnRegistration(v.user.id, challenge, req.body as RegistrationResponseJSON);
    } catch (err) {
      if (!(err instanceof MfaError)) throw err;
      return this.jsonReply(reply, 400, { message: err.message });
    }
    await this.endOtherSessions(v, 'factors_changed');
    this.jsonReply(reply, 200, { redirect: '/account/security?done=passkey' });
  }

  @Post('security/factors/:factorId/remove')
  async removeFactor(@Param('factorId') factorId: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const v = await this.post(req, reply, 'remove_factor');
    if (!v || !(await this.requireStepUp(req, reply, v, 'remove_factor'))) return;
    if (!(await this.mfa.removeFactor(v.user.id, factorId, this.actor(v)))) {
      return htmlReply(reply, 404, await this.securityPage(req, v, undefined, 'That factor is not one of yours.'));
    }
    await this.endOtherSessions(v, 'factors_changed');
    seeOther(reply, '/account/security?done=removed');
  }

  @Post('security/recovery-codes')
  async recoveryCodes(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const v = await this.post(req, reply, 'recovery_codes');
    if (!v || !(await this.requireStepUp(req, reply, v, 'recovery_codes'))) return;
    const codes = await this.mfa.regenerateRecoveryCodes(v.user.id, this.actor(v));
    await this.endOtherSessions(v, 'factors_changed');
    htmlReply(reply, 200, accountRecoveryCodesPage(this.config.brand, this.shell(v, '/account/security'), codes));
  }

  // ---- Step-up --------------------------------------------------------------------------

  @Get('verify')
  async verifyForm(@Query('next') next: string | undefined, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const v = await this.gate(req, reply);
    if (!v) return;
    htmlReply(reply, 200, await this.verifyPage(v, safeNext(next)));
  }

  @Post('verify')
  async verify(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const v = await this.post(req, reply, 'step_up');
    if (!v) return;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const next = safeNext(typeof body.next === 'string' ? body.next : undefined);
    const recovery = typeof body.recoveryCode === 'string' && body.recoveryCode.trim() !== '';
    const method = recovery ? 'recovery_code' : 'totp';
    const result = recovery ? await this.mfa.useRecoveryCode(v.user.id, String(body.recoveryCode)) : await this.mfa.verifyTotp(v.user.id, typeof body.code === 'string' ? body.code : '');
    if (!result.ok) {
      await this.bus.publish('account.step_up.failed', { userId: v.user.id, method }, { actor: this.actor(v) });
      if (await this.tooManyFailures(v)) return htmlReply(reply, 403, this.lockedOutPage());
      return htmlReply(reply, 400, await this.verifyPage(v, next, recovery ? 'Recovery code: that code is not right or was already used.' : 'Authentication code: that code is not right. Enter the newest code your app shows.'));
    }
    await this.bus.publish('account.step_up.succeeded', { userId: v.user.id, method }, { actor: this.actor(v) });
    await this.session.stepUpSucceeded(v.user.id);
    await this.session.markSteppedUp(reply, v);
    seeOther(reply, next);
  }

  @Post('verify/passkey-options')
  async verifyPasskeyOptions(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const v = await this.json(req, reply);
    if (!v) return;
    const options = await this.mfa.webauthnAuthenticationOptions(v.user.id);
    await this.session.rememberChallenge(reply, v, options.challenge);
    this.jsonReply(reply, 200, options);
  }

  @Post('verify/passkey')
  async verifyPasskey(@Query('next') next: string | undefined, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const v = await this.json(req, reply);
    if (!v) return;
    const challenge = await this.session.takeChallenge(req, reply, v);
    const result = challenge ? await this.mfa.verifyWebauthn(v.user.id, challenge, req.body as AuthenticationResponseJSON) : { ok: false as const };
    if (!result.ok) {
      await this.bus.publish('account.step_up.failed', { userId: v.user.id, method: 'webauthn' }, { actor: this.actor(v) });
      if (await this.tooManyFailures(v)) return this.jsonReply(reply, 403, { message: 'too many attempts; you were signed out', redirect: '/' });
      return this.jsonReply(reply, 400, { message: 'the passkey could not be verified' });
    }
    await this.bus.publish('account.step_up.succeeded', { userId: v.user.id, method: 'webauthn' }, { actor: this.actor(v) });
    await this.session.stepUpSucceeded(v.user.id);
    await this.session.markSteppedUp(reply, v);
    this.jsonReply(reply, 200, { redirect: safeNext(next) });
  }

  // ---- Sessions -------------------------------------------------------------------------

  @Get('sessions')
  async sessionsPage(@Query('done') done: string | undefined, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const v = await this.gate(req, reply);
    if (!v) return;
    const list = await this.sessions.list({ limit: 100, accountId: v.user.id });
    htmlReply(
      reply,
      200,
      accountSessionsPage(this.config.brand, this.shell(v, '/account/sessions'), {
        notice: NOTICES[done ?? ''],
        sessions: list
          .map((s) => ({
            uid: s.uid,
            current: s.uid === v.sessionUid,
            signedInAt: s.loginAt ? minute(s.loginAt) : 'at an unknown time',
            methods: methods(s.amr),
            apps: s.clientIds.filter((c) => c !== 'caduceus-account'),
          }))
          .sort((a, b) => Number(b.current) - Number(a.current)),
      }),
    );
  }

  @Post('sessions/sign-out-others')
  async signOutOthers(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const v = await this.post(req, reply, 'sign_out_others');
    if (!v) return;
    await this.endOtherSessions(v, 'requested');
    seeOther(reply, '/account/sessions?done=signed-out-others');
  }

  @Post('sign-out')
  async signOut(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const v = await this.post(req, reply, 'sign_out');
    if (!v) return;
    await this.sessions.revoke(v.sessionUid, { actor: this.actor(v) }, v.user.id);
    seeOther(reply, '/');
  }

  // ---- Shared ---------------------------------------------------------------------------

  /** The signed-in visitor, or a 303 to sign in (the answer is sent). */
  private async gate(req: FastifyRequest, reply: FastifyReply): Promise<AccountVisitor | null> {
    const v = await this.session.visitor(req, reply);
    if (!v) seeOther(reply, await this.session.signInUrl());
    return v;
  }

  /** A form POST: signed in and a valid CSRF token, else refused (and audited) with nothing changed. */
  private async post(req: FastifyRequest, reply: FastifyReply, change: string): Promise<AccountVisitor | null> {
    const v = await this.gate(req, reply);
    if (!v) return null;
    if (await this.session.csrfValid(req, v)) return v;
    await this.refused(v, change, 'csrf');
    htmlReply(reply, 403, messagePage(this.config.brand, 'This form has expired', 'Nothing was changed. Open your account page again and retry.', undefined, { startAgainUrl: '/account' }));
    return null;
  }

  /** The passkey script's JSON calls: signed in (else 401) and the CSRF header. */
  private async json(req: FastifyRequest, reply: FastifyReply): Promise<AccountVisitor | null> {
    const v = await this.session.visitor(req, reply);
    if (!v) {
      this.jsonReply(reply, 401, { message: 'sign in again' });
      return null;
    }
    if (await this.session.csrfValid(req, v)) return v;
    await this.refused(v, 'passkey', 'csrf');
    this.jsonReply(reply, 403, { message: 'this page has expired; reload it' });
    return null;
  }

  private async requireStepUp(req: FastifyRequest, reply: FastifyReply, v: AccountVisitor, change: string): Promise<boolean> {
    if (await this.session.steppedUp(req, v)) return true;
    await this.refused(v, change, 'step_up_required');
    if (!(await this.mfa.hasFactor(v.user.id))) {
      htmlReply(reply, 400, await this.securityPage(req, v, undefined, 'Add a second factor first.'));
      return false;
    }
    seeOther(reply, '/account/verify?next=/account/security');
    return false;
  }

  private async requireStepUpWhenEnrolled(req: FastifyRequest, reply: FastifyReply, v: AccountVisitor, change: string): Promise<boolean> {
    if (!(await this.mfa.hasFactor(v.user.id))) return true;
    return this.requireStepUp(req, reply, v, change);
  }

  /** MFA_MAX_ATTEMPTS wrong step-ups: every session of the person ends, this one included. */
  private async tooManyFailures(v: AccountVisitor): Promise<boolean> {
    if (!(await this.session.stepUpFailed(v.user.id))) return false;
    const ended = await this.sessions.revokeAllOfUser(v.user.id, { actor: this.actor(v) });
    await this.bus.publish('account.sessions.ended', { userId: v.user.id, ended, reason: 'step_up_failures' }, { actor: this.actor(v) });
    return true;
  }

  private lockedOutPage(): SafeHtml {
    return messagePage(
      this.config.brand,
      'Too many wrong codes',
      'For your safety you were signed out on every device. Sign in again to continue; if you did not try these codes, change your password.',
      undefined,
      { startAgainUrl: '/account' },
    );
  }

  private async refused(v: AccountVisitor, change: string, reason: 'step_up_required' | 'csrf'): Promise<void> {
    await this.bus.publish('account.change.refused', { userId: v.user.id, change, reason }, { actor: this.actor(v) });
  }

  /** Ends every session of the person but this one (their tokens from those sessions go too). */
  private async endOtherSessions(v: AccountVisitor, reason: 'requested' | 'password_changed' | 'factors_changed'): Promise<void> {
    let ended = 0;
    for (const s of await this.sessions.list({ limit: 1000, accountId: v.user.id })) {
      if (s.uid !== v.sessionUid && (await this.sessions.revoke(s.uid, { actor: this.actor(v) }, v.user.id))) ended += 1;
    }
    await this.bus.publish('account.sessions.ended', { userId: v.user.id, ended, reason }, { actor: this.actor(v) });
  }

  private actor(v: AccountVisitor): EventActor {
    return { type: 'user', id: v.user.id };
  }

  private shell(v: AccountVisitor, current: string): AccountShell {
    return { current, who: v.user.email, csrf: v.csrf };
  }

  private async passwordPage(v: AccountVisitor, error?: string, notice?: string): Promise<SafeHtml> {
    const { minLength } = await this.identity.passwordLength();
    return accountPasswordPage(this.config.brand, this.shell(v, '/account/password'), { minLength, email: v.user.email, error, notice });
  }

  private async securityPage(req: FastifyRequest, v: AccountVisitor, notice?: string, error?: string): Promise<SafeHtml> {
    const factors = await this.mfa.confirmedFactors(v.user.id);
    return accountSecurityPage(this.config.brand, this.shell(v, '/account/security'), {
      factors: factors.map((f) => ({ id: f.id, type: f.type, label: f.label, createdOn: day(f.createdAt), lastUsedOn: f.lastUsedAt ? day(f.lastUsedAt) : undefined })),
      recoveryCodesLeft: await this.mfa.recoveryCodesLeft(v.user.id),
      steppedUp: await this.session.steppedUp(req, v),
      notice,
      error,
    });
  }

  private async verifyPage(v: AccountVisitor, next: string, error?: string): Promise<SafeHtml> {
    const factors = await this.mfa.confirmedFactors(v.user.id);
    return accountVerifyPage(this.config.brand, this.shell(v, '/account/security'), {
      next,
      hasTotp: factors.some((f) => f.type === 'totp'),
      hasPasskey: factors.some((f) => f.type === 'webauthn'),
      error,
    });
  }

  private jsonReply(reply: FastifyReply, status: number, body: unknown): void {
    void reply.code(status).header('Cache-Control', 'no-store').type('application/json').send(body);
  }
}

/** Only a path of the account console: never another origin, never `//`. */
function safeNext(next: string | undefined): string {
  return next && /^\/account(\/[A-Za-z0-9/_-]*)?$/.test(next) ? next : '/account/security';
}

function methods(amr: string[]): string {
  const words: Record<string, string> = { pwd: 'password', otp: 'authentication code', hwk: 'passkey', swk: 'passkey', fed: 'organisation sign-in', mfa: '' };
  const named = [...new Set(amr.map((m) => words[m] ?? m).filter(Boolean))];
  return named.length ? named.join(' and ') : 'an unknown method';
}
