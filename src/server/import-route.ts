/**
 * `POST /import/<customers|purchases|touchpoints|referrals>`: the bulk import over HTTP
 * (docs/import.md). The body streams straight into the import (never buffered), as `text/csv`
 * or `application/x-ndjson`; query parameters `maxErrors` (default 0), `format=cdnow` and
 * `createCustomers=true` (purchases). ADMIN and SERVICE keys only, with the same Bearer
 * authentication and rate limit as /graphql. Answers the JSON import report: 200 when committed,
 * 422 when nothing was written (too many bad rows, or a required column missing).
 */
import type express from 'express';
import type { Services } from '../services';
import type { Logger } from '../shared/logger';
import { DomainError, ErrorCode, errorKind } from '../shared/errors';
import { ANONYMOUS_VIEWER, Role, type Viewer } from '../modules/auth/viewer';
import type { RateLimitDecision } from '../modules/auth/rate-limit';
import { IMPORT_KINDS, type ImportFormat, type ImportKind } from '../modules/imports/import.kinds';
import { requestIdOf } from './request-id';

export interface ImportRouteDeps {
  services: Services;
  log: Logger;
  authenticate?: (authorization: string | undefined) => Promise<Viewer>;
  rateLimit?: (viewer: Viewer, clientAddress: string) => Promise<RateLimitDecision>;
}

/** Roles that may import. */
export const IMPORT_ROLES: readonly Role[] = [Role.ADMIN, Role.SERVICE];

const CONTENT_TYPES: Readonly<Record<string, ImportFormat>> = { 'text/csv': 'csv', 'application/x-ndjson': 'ndjson' };

function fail(
  res: express.Response,
  code: ErrorCode,
  message: string,
  status = errorKind(code).httpStatus ?? 400,
  extra: Record<string, unknown> = {},
) {
  if (res.headersSent) return;
  res
    .status(status)
    .type('application/json')
    .send(JSON.stringify({ errors: [{ message, extensions: { code, ...extra, requestId: requestIdOf(res) } }] }));
}

/** Drains what is left of the body so the client sees the answer rather than a reset connection. */
function refuse(req: express.Request, res: express.Response, send: () => void): void {
  req.resume();
  send();
}

export function importRoute(deps: ImportRouteDeps): express.RequestHandler {
  return async (req, res) => {
    const kind = String(req.params.kind) as ImportKind;
    let viewer: Viewer = ANONYMOUS_VIEWER;
    try {
      if (deps.authenticate) viewer = await deps.authenticate(req.headers.authorization);
    } catch (err) {
      if (err instanceof DomainError && err.code === ErrorCode.UNAUTHENTICATED) {
        res.setHeader('www-authenticate', 'Bearer');
        return refuse(req, res, () => fail(res, ErrorCode.UNAUTHENTICATED, err.message));
      }
      throw err;
    }
    if (viewer.role === Role.ANONYMOUS) {
      res.setHeader('www-authenticate', 'Bearer');
      return refuse(req, res, () => fail(res, ErrorCode.UNAUTHENTICATED, 'Importing needs an API key (Authorization: Bearer <key>).'));
    }
    if (deps.rateLimit) {
      const decision = await deps.rateLimit(viewer, req.ip ?? req.socket.remoteAddress ?? '');
      res.setHeader('RateLimit-Limit', String(decision.limit));
      res.setHeader('RateLimit-Remaining', String(decision.remaining));
      if (!decision.allowed) {
        res.setHeader('retry-after', String(decision.retryAfterSeconds));
        return refuse(req, res, () =>
          fail(res, ErrorCode.RATE_LIMITED, `Too many requests: retry in ${decision.retryAfterSeconds} s.`, 429, {
            retryAfter: decision.retryAfterSeconds,
          }),
        );
      }
    }
    if (!IMPORT_ROLES.includes(viewer.role)) {
      return refuse(req, res, () =>
        fail(res, ErrorCode.FORBIDDEN, `Importing is for ${IMPORT_ROLES.join(' and ')} keys; this key is ${viewer.role}.`, 403),
      );
    }
    if (!(IMPORT_KINDS as readonly string[]).includes(kind)) {
      return refuse(req, res, () =>
        fail(res, ErrorCode.BAD_REQUEST, `Unknown import kind "${kind}": use one of ${IMPORT_KINDS.join(', ')}.`, 404),
      );
    }
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    let format = CONTENT_TYPES[contentType];
    if (!format) {
      return refuse(req, res, () =>
        fail(res, ErrorCode.BAD_REQUEST, `Send the file as text/csv or application/x-ndjson (got "${contentType || 'nothing'}").`, 415),
      );
    }
    const q = req.query as Record<string, string | undefined>;
    if (q.format === 'cdnow') {
      if (format !== 'csv' || kind !== 'purchases')
        return refuse(req, res, () => fail(res, ErrorCode.BAD_REQUEST, 'format=cdnow is for text/csv purchases.'));
      format = 'cdnow';
    }
    const maxErrors = q.maxErrors === undefined ? 0 : Number(q.maxErrors);
    if (!Number.isInteger(maxErrors) || maxErrors < 0) {
      return refuse(req, res, () => fail(res, ErrorCode.BAD_REQUEST, 'maxErrors must be a whole number of 0 or more.'));
    }
    try {
      const report = await deps.services.imports.run(kind, req, {
        format,
        maxErrors,
        createCustomers: q.createCustomers === 'true' || format === 'cdnow',
      });
      deps.log.info('import', {
        requestId: requestIdOf(res),
        kind,
        committed: report.committed,
        rows: report.rows,
        errorRows: report.errorRows,
      });
      res.status(report.committed ? 200 : 422).json(report);
    } catch (err) {
      deps.log.error('import failed', { requestId: requestIdOf(res), kind, error: err instanceof Error ? err.message : String(err) });
      fail(res, ErrorCode.INTERNAL_SERVER_ERROR, 'The import failed and wrote nothing.', 500);
    }
  };
}
