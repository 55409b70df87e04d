/**
 * The OpenTelemetry SDK set-up, loaded by src/tracing.ts only when tracing is
 * on: spans of incoming HTTP requests, of PostgreSQL statements (within a
 * request), and the GraphQL operation span (src/server/tracing.ts), batched
 * and exported over OTLP/HTTP. The exporter takes its endpoint, headers and
 * timeout from the standard `OTEL_EXPORTER_OTLP_*` variables; the batch from
 * `OTEL_BSP_*`.
 */
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { TracingSettings } from './config';

export interface Tracing {
  /** Sends the spans still buffered and stops the SDK (on shutdown). */
  shutdown(): Promise<void>;
}

/** Probes and scrapes: frequent, and not worth a trace each. */
const UNTRACED_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

export function startTracing(settings: TracingSettings): Tracing {
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: settings.serviceName }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  provider.register();
  const unregister = registerInstrumentations({
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req) => UNTRACED_PATHS.has((req.url ?? '').split('?')[0]),
        // The API makes no outgoing HTTP calls of its own; the exporter's are not worth tracing.
        ignoreOutgoingRequestHook: () => true,
      }),
      // Statements outside a request (the event feed's polling, the pruning job) would each start a trace.
      // Parameter values are never recorded (enhancedDatabaseReporting stays off): they may be personal data.
      new PgInstrumentation({ requireParentSpan: true }),
    ],
  });
  return {
    async shutdown() {
      unregister();
      await provider.shutdown();
    },
  };
}
