/** The service layer, built once per process and shared by every request: each module's services (MODULES), merged. */
import type { DataSource } from 'typeorm';
import type { Clock } from './shared/clock';
import type { Logger } from './shared/logger';
import type { Services } from './modules/context';
import type { NamedPersonalData } from './modules/module';
import { MODULES } from './modules';

export type { Services };

/** Settings some services need from the configuration. */
export interface ServiceOptions {
  /** REFERRAL_COST: cost of one referral, for the referral ROI. */
  referralCost?: string | null;
  log?: Logger;
}

/** Every module's personal-data contribution, in MODULES order, named by its module. */
export function personalDataContributions(): NamedPersonalData[] {
  return MODULES.flatMap((m) => (m.personalData ? [{ ...m.personalData, module: m.name }] : []));
}

export function createServices(ds: DataSource, clock: Clock, options: ServiceOptions = {}): Services {
  const deps = { ds, clock, referralCost: options.referralCost, log: options.log, personalData: personalDataContributions() };
  // modules/index.ts checks at compile time that these factories make exactly `Services`.
  const services = Object.assign({}, ...MODULES.map((m) => m.services?.(deps))) as Services;
  for (const m of MODULES) m.connect?.(services);
  return services;
}
