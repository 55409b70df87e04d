/**
 * `npm run privacy -- <command>`: a person's data-protection requests, run on
 * the server against DATABASE_URL or the embedded database (docs/privacy.md).
 *
 *   export <customer id>                   prints everything held about the customer as JSON
 *   erase <customer id> --reason "..."     erases the customer (one transaction, then VACUUM)
 *
 * The id is the customer's global ID (as the API shows it) or its number.
 * Both are written to the privacy audit log with the actor `cli:<user>`.
 */
import 'reflect-metadata';
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { runCli, withDatabase } from './run';
import { PrivacyService } from '../modules/privacy/privacy.service';
import { personalDataContributions } from '../services';
import { systemClock } from '../shared/clock';
import { toGlobalId } from '../shared/global-id';

const USAGE = `Usage: npm run privacy -- <command>
  export <customer id> [--reason TEXT]   print everything held about the customer as JSON
  erase <customer id> --reason TEXT      erase the customer for good (right to erasure)

<customer id> is the global ID the API shows, or the customer's number.
Connects to DATABASE_URL, or starts the embedded PostgreSQL under DATA_DIR.`;

function fail(message: string): never {
  console.error(`${message}\n\n${USAGE}`);
  process.exit(2);
}

/** The global ID of a customer given either way. */
const customerGlobalId = (raw: string) => (/^\d+$/.test(raw) ? toGlobalId('Customer', raw) : raw);

async function run(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { reason: { type: 'string' }, help: { type: 'boolean', default: false } },
  });
  const [command, id, ...extra] = positionals;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (command !== 'export' && command !== 'erase') fail(command ? `Unknown command "${command}".` : 'Name a command.');
  if (!id || extra.length) fail(`${command} takes one customer id.`);
  if (command === 'erase' && !values.reason?.trim()) fail('erase needs --reason "..." (kept in the audit log).');
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // No user entry (some containers): the audit log says so.
  }
  const actor = { apiKeyId: null, role: null, name: `cli:${user}` };

  // Logs only warnings: the output of export is the JSON document.
  return withDatabase(
    {
      applicationName: 'customer-graph-privacy',
      poolSize: 2,
      logLevel: (level) => (level === 'info' || level === 'debug' ? 'warn' : level),
    },
    async ({ ds, log }) => {
      const privacy = new PrivacyService(ds, systemClock, personalDataContributions(), log);
      if (command === 'export') {
        const document = await privacy.exportCustomer(customerGlobalId(id), actor, values.reason ?? null, {
          customerId: 'customer id',
          reason: '--reason',
        });
        console.log(JSON.stringify(document, null, 2));
        return 0;
      }
      const { customer, vacuumed } = await privacy.eraseCustomer(customerGlobalId(id), values.reason!, actor, {
        customerId: 'customer id',
        reason: '--reason',
      });
      console.log(
        `Erased customer ${toGlobalId('Customer', customer.id)} at ${customer.erasedAt!.toISOString()}; CUSTOMER_ERASED is on the feed.` +
          (vacuumed ? ' Touched tables vacuumed.' : ' VACUUM failed (see the warning); autovacuum will remove the old row versions.'),
      );
      return 0;
    },
  );
}

runCli(run);
