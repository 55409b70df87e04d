/**
 * DataSource factory. No import-time singleton: the app, the CLI and each test
 * file build their own, so nothing connects just because a module was imported.
 *
 * It joins every module's entities (MODULES) with the migrations, so in the
 * layer check it counts with the entry points (like db/seed/), not with the
 * rest of db/: no module, graphql/ or server/ file may import it.
 */
import { DataSource, type Logger as TypeOrmLogger } from 'typeorm';
import { migrations } from '../../migrations';
import { ENTITIES } from '../modules';

export interface DataSourceOptions {
  url: string;
  /** Pool size per process. */
  poolSize?: number;
  /** Called with every SQL statement sent; tests use it to count statements. */
  onQuery?: (sql: string) => void;
  applicationName?: string;
}

export function createDataSource(opts: DataSourceOptions): DataSource {
  const logger: TypeOrmLogger | undefined = opts.onQuery
    ? {
        logQuery: (sql) => opts.onQuery!(sql),
        logQueryError: () => undefined,
        logQuerySlow: () => undefined,
        logSchemaBuild: () => undefined,
        logMigration: () => undefined,
        log: () => undefined,
      }
    : undefined;
  return new DataSource({
    type: 'postgres',
    url: opts.url,
    entities: ENTITIES,
    migrations,
    migrationsTableName: 'typeorm_migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: opts.onQuery ? ['query'] : false,
    logger,
    applicationName: opts.applicationName ?? 'customer-graph',
    extra: { max: opts.poolSize ?? 20 },
  });
}

/** Applies pending migrations; returns the names applied. */
export async function migrate(ds: DataSource): Promise<string[]> {
  const applied = await ds.runMigrations({ transaction: 'each' });
  return applied.map((m) => m.name);
}

/** True when every known migration has been applied. */
export async function migrationsApplied(ds: DataSource): Promise<boolean> {
  return !(await ds.showMigrations());
}
