/**
 * The API-key cache (key-cache.ts) against a fake lookup: hits send nothing,
 * unknown keys are remembered briefly and boundedly, revocations and feed
 * outages are never papered over by the cache.
 */
import { randomBytes } from 'node:crypto';
import { DomainError } from '../../shared/errors';
import { hashApiKey, type KeyLookup } from './api-key.service';
import { KeyCache } from './key-cache';
import { Role, type Viewer } from './viewer';

const viewerOf = (id: string): Viewer => ({ role: Role.PARTNER, scopes: [], apiKeyId: id, keyPrefix: `cgk_${id}` });

function setup(opts: { maxUnknown?: number; unknownTtlMs?: number; keyTtlMs?: number; outageGraceMs?: number } = {}) {
  let t = 0;
  const now = () => t;
  const db = new Map<string, KeyLookup>();
  const lookups: string[] = [];
  let trusted = true;
  let gate: Promise<void> | null = null;
  let databaseDown = false;
  const lookup = async (hash: Buffer): Promise<KeyLookup> => {
    const h = hash.toString('hex');
    lookups.push(h);
    if (databaseDown) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const answer = db.get(h) ?? { refused: 'This API key is not valid.' };
    if (gate) await gate;
    return answer;
  };
  const cache = new KeyCache(lookup, () => trusted, { ...opts, now });
  return {
    cache,
    lookups,
    addKey(token: string, id: string) {
      db.set(hashApiKey(token).toString('hex'), { viewer: viewerOf(id) });
    },
    revokeInDb(token: string) {
      db.set(hashApiKey(token).toString('hex'), { refused: 'revoked' });
    },
    advance: (ms: number) => (t += ms),
    setTrusted: (v: boolean) => (trusted = v),
    setDatabaseDown: (v: boolean) => (databaseDown = v),
    hold() {
      let release!: () => void;
      gate = new Promise((r) => (release = r));
      return () => {
        gate = null;
        release();
      };
    },
  };
}

const refused = (p: Promise<unknown>) => expect(p).rejects.toBeInstanceOf(DomainError);

