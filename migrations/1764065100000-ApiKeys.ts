import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * API keys (stored as SHA-256 hashes, never in plain text), the token buckets
 * that rate-limit each key and anonymous address, and the subscription slots
 * that cap open subscriptions per key. The last two live in PostgreSQL so
 * every API instance sees the same counts.
 */
export class ApiKeys1764065100000 implements MigrationInterface {
  name = 'ApiKeys1764065100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE api_key (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        prefix text NOT NULL,
        secret_hash bytea NOT NULL UNIQUE CHECK (octet_length(secret_hash) = 32),
        label text NOT NULL CHECK (length(label) BETWEEN 1 AND 200),
        role text NOT NULL CHECK (role IN ('ADMIN', 'ANALYST', 'SERVICE', 'PARTNER')),
        scopes text[] NOT NULL DEFAULT '{}' CHECK (scopes <@ ARRAY['pii:read']),
        source text NOT NULL CHECK (source IN ('api', 'cli', 'env', 'demo')),
        rate_limit_per_minute integer CHECK (rate_limit_per_minute > 0),
        max_subscriptions integer CHECK (max_subscriptions >= 0),
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        revoked_at timestamptz
      )`);
    // At most one live key comes from ADMIN_API_KEY; start-up replaces it when the variable changes.
    await q.query(`CREATE UNIQUE INDEX api_key_one_live_env_key ON api_key (source) WHERE source = 'env' AND revoked_at IS NULL`);
    await q.query(`CREATE INDEX api_key_created_idx ON api_key (created_at, id)`);

    // UNLOGGED: counters are worth nothing after a crash and need no WAL or replication.
    await q.query(`
      CREATE UNLOGGED TABLE rate_limit_bucket (
        bucket text PRIMARY KEY,
        tokens double precision NOT NULL,
        allowed boolean NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX rate_limit_bucket_updated_idx ON rate_limit_bucket (updated_at)`);
    await q.query(`
      CREATE UNLOGGED TABLE subscription_slot (
        id uuid PRIMARY KEY,
        api_key_id bigint NOT NULL REFERENCES api_key(id) ON DELETE CASCADE,
        instance_id uuid NOT NULL,
        acquired_at timestamptz NOT NULL DEFAULT now(),
        heartbeat_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX subscription_slot_key_idx ON subscription_slot (api_key_id)`);
    await q.query(`CREATE INDEX subscription_slot_instance_idx ON subscription_slot (instance_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['subscription_slot', 'rate_limit_bucket', 'api_key']) {
      await q.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
