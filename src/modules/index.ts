/**
 * Every module, once. The schema, the node resolver, the read compiler, the
 * loaders, the services and the DataSource's entities are all built by
 * iterating this list: adding a module is its folder and one line here.
 */
import { analytics } from './analytics';
import { auth } from './auth';
import { commerce } from './commerce';
import { consent } from './consent';
import type { Loaders, Services } from './context';
import { customers } from './customers';
import { events } from './events';
import { imports } from './imports';
import { lifecycle } from './lifecycle';
import { merges } from './merges';
import type { ModuleDescriptor } from './module';
import { personas } from './personas';
import { privacy } from './privacy';
import { referrals } from './referrals';
import { sharing } from './sharing';
import { touchpoints } from './touchpoints';

export const MODULES = [
  customers,
  personas,
  commerce,
  touchpoints,
  referrals,
  lifecycle,
  events,
  analytics,
  auth,
  consent,
  sharing,
  merges,
  imports,
  privacy,
] as const;

/** Every module's entities, for the DataSource. */
export const ENTITIES = MODULES.flatMap((m) => m.entities ?? []);

// The loaders and services MODULES builds must be exactly what the modules
// declare in modules/context.ts (`declare module '../context'`): a module
// listed here without its declaration, or declared but not listed, fails the
// typecheck on these lines.
type UnionToIntersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;
type LoadersOf<M> = M extends ModuleDescriptor<infer L, object> ? L : never;
type ServicesOf<M> = M extends ModuleDescriptor<object, infer S> ? S : never;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
export type BuiltLoaders = UnionToIntersection<LoadersOf<(typeof MODULES)[number]>>;
export type BuiltServices = UnionToIntersection<ServicesOf<(typeof MODULES)[number]>>;
export type ModulesMatchContext = [Assert<Same<BuiltLoaders, Loaders>>, Assert<Same<BuiltServices, Services>>];
