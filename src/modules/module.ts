/**
 * What a module tells the rest of the application about itself, in one object
 * exported from `modules/<area>/index.ts` and listed once in modules/index.ts
 * (MODULES). The layers above iterate that list: graphql/ builds the schema
 * from the resolvers, the node resolver reads `nodeTypes`, the read compiler
 * reads `sql`, modules/loaders.ts and services.ts merge the factories, the
 * DataSource takes the entities. Nothing registers itself on import.
 *
 * The types of the merged loaders and services (`Loaders`, `Services` in
 * modules/context.ts) are declared by each module's index.ts with
 * `declare module '../context'`, because resolvers need them and the list
 * that holds the resolvers cannot also define them (that would be a cycle);
 * modules/index.ts checks at compile time that the declarations and the
 * factories in MODULES agree.
 */
import type { DataSource, EntityManager } from 'typeorm';
import type { FieldMap, RootList, SqlObjectMap } from '../db/sql-map';
import type { Clock } from '../shared/clock';
import type { Logger } from '../shared/logger';
import type { Loaders, Services } from './context';
import type { NodeOwners } from './sharing/sharing.scope';

/**
 * What a module holds about one person, and how it is erased: the module's
 * part of the right of access and the right to erasure (modules/privacy,
 * docs/privacy.md). Both run inside the privacy service's transaction, with
 * the customer row already locked; neither commits.
 */
export interface PersonalDataContribution {
  /**
   * Everything this module holds about the customer, as JSON-ready sections
   * keyed by name (e.g. `{ holdings: [...], purchases: [...] }`). Section
   * names are unique across modules; dates as ISO strings, ids as strings.
   */
  export(em: EntityManager, customerId: string): Promise<Record<string, unknown>>;
  /**
   * Removes for good every personal value this module holds about the
   * customer (names, contact details, free text), keeping the non-personal
   * facts the models and aggregates need. Omit when the module holds nothing
   * personal.
   */
  erase?(em: EntityManager, customerId: string, at: Date): Promise<void>;
  /**
   * Tables `erase` rewrites: after the commit they are vacuumed, so the old
   * row versions holding the erased values are gone from the table files too.
   */
  readonly erasesIn?: readonly string[];
}

/** A module's contribution with the module's name, as the privacy service receives it. */
export interface NamedPersonalData extends PersonalDataContribution {
  readonly module: string;
}

/** What a module's service factory is given. */
export interface ServiceDeps {
  ds: DataSource;
  clock: Clock;
  /** Every module's personal-data contribution, in MODULES order (for the privacy service). */
  personalData: readonly NamedPersonalData[];
  /** REFERRAL_COST: cost of one referral, for the referral ROI. */
  referralCost?: string | null;
  log?: Logger;
}

/** The name of a loader that fetches one row by its id (`<type>ById`). */
export type ByIdLoaderName = { [K in keyof Loaders]: K extends `${string}ById` ? K : never }[keyof Loaders];

/** What the read compiler (graphql/sql/) may answer in SQL for this module. */
export interface ModuleSql {
  /** The maps of the object types this module stores (`<area>.sql.ts`). */
  objects?: readonly SqlObjectMap[];
  /** Fields this module adds to another module's type, by type name (analytics adds the stored insight to Customer). */
  extend?: Readonly<Record<string, Record<string, FieldMap>>>;
  /** Root connections over one table, by Query field name. */
  roots?: Readonly<Record<string, RootList>>;
}

/** Any class: an entity or a resolver. */
export type ClassType = abstract new (...args: never[]) => unknown;

export interface ModuleDescriptor<L extends object = Record<never, never>, S extends object = Record<never, never>> {
  /** The folder's name, for messages. */
  readonly name: string;
  /** TypeORM entities (tables) this module owns. */
  readonly entities?: readonly ClassType[];
  /** Resolver and field-resolver classes (`<area>.resolver.ts`, `<area>.fields.ts`). */
  readonly resolvers?: readonly ClassType[];
  /** Per-request DataLoaders (`<area>.loaders.ts`); `cache: false` for subscriptions. */
  readonly loaders?: (em: EntityManager, cache: boolean) => L;
  /** The module's services, built once per process. */
  readonly services?: (deps: ServiceDeps) => S;
  /** Runs once every module's services exist: hook-ups between modules (analytics re-scores after purchases). */
  readonly connect?: (services: Services) => void;
  /** Node types `node(id:)` resolves: GraphQL type name → the by-id loader that fetches it. */
  readonly nodeTypes?: Readonly<Record<string, ByIdLoaderName>>;
  /**
   * Whose data each node type is (the row its by-id loader returns → its
   * owners), for the partner scope on `node(id:)`. Every type in `nodeTypes`
   * needs one: a PARTNER key gets null for a type without it.
   */
  readonly nodeOwners?: Readonly<Record<string, (row: never) => NodeOwners>>;
  readonly sql?: ModuleSql;
  /** What the module holds about a person and how it is erased (right of access, right to erasure). */
  readonly personalData?: PersonalDataContribution;
}

/** Declares a module; only gives the descriptor its precise type (the loaders and services it makes). */
export function defineModule<L extends object = Record<never, never>, S extends object = Record<never, never>>(
  m: ModuleDescriptor<L, S>,
): ModuleDescriptor<L, S> {
  return m;
}
