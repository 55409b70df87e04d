/**
 * Survivorship: which values the survivor of a merge keeps. Pure, so the rules are unit-tested
 * and documented in one place (docs/merge.md, "Survivorship").
 */
import type { LifecycleStage } from '../lifecycle/stages';

/** The fields of a profile the rules read. */
export interface Profile {
  id: string;
  /** Null only for an erased customer, which a merge refuses before survivorship is decided. */
  name: string | null;
  email: string | null;
  phone: string | null;
  externalId: string | null;
  personaId: string | null;
  stage: LifecycleStage;
  stageEnteredAt: Date;
  lastPurchaseAt: Date | null;
}

/** Per personal field, the local id of the profile whose value the caller chose. */
export type KeepChoice = Partial<Record<'name' | 'email' | 'phone' | 'externalId' | 'persona', string>>;

export interface SurvivorValues {
  name: string;
  email: string | null;
  phone: string | null;
  externalId: string | null;
  personaId: string | null;
  stage: LifecycleStage;
  stageEnteredAt: Date;
  lastPurchaseAt: Date | null;
  /** Per field, whose value was kept (local ids), journaled with the merge. */
  keptFrom: Record<string, string>;
}

const PROPERTY = { name: 'name', email: 'email', phone: 'phone', externalId: 'externalId', persona: 'personaId' } as const;

/**
 * - Personal fields and persona: the profile named in `keep`; otherwise the survivor's value, or
 *   when the survivor has none, the first merged profile (in the order given) that has one.
 * - Stage: the stage most recently entered across the profiles (their histories are merged, so
 *   this is the latest move in the survivor's combined history); a tie goes to the survivor,
 *   then to the order given.
 * - Last purchase: the latest of all.
 */
export function survivorValues(survivor: Profile, merged: readonly Profile[], keep: KeepChoice): SurvivorValues {
  const profiles = [survivor, ...merged];
  const byId = new Map(profiles.map((p) => [p.id, p]));
  const keptFrom: Record<string, string> = {};
  const pick = <F extends keyof typeof PROPERTY>(field: F): Profile => {
    const chosen = keep[field] ? byId.get(keep[field]!) : undefined;
    const prop = PROPERTY[field];
    const source = chosen ?? profiles.find((p) => p[prop] != null && p[prop] !== '') ?? survivor;
    keptFrom[field] = source.id;
    return source;
  };
  const latestStage = profiles.reduce((best, p) => (p.stageEnteredAt.getTime() > best.stageEnteredAt.getTime() ? p : best));
  const purchases = profiles.flatMap((p) => (p.lastPurchaseAt ? [p.lastPurchaseAt.getTime()] : []));
  keptFrom.stage = latestStage.id;
  return {
    name: pick('name').name ?? '',
    email: pick('email').email,
    phone: pick('phone').phone,
    externalId: pick('externalId').externalId,
    personaId: pick('persona').personaId,
    stage: latestStage.stage,
    stageEnteredAt: latestStage.stageEnteredAt,
    lastPurchaseAt: purchases.length ? new Date(Math.max(...purchases)) : null,
    keptFrom,
  };
}
