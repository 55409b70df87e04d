import type { EntityManager } from 'typeorm';
import { byIdLoader } from './by-id-loader';

/** A stand-in EntityManager whose repository records each batch it is asked for. */
function fakeManager(rows: { id: string; name: string }[]) {
  const batches: string[][] = [];
  const em = {
    getRepository: () => ({
      findBy: async (where: { id: { value: string[] } }) => {
        batches.push([...where.id.value]);
        // Unordered on purpose: the loader must put rows back in key order.
        return rows.filter((r) => where.id.value.includes(r.id)).reverse();
      },
    }),
  } as unknown as EntityManager;
  return { em, batches };
}

describe('byIdLoader (DataLoader contract)', () => {
  const rows = ['1', '2', '3', '4'].map((id) => ({ id, name: `row ${id}` }));

  it('sends every key loaded in one tick as one batch, deduplicated, and answers in key order', async () => {
    const { em, batches } = fakeManager(rows);
    const loader = byIdLoader(em, class {} as never);
    const result = await Promise.all(['3', '1', '3', '404', '2'].map((id) => loader.load(id)));
    expect(batches).toEqual([['3', '1', '404', '2']]);
    expect(result.map((r) => (r as { id: string } | null)?.id ?? null)).toEqual(['3', '1', '3', null, '2']);
  });

  it('issues a new batch per tick, serving cached keys from memory', async () => {
    const { em, batches } = fakeManager(rows);
    const loader = byIdLoader(em, class {} as never);
    await loader.load('1');
    await Promise.all([loader.load('1'), loader.load('4')]);
    expect(batches).toEqual([['1'], ['4']]);
  });

  it('asks again for every load when caching is off (subscriptions)', async () => {
    const { em, batches } = fakeManager(rows);
    const loader = byIdLoader(em, class {} as never, false);
    await loader.load('1');
    await loader.load('1');
    expect(batches).toEqual([['1'], ['1']]);
  });
});
