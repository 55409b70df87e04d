/**
 * The load generator of `npm run bench:read`, run as a child process so that the bench process's
 * CPU time is the server's alone. It takes one run at a time over IPC: the request bodies (each
 * connection sends them in turn), the connections and the duration; it answers with autocannon's
 * figures and how many 200 responses carried GraphQL `errors`.
 */
import autocannon from 'autocannon';

export interface LoadRun {
  id: number;
  url: string;
  headers: Record<string, string>;
  bodies: string[];
  connections: number;
  durationSeconds: number;
}

export interface LoadResult {
  durationSeconds: number;
  /** Requests written to the wire, including those still in flight when the run stopped. */
  sent: number;
  /** Responses received. */
  completed: number;
  latencyMs: { mean: number; p50: number; p90: number; p99: number; max: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  /** Responses whose body has a GraphQL `errors` entry. */
  graphqlErrors: number;
}

export type LoadReply = { id: number; result: LoadResult } | { id: number; error: string };

async function runLoad(run: LoadRun): Promise<LoadResult> {
  let graphqlErrors = 0;
  const onResponse = (_status: number, body: string) => {
    if (body.includes('"errors":')) graphqlErrors++;
  };
  const result = await autocannon({
    url: run.url,
    connections: run.connections,
    duration: run.durationSeconds,
    timeout: 30,
    requests: run.bodies.map((body) => ({ method: 'POST', headers: run.headers, body, onResponse })),
  });
  return {
    durationSeconds: result.duration,
    sent: result.requests.sent,
    completed: result.requests.total,
    latencyMs: {
      mean: result.latency.mean,
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      max: result.latency.max,
    },
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    graphqlErrors,
  };
}

process.on('message', (run: LoadRun) => {
  runLoad(run).then(
    (result) => process.send!({ id: run.id, result } satisfies LoadReply),
    (err: unknown) =>
      process.send!({ id: run.id, error: err instanceof Error ? (err.stack ?? err.message) : String(err) } satisfies LoadReply),
  );
});
// The parent going away (Ctrl-C, a crash) takes this process with it.
process.on('disconnect', () => process.exit(0));
