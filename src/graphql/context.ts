/**
 * The per-request context: who is asking, a fresh set of DataLoaders (so no
 * request ever sees another's cache), and the shared services.
 */
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { Viewer } from '../modules/auth/viewer';
import type { Services } from '../services';
import { createLoaders, type Loaders } from './loaders';

export interface Context {
  requestId: string;
  viewer: Viewer;
  ds: DataSource;
  loaders: Loaders;
  services: Services;
  /** A mixed compiled read's JSON, by root response key (graphql/sql/compiled-reads.ts). */
  compiled?: Record<string, unknown>;
}

/**
 * `cache: false` is for subscriptions, whose context lives as long as the
 * connection: cached rows would go stale. Batching still applies.
 */
export function createContext(ds: DataSource, services: Services, viewer: Viewer, opts: { cache?: boolean; requestId?: string } = {}): Context {
  return { requestId: opts.requestId ?? randomUUID(), viewer, ds, services, loaders: createLoaders(ds.manager, opts.cache ?? true) };
}
