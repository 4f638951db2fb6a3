import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { DATABASE, managerFor, type OpenedDatabase } from '../database/index.js';
import { EventBus, SYSTEM_ACTOR } from '../events/index.js';
import { IdentityError, IdentityErrorCode, IdentityService } from '../identity/index.js';
import { MfaService, type TotpEnrolment } from '../mfa/index.js';

/** A setup link is for the person at the console now, not for tomorrow. */
export const SETUP_LINK_TTL_SECONDS = 3600;
export const SETUP_PATH = '/setup';
const FIRST_ADMIN_ROLE = 'super-admin';

/** Where a live link stands: nobody has used it yet, or the first admin exists and is enrolling a factor. */
export type SetupState = { step: 'account' } | { step: 'factor'; userId: string; email: string };

export class SetupRefused extends Error {
  constructor(
    readonly reason: 'weak_password' | 'invalid_email' | 'invalid_link',
    message: string,
  ) {
    super(message);
  }
}

interface SetupRow {
  token_hash: string;
  claimed_by: string | null;
}

/**
 * First run (#20): when the database holds no super-admin (and no bootstrap admin client is
 * configured), start-up issues one setup link. Rules: the token is 256 random bits, stored
 * only as its SHA-256; it lives SETUP_LINK_TTL_SECONDS and works for one person (claiming it
 * creates the super-admin, enrolling a second factor spends it); a new link voids the old; once
 * a super-admin exists no link is issued and an unclaimed link is dead.
 */
