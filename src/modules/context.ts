/**
 * What every resolver receives: who is asking, a fresh set of DataLoaders (so
 * no request ever sees another's cache), and the shared services. Declared
 * here, in the resolvers' own layer; graphql/context.ts builds it
 * (createContext).
 *
 * `Loaders` and `Services` are filled in by each module's index.ts
 * (`declare module '../context' { interface Loaders extends … }`) next to the
 * factories that make them; modules/index.ts checks at compile time that they
 * match what MODULES builds.
 */
import type { DataSource } from 'typeorm';
import type { Viewer } from './auth/viewer';
import type { PartnerScope } from './sharing/sharing.scope';

/** Every per-request DataLoader, by name (each module adds its own). */
export interface Loaders {}

/** Every service, built once per process (each module adds its own). */
export interface Services {}

export interface Context {
  requestId: string;
  viewer: Viewer;
  ds: DataSource;
  loaders: Loaders;
  services: Services;
  /** PARTNER keys: the partner scope every read applies (sharing/sharing.scope.ts); null for every other role. */
  partnerScope: PartnerScope | null;
  /** A mixed compiled read's JSON, by root response key (graphql/sql/compiled-reads.ts). */
  compiled?: Record<string, unknown>;
}
