import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Rate limits are leased in blocks (src/modules/auth/rate-limit.ts): an
 * instance takes several tokens from a bucket in one statement and needs to
 * know how many it got. `granted` holds what the last draw took, so the
 * statement can return it (RETURNING sees only the new row). The default keeps
 * instances that still take one token per request working during a rolling
 * deploy; `allowed` stays for them too. Adding a column with a constant
 * default rewrites nothing.
 */
export class RateLimitLeases1764065300000 implements MigrationInterface {
  name = 'RateLimitLeases1764065300000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE rate_limit_bucket ADD COLUMN granted integer NOT NULL DEFAULT 0 CHECK (granted >= 0)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE rate_limit_bucket DROP COLUMN granted`);
  }
}
