/**
 * The API's Prometheus metrics (prom-client), one registry per app instance so
 * two instances in one process (tests) never share counts. Everything costly
 * (pool use, open subscriptions) is read when Prometheus scrapes, not counted
 * on the hot path. Names, labels and meanings are listed in
 * docs/operations.md ("Metrics"); keep the two in step.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Operation names beyond this many distinct ones share the label `other`, so a client cannot grow the series without bound. */
export const MAX_OPERATION_LABELS = 200;
/** The label of requests whose operation has no name. */
export const ANONYMOUS_OPERATION = 'anonymous';
/** The label of requests refused before their operation was known (bad body, bad key, rate limit, parse error). */
export const UNKNOWN_OPERATION = 'unknown';

/** Where an SQL statement came from: a compiled read, authentication and rate limiting, or anything else (resolvers, mutations, the event feed). */
export type StatementPath = 'compiled_read' | 'auth' | 'other';
/** The limit that refused: the per-key/per-address request rate, or the per-key cap of open subscriptions. */
export type RefusedLimit = 'requests' | 'subscriptions';

export interface PoolUse {
  total: number;
  idle: number;
  waiting: number;
}

export interface MetricsSources {
  /** The database pool's connections, read at scrape time. */
  pool?: () => PoolUse | undefined;
  /** Open subscriptions on this instance, read at scrape time. */
  openSubscriptions?: () => number;
}

/** Seconds buckets for GraphQL request latency: 1 ms … 10 s. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Seconds buckets for event delivery lag: 1 ms … 60 s. */
const LAG_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export class Metrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'cg_graphql_requests_total',
    help: 'GraphQL requests over HTTP, by operation name, operation type and outcome (ok, or the error code of the first error).',
    labelNames: ['operation', 'type', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly requestDuration = new Histogram({
    name: 'cg_graphql_request_duration_seconds',
    help: 'Time from receiving a GraphQL HTTP request to the end of its response, by operation name and type.',
    labelNames: ['operation', 'type'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly statements = new Counter({
    name: 'cg_sql_statements_total',
    help: 'SQL statements sent to PostgreSQL, by path: compiled_read (one statement answers a read), auth (API key and rate limit), other.',
    labelNames: ['path'] as const,
    registers: [this.registry],
  });
  readonly eventDeliveryLag = new Histogram({
    name: 'cg_event_delivery_lag_seconds',
    help: 'Live events: time from recording the event in the outbox (its commit) to handing it to a subscriber.',
    buckets: LAG_BUCKETS,
    registers: [this.registry],
  });
  readonly rateLimitRefusals = new Counter({
    name: 'cg_rate_limit_refusals_total',
    help: 'Requests and subscriptions refused by a limit (RATE_LIMITED), by limit and transport.',
    labelNames: ['limit', 'transport'] as const,
    registers: [this.registry],
  });
  private readonly operationNames = new Set<string>();

  constructor(sources: MetricsSources = {}, opts: { defaultMetrics?: boolean } = {}) {
    const { pool, openSubscriptions } = sources;
    const poolGauge = (name: string, help: string, pick: (p: PoolUse) => number) =>
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          const use = pool?.();
          if (use) this.set(pick(use));
        },
      });
    poolGauge('cg_db_pool_connections', 'Connections the database pool holds (busy and idle).', (p) => p.total);
    poolGauge('cg_db_pool_idle_connections', 'Idle connections in the database pool.', (p) => p.idle);
    poolGauge('cg_db_pool_waiting_requests', 'Queries waiting for a free connection of the database pool.', (p) => p.waiting);
    new Gauge({
      name: 'cg_subscriptions_open',
      help: 'GraphQL subscriptions open on this instance.',
      registers: [this.registry],
      collect() {
        this.set(openSubscriptions?.() ?? 0);
      },
    });
    if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  /** The `operation` label for a request's operation name: bounded (see MAX_OPERATION_LABELS). */
  operationLabel(name: string | null | undefined): string {
    if (!name) return ANONYMOUS_OPERATION;
    if (this.operationNames.has(name)) return name;
    if (this.operationNames.size >= MAX_OPERATION_LABELS) return 'other';
    this.operationNames.add(name);
    return name;
  }

  /** Counts one finished GraphQL request and its latency. */
  observeRequest(operation: string, type: string, outcome: string, seconds: number): void {
    this.requests.inc({ operation, type, outcome });
    this.requestDuration.observe({ operation, type }, seconds);
  }

  /** The text Prometheus scrapes, and its content type. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
