/**
 * Reads the API's `/metrics` after a benchmark (as Prometheus would) and
 * sums up, per GraphQL operation, the request counts by outcome and the
 * latency histogram: a check that the figures the benchmark measured show up
 * where an operator would look.
 */

export interface OperationMetrics {
  operation: string;
  /** Requests by outcome (`ok` or an error code). */
  requests: Record<string, number>;
  count: number;
  sumSeconds: number;
  /** Cumulative counts per upper bound in seconds (`+Inf` last). */
  buckets: { le: string; count: number }[];
}

export interface MetricsScrape {
  url: string;
  text: string;
  operations: OperationMetrics[];
  statements: Record<string, number>;
}

const SAMPLE = /^([a-z_]+)\{([^}]*)\} ([0-9.eE+-]+|NaN)$/;

function labelsOf(raw: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const m of raw.matchAll(/([a-z_]+)="((?:[^"\\]|\\.)*)"/g)) labels[m[1]] = m[2];
  return labels;
}

export async function scrapeMetrics(url: string): Promise<MetricsScrape> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`);
  const text = await res.text();
  const byOperation = new Map<string, OperationMetrics>();
  const entry = (operation: string) => {
    let e = byOperation.get(operation);
    if (!e) byOperation.set(operation, (e = { operation, requests: {}, count: 0, sumSeconds: 0, buckets: [] }));
    return e;
  };
  const statements: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = SAMPLE.exec(line);
    if (!m) continue;
    const [, name, rawLabels, rawValue] = m;
    const labels = labelsOf(rawLabels);
    const value = Number(rawValue);
    if (name === 'cg_graphql_requests_total') entry(labels.operation).requests[labels.outcome] = value;
    else if (name === 'cg_graphql_request_duration_seconds_bucket') entry(labels.operation).buckets.push({ le: labels.le, count: value });
    else if (name === 'cg_graphql_request_duration_seconds_count') entry(labels.operation).count = value;
    else if (name === 'cg_graphql_request_duration_seconds_sum') entry(labels.operation).sumSeconds = value;
    else if (name === 'cg_sql_statements_total') statements[labels.path] = value;
  }
  return { url, text, operations: [...byOperation.values()], statements };
}

/** Lines for the console: requests by outcome, mean latency and the histogram's buckets as shares. */
export function describeScrape(scrape: MetricsScrape): string[] {
  const lines = [`metrics: ${scrape.url}`];
  for (const op of scrape.operations) {
    const outcomes = Object.entries(op.requests)
      .map(([outcome, n]) => `${outcome} ${n}`)
      .join(', ');
    const meanMs = op.count ? ((op.sumSeconds / op.count) * 1000).toFixed(2) : '-';
    lines.push(`  ${op.operation}: ${op.count} requests (${outcomes}), mean ${meanMs} ms`);
    let previous = 0;
    const shares = op.buckets
      .filter((b) => {
        const inBucket = b.count - previous;
        previous = b.count;
        return inBucket > 0;
      })
      .map((b) => `≤${b.le === '+Inf' ? '∞' : `${Number(b.le) * 1000} ms`}: ${b.count}`);
    lines.push(`    latency histogram (cumulative, non-empty buckets): ${shares.join(', ')}`);
  }
  lines.push(
    `  SQL statements: ${Object.entries(scrape.statements)
      .map(([path, n]) => `${path} ${n}`)
      .join(', ')}`,
  );
  return lines;
}
