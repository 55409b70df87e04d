/** `npm run migrate`: applies pending migrations to DATABASE_URL or the embedded database. */
import 'reflect-metadata';
import { runCli, withDatabase } from './run';

runCli(() =>
  withDatabase({ applicationName: 'customer-graph-migrate' }, async ({ applied }) => {
    console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
  }),
);
