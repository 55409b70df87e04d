/**
 * Import rules for src/ (run by `npm run lint:deps`, part of `npm test`).
 *
 * Layers, lowest first; a file may import its own layer and the ones below:
 *
 *   shared/            ids, cursors, page types, errors, clock, logger; shared/graphql/
 *                      holds the type-graphql building blocks (Node, scalars, connection
 *                      types) that modules decorate with
 *   analytics/         pure models: shared/ only
 *   db/                DataSource, keyset paging, loaders' SQL helpers
 *   modules/<area>/    entities, services, resolvers of one area, described once in its
 *                      index.ts; modules/index.ts lists the modules (MODULES), and
 *                      modules/loaders.ts, services.ts and db/data-source.ts (the
 *                      DataSource from the modules' entities) merge them for the layers above
 *   graphql/           schema assembly, context, node resolver, compiled reads
 *   server/            HTTP and WebSocket transport
 *   app.ts, main.ts, cli/, db/seed/   entry points and tools (db/seed/ generates
 *                      demo data with the domain's enums, so it sits up here)
 *
 * config.ts reads the environment and imports nothing from src/, so any layer
 * may import it. Unit tests (*.test.ts) may import across layers (a policy test
 * builds the schema); cycles are forbidden for them too.
 */
const TESTS = '\\.test\\.ts$';
const ENTRY = '^src/(app|main)\\.ts$|^src/cli/|^src/db/seed/';
/** Files outside modules/ that gather the modules, and so belong to their layer. */
const GATHER = 'services\\.ts$|db/data-source\\.ts$';

/** A rule forbidding imports from `from` into any of `to`. */
const upward = (name, comment, from, to, extra = {}) => ({
  name,
  comment,
  severity: 'error',
  from: { path: from, pathNot: [TESTS, ...(extra.fromNot ?? [])] },
  to: { path: to },
});

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'A cycle ties files together so neither can change or be tested alone. Break it by moving the shared part down a layer.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    upward(
      'shared-imports-nothing-above',
      'shared/ is the bottom layer: it may import only shared/ and config.ts.',
      '^src/shared/',
      '^src/(?!shared/|config\\.ts$)',
    ),
    upward(
      'analytics-is-pure',
      'The analytics models take plain numbers and return plain objects: they import shared/ at most.',
      '^src/analytics/',
      '^src/(?!analytics/|shared/)',
    ),
    upward(
      'db-below-modules',
      'db/ is infrastructure below the modules; it must not import a module, graphql/, server/ or an entry point. ' +
        "db/data-source.ts builds the DataSource from the modules' entities (MODULES), so it belongs to the modules' layer, like services.ts.",
      '^src/db/(?!seed/|data-source\\.ts$)',
      `^src/(modules/|${GATHER}|graphql/|server/|lifecycle/)|${ENTRY}`,
    ),
    upward(
      'modules-below-graphql',
      'Modules may import shared/, db/ and each other (no cycles), never graphql/, server/ or an entry point: ' +
        'the layers above import them. Types a resolver needs (Context) live in modules/context.ts.',
      `^src/(modules/|${GATHER})`,
      `^src/(graphql/|server/|lifecycle/)|${ENTRY}`,
    ),
    upward(
      'graphql-below-server',
      'graphql/ assembles the schema from the modules; it must not import server/ or an entry point.',
      '^src/graphql/',
      `^src/server/|${ENTRY}`,
    ),
    upward(
      'server-below-entry-points',
      'server/ is the transport; the entry points import it, not the other way round.',
      '^src/server/',
      ENTRY,
    ),
    upward(
      'config-is-a-leaf',
      'config.ts is the only reader of process.env and imports nothing from src/, so every layer may import it.',
      '^src/config\\.ts$',
      '^src/(?!config\\.ts$)',
    ),
  ],
  options: {
    includeOnly: '^src/',
    doNotFollow: { path: 'node_modules' },
    // Type-only imports count: a type that points upwards ties the layers together as much as a value does.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
