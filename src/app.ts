/**
 * Composition root: DataSource → services → schema → HTTP + WebSocket server.
 * Nothing here reads process.env; main.ts and the tests pass a Config.
 */
import type { AddressInfo } from 'node:net';
import type { DataSource } from 'typeorm';
import type { Config } from './config';
import { getSchema } from './graphql/schema';
import { createHttpServer } from './server/http';
import { createServices, type Services } from './services';
import { systemClock, type Clock } from './shared/clock';
import type { Logger } from './shared/logger';

export interface App {
  url: string;
  port: number;
  services: Services;
  stop(): Promise<void>;
}

export interface AppDeps {
  config: Pick<Config, 'host' | 'port'> & Partial<Config>;
  ds: DataSource;
  log: Logger;
  clock?: Clock;
}

/** Starts serving; resolves once the port is bound. */
export async function startApp(deps: AppDeps): Promise<App> {
  const { ds, log, config } = deps;
  const services = createServices(ds, deps.clock ?? systemClock, { referralCost: config.referralCost ?? null, log });
  const schema = getSchema();
  const { httpServer, apollo } = await createHttpServer({ schema, ds, services, log });
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(config.port, config.host, () => resolve());
  });
  const { port } = httpServer.address() as AddressInfo;
  const url = `http://${config.host}:${port}/graphql`;
  log.info('serving', { url });
  return {
    url,
    port,
    services,
    async stop() {
      await apollo.stop();
      await services.analytics.models.idle();
    },
  };
}
