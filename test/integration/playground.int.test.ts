/**
 * The playground in a real headless Chromium, against the real entry point:
 * `src/main.ts` runs as a child process (as `npm start` does) on a fresh test
 * database, seeds demo data and creates the demo keys; a browser GET of
 * /graphql gets Ruru, opened on the example query with the admin key filled
 * in; running it shows data; every resource comes from the server itself, so
 * it works offline. Saves a screenshot to test/artifacts/.
 *
 * The server runs outside Jest on purpose: ruru loads its bundled assets with
 * a dynamic import(), which Jest's module sandbox refuses, so in-process every
 * asset would fail.
 *
 * Needs a Chromium binary (Debian: `apt-get install chromium`; elsewhere set
 * CHROMIUM_PATH). Without one the tests are skipped with a message saying so.
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { parse } from 'graphql';
import type { Browser, Page } from 'playwright-core';
import { describeWithChromium, launchChromium } from '../support/chromium';
import { EXAMPLE_OPERATIONS } from '../../src/server/playground-examples';
import { createTestDatabase, type TestDatabase } from '../support/database';

const ARTIFACTS = path.join(__dirname, '..', 'artifacts');
const describeWithBrowser = describeWithChromium('playground browser test');
// Starting a browser and loading the editor bundle takes seconds on a busy machine.
const BROWSER_TIMEOUT_MS = 45_000;

const ROOT = path.join(__dirname, '..', '..');
const DEMO_CUSTOMERS = 40;

/** Starts `src/main.ts` on `databaseUrl` and resolves with its URL once it logs "ready". */
function startMain(databaseUrl: string): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    HOST: '127.0.0.1',
    PORT: '0',
    DEMO_CUSTOMERS: String(DEMO_CUSTOMERS),
    LOG_LEVEL: 'info',
  };
  delete env.ADMIN_API_KEY;
  const child = spawn(process.execPath, ['-r', './scripts/register.js', 'src/main.ts'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      for (const line of out.split('\n')) {
        if (!line.startsWith('{')) continue;
        try {
          const entry = JSON.parse(line) as { msg?: string; url?: string };
          if (entry.msg === 'ready' && entry.url) resolve({ child, url: entry.url, output: () => out });
        } catch {
          // a partial line; the rest is still coming
        }
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`src/main.ts exited with ${code} before it was ready:\n${out}`)));
  });
}

/** SIGTERM, then wait for the process to be gone. */
function stopMain(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

describeWithBrowser('playground in a browser', () => {
  let db: TestDatabase;
  let server: Awaited<ReturnType<typeof startMain>> | undefined;
  let browser: Browser;
  let page: Page;
  const requested: string[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    server = await startMain(db.url);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('request', (r) => requested.push(r.url()));
    page.on('websocket', (ws) => requested.push(ws.url()));
  }, BROWSER_TIMEOUT_MS);

  afterAll(async () => {
    await browser?.close();
    if (server) await stopMain(server.child);
    await db?.drop();
  }, BROWSER_TIMEOUT_MS);

  it(
    'runs the example query and shows customers in the result pane',
    async () => {
      const response = await page.goto(server!.url);
      expect(response?.status()).toBe(200);
      expect(await page.title()).toBe('Customer Graph — GraphQL playground');
      await page.locator('.graphiql-query-editor').getByText('query Customer360').waitFor();

      const graphqlResponse = page.waitForResponse(
        (r) => r.url() === server!.url && r.request().method() === 'POST' && (r.request().postData() ?? '').includes('Customer360'),
      );
      await page.locator('.graphiql-execute-button').click();
      // With several operations in the editor, the run button asks which one to run.
      if (parse(EXAMPLE_OPERATIONS).definitions.length > 1) await page.getByRole('menuitem', { name: 'Customer360', exact: true }).click();
      const body = await (await graphqlResponse).json();
      expect(body.errors).toBeUndefined();
      expect(body.data.customers.totalCount).toBe(DEMO_CUSTOMERS);

      const pane = page.locator('.graphiql-response');
      await pane.getByText('"totalCount"').waitFor();
      const shown = await pane.innerText();
      expect(shown).toContain('"customers"');
      expect(shown).not.toContain('"errors"');

      fs.mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: path.join(ARTIFACTS, 'playground.png') });
    },
    BROWSER_TIMEOUT_MS,
  );

  it('loads every resource from the server itself (works offline)', () => {
    expect(requested.length).toBeGreaterThan(5);
    const outside = requested.filter((u) => {
      const url = new URL(u);
      return !['data:', 'blob:'].includes(url.protocol) && url.hostname !== '127.0.0.1';
    });
    expect(outside).toEqual([]);
  });
});
