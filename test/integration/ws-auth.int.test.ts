/**
 * graphql-ws authentication accepts the spellings clients commonly send in
 * `connectionParams`: `authorization` and `Authorization`, at the top level
 * or under `headers` (Apollo Client and urql set-ups copy their HTTP headers
 * there). Each connection runs `viewer` and must come back as the key's role;
 * a wrong key in any spelling is refused with 4401.
 */
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { startTestServer, type TestServer } from '../support/server';

let server: TestServer;
let partner: string;

beforeAll(async () => {
  server = await startTestServer();
  partner = await server.createKey({ role: 'PARTNER' });
});
afterAll(() => server?.stop());

/** Connects with `connectionParams`, runs `{ viewer { role } }`; resolves with the data, or the close code if refused. */
async function viewerOver(connectionParams: Record<string, unknown>): Promise<{ role?: string; closeCode?: number }> {
  let closeCode: number | undefined;
  const client = createClient({
    url: server.wsUrl,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    connectionParams,
    on: { closed: (e) => (closeCode = (e as { code: number }).code) },
  });
  try {
    return await new Promise((resolve) => {
      client.subscribe<{ viewer: { role: string } }>(
        { query: '{ viewer { role } }' },
        {
          next: (r) => resolve({ role: r.data?.viewer.role }),
          error: () => resolve({ closeCode }),
          complete: () => undefined,
        },
      );
    });
  } finally {
    await client.dispose();
  }
}

describe('WebSocket authentication spellings', () => {
  const spellings: [string, (value: string) => Record<string, unknown>][] = [
    ['authorization', (v) => ({ authorization: v })],
    ['Authorization', (v) => ({ Authorization: v })],
    ['headers.authorization', (v) => ({ headers: { authorization: v } })],
    ['headers.Authorization', (v) => ({ headers: { Authorization: v } })],
  ];

  it.each(spellings)('accepts the key as connectionParams.%s', async (_name, params) => {
    expect(await viewerOver(params(`Bearer ${partner}`))).toEqual({ role: 'PARTNER' });
  });

  it.each(spellings)('refuses a wrong key sent as connectionParams.%s with 4401', async (_name, params) => {
    expect(await viewerOver(params('Bearer cg_not-a-real-key-at-all-000000'))).toEqual({ closeCode: 4401 });
  });
});