@Injectable()
export class SetupService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(DATABASE) private readonly db: OpenedDatabase,
    private readonly identity: IdentityService,
    private readonly mfa: MfaService,
    private readonly bus: EventBus,
  ) {}

  /** A live super-admin, directly or through a group, or a configured bootstrap admin client. */
  async administratorExists(): Promise<boolean> {
    if (this.config.bootstrapAdminClient) return true;
    const rows: Array<{ exists: boolean }> = await this.db.dataSource.query(
      `SELECT EXISTS (SELECT 1 FROM users WHERE $1 = ANY (roles) AND status <> 'disabled')
           OR EXISTS (SELECT 1 FROM group_members m JOIN groups g ON g.id = m.group_id JOIN users u ON u.id = m.user_id
                      WHERE $1 = ANY (g.roles) AND u.status <> 'disabled') AS exists`,
      [FIRST_ADMIN_ROLE],
    );
    return rows[0]?.exists === true;
  }

  /**
   * Called once at start-up: the link to print, or null when an administrator exists (then any
   * link left from an earlier run is removed). The token is returned here and nowhere else.
   */
  async issueLinkIfNeeded(now = new Date()): Promise<{ url: string; expiresAt: Date } | null> {
    if (await this.administratorExists()) {
      await this.db.dataSource.query(`DELETE FROM first_run_setup`);
      return null;
    }
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(now.getTime() + SETUP_LINK_TTL_SECONDS * 1000);
    await this.db.dataSource.query(
      `INSERT INTO first_run_setup (id, token_hash, created_at, expires_at) VALUES (1, $1, $2, $3)
       ON CONFLICT (id) DO UPDATE SET token_hash = EXCLUDED.token_hash, created_at = EXCLUDED.created_at,
         expires_at = EXCLUDED.expires_at, claimed_by = NULL, completed_at = NULL`,
      [hashToken(token), now, expiresAt],
    );
    await this.bus.publish('setup.link_issued', { expiresAt: expiresAt.toISOString() }, { actor: SYSTEM_ACTOR });
    return { url: new URL(`${SETUP_PATH}/${token}`, this.config.issuer).href, expiresAt };
  }

  /** Where this token's setup stands, or null (unknown, expired, spent, or an administrator exists). */
  async state(token: string): Promise<SetupState | null> {
    const row = await this.live(token);
    if (!row) return null;
    if (!row.claimed_by) return (await this.administratorExists()) ? null : { step: 'account' };
    const user = await this.identity.findById(row.claimed_by);
    return user ? { step: 'factor', userId: user.id, email: user.email } : null;
  }

  /**
   * Creates the first super-admin with this password (the password policy in force applies) and
   * claims the link for them, in one transaction: two browsers racing with one link make one admin.
   */
  async createAdministrator(token: string, input: { email: string; password: string; givenName?: string; familyName?: string }): Promise<TotpEnrolment> {
    let userId: string;
    try {
      const user = await this.identity.createUser(
        { email: input.email, password: input.password, givenName: input.givenName, familyName: input.familyName, roles: [FIRST_ADMIN_ROLE], emailVerified: true },
        SYSTEM_ACTOR,
        async (created, tx) => {
          const claimed: unknown[] = await managerFor(this.db, tx).query(
            `UPDATE first_run_setup SET claimed_by = $2 WHERE token_hash = $1 AND claimed_by IS NULL AND completed_at IS NULL AND expires_at > now() RETURNING 1`,
            [hashToken(token), created.id],
          );
          const rows = Array.isArray(claimed[0]) ? (claimed[0] as unknown[]) : claimed;
          if (rows.length !== 1) throw new SetupRefused('invalid_link', 'this setup link is no longer valid');
        },
      );
      userId = user.id;
    } catch (err) {
      if (err instanceof IdentityError && err.code === IdentityErrorCode.WEAK_PASSWORD) throw new SetupRefused('weak_password', err.fields.map((f) => `Password ${f.message}.`).join(' '));
      if (err instanceof IdentityError) {
        const fields = err.fields.map((f) => (f.field === 'email' ? `Email ${f.message}.` : `${f.field} ${f.message}.`)).join(' ');
        throw new SetupRefused('invalid_email', fields || `Email: ${err.message}.`);
      }
      throw err;
    }
    return this.mfa.startTotpEnrolment(userId, input.email.trim());
  }

  async pendingEnrolment(state: Extract<SetupState, { step: 'factor' }>, factorId: string | undefined): Promise<TotpEnrolment> {
    if (factorId) {
      try {
        return await this.mfa.pendingTotpEnrolment(state.userId, factorId, state.email);
      } catch {
        // A stale or foreign factor id: start a fresh enrolment instead.
      }
    }
    return this.mfa.startTotpEnrolment(state.userId, state.email);
  }

  /** Confirms the first code; on success the link is spent and the recovery codes are returned. */
  async completeEnrolment(token: string, state: Extract<SetupState, { step: 'factor' }>, factorId: string, code: string): Promise<string[] | null> {
    let result;
    try {
      result = await this.mfa.confirmTotpEnrolment(state.userId, factorId, code);
    } catch {
      return null;
    }
    if (!result.ok) return null;
    const spent: unknown[] = await this.db.dataSource.query(
      `UPDATE first_run_setup SET completed_at = now() WHERE token_hash = $1 AND claimed_by = $2 AND completed_at IS NULL RETURNING 1`,
      [hashToken(token), state.userId],
    );
    if ((Array.isArray(spent[0]) ? (spent[0] as unknown[]) : spent).length !== 1) return null;
    await this.bus.publish('setup.completed', { userId: state.userId, email: state.email }, { actor: { type: 'user', id: state.userId } });
    return this.mfa.regenerateRecoveryCodes(state.userId);
  }

  async refused(reason: 'invalid_link' | 'admin_exists' | 'weak_password' | 'invalid_email' | 'wrong_code'): Promise<void> {
    await this.bus.publish('setup.refused', { reason }, {});
  }

  private async live(token: string): Promise<SetupRow | null> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
    const rows: SetupRow[] = await this.db.dataSource.query(
      `SELECT token_hash, claimed_by FROM first_run_setup WHERE completed_at IS NULL AND expires_at > now()`,
    );
    const row = rows[0];
    if (!row) return null;
    const given = Buffer.from(hashToken(token));
    const stored = Buffer.from(row.token_hash);
    return given.length === stored.length && timingSafeEqual(given, stored) ? row : null;
  }
}

function hashToken(token: string): string {
  return createHash('sha256').update(`setup|${token}`).digest('base64url');
}
