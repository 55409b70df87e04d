/**
 * `npm run keys -- <command>`: manage API keys against DATABASE_URL or the
 * embedded database (the same one `npm start` uses).
 *
 *   create --role <admin|analyst|service|partner> [--partner NAME] [--label TEXT] [--scope pii:read|customers:merge|privacy:manage]
 *          [--rate-limit N] [--max-subscriptions N]   prints the new key once
 *   list [--all]                                      keys (revoked ones with --all)
 *   revoke <prefix>                                   e.g. revoke cgk_3f9a1c0d
 *   generate                                          a random value for ADMIN_API_KEY (no database)
 */
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import type { DataSource } from 'typeorm';
import { runCli, withDatabase } from './run';
import { ApiKeyService, generateApiKey } from '../modules/auth/api-key.service';
import { ApiKeyRole, ApiKeySource } from '../modules/auth/auth.enums';
import { Scope } from '../modules/auth/viewer';
import { ApiKey } from '../modules/auth/api-key.entity';

const USAGE = `Usage: npm run keys -- <command>
  create --role <admin|analyst|service|partner> [--partner NAME] [--label TEXT] [--scope pii:read|customers:merge|privacy:manage] [--rate-limit N] [--max-subscriptions N]
  list [--all]
  revoke <prefix>        (the key's visible prefix, e.g. cgk_3f9a1c0d)
  generate               print a random key to use as ADMIN_API_KEY (touches no database)`;

function fail(message: string): never {
  console.error(`${message}\n\n${USAGE}`);
  process.exit(2);
}

function wholeNumber(raw: string | undefined, name: string): number | null {
  if (raw === undefined) return null;
  const n = Number(raw);
  if (!Number.isInteger(n)) fail(`--${name} must be a whole number, got "${raw}"`);
  return n;
}

/** Runs `work` with the key service on the migrated database; logs only warnings, so the output stays the keys. */
function withKeys<T>(work: (keys: ApiKeyService, ds: DataSource) => Promise<T>): Promise<T> {
  return withDatabase(
    { applicationName: 'customer-graph-keys', poolSize: 2, logLevel: (level) => (level === 'info' ? 'warn' : level) },
    ({ ds }) => work(new ApiKeyService(ds), ds),
  );
}

function describe(k: ApiKey): string {
  const state = k.revokedAt
    ? `revoked ${k.revokedAt.toISOString()}`
    : k.lastUsedAt
      ? `last used ${k.lastUsedAt.toISOString()}`
      : 'never used';
  const scopes = k.scopes.length ? ` [${k.scopes.join(', ')}]` : '';
  const partner = k.partner ? ` (partner ${k.partner})` : '';
  return `${k.prefix.padEnd(14)} ${k.role.padEnd(8)} ${state.padEnd(36)} ${k.label}${partner}${scopes}`;
}

async function run(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      role: { type: 'string' },
      partner: { type: 'string' },
      label: { type: 'string' },
      scope: { type: 'string', multiple: true },
      'rate-limit': { type: 'string' },
      'max-subscriptions': { type: 'string' },
      all: { type: 'boolean' },
    },
  });

  switch (command) {
    case 'generate': {
      console.log(generateApiKey().secret);
      return;
    }
    case 'create': {
      const role = values.role?.toUpperCase() as ApiKeyRole | undefined;
      if (!role || !Object.values(ApiKeyRole).includes(role)) fail('create needs --role admin, analyst, service or partner');
      const scopes = (values.scope ?? []) as Scope[];
      const { apiKey, secret } = await withKeys((keys) =>
        keys.create({
          label: values.label ?? `${role.toLowerCase()} key created ${new Date().toISOString().slice(0, 10)}`,
          role,
          scopes,
          source: ApiKeySource.CLI,
          partner: values.partner ?? null,
          rateLimitPerMinute: wholeNumber(values['rate-limit'], 'rate-limit'),
          maxSubscriptions: wholeNumber(values['max-subscriptions'], 'max-subscriptions'),
        }),
      );
      console.log(describe(apiKey));
      console.log(
        `\n${secret}\n\nThis is the only time the key is shown; only its SHA-256 hash is stored. Send it as "Authorization: Bearer <key>".`,
      );
      return;
    }
    case 'list': {
      const rows = await withKeys((_keys, ds) => ds.getRepository(ApiKey).find({ order: { createdAt: 'ASC', id: 'ASC' } }));
      const shown = values.all ? rows : rows.filter((k) => !k.revokedAt);
      console.log(shown.length ? shown.map(describe).join('\n') : 'no keys');
      return;
    }
    case 'revoke': {
      const prefix = positionals[0];
      if (!prefix) fail("revoke needs the key's prefix, e.g. revoke cgk_3f9a1c0d");
      const revoked = await withKeys(async (keys, ds) => {
        const matches = await ds.getRepository(ApiKey).findBy({ prefix });
        if (matches.length === 0) fail(`no key has the prefix ${prefix}`);
        if (matches.length > 1) fail(`${matches.length} keys share the prefix ${prefix}; revoke them with the revokeApiKey mutation by id`);
        return keys.revoke(matches[0].id);
      });
      console.log(describe(revoked));
      return;
    }
    default:
      fail(command ? `unknown command "${command}"` : 'no command given');
  }
}

runCli(() => run(process.argv.slice(2)));
