/**
 * The GraphQL playground (Ruru), served from the npm package's own files so it
 * works offline. A browser GET of /graphql gets it, opened on a ready-made
 * "customer 360" query.
 */
import type { Request, Response, NextFunction, RequestHandler } from 'express';
import { ruruHTML } from 'ruru/server';
import { getStaticFile } from 'ruru/static';
import { EXAMPLE_OPERATIONS } from './playground-examples';

export const RURU_STATIC_PATH = '/ruru-static/';

export interface PlaygroundOptions {
  /** Headers pre-filled in the playground (e.g. a demo API key). */
  headers?: Record<string, string>;
}

export function playgroundHtml(opts: PlaygroundOptions = {}): string {
  return ruruHTML({
    endpoint: '/graphql',
    staticPath: RURU_STATIC_PATH,
    subscriptions: true,
    clientConfig: {
      initialQuery: EXAMPLE_OPERATIONS,
      initialHeaders: opts.headers ? JSON.stringify(opts.headers, null, 2) : undefined,
    },
    htmlParts: { titleTag: '<title>Customer Graph — GraphQL playground</title>' },
  } as Parameters<typeof ruruHTML>[0]);
}

/**
 * Serves Ruru's bundled assets (brotli when the browser accepts it). Looks the
 * file up by `req.originalUrl`: express strips the mount path from `req.url`,
 * and ruru's own `serveStatic` matches `req.url` against the full static path,
 * so mounted under /ruru-static it found nothing and the playground stayed blank.
 */
export const servePlaygroundStatic: RequestHandler = async (req, res, next) => {
  try {
    const file = await getStaticFile({
      staticPath: RURU_STATIC_PATH,
      urlPath: req.originalUrl,
      acceptEncoding: req.headers['accept-encoding'],
      disallowDevAssets: true,
    });
    if (!file) {
      next();
      return;
    }
    if (req.headers['if-none-match'] === file.headers.etag) {
      res.status(304).set('etag', file.headers.etag).end();
      return;
    }
    res.status(200).set(file.headers).end(file.content);
  } catch (err) {
    next(err);
  }
};

/** GET /graphql from a browser (Accept: text/html) gets the playground; everything else goes on to GraphQL. */
export function playgroundOnBrowserGet(opts: () => PlaygroundOptions): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if (
      req.method === 'GET' &&
      req.accepts(['application/json', 'application/graphql-response+json', 'text/html']) === 'text/html' &&
      !req.query.query
    ) {
      res.type('html').send(playgroundHtml(opts()));
      return;
    }
    next();
  };
}
