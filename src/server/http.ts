/**
 * HTTP side: express 5 + Apollo Server 5 on /graphql, the playground, and the
 * health endpoints. The WebSocket side attaches to the same http.Server.
 */
import http from 'node:http';
import express from 'express';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { GraphQLSchema } from 'graphql';
import type { DataSource } from 'typeorm';
import { createContext, type Context } from '../graphql/context';
import { freshLoadersAfterMutationsPlugin } from '../graphql/fresh-loaders';
import type { Services } from '../services';
import type { Logger } from '../shared/logger';
import { Role, type Viewer } from '../modules/auth/viewer';
import { migrationsApplied } from '../db/data-source';
import { createErrorFormatter } from './format-error';
import { playgroundOnBrowserGet, servePlaygroundStatic, type PlaygroundOptions } from './playground';

export interface HttpDeps {
  schema: GraphQLSchema;
  ds: DataSource;
  services: Services;
  log: Logger;
  /** Resolves the viewer for a request from its Authorization header. */
  authenticate?: (authorization: string | undefined) => Promise<Viewer>;
  playground?: () => PlaygroundOptions;
  plugins?: ApolloServerPlugin<Context>[];
}

const ADMIN_VIEWER: Viewer = { role: Role.ADMIN, scopes: ['pii:read'], apiKeyId: null };

export async function createHttpServer(deps: HttpDeps): Promise<{ app: express.Express; httpServer: http.Server; apollo: ApolloServer<Context> }> {
  const app = express();
  app.disable('x-powered-by');
  const httpServer = http.createServer(app);
  const apollo = new ApolloServer<Context>({
    schema: deps.schema,
    formatError: createErrorFormatter(deps.log),
    includeStacktraceInErrorResponses: false,
    introspection: true,
    plugins: [ApolloServerPluginDrainHttpServer({ httpServer }), ApolloServerPluginLandingPageDisabled(), freshLoadersAfterMutationsPlugin(), ...(deps.plugins ?? [])],
  });
  await apollo.start();

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    try {
      await deps.ds.query('SELECT 1');
      const migrated = await migrationsApplied(deps.ds);
      res.status(migrated ? 200 : 503).json({ status: migrated ? 'ready' : 'migrations pending', database: 'ok', migrations: migrated ? 'applied' : 'pending' });
    } catch {
      res.status(503).json({ status: 'unavailable', database: 'unreachable' });
    }
  });
  app.use('/ruru-static', servePlaygroundStatic);
  app.use(
    '/graphql',
    playgroundOnBrowserGet(deps.playground ?? (() => ({}))),
    express.json({ limit: '1mb' }),
    expressMiddleware(apollo, {
      context: async ({ req }) => {
        const viewer = deps.authenticate ? await deps.authenticate(req.headers.authorization) : ADMIN_VIEWER;
        return createContext(deps.ds, deps.services, viewer);
      },
    }),
  );
  return { app, httpServer, apollo };
}
