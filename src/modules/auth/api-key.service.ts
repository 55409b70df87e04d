/**
 * API keys: creation (the secret is returned once), revocation (broadcast with
 * pg_notify so WebSocket servers close the key's connections), listing, and
 * turning an Authorization header into a Viewer.
 *
 * Keys look like `cgk_3f9a1c0d_<43 characters>`: a visible prefix and 256
 * random bits. Only SHA-256(key) is stored. A fast hash is the right tool
 * here (unlike passwords, which need bcrypt/argon2): the secret is 256 bits of
 * randomness, so guessing is hopeless at any hash speed, while a fast,
 * deterministic hash lets every request find its key with one indexed lookup
 * and no per-request key-stretching cost. Whoever reads the table (a backup, a
 * replica) gets hashes that authenticate nothing. Servers do not call `lookup`
 * per request: the auth runtime caches its answers (key-cache.ts).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import type { Page, PageRequest } from '../../shared/pagination';
import { pageFromQuery, type Ordering } from '../../db/keyset';
import { inTransaction } from '../../db/transaction';
import { badInput, DomainError, ErrorCode, notFound } from '../../shared/errors';
import { ApiKey } from './api-key.entity';
import { ApiKeyRole, ApiKeySource } from './auth.enums';
import { ALL_SCOPES, ANONYMOUS_VIEWER, Role, Scope, type Viewer } from './viewer';

/** Channel on which revocations are announced; the payload is the key's id. */
export const REVOCATION_CHANNEL = 'api_key_revoked';
/**
 * Statements of the auth machinery (key lookups on a cache miss, rate-limit
 * leases, their background upkeep, subscription slots) start with this
 * comment, so statement counters in tests can leave them out — or count them.
 */
export const INFRA_SQL_TAG = '/* cg:infra */';

const KEY_PATTERN = /^cgk_([0-9a-f]{8})_([A-Za-z0-9_-]{43})$/;
const MAX_KEY_LENGTH = 256;
export const MAX_RATE_LIMIT_PER_MINUTE = 1_000_000;
export const MAX_SUBSCRIPTIONS_LIMIT = 10_000;

/** A fresh key: 32 random bytes behind an 8-hex-digit visible prefix. */
export function generateApiKey(): { secret: string; prefix: string } {
  const prefix = `cgk_${randomBytes(4).toString('hex')}`;
  return { prefix, secret: `${prefix}_${randomBytes(32).toString('base64url')}` };
}

/** SHA-256 of the whole key, as stored in `api_key.secret_hash`. */
export function hashApiKey(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

/** The prefix shown for a key: its own for generated keys, a hash-derived one for keys chosen by hand (ADMIN_API_KEY). */
export function displayPrefix(secret: string): string {
  const m = KEY_PATTERN.exec(secret);
  return m ? `cgk_${m[1]}` : `env_${hashApiKey(secret).toString('hex').slice(0, 8)}`;
}

export interface NewApiKey {
  label: string;
  role: ApiKeyRole;
  scopes?: readonly Scope[] | null;
  source: ApiKeySource;
  rateLimitPerMinute?: number | null;
  maxSubscriptions?: number | null;
  /** PARTNER keys only, and required for them: the partner the key belongs to (PARTNER_NAME_PATTERN). */
  partner?: string | null;
}

/** A partner's name: lower-case letters, digits and dashes, 2–64 characters, starting with a letter (e.g. `acme-travel`). */
export const PARTNER_NAME_PATTERN = /^[a-z][a-z0-9-]{1,63}$/;
export const PARTNER_NAME_RULE = 'lower-case letters, digits and dashes, 2–64 characters, starting with a letter (e.g. "acme-travel")';

/** The partner the demo PARTNER key belongs to; the demo data (db/seed/sharing.ts) shares some customers with it. */
export const DEMO_PARTNER = 'demo-partner';

const BY_CREATION: Ordering = { name: 'CREATED', keys: ['x.created_at', 'x.id'], types: ['timestamptz', 'bigint'], direction: 'DESC' };

interface AuthRow {
  id: string;
  prefix: string;
  role: ApiKeyRole;
  scopes: Scope[];
  rate_limit_per_minute: number | null;
  max_subscriptions: number | null;
  partner: string | null;
  revoked: boolean;
}

/** What the database says about a key: its Viewer, or why it is refused (the UNAUTHENTICATED message). */
export type KeyLookup = { viewer: Viewer } | { refused: string };

const UNKNOWN_KEY = 'This API key is not valid.';

/**
 * The rows of an `UPDATE … RETURNING` sent through TypeORM, which answers
 * UPDATE and DELETE with `[rows, rowCount]` instead of the rows alone.
 */
function returnedRows<T>(result: T[] | [T[], number]): T[] {
  return result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number' ? (result[0] as T[]) : (result as T[]);
}

function unauthenticated(message: string): DomainError {
  return new DomainError(ErrorCode.UNAUTHENTICATED, message);
}

/** Reads the key out of `Bearer <key>`; null when there is no header at all. */
export function bearerToken(authorization: string | undefined | null): string | null {
  if (authorization === undefined || authorization === null || authorization.trim() === '') return null;
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization);
  if (!m) throw unauthenticated('Send the API key as `Authorization: Bearer <key>`.');
  return m[1];
}

