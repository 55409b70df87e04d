/**
 * Browsers on another origin (CORS_ORIGINS), over real HTTP and in a real
 * headless Chromium:
 * - a preflight (OPTIONS with Origin and Access-Control-Request-Headers:
 *   authorization, content-type) from a listed origin is answered with the
 *   Access-Control-* headers; another origin gets none, so browsers refuse it;
 * - credentials are off unless CORS_CREDENTIALS is on; without CORS_ORIGINS
 *   no CORS header is sent at all;
 * - Apollo's CSRF guard still refuses simple requests (a GET, or a POST a
 *   plain HTML form could send) from any origin;
 * - in Chromium, a page served by a tiny HTTP server on another 127.0.0.1
 *   port calls the API with a key via fetch and gets data; the same page from
 *   an origin not listed cannot read the answer.
 *
 * The browser part needs Chromium, found as in playground.int.test.ts
 * (CHROMIUM_PATH, else Debian's /usr/bin/chromium); without it, it is skipped
 * with a message.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { describeWithChromium, launchChromium } from '../support/chromium';
import { startTestServer, type TestServer } from '../support/server';

const BROWSER_TIMEOUT_MS = 45_000;

/** A tiny static site on its own 127.0.0.1 port: another origin than the API. */
async function startPageServer(): Promise<{ origin: string; close(): Promise<void> }> {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><title>front end</title><p>another origin</p>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function preflight(url: string, origin: string): Promise<Response> {
  return fetch(url, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
  });
}

const corsHeaders = (res: Response) => [...res.headers.keys()].filter((k) => k.startsWith('access-control-'));

let allowedPage: Awaited<ReturnType<typeof startPageServer>>;
let otherPage: Awaited<ReturnType<typeof startPageServer>>;
let server: TestServer;

beforeAll(async () => {
  [allowedPage, otherPage] = await Promise.all([startPageServer(), startPageServer()]);
  server = await startTestServer({ config: { corsOrigins: ['https://app.example.com', allowedPage.origin] } });
});
afterAll(async () => {
  await server?.stop();
  await Promise.all([allowedPage?.close(), otherPage?.close()]);
});

describe('CORS over HTTP', () => {
  it('answers a preflight from a listed origin with the Access-Control-* headers, credentials off', async () => {
    const res = await preflight(server.url, allowedPage.origin);
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(allowedPage.origin);
    expect(res.headers.get('access-control-allow-methods')?.split(',')).toEqual(expect.arrayContaining(['POST']));
    expect(res.headers.get('access-control-allow-headers')?.split(',')).toEqual(expect.arrayContaining(['authorization', 'content-type']));
    expect(res.headers.get('access-control-max-age')).toBe('600');
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    expect(res.headers.get('vary')).toMatch(/Origin/i);
  });

  it('gives an origin that is not listed no Access-Control-* headers', async () => {
    const res = await preflight(server.url, otherPage.origin);
    expect(corsHeaders(res).filter((h) => h !== 'access-control-max-age' && h !== 'access-control-allow-methods')).toEqual([]);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('lets a listed origin read the answer and the request id of a POST with a key', async () => {
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { origin: allowedPage.origin, 'content-type': 'application/json', ...server.auth(server.adminKey) },
      body: JSON.stringify({ query: '{ viewer { role } }' }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ data: { viewer: { role: 'ADMIN' } } });
    expect(res.headers.get('access-control-allow-origin')).toBe(allowedPage.origin);
    expect(res.headers.get('access-control-expose-headers')?.split(',')).toEqual(expect.arrayContaining(['x-request-id']));
  });

  it('keeps the CSRF guard for simple requests, whatever the origin', async () => {
    const form = await fetch(server.url, {
      method: 'POST',
      headers: { origin: allowedPage.origin, 'content-type': 'text/plain', ...server.auth(server.adminKey) },
      body: JSON.stringify({ query: '{ viewer { role } }' }),
    });
    expect(form.status).toBe(400);
    const get = await fetch(`${server.url}?query=${encodeURIComponent('{ viewer { role } }')}`, {
      headers: { origin: allowedPage.origin, accept: 'application/json', ...server.auth(server.adminKey) },
    });
    expect(get.status).toBe(400);
    expect(JSON.stringify(await get.json())).toMatch(/Cross-Site Request Forgery/);
  });

  it('sends Access-Control-Allow-Credentials only when CORS_CREDENTIALS is on, and no CORS header without CORS_ORIGINS', async () => {
    const withCredentials = await startTestServer({ config: { corsOrigins: [allowedPage.origin], corsCredentials: true } });
    const without = await startTestServer();
    try {
      expect((await preflight(withCredentials.url, allowedPage.origin)).headers.get('access-control-allow-credentials')).toBe('true');
      expect(corsHeaders(await preflight(without.url, allowedPage.origin))).toEqual([]);
    } finally {
      await Promise.all([withCredentials.stop(), without.stop()]);
    }
  });
});

const describeWithBrowser = describeWithChromium('CORS browser test');

describeWithBrowser('CORS in a browser', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  }, BROWSER_TIMEOUT_MS);
  afterAll(async () => {
    await browser?.close();
  }, BROWSER_TIMEOUT_MS);

  /** Opens `pageOrigin` and runs a fetch of the API from it, as a front end would; returns the body or the failure. */
  async function callFrom(pageOrigin: string): Promise<{ body?: unknown; failed?: string }> {
    const page = await browser.newPage();
    try {
      await page.goto(`${pageOrigin}/`);
      return await page.evaluate(
        async ({ url, key }) => {
          try {
            const res = await fetch(url, {
              method: 'POST',
              headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
              body: JSON.stringify({ query: '{ viewer { role } customers(first: 1) { totalCount } }' }),
            });
            return { body: await res.json() };
          } catch (err) {
            return { failed: String(err) };
          }
        },
        { url: server.url, key: server.adminKey },
      );
    } finally {
      await page.close();
    }
  }

  it(
    'a page on a listed origin calls the API with a key and gets data',
    async () => {
      expect(await callFrom(allowedPage.origin)).toEqual({ body: { data: { viewer: { role: 'ADMIN' }, customers: { totalCount: 0 } } } });
    },
    BROWSER_TIMEOUT_MS,
  );

  it(
    'a page on an origin that is not listed cannot read the answer',
    async () => {
      expect(await callFrom(otherPage.origin)).toEqual({ failed: expect.stringMatching(/Failed to fetch/) });
    },
    BROWSER_TIMEOUT_MS,
  );
});
