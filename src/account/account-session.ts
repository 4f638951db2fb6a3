import { createHmac, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { formToken, formTokenValid, sameOrigin } from '../common/csrf.js';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { DATABASE, type OpenedDatabase } from '../database/index.js';
import { AccountService } from '../consent/index.js';
import { IdentityService, type User } from '../identity/index.js';
import { KeysService } from '../keys/index.js';

/** How long a fresh second factor lets a person remove factors or create recovery codes. */
export const STEP_UP_SECONDS = 5 * 60;
/** Wrong step-up factors count against MFA_MAX_ATTEMPTS within this window. */
export const STEP_UP_FAILURE_WINDOW_SECONDS = 15 * 60;
const STEP_UP_COOKIE = 'caduceus.account.stepup';
const CHALLENGE_COOKIE = 'caduceus.account.webauthn';
const CSRF_PURPOSE = 'account-console';

export interface AccountVisitor {
  user: User;
  sessionUid: string;
  csrf: string;
}

/**
 * Who is at the account console and what they have proven. Gate: the browser's Caduceus
 * session (signed in through the built-in account app); a disabled or deleted account counts
 * as nobody. Forms carry a CSRF token bound to that session; a fresh second factor (step-up)
 * is an HMAC-signed, session-bound cookie that expires after STEP_UP_SECONDS; a WebAuthn
 * challenge travels the same way between its two requests, so any instance can check it.
 */
@Injectable()
export class AccountSession {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly account: AccountService,
    private readonly identity: IdentityService,
    private readonly keys: KeysService,
    @Inject(DATABASE) private readonly db: OpenedDatabase,
  ) {}

  /**
   * Records a wrong step-up factor; true when the person has now failed MFA_MAX_ATTEMPTS times
   * within STEP_UP_FAILURE_WINDOW_SECONDS (the caller then ends all their sessions).
   */
  async stepUpFailed(userId: string): Promise<boolean> {
    await this.db.dataSource.query(`DELETE FROM account_step_up_failures WHERE user_id = $1 AND failed_at < now() - make_interval(secs => $2)`, [userId, STEP_UP_FAILURE_WINDOW_SECONDS]);
    await this.db.dataSource.query(`INSERT INTO account_step_up_failures (user_id, failed_at) VALUES ($1, now())`, [userId]);
    const rows: Array<{ n: string }> = await this.db.dataSource.query(`SELECT count(*) AS n FROM account_step_up_failures WHERE user_id = $1`, [userId]);
    return Number(rows[0]?.n ?? 0) >= this.config.mfa.maxAttempts;
  }

  async stepUpSucceeded(userId: string): Promise<void> {
    await this.db.dataSource.query(`DELETE FROM account_step_up_failures WHERE user_id = $1`, [userId]);
  }

  async visitor(req: FastifyRequest, reply: FastifyReply): Promise<AccountVisitor | null> {
    const who = await this.account.signedIn(req, reply);
    if (!who) return null;
    const user = await this.identity.findById(who.accountId);
    if (!user || user.status === 'disabled') return null;
    return { user, sessionUid: who.sessionUid, csrf: formToken(await this.key(), CSRF_PURPOSE, who.sessionUid) };
  }

  signInUrl(): Promise<string> {
    return this.account.signInUrl();
  }

  /** The form (or the passkey script's header) carries this session's token, from this origin. */
  async csrfValid(req: FastifyRequest, visitor: AccountVisitor): Promise<boolean> {
    const body = (req.body ?? {}) as { csrf?: unknown };
    const presented = typeof body.csrf === 'string' ? body.csrf : req.headers['x-csrf-token'];
    return (
      sameOrigin(req.headers as { origin?: string; 'sec-fetch-site'?: string }, this.config.issuer) &&
      formTokenValid(await this.key(), CSRF_PURPOSE, visitor.sessionUid, presented)
    );
  }

  async steppedUp(req: FastifyRequest, visitor: AccountVisitor, now = Date.now()): Promise<boolean> {
    const value = cookie(req, STEP_UP_COOKIE);
    if (!value) return false;
    const [exp, mac] = value.split('.');
    if (!exp || !mac || !/^\d+$/.test(exp) || Number(exp) * 1000 <= now) return false;
    return equal(mac, await this.mac(`stepup|${visitor.sessionUid}|${exp}`));
  }

  async markSteppedUp(reply: FastifyReply, visitor: AccountVisitor, now = Date.now()): Promise<void> {
    const exp = Math.floor(now / 1000) + STEP_UP_SECONDS;
    this.setCookie(reply, STEP_UP_COOKIE, `${exp}.${await this.mac(`stepup|${visitor.sessionUid}|${exp}`)}`, STEP_UP_SECONDS);
  }

  async rememberChallenge(reply: FastifyReply, visitor: AccountVisitor, challenge: string, now = Date.now()): Promise<void> {
    const exp = Math.floor(now / 1000) + 300;
    const mac = await this.mac(`webauthn|${visitor.sessionUid}|${exp}|${challenge}`);
    this.setCookie(reply, CHALLENGE_COOKIE, `${exp}.${challenge}.${mac}`, 300);
  }

  /** The challenge of this session's pending ceremony (used once: the cookie is cleared). */
  async takeChallenge(req: FastifyRequest, reply: FastifyReply, visitor: AccountVisitor, now = Date.now()): Promise<string | null> {
    const value = cookie(req, CHALLENGE_COOKIE);
    this.setCookie(reply, CHALLENGE_COOKIE, '', 0);
    if (!value) return null;
    const [exp, challenge, mac] = value.split('.');
    if (!exp || !challenge || !mac || Number(exp) * 1000 <= now) return null;
    return equal(mac, await this.mac(`webauthn|${visitor.sessionUid}|${exp}|${challenge}`)) ? challenge : null;
  }

  private setCookie(reply: FastifyReply, name: string, value: string, maxAge: number): void {
    const secure = this.config.issuer.startsWith('https://') ? '; Secure' : '';
    const line = `${name}=${value}; Path=/account; Max-Age=${maxAge}; HttpOnly; SameSite=Strict${secure}`;
    const existing = reply.getHeader('set-cookie');
    const all = existing === undefined ? [] : Array.isArray(existing) ? existing.map(String) : [String(existing)];
    void reply.header('set-cookie', [...all.filter((c) => !c.startsWith(`${name}=`)), line]);
  }

  private async key(): Promise<Buffer> {
    return this.keys.getSecret('csrf-key');
  }

  private async mac(text: string): Promise<string> {
    return createHmac('sha256', await this.key()).update(`account|${text}`).digest('base64url');
  }
}

function cookie(req: FastifyRequest, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

function equal(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
