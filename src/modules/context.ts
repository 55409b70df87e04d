/**
 * What every resolver receives: who is asking, a fresh set of DataLoaders (so
 * no request ever sees another's cache), and the shared services. Declared
 * here, beside the loaders and services it gathers, so resolvers import it
 * from their own layer; graphql/context.ts builds it (createContext).
 */
import type { DataSource } from 'typeorm';
import type { Services } from '../services';
import type { Viewer } from './auth/viewer';
import type { Loaders } from './loaders';

export interface Context {
  requestId: string;
  viewer: Viewer;
  ds: DataSource;
  loaders: Loaders;
  services: Services;
  /** A mixed compiled read's JSON, by root response key (graphql/sql/compiled-reads.ts). */
  compiled?: Record<string, unknown>;
}