describe('KeyCache', () => {
  it('looks a key up once, then answers from memory', async () => {
    const s = setup();
    s.addKey('good', '1');
    expect((await s.cache.authenticate('good')).apiKeyId).toBe('1');
    expect((await s.cache.authenticate('good')).apiKeyId).toBe('1');
    expect(s.lookups).toHaveLength(1);
    expect(Object.isFrozen(await s.cache.authenticate('good'))).toBe(true);
  });

  it('sends one lookup for a burst of requests with a cold key', async () => {
    const s = setup();
    s.addKey('good', '1');
    const release = s.hold();
    const all = Promise.all(Array.from({ length: 50 }, () => s.cache.authenticate('good')));
    release();
    expect(await all).toHaveLength(50);
    expect(s.lookups).toHaveLength(1);
  });

  it('refuses an unknown key, remembers that for unknownTtlMs only, so a key created later works', async () => {
    const s = setup({ unknownTtlMs: 5_000 });
    await refused(s.cache.authenticate('later'));
    await refused(s.cache.authenticate('later'));
    expect(s.lookups).toHaveLength(1);
    s.addKey('later', '7');
    s.advance(4_999);
    await refused(s.cache.authenticate('later'));
    s.advance(1);
    expect((await s.cache.authenticate('later')).apiKeyId).toBe('7');
    expect(s.lookups).toHaveLength(2);
  });

  it('stays bounded under a flood of random keys, and keeps the valid ones', async () => {
    const s = setup({ maxUnknown: 1_000 });
    s.addKey('good', '1');
    await s.cache.authenticate('good');
    for (let i = 0; i < 5_000; i++) await refused(s.cache.authenticate(randomBytes(24).toString('base64url')));
    expect(s.cache.stats.unknown).toBe(1_000);
    expect(s.cache.stats.keys).toBe(1);
    expect(s.cache.stats.inflight).toBe(0);
    const before = s.lookups.length;
    await s.cache.authenticate('good');
    expect(s.lookups).toHaveLength(before);
  });

  it('drops a revoked key at once', async () => {
    const s = setup();
    s.addKey('good', '1');
    s.addKey('other', '2');
    await s.cache.authenticate('good');
    await s.cache.authenticate('other');
    s.revokeInDb('good');
    s.cache.revoked('1');
    await refused(s.cache.authenticate('good'));
    await s.cache.authenticate('other');
    expect(s.lookups).toHaveLength(3);
  });

  it('does not store a lookup that was running when a revocation arrived, nor let new requests join it', async () => {
    const s = setup();
    s.addKey('good', '1');
    const release = s.hold();
    const early = s.cache.authenticate('good');
    s.revokeInDb('good');
    s.cache.revoked('1');
    const late = s.cache.authenticate('good');
    release();
    expect((await early).apiKeyId).toBe('1'); // it raced the revocation: answered, but…
    await refused(late); // …a request after the notice gets a fresh answer,
    await refused(s.cache.authenticate('good')); // and nothing stale was stored.
  });

  it('caches nothing and serves nothing from memory while the revocation feed is down', async () => {
    const s = setup();
    s.addKey('good', '1');
    await s.cache.authenticate('good');
    s.setTrusted(false);
    s.revokeInDb('good'); // the notice is lost: nobody is listening
    await refused(s.cache.authenticate('good'));
    s.addKey('good', '1');
    await s.cache.authenticate('good');
    await s.cache.authenticate('good');
    expect(s.lookups).toHaveLength(4);
    expect(s.cache.stats.keys).toBe(1); // the entry from before the outage is not used…
    s.cache.invalidateAll(); // …and the feed's reconnect empties the cache
    s.setTrusted(true);
    await s.cache.authenticate('good');
    await s.cache.authenticate('good');
    expect(s.lookups).toHaveLength(5);
  });

  it('re-reads valid keys after keyTtlMs', async () => {
    const s = setup({ keyTtlMs: 60_000 });
    s.addKey('good', '1');
    await s.cache.authenticate('good');
    s.advance(60_000);
    await s.cache.authenticate('good');
    expect(s.lookups).toHaveLength(2);
  });

  it('records the latest use of each key, to be written in one batch', async () => {
    const s = setup();
    s.addKey('a', '1');
    s.addKey('b', '2');
    await s.cache.authenticate('a');
    s.advance(1_000);
    await s.cache.authenticate('a');
    await s.cache.authenticate('b');
    const uses = s.cache.takeUses();
    expect([...uses]).toEqual([
      ['1', 1_000],
      ['2', 1_000],
    ]);
    expect(s.cache.takeUses().size).toBe(0);
    s.advance(1_000);
    await s.cache.authenticate('a');
    s.cache.restoreUses(uses);
    expect([...s.cache.takeUses()]).toEqual([
      ['1', 2_000],
      ['2', 1_000],
    ]);
  });

  describe('during a database outage', () => {
    /** The feed goes down with the database: what the runtime does on its state change. */
    const outage = (s: ReturnType<typeof setup>) => {
      s.setTrusted(false);
      s.cache.feedLost();
      s.setDatabaseDown(true);
    };

    it('accepts a key validated before the feed was lost, for the grace period only', async () => {
      const s = setup({ outageGraceMs: 10_000 });
      s.addKey('good', '1');
      await s.cache.authenticate('good');
      outage(s);
      expect((await s.cache.authenticate('good')).apiKeyId).toBe('1');
      s.advance(10_001);
      await expect(s.cache.authenticate('good')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    });

    it('never accepts a key it had not validated, and passes the connection error on', async () => {
      const s = setup();
      s.addKey('good', '1');
      s.addKey('cold', '2');
      await s.cache.authenticate('good');
      outage(s);
      await expect(s.cache.authenticate('cold')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    });

    it('asks the database first while it answers: a key revoked after the feed was lost is refused', async () => {
      const s = setup();
      s.addKey('good', '1');
      await s.cache.authenticate('good');
      s.setTrusted(false);
      s.cache.feedLost();
      s.revokeInDb('good');
      await refused(s.cache.authenticate('good'));
    });

    it('drops a kept key on a revocation notice, and all of them when the feed is back', async () => {
      const s = setup();
      s.addKey('a', '1');
      s.addKey('b', '2');
      await s.cache.authenticate('a');
      await s.cache.authenticate('b');
      outage(s);
      s.cache.revoked('1');
      await expect(s.cache.authenticate('a')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
      expect((await s.cache.authenticate('b')).apiKeyId).toBe('2');
      s.cache.invalidateAll();
      expect(s.cache.stats.keptAside).toBe(0);
      await expect(s.cache.authenticate('b')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    });

    it('keeps nothing aside when the grace period is 0', async () => {
      const s = setup({ outageGraceMs: 0 });
      s.addKey('good', '1');
      await s.cache.authenticate('good');
      outage(s);
      await expect(s.cache.authenticate('good')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    });
  });
});
