/**
 * Tracing bootstrap: the first import of main.ts. When an OTLP endpoint is
 * configured (config.ts, `tracingSettings`), it starts the OpenTelemetry SDK
 * and the HTTP and PostgreSQL instrumentations before `http` and `pg` are
 * loaded by anything else, which is when they can still be patched. When it
 * is not, the SDK is never loaded and no request pays for tracing.
 */
import { tracingSettings } from './config';
// Type-only: erased at run time, so the SDK is still not loaded when tracing is off.
import type { Tracing } from './tracing-sdk';

function start(): Tracing | undefined {
  const settings = tracingSettings();
  if (!settings) return undefined;
  // Loaded only here, synchronously: the instrumentations must be in place before main.ts's other imports run.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a conditional, synchronous load is the point
  const { startTracing } = require('./tracing-sdk') as typeof import('./tracing-sdk');
  return startTracing(settings);
}

export const tracing: Tracing | undefined = start();
