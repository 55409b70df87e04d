/** Every per-request DataLoader: each module's loader factory (MODULES), merged. */
import type { EntityManager } from 'typeorm';
import type { Loaders } from './context';
import { MODULES } from './index';

export type { Loaders };

export function createLoaders(em: EntityManager, cache = true): Loaders {
  // modules/index.ts checks at compile time that these factories make exactly `Loaders`.
  return Object.assign({}, ...MODULES.map((m) => m.loaders?.(em, cache))) as Loaders;
}
