import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Wrong second-factor answers per account across sign-ins (NIST SP 800-63B 5.2.2), for
 * mfa/second-factor-lockout.ts. The columns are the ones rate-limiter-flexible's
 * RateLimiterPostgres reads and writes: key (mfa:<user id>), points, expire (epoch ms).
 */
export class MfaAccountLockout1796303700000 implements MigrationInterface {
  name = 'MfaAccountLockout1796303700000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE mfa_account_failures (key varchar(255) PRIMARY KEY, points integer NOT NULL DEFAULT 0, expire bigint)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE mfa_account_failures`);
  }
}
