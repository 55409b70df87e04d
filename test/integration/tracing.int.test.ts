/**
 * Traces of the real server (`src/main.ts` in a child process, so the
 * instrumentations load before `http` and `pg` as they do in production),
 * exported over OTLP/HTTP (JSON) to a small collector in this process: one
 * Customer360 request is one trace with the HTTP, GraphQL operation and
 * PostgreSQL spans, nested in that order. Without an endpoint the SDK is
 * never loaded.
 */
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Customer360Document, CreateCustomerDocument } from '../generated/graphql';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { postRaw } from '../support/server';
import { AUTH_HEADERS, startServerProcess, waitUntil, type ServerProcess } from './events-support';

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes?: { key: string; value: OtlpValue }[];
}
interface Span extends OtlpSpan {
  attr: Record<string, string | number | undefined>;
}

const SPAN_KIND_SERVER = 2;

let db: TestDatabase;
let server: ServerProcess | undefined;
let collector: http.Server;
const spans: Span[] = [];
const contentTypes = new Set<string>();

beforeAll(async () => {
  collector = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/v1/traces') {
        contentTypes.add(String(req.headers['content-type']));
        const body = JSON.parse(Buffer.concat(chunks).toString()) as {
          resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[];
        };
        for (const rs of body.resourceSpans)
          for (const ss of rs.scopeSpans)
            for (const s of ss.spans)
              spans.push({
                ...s,
                attr: Object.fromEntries((s.attributes ?? []).map((a) => [a.key, a.value.stringValue ?? a.value.intValue])),
              });
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  db = await createTestDatabase();
  server = await startServerProcess(db.url, {
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(collector.address() as AddressInfo).port}`,
    OTEL_BSP_SCHEDULE_DELAY: '50',
    OTEL_SERVICE_NAME: 'customer-graph-test',
  });
});

afterAll(async () => {
  await server?.stop();
  await db?.drop();
  await new Promise((resolve) => collector?.close(resolve));
});

it('exports one trace per request with the HTTP, GraphQL operation and PostgreSQL spans', async () => {
  const created = await postRaw(server!.url, CreateCustomerDocument, { input: { name: 'Traced Customer' } }, AUTH_HEADERS);
  expect(created.body.errors).toBeUndefined();
  const read = await postRaw(server!.url, Customer360Document, { first: 5 }, AUTH_HEADERS);
  expect(read.body.errors).toBeUndefined();

  const operationSpan = () => spans.find((s) => s.name === 'query Customer360');
  await waitUntil(
    () => {
      const op = operationSpan();
      return !!op && spans.some((s) => s.parentSpanId === op.spanId) && spans.some((s) => s.spanId === op.parentSpanId);
    },
    `the Customer360 spans (have: ${spans.map((s) => s.name).join(', ')})`,
  );

  const operation = operationSpan()!;
  expect(operation.attr).toMatchObject({ 'graphql.operation.name': 'Customer360', 'graphql.operation.type': 'query' });
  const httpSpan = spans.find((s) => s.spanId === operation.parentSpanId)!;
  expect(httpSpan.kind).toBe(SPAN_KIND_SERVER);
  expect(httpSpan.traceId).toBe(operation.traceId);
  const sqlSpans = spans.filter(
    (s) => s.parentSpanId === operation.spanId && (s.attr['db.system'] ?? s.attr['db.system.name']) === 'postgresql',
  );
  expect(sqlSpans.length).toBeGreaterThanOrEqual(1);
  for (const s of sqlSpans) expect(s.traceId).toBe(operation.traceId);
  // The compiled read: one statement answers Customer360.
  expect(sqlSpans.some((s) => /json/i.test(String(s.attr['db.statement'] ?? s.attr['db.query.text'] ?? '')))).toBe(true);
  // Neither variables nor parameter values are recorded.
  for (const s of spans) expect(JSON.stringify(s.attributes)).not.toContain('Traced Customer');

  const mutation = spans.find((s) => s.name === 'mutation CreateCustomer');
  expect(mutation).toBeDefined();
  expect(mutation!.traceId).not.toBe(operation.traceId);
  expect([...contentTypes]).toEqual(['application/json']);
});

it('loads no OpenTelemetry SDK when no OTLP endpoint is set', () => {
  const root = path.resolve(__dirname, '../..');
  const env = { ...process.env };
  delete env.OTEL_EXPORTER_OTLP_ENDPOINT;
  delete env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  const script = [
    "const { tracing } = require('./src/tracing');",
    "require('pg'); require('http');",
    "const loaded = Object.keys(require.cache).filter((f) => f.includes('@opentelemetry'));",
    'process.stdout.write(JSON.stringify({ tracing: tracing ?? null, loaded }));',
  ].join('\n');
  const out = JSON.parse(execFileSync(process.execPath, ['-r', './scripts/register.js', '-e', script], { cwd: root, env }).toString());
  expect(out).toEqual({ tracing: null, loaded: [] });
});
