/**
 * The partner scope fails closed only if every module says whose data its rows
 * are: these checks catch a new table or node type that forgot to.
 */
import { MODULES } from '../modules';
import { SQL_OBJECTS } from './sql/registry';

describe('partner scope declarations', () => {
  it('every SQL map with a table names the customer columns its rows belong to', () => {
    const missing = [...SQL_OBJECTS.values()].filter((m) => m.table && !m.customers).map((m) => m.type);
    expect(missing).toEqual([]);
  });

  it('every node type declares its owners, for node(id:) on the resolver path', () => {
    const missing = MODULES.flatMap((m) => Object.keys(m.nodeTypes ?? {}).filter((type) => !m.nodeOwners?.[type]));
    expect(missing).toEqual([]);
  });
});
