/**
 * Composition root: DataSource → services → schema → HTTP + WebSocket server.
 * Nothing here reads process.env; main.ts and the tests pass a Config.
 */
import type { AddressInfo } from 'node:net';
import type { DataSource } from 'typeorm';
import type { Config } from './config';
import { getSchema } from './graphql/schema';
import { createHttpServer } from './server/http';
import { createGraphQLWebSocketServer } from './server/ws';
import type { EventServiceStartOptions } from './modules/events/events.service';
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
  /** Tuning of the live event feed (tests and benchmarks); production uses the defaults and config. */
  events?: Pick<EventServiceStartOptions, 'feed' | 'pruneIntervalMs'>;
}

/** Starts serving; resolves once the port is bound. */
export async function startApp(deps: AppDeps): Promise<App> {
  const { ds, log, config } = deps;
  const services = createServices(ds, deps.clock ?? systemClock, { referralCost: config.referralCost ?? null, log });
  const schema = getSchema();
  // The live feed listens before the port opens, so no subscriber can start before it.
  await services.events.start({
    log,
    url: listenUrl(ds),
    retentionDays: config.eventRetentionDays ?? 7,
    maxBuffered: config.eventSubscriptionBuffer,
    ...deps.events,
  });
  const ws = createGraphQLWebSocketServer({ schema, ds, services, log });
  const { httpServer, apollo } = await createHttpServer({ schema, ds, services, log, plugins: [ws.plugin] });
  ws.attach(httpServer);
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
      // Apollo drains HTTP and closes every WebSocket (the ws plugin), then the feed lets go of its connection.
      await apollo.stop();
      await services.events.stop();
      await services.analytics.models.idle();
    },
  };
}

/** The connection string the event feed's LISTEN connection uses: the DataSource's own. */
function listenUrl(ds: DataSource): string {
  const url = (ds.options as { url?: string }).url;
  if (!url) throw new Error('The DataSource must be created with a `url` (the event feed opens its own LISTEN connection with it).');
  return url;
}