/**
 * The API key in an Authorization header value: null when there is none
 * (anonymous); throws UNAUTHENTICATED for a malformed header or a key too long
 * to be one (refused before it is hashed or looked up).
 */
export function apiKeyFrom(authorization: string | undefined | null): string | null {
  const token = bearerToken(authorization);
  if (token !== null && token.length > MAX_KEY_LENGTH) throw unauthenticated(UNKNOWN_KEY);
  return token;
}

export class ApiKeyService {
  private readonly revokedHere = new Set<(apiKeyId: string) => void>();

  constructor(private readonly ds: DataSource) {}

  /**
   * The Viewer for an Authorization header value, straight from the database
   * (no cache: servers use the auth runtime's `authenticate`). No header →
   * anonymous; a malformed header, an unknown key or a revoked key →
   * UNAUTHENTICATED.
   */
  async authenticate(authorization: string | undefined | null): Promise<Viewer> {
    const token = apiKeyFrom(authorization);
    if (token === null) return ANONYMOUS_VIEWER;
    const found = await this.lookup(hashApiKey(token));
    if ('refused' in found) throw unauthenticated(found.refused);
    return found.viewer;
  }

  /**
   * Reads the key whose SHA-256 is `hash`: its Viewer, or the refusal for an
   * unknown or revoked key. One SQL statement, which also sets `last_used_at`
   * when it is more than a minute old — so a key's first use shows at once;
   * later uses are recorded in memory and written by `recordUses`.
   */
  async lookup(hash: Buffer): Promise<KeyLookup> {
    const rows: AuthRow[] = await this.ds.query(
      `${INFRA_SQL_TAG} WITH k AS (
         SELECT id, prefix, role, scopes, rate_limit_per_minute, max_subscriptions, partner, revoked_at FROM api_key WHERE secret_hash = $1
       ), touched AS (
         UPDATE api_key SET last_used_at = now()
          WHERE id = (SELECT id FROM k) AND revoked_at IS NULL
            AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')
         RETURNING id
       )
       SELECT id::text AS id, prefix, role, scopes, rate_limit_per_minute, max_subscriptions, partner, revoked_at IS NOT NULL AS revoked FROM k`,
      [hash],
    );
    const row = rows[0];
    if (!row) return { refused: UNKNOWN_KEY };
    if (row.revoked) return { refused: `API key ${row.prefix} has been revoked.` };
    return {
      viewer: {
        role: Role[row.role],
        scopes: row.scopes,
        apiKeyId: row.id,
        keyPrefix: row.prefix,
        rateLimitPerMinute: row.rate_limit_per_minute,
        maxSubscriptions: row.max_subscriptions,
        partner: row.partner,
      },
    };
  }

