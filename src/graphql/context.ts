/**
 * Builds the per-request context (declared in modules/context.ts): who is
 * asking, a fresh set of DataLoaders (so no request ever sees another's
 * cache), and the shared services.
 */
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { Context, Services } from '../modules/context';
import type { Viewer } from '../modules/auth/viewer';
import { createLoaders } from '../modules/loaders';
import { partnerScopeFor } from '../modules/sharing';

export type { Context };

/**
 * `cache: false` is for subscriptions, whose context lives as long as the
 * connection: cached rows would go stale. Batching still applies.
 */
export function createContext(
  ds: DataSource,
  services: Services,
  viewer: Viewer,
  opts: { cache?: boolean; requestId?: string } = {},
): Context {
  const cache = opts.cache ?? true;
  return {
    requestId: opts.requestId ?? randomUUID(),
    viewer,
    ds,
    services,
    loaders: createLoaders(ds.manager, cache),
    partnerScope: partnerScopeFor(ds.manager, viewer, cache),
  };
}
