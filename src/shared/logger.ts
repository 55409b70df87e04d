/**
 * Structured logs with pino: one JSON object per line on stderr, so logs stay
 * machine-readable and never mix with CLI output on stdout. Each line has
 * `time` (ISO 8601), `level` (its name) and `msg`, then the call's fields.
 *
 * The call shape is `log.info(msg, fields)` throughout the code base; `child`
 * binds fields to every line of a part of the program. Nothing here decides
 * what may be logged: callers never pass secrets, personal data or GraphQL
 * variables (see docs/operations.md, "Logs").
 */
import pino, { type DestinationStream, type Logger as PinoLogger } from 'pino';
import type { LogLevel } from '../config';

type Fields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
  /** True when lines of `level` are written (skip building costly fields otherwise). */
  enabled(level: Exclude<LogLevel, 'silent'>): boolean;
  /** A logger that adds `bindings` to every line. */
  child(bindings: Fields): Logger;
}

function wrap(p: PinoLogger): Logger {
  return {
    debug: (msg, fields) => (fields ? p.debug(fields, msg) : p.debug(msg)),
    info: (msg, fields) => (fields ? p.info(fields, msg) : p.info(msg)),
    warn: (msg, fields) => (fields ? p.warn(fields, msg) : p.warn(msg)),
    error: (msg, fields) => (fields ? p.error(fields, msg) : p.error(msg)),
    enabled: (level) => p.isLevelEnabled(level),
    child: (bindings) => wrap(p.child(bindings)),
  };
}

/**
 * A logger at `level` writing to `destination` (default: stderr, written
 * synchronously so the last lines before an exit are never lost). A function
 * receives each line without its newline (tests collect lines this way).
 */
export function createLogger(level: LogLevel = 'info', destination?: DestinationStream | ((line: string) => void)): Logger {
  const stream: DestinationStream =
    typeof destination === 'function'
      ? { write: (line: string) => destination(line.endsWith('\n') ? line.slice(0, -1) : line) }
      : (destination ?? pino.destination({ fd: 2, sync: true }));
  return wrap(
    pino(
      {
        level,
        base: undefined,
        timestamp: pino.stdTimeFunctions.isoTime,
        formatters: { level: (label) => ({ level: label }) },
      },
      stream,
    ),
  );
}