  /**
   * Writes recorded key uses (key id → time of the latest use, ms since the
   * epoch) in one UPDATE; a time never moves `last_used_at` backwards. Keys
   * are sorted so two instances writing at once lock rows in the same order.
   */
  async recordUses(uses: ReadonlyMap<string, number>): Promise<void> {
    if (!uses.size) return;
    const sorted = [...uses].sort(([a], [b]) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0));
    await this.ds.query(
      `${INFRA_SQL_TAG} UPDATE api_key AS k SET last_used_at = u.at
         FROM unnest($1::bigint[], $2::timestamptz[]) AS u(id, at)
        WHERE k.id = u.id AND (k.last_used_at IS NULL OR k.last_used_at < u.at)`,
      [sorted.map(([id]) => id), sorted.map(([, at]) => new Date(at).toISOString())],
    );
  }

  /**
   * Calls `listener` with the id of every key this process revokes, right
   * after the revocation commits, and waits for what it returns before the
   * mutation answers: this instance's own cache forgets the key at once, and
   * the runtime waits until the revocation feed has carried the notice (see
   * RevocationFeed.heard), so the next request anywhere is refused. Returns an
   * unsubscribe function.
   */
  onRevokedHere(listener: (apiKeyId: string) => void | Promise<unknown>): () => void {
    this.revokedHere.add(listener);
    return () => this.revokedHere.delete(listener);
  }

  private async announceRevoked(ids: readonly string[]): Promise<void> {
    await Promise.all(ids.flatMap((id) => [...this.revokedHere].map((l) => l(id))));
  }

  /** Creates a key; the returned `secret` exists nowhere else afterwards. BAD_USER_INPUT names `input.<field>`. */
  async create(input: NewApiKey, em: EntityManager = this.ds.manager): Promise<{ apiKey: ApiKey; secret: string }> {
    const { secret, prefix } = generateApiKey();
    return { apiKey: await this.insert(em, input, secret, prefix), secret };
  }

  private async insert(em: EntityManager, input: NewApiKey, secret: string, prefix: string): Promise<ApiKey> {
    const label = input.label?.trim() ?? '';
    if (label.length < 1 || label.length > 200) throw badInput('input.label', 'label must be 1–200 characters.');
    if (!Object.values(ApiKeyRole).includes(input.role))
      throw badInput('input.role', `role must be one of ${Object.values(ApiKeyRole).join(', ')}.`);
    const scopes = [...new Set(input.scopes ?? [])];
    const unknown = scopes.filter((s) => !ALL_SCOPES.includes(s));
    if (unknown.length) throw badInput('input.scopes', `Unknown scope ${unknown.join(', ')}; known scopes: ${ALL_SCOPES.join(', ')}.`);
    if (input.role === ApiKeyRole.PARTNER && scopes.includes(Scope.PII_READ)) {
      throw badInput('input.scopes', 'A PARTNER key cannot read personal data; choose another role or drop the pii:read scope.');
    }
    if (input.role === ApiKeyRole.PARTNER && scopes.includes(Scope.CUSTOMERS_MERGE)) {
      throw badInput('input.scopes', 'A PARTNER key cannot merge customers; choose another role or drop the customers:merge scope.');
    }
    if (input.role === ApiKeyRole.PARTNER && scopes.includes(Scope.PRIVACY_MANAGE)) {
      throw badInput('input.scopes', 'A PARTNER key cannot manage data protection; choose another role or drop the privacy:manage scope.');
    }
    const partner = input.partner?.trim() || null;
    if (input.role === ApiKeyRole.PARTNER && partner === null)
      throw badInput('input.partner', 'A PARTNER key needs `partner`: the partner it belongs to, e.g. "acme-travel".');
    if (input.role !== ApiKeyRole.PARTNER && partner !== null) throw badInput('input.partner', 'Only PARTNER keys belong to a partner.');
    if (partner !== null && !PARTNER_NAME_PATTERN.test(partner)) throw badInput('input.partner', `partner must be ${PARTNER_NAME_RULE}.`);
    const rate = input.rateLimitPerMinute ?? null;
    if (rate !== null && (!Number.isInteger(rate) || rate < 1 || rate > MAX_RATE_LIMIT_PER_MINUTE)) {
      throw badInput('input.rateLimitPerMinute', `rateLimitPerMinute must be a whole number from 1 to ${MAX_RATE_LIMIT_PER_MINUTE}.`);
    }
    const subs = input.maxSubscriptions ?? null;
    if (subs !== null && (!Number.isInteger(subs) || subs < 0 || subs > MAX_SUBSCRIPTIONS_LIMIT)) {
      throw badInput('input.maxSubscriptions', `maxSubscriptions must be a whole number from 0 to ${MAX_SUBSCRIPTIONS_LIMIT}.`);
    }
    const repo = em.getRepository(ApiKey);
    const saved = await repo.save(
      repo.create({
        prefix,
        secretHash: hashApiKey(secret),
        label,
        role: input.role,
        scopes,
        source: input.source,
        rateLimitPerMinute: rate,
        maxSubscriptions: subs,
        partner,
      }),
    );
    return await repo.findOneByOrFail({ id: saved.id });
  }

  /**
   * Revokes a key at once (idempotent: revoking twice keeps the first time)
   * and announces it on REVOCATION_CHANNEL in the same transaction, so
   * WebSocket servers close its connections when the revocation commits.
   */
  async revoke(id: string): Promise<ApiKey> {
    const key = await inTransaction(this.ds, async (em) => {
      const rows = returnedRows<{ id: string }>(
        await em.query(`UPDATE api_key SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 RETURNING id::text AS id`, [id]),
      );
      if (!rows.length) throw notFound('API key', id, 'input.id');
      await em.query(`DELETE FROM subscription_slot WHERE api_key_id = $1`, [id]);
      await em.query(`SELECT pg_notify($1, $2)`, [REVOCATION_CHANNEL, id]);
      return em.getRepository(ApiKey).findOneByOrFail({ id });
    });
    await this.announceRevoked([id]);
    return key;
  }

  /** Keys, newest first; revoked ones only when asked. */
  async list(includeRevoked: boolean, page: PageRequest): Promise<Page<ApiKey>> {
    const qb = this.ds.getRepository(ApiKey).createQueryBuilder('x');
    if (!includeRevoked) qb.where('x.revoked_at IS NULL');
    return pageFromQuery(qb, BY_CREATION, page);
  }

  /** True when no key was ever created (the database is fresh). */
  async none(): Promise<boolean> {
    const rows: unknown[] = await this.ds.query(`SELECT 1 FROM api_key LIMIT 1`);
    return rows.length === 0;
  }

  /**
   * Makes `secret` (ADMIN_API_KEY) a working ADMIN key. A new value replaces
   * (revokes) the key the previous value created. A value that was revoked
   * stays revoked — an operator who revoked a leaked key must choose a new
   * one — and the result says so. Safe when several instances start at once.
   */
  async ensureEnvAdminKey(secret: string): Promise<{ status: 'created' | 'exists' | 'revoked'; prefix: string }> {
    const hash = hashApiKey(secret);
    const prefix = displayPrefix(secret);
    let replacedIds: string[] = [];
    const result = await inTransaction(this.ds, async (em): Promise<{ status: 'created' | 'exists' | 'revoked'; prefix: string }> => {
      await em.query(`SELECT pg_advisory_xact_lock(hashtext('cg:api_key:env'))`);
      const existing: { id: string; revoked: boolean; prefix: string }[] = await em.query(
        `SELECT id::text AS id, revoked_at IS NOT NULL AS revoked, prefix FROM api_key WHERE secret_hash = $1`,
        [hash],
      );
      if (existing[0]) return { status: existing[0].revoked ? 'revoked' : 'exists', prefix: existing[0].prefix };
      // The ids are the notices' payload: other instances' key caches drop the replaced key by id.
      const replaced = returnedRows<{ id: string }>(
        await em.query(`UPDATE api_key SET revoked_at = now() WHERE source = 'env' AND revoked_at IS NULL RETURNING id::text AS id`),
      );
      for (const r of replaced) await em.query(`SELECT pg_notify($1, $2)`, [REVOCATION_CHANNEL, r.id]);
      await this.insert(em, { label: 'ADMIN_API_KEY (environment)', role: ApiKeyRole.ADMIN, source: ApiKeySource.ENV }, secret, prefix);
      replacedIds = replaced.map((r) => r.id);
      return { status: 'created', prefix };
    });
    await this.announceRevoked(replacedIds);
    return result;
  }

  /** One demo key per role, for a fresh database; the secrets are returned once. */
  async createDemoKeys(): Promise<{ role: ApiKeyRole; scopes: Scope[]; secret: string; prefix: string; partner: string | null }[]> {
    const plan: { role: ApiKeyRole; scopes: Scope[]; label: string; partner?: string }[] = [
      { role: ApiKeyRole.ADMIN, scopes: [], label: 'Demo admin' },
      { role: ApiKeyRole.ANALYST, scopes: [Scope.PII_READ], label: 'Demo analyst (reads personal data)' },
      { role: ApiKeyRole.SERVICE, scopes: [Scope.PII_READ], label: 'Demo service integration' },
      { role: ApiKeyRole.PARTNER, scopes: [], label: 'Demo partner (no personal data)', partner: DEMO_PARTNER },
    ];
    return inTransaction(this.ds, async (em) => {
      const out = [];
      for (const p of plan) {
        const { apiKey, secret } = await this.create({ ...p, source: ApiKeySource.DEMO }, em);
        out.push({ role: p.role, scopes: p.scopes, secret, prefix: apiKey.prefix, partner: apiKey.partner });
      }
      return out;
    });
  }
}
