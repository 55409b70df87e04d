/**
 * What the read compiler knows, gathered from every module's `sql` (each
 * module's `<area>.sql.ts`): the object types stored in tables, fields one
 * module adds to another's type, and the root lists (`customers`, `personas`,
 * `products`, …) with their orderings and filters.
 */
import type { RootList, SqlObjectMap } from '../../db/sql-map';
import { MODULES } from '../../modules';

export type { RootList };

/** Entries into a map; a key given twice is a mistake in a module's descriptor, so it fails at startup. */
function uniqueMap<V>(what: string, entries: Iterable<[string, V]>): Map<string, V> {
  const out = new Map<string, V>();
  for (const [key, value] of entries) {
    if (out.has(key)) throw new Error(`Two modules declare the ${what} ${key}.`);
    out.set(key, value);
  }
  return out;
}

function sqlObjects(): Map<string, SqlObjectMap> {
  const maps = uniqueMap(
    'SQL map of',
    MODULES.flatMap((m) => (m.sql?.objects ?? []).map((o): [string, SqlObjectMap] => [o.type, o])),
  );
  for (const m of MODULES) {
    for (const [type, fields] of Object.entries(m.sql?.extend ?? {})) {
      const base = maps.get(type);
      if (!base) throw new Error(`Module ${m.name} adds SQL fields to ${type}, which no module maps.`);
      maps.set(type, { ...base, fields: { ...base.fields, ...fields } });
    }
  }
  return maps;
}

export const SQL_OBJECTS: ReadonlyMap<string, SqlObjectMap> = sqlObjects();

export const ROOT_LISTS: ReadonlyMap<string, RootList> = uniqueMap(
  'root list',
  MODULES.flatMap((m) => Object.entries(m.sql?.roots ?? {})),
);
