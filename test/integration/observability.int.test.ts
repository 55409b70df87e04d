/**
 * Request logs (pino) and Prometheus metrics of the real server: one log line
 * per GraphQL request, refused ones included, without variables or secrets;
 * /metrics with request counts, latency, statements, pool, subscriptions,
 * event delivery lag and rate-limit refusals; who may read /metrics.
 */
import { createLogger } from '../../src/shared/logger';
import { Customer360Document, CreateCustomerDocument, OnCustomerEventsDocument } from '../generated/graphql';
import { postRaw, startTestServer, type TestServer } from '../support/server';
import { subscribe, waitUntil } from './events-support';

let s: TestServer;
const lines: string[] = [];
const requestLines = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'graphql request');

async function scrape(url: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { headers });
  return { status: res.status, text: await res.text() };
}

/** The value of one sample line (`name{labels} value`), or undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

const metricsUrl = () => s.url.replace(/\/graphql$/, '/metrics');

beforeAll(async () => {
  s = await startTestServer({ log: createLogger('info', (line) => lines.push(line)) });
});
afterAll(async () => {
  await s?.stop();
});
beforeEach(() => {
  lines.length = 0;
});

describe('request log', () => {
  it('writes exactly one line per request, with its id, key, operation, duration and outcome, and no variables', async () => {
    const email = 'private.person.7781@example.com';
    const name = 'Ottilie Private-Person';
    const created = await postRaw(s.url, CreateCustomerDocument, { input: { name, email } }, s.auth(s.adminKey));
    expect(created.body.errors).toBeUndefined();
    const read = await postRaw(s.url, Customer360Document, { first: 3 }, s.auth(s.adminKey));
    expect(read.body.errors).toBeUndefined();

    const logged = requestLines();
    expect(logged).toHaveLength(2);
    const [write, query] = logged;
    const adminKeyId = (await s.ds.query(`SELECT id FROM api_key WHERE source = 'env'`))[0]?.id as string;
    expect(write).toMatchObject({
      level: 'info',
      requestId: created.headers.get('x-request-id'),
      keyId: adminKeyId,
      operation: 'CreateCustomer',
      type: 'mutation',
      status: 200,
      outcome: 'ok',
    });
    expect(query).toMatchObject({
      requestId: read.headers.get('x-request-id'),
      operation: 'Customer360',
      type: 'query',
      outcome: 'ok',
      readPath: 'compiled',
      statements: 1,
    });
    for (const l of logged) expect(typeof l.durationMs).toBe('number');
    const prefix = (await s.ds.query(`SELECT prefix FROM api_key WHERE id = $1`, [adminKeyId]))[0]?.prefix as string;
    expect(write.keyPrefix).toBe(prefix);
    const everything = lines.join('\n');
    for (const secret of [email, name, s.adminKey, 'Bearer']) expect(everything).not.toContain(secret);
  });

  it('logs refused requests too: a bad key (401), a rate limit (429) and a bad body (400)', async () => {
    const unauthorized = await postRaw(
      s.url,
      Customer360Document,
      { first: 1 },
      { authorization: 'Bearer cg-not-a-real-key-000000000000' },
    );
    expect(unauthorized.status).toBe(401);
    const limited = await s.createKey({ role: 'ADMIN', rateLimitPerMinute: 1 });
    expect((await postRaw(s.url, Customer360Document, { first: 1 }, s.auth(limited))).status).toBe(200);
    expect((await postRaw(s.url, Customer360Document, { first: 1 }, s.auth(limited))).status).toBe(429);
    const badBody = await fetch(s.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": ' });
    expect(badBody.status).toBe(400);

    const logged = requestLines();
    expect(logged.map((l) => [l.status, l.outcome])).toEqual([
      [401, 'UNAUTHENTICATED'],
      [200, 'ok'],
      [429, 'RATE_LIMITED'],
      [400, 'BAD_REQUEST'],
    ]);
    expect(logged[0]).toMatchObject({ keyId: null, keyPrefix: null, operation: null, type: 'unknown' });
    expect(logged[2].keyId).toEqual(logged[1].keyId);
    expect(logged[3].requestId).toBe(badBody.headers.get('x-request-id'));
    expect(lines.join('\n')).not.toContain(limited);
  });

  it('writes one line per WebSocket operation: when a subscription ends, or when one is refused', async () => {
    const sub = subscribe(s.wsUrl, OnCustomerEventsDocument, {}, { connectionParams: s.auth(s.adminKey) });
    await waitUntil(async () => sample((await scrape(metricsUrl())).text, 'cg_subscriptions_open') === 1, 'the subscription to open');
    const bad = subscribe(s.wsUrl, OnCustomerEventsDocument, { after: 'not-a-cursor' }, { connectionParams: s.auth(s.adminKey) });
    await bad.ended();
    await sub.dispose();
    await waitUntil(() => requestLines().length === 2, 'two WebSocket log lines');
    const logged = requestLines();
    expect(logged.every((l) => l.transport === 'ws')).toBe(true);
    expect(logged[0]).toMatchObject({ operation: 'OnCustomerEvents', type: 'subscription', outcome: 'BAD_USER_INPUT' });
    expect(logged[1]).toMatchObject({ operation: 'OnCustomerEvents', type: 'subscription', outcome: 'ok' });
    expect(logged[1].keyPrefix).toEqual(expect.any(String));
    expect(typeof logged[1].durationMs).toBe('number');
    expect(lines.join('\n')).not.toContain('not-a-cursor');
  });

  it('writes nothing at LOG_LEVEL=warn for successful requests', async () => {
    const quiet: string[] = [];
    const other = await startTestServer({ sameDatabaseAs: s, log: createLogger('warn', (line) => quiet.push(line)) });
    try {
      await other.query(Customer360Document, { first: 1 });
      expect(quiet.filter((l) => l.includes('graphql request'))).toEqual([]);
    } finally {
      await other.stop();
    }
  });
});

describe('/metrics', () => {
  it('counts requests by operation and outcome, with latency histograms, statements, pool use and process metrics', async () => {
    const before = (await scrape(metricsUrl())).text;
    const okSeries = 'cg_graphql_requests_total{operation="Customer360",type="query",outcome="ok"}';
    const countBefore = sample(before, okSeries) ?? 0;
    const compiledBefore = sample(before, 'cg_sql_statements_total{path="compiled_read"}') ?? 0;
    for (let i = 0; i < 3; i++) await s.query(Customer360Document, { first: 2 });
    await postRaw(s.url, '{ customers(first: 1) { nodes { id } } }', {}, s.auth(s.adminKey));

    const { status, text } = await scrape(metricsUrl());
    expect(status).toBe(200);
    expect(sample(text, okSeries)).toBe(countBefore + 3);
    expect(sample(text, 'cg_graphql_requests_total{operation="anonymous",type="query",outcome="ok"}')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'cg_graphql_request_duration_seconds_count{operation="Customer360",type="query"}')).toBe(countBefore + 3);
    expect(sample(text, 'cg_graphql_request_duration_seconds_bucket{le="+Inf",operation="Customer360",type="query"}')).toBe(
      countBefore + 3,
    );
    expect(sample(text, 'cg_sql_statements_total{path="compiled_read"}')).toBe(compiledBefore + 4);
    expect(sample(text, 'cg_sql_statements_total{path="other"}')).toBeGreaterThan(0);
    expect(sample(text, 'cg_db_pool_connections')).toBeGreaterThan(0);
    expect(sample(text, 'cg_db_pool_waiting_requests')).toBe(0);
    expect(sample(text, 'cg_subscriptions_open')).toBe(0);
    expect(sample(text, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
  });

  it('counts rate-limit refusals and groups requests refused before their operation was known', async () => {
    const before = (await scrape(metricsUrl())).text;
    const refusals = 'cg_rate_limit_refusals_total{limit="requests",transport="http"}';
    const limitedSeries = 'cg_graphql_requests_total{operation="unknown",type="unknown",outcome="RATE_LIMITED"}';
    const key = await s.createKey({ role: 'ADMIN', rateLimitPerMinute: 1 });
    await postRaw(s.url, Customer360Document, { first: 1 }, s.auth(key));
    expect((await postRaw(s.url, Customer360Document, { first: 1 }, s.auth(key))).status).toBe(429);
    const after = (await scrape(metricsUrl())).text;
    expect(sample(after, refusals)).toBe((sample(before, refusals) ?? 0) + 1);
    expect(sample(after, limitedSeries)).toBe((sample(before, limitedSeries) ?? 0) + 1);
  });

  it('gauges open subscriptions and measures the lag from an event’s commit to its delivery', async () => {
    const sub = subscribe(s.wsUrl, OnCustomerEventsDocument, {}, { connectionParams: s.auth(s.adminKey) });
    try {
      await waitUntil(async () => sample((await scrape(metricsUrl())).text, 'cg_subscriptions_open') === 1, 'the subscription to open');
      const lagBefore = sample((await scrape(metricsUrl())).text, 'cg_event_delivery_lag_seconds_count') ?? 0;
      await s.query(CreateCustomerDocument, { input: { name: 'Lag Probe' } });
      await sub.waitFor(1, 'the created event');
      const text = (await scrape(metricsUrl())).text;
      expect(sample(text, 'cg_event_delivery_lag_seconds_count')).toBeGreaterThanOrEqual(lagBefore + 1);
      expect(sample(text, 'cg_event_delivery_lag_seconds_bucket{le="+Inf"}')).toBe(sample(text, 'cg_event_delivery_lag_seconds_count'));
    } finally {
      await sub.dispose();
    }
    await waitUntil(async () => sample((await scrape(metricsUrl())).text, 'cg_subscriptions_open') === 0, 'the subscription to close');
  });

  it('requires the token when METRICS_TOKEN is set', async () => {
    const token = 'metrics-token-0123456789';
    const guarded = await startTestServer({ sameDatabaseAs: s, config: { metricsToken: token } });
    try {
      const url = guarded.url.replace(/\/graphql$/, '/metrics');
      expect((await scrape(url)).status).toBe(401);
      expect((await scrape(url, { authorization: 'Bearer wrong-token-0123456789' })).status).toBe(401);
      const ok = await scrape(url, { authorization: `Bearer ${token}` });
      expect(ok.status).toBe(200);
      expect(ok.text).toContain('cg_graphql_requests_total');
    } finally {
      await guarded.stop();
    }
  });

  it('moves to its own port when METRICS_PORT is set', async () => {
    const apart = await startTestServer({ sameDatabaseAs: s, config: { metricsPort: 0 } });
    try {
      expect((await scrape(apart.url.replace(/\/graphql$/, '/metrics'))).status).toBe(404);
      expect(apart.app.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      const ok = await scrape(apart.app.metricsUrl!);
      expect(ok.status).toBe(200);
      expect(ok.text).toContain('cg_db_pool_connections');
    } finally {
      await apart.stop();
    }
  });
});
