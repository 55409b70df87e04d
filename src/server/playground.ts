/**
 * The GraphQL playground (Ruru), served from the npm package's own files so it
 * works offline. A browser GET of /graphql gets it, opened on a ready-made
 * "customer 360" query.
 */
import type { Request, Response, NextFunction, RequestHandler } from 'express';
import { ruruHTML } from 'ruru/server';
import { serveStatic } from 'ruru/static';
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

export const servePlaygroundStatic: RequestHandler = serveStatic(RURU_STATIC_PATH) as unknown as RequestHandler;

/** GET /graphql from a browser (Accept: text/html) gets the playground; everything else goes on to GraphQL. */
export function playgroundOnBrowserGet(opts: () => PlaygroundOptions): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.method === 'GET' && req.accepts(['application/json', 'application/graphql-response+json', 'text/html']) === 'text/html' && !req.query.query) {
      res.type('html').send(playgroundHtml(opts()));
      return;
    }
    next();
  };
}
