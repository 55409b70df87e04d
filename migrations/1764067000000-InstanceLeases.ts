import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Subscription slots belong to instances that hold a lease
 * (src/modules/auth/subscription-slots.ts): `api_instance` has one row per
 * running API instance, renewed every few seconds; a slot counts only while
 * its instance's lease runs and the instance has synced its slots since
 * PostgreSQL last started.
 *
 * `subscription_slot` becomes a logged table: UNLOGGED tables are emptied by
 * crash recovery, which forgot the slots of live subscriptions. `heartbeat_at`
 * stays (with its default) so instances of the previous release keep working
 * during a rolling deploy; the new code neither reads nor writes it, and
 * deletes slots whose instance holds no lease — the previous release's
 * among them — so for the length of a deploy the cap may admit more, never fewer.
 */
export class InstanceLeases1764067000000 implements MigrationInterface {
  name = 'InstanceLeases1764067000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE api_instance (
        id uuid PRIMARY KEY,
        lease_expires_at timestamptz NOT NULL,
        synced_at timestamptz NOT NULL,
        started_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`ALTER TABLE subscription_slot SET LOGGED`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE subscription_slot SET UNLOGGED`);
    await q.query(`DROP TABLE IF EXISTS api_instance`);
  }
}
