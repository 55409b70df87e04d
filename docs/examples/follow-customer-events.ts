/**
 * Follows the Customer Graph event feed and survives restarts.
 *
 * It keeps the cursor of the last event it handled in a file. On start it
 * resumes after that cursor (the server replays what it missed, then carries
 * on live); on a first start it takes `latestCustomerEventCursor`. When the
 * connection drops (server restart, network, close code 4413 for a client that
 * fell behind) it reconnects with backoff, again after the last cursor, so no
 * event is skipped and none is handled twice. RESYNC_REQUIRED (the cursor is
 * older than the server's retention window) stops it: reload your data, delete
 * the cursor file, start again.
 *
 *   npm i graphql-ws ws
 *   CG_URL=ws://127.0.0.1:4000/graphql CG_API_KEY=<key> CURSOR_FILE=./events.cursor \
 *     node -r ./scripts/register.js docs/examples/follow-customer-events.ts
 *
 * Each event is printed as one JSON line on stdout; progress goes to stderr.
 */
import fs from 'node:fs';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

const url = process.env.CG_URL ?? 'ws://127.0.0.1:4000/graphql';
const apiKey = process.env.CG_API_KEY ?? '';
const cursorFile = process.env.CURSOR_FILE ?? 'customer-events.cursor';

const FEED = /* GraphQL */ `
  subscription Follow($after: String) {
    customerEvents(after: $after) {
      cursor
      type
      occurredAt
      customer {
        id
        name
        stage
      }
      ... on StageChangedEvent {
        from
        to
        reason
        trigger
      }
      ... on PurchaseRecordedEvent {
        amount
        quantity
      }
    }
  }
`;

interface FeedEvent {
  cursor: string;
  type: string;
  occurredAt: string;
  customer: { id: string; name: string; stage: string };
  [field: string]: unknown;
}

interface GraphQLErrorLike {
  message: string;
  extensions?: { code?: string };
}

const log = (msg: string) => process.stderr.write(`${new Date().toISOString()} ${msg}\n`);

function loadCursor(): string | null {
  try {
    return fs.readFileSync(cursorFile, 'utf8').trim() || null;
  } catch {
    return null;
  }
}

/** Written to a temporary file and renamed, so a crash never leaves half a cursor. */
function saveCursor(cursor: string): void {
  fs.writeFileSync(`${cursorFile}.tmp`, cursor);
  fs.renameSync(`${cursorFile}.tmp`, cursorFile);
}

/** Your business logic goes here. It must finish before the cursor is saved. */
function handle(event: FeedEvent): void {
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

function connect(): Client {
  return createClient({
    url,
    webSocketImpl: WebSocket, // Node 20 has no global WebSocket
    connectionParams: { authorization: `Bearer ${apiKey}` },
    // Reconnecting is done below, so every new subscription carries the newest cursor.
    retryAttempts: 0,
  });
}

async function latestCursor(client: Client): Promise<string> {
  for await (const result of client.iterate<{ latestCustomerEventCursor: string }>({ query: '{ latestCustomerEventCursor }' })) {
    if (result.errors?.length) throw result.errors;
    return result.data!.latestCustomerEventCursor;
  }
  throw new Error('no answer to latestCustomerEventCursor');
}

const codeOf = (err: unknown): string | number | undefined =>
  Array.isArray(err) ? (err[0] as GraphQLErrorLike | undefined)?.extensions?.code : (err as { code?: number } | null)?.code;

async function main(): Promise<void> {
  let cursor = loadCursor();
  let backoffMs = 500;
  let stopping = false;
  let client: Client | null = null;
  const stop = () => {
    stopping = true;
    void client?.dispose();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  while (!stopping) {
    client = connect();
    try {
      if (!cursor) {
        // First start: "everything from now on". Load your initial data after taking this cursor.
        cursor = await latestCursor(client);
        saveCursor(cursor);
      }
      log(`following from ${cursor}`);
      for await (const result of client.iterate<{ customerEvents: FeedEvent }>({ query: FEED, variables: { after: cursor } })) {
        if (result.errors?.length) throw result.errors;
        const event = result.data!.customerEvents;
        handle(event);
        cursor = event.cursor;
        saveCursor(cursor);
        backoffMs = 500;
      }
    } catch (err) {
      if (stopping) break;
      const code = codeOf(err);
      if (code === 'RESYNC_REQUIRED') {
        log(
          'RESYNC_REQUIRED: the saved cursor is older than the retention window. Reload your data, delete the cursor file and start again.',
        );
        process.exitCode = 2;
        break;
      }
      if (code === 'UNAUTHENTICATED' || code === 4401 || code === 4403) {
        log(`not allowed (${code}): check CG_API_KEY`);
        process.exitCode = 1;
        break;
      }
      log(`disconnected (${code ?? String(err)}); resuming after ${cursor} in ${backoffMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, backoffMs));
      backoffMs = Math.min(backoffMs * 2, 30_000);
    } finally {
      await client.dispose();
    }
  }
}

void main();
