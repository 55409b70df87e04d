/**
 * The demo-data generator: pure functions from (seed, customer index, now) to
 * plain rows, with no I/O, so the same seed always yields the same data and the
 * rules can be unit-tested.
 *
 * The population is built so the analytics have something to find:
 * - every lifecycle stage is present, each customer's history is a valid walk
 *   through the stage table, and automatic moves carry the trigger the services
 *   would have written (FIRST_PURCHASE with the first purchase, PURCHASE_AFTER_LAPSE
 *   with the comeback purchase, CHURN_RISK into AT_RISK, FIRST_REFERRAL with the
 *   first referral);
 * - steady customers buy at their persona's pace; customers drifting away buy
 *   less and less before they are flagged, close some holdings (product churn),
 *   stop buying once DORMANT or CHURNED, and answer touchpoints mostly with
 *   NO_RESPONSE or NEGATIVE;
 * - advocates refer new customers, some of whom go on to buy (converted referrals).
 */
import { automaticMove, LifecycleStage, StageChangeTrigger } from '../../modules/lifecycle/stages';
import { Channel, Direction, TouchpointResponse } from '../../modules/touchpoints/touchpoint.enums';
import {
  BEHAVIOUR,
  CAMPAIGNS,
  CHURN_REASONS,
  EMAIL_DOMAINS,
  FIRST_NAMES,
  LAST_NAMES,
  NOTES,
  PERSONAS,
  PRODUCTS,
  UNMATCHED_BEHAVIOUR,
  type PersonaBehaviour,
} from './catalogue';
import { DRIFT_STAGES, planStagePath, STAGE_MIX, stageTimes } from './journey';
import { generateConsent, type GeneratedConsentRecord } from './consent';
import { hashSeed, Rng } from './random';

const S = LifecycleStage;
const DAY = 86_400_000;

export interface GeneratedStageChange {
  from: LifecycleStage | null;
  to: LifecycleStage;
  trigger: StageChangeTrigger;
  reason: string;
  /** Epoch milliseconds. */
  at: number;
}

export interface GeneratedPurchase {
  /** Index into PRODUCTS. */
  product: number;
  at: number;
  quantity: number;
  amountCents: number;
}

export interface GeneratedHolding {
  product: number;
  /** First purchase of the product (or the purchase that re-opened it). */
  since: number;
  /** Set when the customer gave the product up (product churn). */
  closedAt: number | null;
}

export interface GeneratedTouchpoint {
  channel: Channel;
  direction: Direction;
  at: number;
  campaign: string | null;
  product: number | null;
  response: TouchpointResponse;
  note: string | null;
}

export interface GeneratedCustomer {
  /** Position in the whole population, from 0; drives the per-customer random stream. */
  index: number;
  externalId: string;
  name: string;
  email: string | null;
  phone: string | null;
  /** Index into PERSONAS, or null when no persona has been matched yet. */
  persona: number | null;
  stage: LifecycleStage;
  stageEnteredAt: number;
  createdAt: number;
  updatedAt: number;
  lastPurchaseAt: number | null;
  /** Oldest first; the first row has `from: null`, the last one's `to` is `stage`. */
  history: GeneratedStageChange[];
  /** Oldest first. */
  purchases: GeneratedPurchase[];
  holdings: GeneratedHolding[];
  /** Oldest first. */
  touchpoints: GeneratedTouchpoint[];
  /** Consent records, oldest first (see consent.ts); empty for customers who never answered. */
  consent: GeneratedConsentRecord[];
}

export interface GeneratedReferral {
  /** Customer indices (GeneratedCustomer.index). */
  referrer: number;
  referred: number;
  channel: Channel;
  at: number;
  /** The referred customer's first purchase, when they bought after being referred. */
  convertedAt: number | null;
}

export interface GeneratedCohort {
  customers: GeneratedCustomer[];
  referrals: GeneratedReferral[];
}

/** Customers are generated and referrals matched in cohorts of this size. */
export const COHORT_SIZE = 1000;

const PURCHASE_LEVEL: Partial<Record<LifecycleStage, number>> = {
  CONVERTED: 0.5,
  ONBOARDED: 0.9,
  EXPANDING: 1.5,
  RETAINED: 1.0,
  ADVOCATE: 1.15,
  REACTIVATED: 0.7,
  AT_RISK: 0.3,
};
const MAX_PURCHASE_LEVEL = 1.5;

const TOUCH_LEVEL: Record<LifecycleStage, number> = {
  IDENTIFIED: 1.3,
  ACQUIRED: 1.8,
  CONVERTED: 1.5,
  ONBOARDED: 1.4,
  EXPANDING: 1.1,
  RETAINED: 1.0,
  ADVOCATE: 1.1,
  AT_RISK: 1.6,
  DORMANT: 0.5,
  CHURNED: 0.2,
  REACTIVATED: 1.2,
};

/** How a customer in a stage tends to answer outreach (also used by the read benchmark's data set). */
export type Mood = 'prospect' | 'engaged' | 'drifting' | 'lapsed';
export const RESPONSES: Record<Mood, Record<TouchpointResponse, number>> = {
  prospect: { POSITIVE_INTEREST: 22, NEGATIVE: 6, NO_RESPONSE: 57, CONTACT_LATER: 15 },
  engaged: { POSITIVE_INTEREST: 42, NEGATIVE: 7, NO_RESPONSE: 36, CONTACT_LATER: 15 },
  drifting: { POSITIVE_INTEREST: 12, NEGATIVE: 28, NO_RESPONSE: 48, CONTACT_LATER: 12 },
  lapsed: { POSITIVE_INTEREST: 5, NEGATIVE: 22, NO_RESPONSE: 66, CONTACT_LATER: 7 },
};

/** Chance that a touchpoint on the channel was started by the customer. */
export const INBOUND_SHARE: Record<Channel, number> = {
  EMAIL: 0.15,
  DIRECT_MAIL: 0,
  PHONE: 0.5,
  SMS: 0.1,
  WEB: 0.85,
  SOCIAL: 0.4,
  IN_PERSON: 0.8,
  EVENT: 0.3,
  ADVERTISING: 0,
};
const ALL_CHANNELS = Object.values(Channel);

const MANUAL_REASON: Partial<Record<LifecycleStage, string>> = {
  ACQUIRED: 'First conversation: asked for a quote.',
  ONBOARDED: 'Welcome call done; communication preferences recorded.',
  EXPANDING: 'Buying from a second category.',
  RETAINED: 'Steady repeat customer.',
  ADVOCATE: 'Promoter in the guest satisfaction survey.',
  DORMANT: 'No purchase or reply for months.',
};
const SOURCES = [
  'Signed up on the website.',
  'Met us at a travel fair.',
  'Replied to an advertising campaign.',
  'Followed us on social media.',
  'Called to ask about rates.',
];

const MEMBERSHIP_RENEWAL_DAYS = 330;
const ONCE_ONLY = new Set(PRODUCTS.flatMap((p, i) => (p.sku === 'EV-WED' ? [i] : [])));
const ANNUAL = new Set(PRODUCTS.flatMap((p, i) => (p.category === 'Loyalty & memberships' ? [i] : [])));

/** Everything a customer does is drawn from this stream, so customers do not depend on each other. */
function customerRng(seed: string | number, index: number): Rng {
  return new Rng(hashSeed('customer', seed, index));
}

const slug = (text: string) =>
  text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/ø/g, 'o')
    .toLowerCase()
    .replace(/[^a-z]+/g, '');

interface Segment {
  stage: LifecycleStage;
  next: LifecycleStage | null;
  start: number;
  end: number;
}

/** When a segment that ends in a drift starts to fade: the fade begins before anyone flags the customer. */
function fadeStart(seg: Segment): number {
  return seg.next && DRIFT_STAGES.has(seg.next) ? seg.end - Math.min(0.6 * (seg.end - seg.start), 240 * DAY) : Infinity;
}

/** Purchase level at time t within a segment: the stage's level, fading to a trickle before a drift. */
function purchaseLevel(seg: Segment, t: number): number {
  const base = PURCHASE_LEVEL[seg.stage] ?? 0;
  if (base === 0) return 0;
  if (seg.stage === S.AT_RISK) return 0.25 - 0.22 * ((t - seg.start) / Math.max(1, seg.end - seg.start));
  // That fade, visible in the purchase log before any stage change, is the signal churn models learn.
  const from = fadeStart(seg);
  if (t > from) return base * (1 - 0.85 * ((t - from) / Math.max(1, seg.end - from)));
  return base;
}

function moodAt(seg: Segment, t: number): Mood {
  switch (seg.stage) {
    case S.IDENTIFIED:
    case S.ACQUIRED:
      return 'prospect';
    case S.AT_RISK:
      return 'drifting';
    case S.DORMANT:
    case S.CHURNED:
      return 'lapsed';
    default:
      if (t > fadeStart(seg)) return 'drifting';
      return 'engaged';
  }
}

function pickProduct(rng: Rng, behaviour: PersonaBehaviour, bought: Map<number, number>, at: number, crossSell: boolean): number {
  const weights = PRODUCTS.map((_, i) => {
    let w = behaviour.affinity.get(i) ?? 0.15;
    const last = bought.get(i);
    if (last !== undefined) {
      if (ONCE_ONLY.has(i)) return 0;
      if (ANNUAL.has(i) && at - last < MEMBERSHIP_RENEWAL_DAYS * DAY) return 0;
      w *= crossSell ? 0.5 : 2; // habits repeat; cross-sell reaches for something new
    } else if (crossSell) {
      w *= 4;
    }
    return w;
  });
  return rng.weightedIndex(weights);
}

function purchaseOf(rng: Rng, product: number, at: number): GeneratedPurchase {
  const p = PRODUCTS[product];
  const quantity = rng.int(p.quantity[0], p.quantity[1]);
  const discount = [1, 0.95, 0.9, 0.85][rng.weightedIndex([6, 2, 1.5, 0.5])];
  return { product, at, quantity, amountCents: Math.round(p.priceCents * quantity * discount) };
}

function pickChannel(rng: Rng, preferred: readonly Channel[], mood: Mood): Channel {
  if (mood === 'prospect' && rng.chance(0.35)) return rng.pick([Channel.ADVERTISING, Channel.SOCIAL, Channel.WEB]);
  if (preferred.length && rng.chance(0.65)) return preferred[rng.weightedIndex(preferred.map((_, i) => preferred.length - i))];
  return rng.pick(ALL_CHANNELS);
}

function campaignFor(rng: Rng, seg: Segment, mood: Mood, behaviour: PersonaBehaviour): string {
  if (mood === 'prospect') return rng.pick(behaviour.prospectCampaigns);
  if (mood === 'lapsed') return rng.pick(CAMPAIGNS.lapsed);
  if (mood === 'drifting') return rng.pick(CAMPAIGNS.drifting);
  if (seg.stage === S.CONVERTED || seg.stage === S.ONBOARDED) return rng.pick(CAMPAIGNS.onboarding);
  return rng.pick(CAMPAIGNS.active);
}

function noteFor(rng: Rng, response: TouchpointResponse): string | null {
  if (response === TouchpointResponse.NO_RESPONSE || !rng.chance(0.35)) return null;
  return rng.pick(NOTES[response]);
}

/**
 * One demo customer: profile, persona, journey, purchases, holdings and
 * touchpoints. A pure function of (seed, index, now). Referrals are added by
 * `generateCohort`, which sees several customers at once.
 */
export function generateCustomer(seed: string | number, index: number, now: Date): GeneratedCustomer {
  const rng = customerRng(seed, index);
  const nowMs = Math.floor(now.getTime() / 1000) * 1000;

  // Profile.
  const first = rng.pick(FIRST_NAMES);
  const last = rng.pick(LAST_NAMES);
  const email = rng.chance(0.94) ? `${slug(first)}.${slug(last)}${index + 1}@${rng.pick(EMAIL_DOMAINS)}` : null;
  // +44 7700 900xxx is the UK regulator's range reserved for fiction.
  const phone = rng.chance(0.75) ? `+44 7700 900${String(rng.int(0, 999)).padStart(3, '0')}` : null;
  const personaIndex = rng.weightedIndex([...PERSONAS.map((p) => BEHAVIOUR[p.key].share), UNMATCHED_BEHAVIOUR.share]);
  let persona: number | null = personaIndex < PERSONAS.length ? personaIndex : null;
  const target = rng.weighted(STAGE_MIX);
  // Many prospects have not been profiled yet.
  if (target === S.IDENTIFIED && rng.chance(0.3)) persona = null;
  const behaviour = persona === null ? UNMATCHED_BEHAVIOUR : BEHAVIOUR[PERSONAS[persona].key];
  const preferred = persona === null ? [] : PERSONAS[persona].preferredChannels;
  // Customers differ in appetite around their persona's pace (a long-tailed spread, as in real purchase logs).
  const appetite = Math.exp(0.45 * rng.normal());
  const chattiness = Math.exp(0.3 * rng.normal());

  // Journey.
  const path = planStagePath(rng, target);
  const times = stageTimes(rng, path, nowMs);
  const history: GeneratedStageChange[] = path.map((to, i) => {
    const from = i === 0 ? null : path[i - 1];
    const at = times[i];
    if (from === null) return { from, to, trigger: StageChangeTrigger.MANUAL, reason: rng.pick(SOURCES), at };
    if (to === S.CONVERTED && automaticMove(StageChangeTrigger.FIRST_PURCHASE, from) === to) {
      return { from, to, trigger: StageChangeTrigger.FIRST_PURCHASE, reason: 'First purchase recorded.', at };
    }
    if (to === S.REACTIVATED && automaticMove(StageChangeTrigger.PURCHASE_AFTER_LAPSE, from) === to) {
      return { from, to, trigger: StageChangeTrigger.PURCHASE_AFTER_LAPSE, reason: 'Bought again after a lapse.', at };
    }
    if (to === S.AT_RISK && automaticMove(StageChangeTrigger.CHURN_RISK, from) === to) {
      return { from, to, trigger: StageChangeTrigger.CHURN_RISK, reason: 'Churn risk rose to HIGH: fewer stays and lower spend.', at };
    }
    if (to === S.CHURNED) {
      const reason = CHURN_REASONS[rng.weightedIndex(CHURN_REASONS.map((r) => r.weight))].reason;
      return { from, to, trigger: StageChangeTrigger.MANUAL, reason, at };
    }
    const saved = from === S.AT_RISK ? 'Saved by the retention team.' : null;
    return { from, to, trigger: StageChangeTrigger.MANUAL, reason: saved ?? MANUAL_REASON[to] ?? 'Moved by the account team.', at };
  });
  const segments: Segment[] = path.map((stage, i) => ({ stage, next: path[i + 1] ?? null, start: times[i], end: times[i + 1] ?? nowMs }));

  // Purchases: the automatic-move purchases at their stage changes, the rest a Poisson
  // process thinned by the stage's level (so it fades before a drift and stops after).
  const purchases: GeneratedPurchase[] = [];
  const bought = new Map<number, number>();
  const buy = (product: number, at: number) => {
    purchases.push(purchaseOf(rng, product, at));
    bought.set(product, at);
  };
  const rate = (behaviour.purchasesPer30Days * appetite) / (30 * DAY);
  for (const seg of segments) {
    if (seg.stage === S.CONVERTED) buy(rng.pick(behaviour.firstPurchase), seg.start);
    if (seg.stage === S.REACTIVATED) buy(pickProduct(rng, behaviour, bought, seg.start, false), seg.start);
    if (!(PURCHASE_LEVEL[seg.stage] ?? 0)) continue;
    let t = seg.start;
    for (;;) {
      t += Math.max(1000, Math.round(rng.exponential(1 / (rate * MAX_PURCHASE_LEVEL)) / 1000) * 1000);
      if (t >= seg.end) break;
      if (rng.float() * MAX_PURCHASE_LEVEL < purchaseLevel(seg, t))
        buy(pickProduct(rng, behaviour, bought, t, seg.stage === S.EXPANDING), t);
    }
  }

  // Holdings: replay purchases and give-ups in time order, the way the services would
  // (a purchase opens or re-opens a holding; closing it is product churn).
  type Closure = { at: number; share: number };
  const closures: Closure[] = [];
  for (const seg of segments) {
    const span = seg.end - seg.start;
    if (seg.stage === S.CHURNED) closures.push({ at: seg.start, share: 1 });
    else if (seg.stage === S.AT_RISK)
      closures.push({ at: seg.start + Math.floor(rng.between(0, Math.min(30 * DAY, span)) / 1000) * 1000, share: 0.4 });
    else if (seg.stage === S.DORMANT)
      closures.push({ at: seg.start + Math.floor(rng.between(0, Math.min(60 * DAY, span)) / 1000) * 1000, share: 0.35 });
  }
  const open = new Map<number, GeneratedHolding>();
  const holdings: GeneratedHolding[] = [];
  const events = [
    ...purchases.map((p) => ({ at: p.at, purchase: p as GeneratedPurchase | null, closure: null as Closure | null })),
    ...closures.map((c) => ({ at: c.at, purchase: null, closure: c })),
  ];
  // Purchases sort before a closure at the same instant: a purchase never lands on a closed holding by accident.
  events.sort((a, b) => a.at - b.at || (a.purchase ? 0 : 1) - (b.purchase ? 0 : 1));
  for (const e of events) {
    if (e.purchase) {
      const h = open.get(e.purchase.product);
      if (!h) {
        const created = { product: e.purchase.product, since: e.at, closedAt: null };
        open.set(e.purchase.product, created);
        holdings.push(created);
      } else if (h.closedAt !== null) {
        h.since = e.at;
        h.closedAt = null;
      }
    } else if (e.closure) {
      for (const h of open.values()) {
        if (h.closedAt === null && e.at > h.since && rng.chance(e.closure.share)) h.closedAt = e.at;
      }
    }
  }
  // Steady customers give up the odd product too: one not bought for half a year.
  for (const h of holdings) {
    const lastBuy = bought.get(h.product)!;
    if (h.closedAt === null && nowMs - lastBuy > 180 * DAY && rng.chance(0.25)) {
      h.closedAt = Math.floor(rng.between(lastBuy + 60 * DAY, nowMs) / 1000) * 1000;
    }
  }

  // Touchpoints: a Poisson process per stage, plus the moments that move the journey.
  const touchpoints: GeneratedTouchpoint[] = [];
  const touch = (seg: Segment, at: number, forced?: Partial<GeneratedTouchpoint>) => {
    const mood = moodAt(seg, at);
    const channel = forced?.channel ?? pickChannel(rng, preferred, mood);
    const direction = forced?.direction ?? (rng.chance(INBOUND_SHARE[channel]) ? Direction.INBOUND : Direction.OUTBOUND);
    const weights = { ...RESPONSES[mood] };
    // Someone who reached out did respond, mostly.
    if (direction === Direction.INBOUND) weights.NO_RESPONSE /= 3;
    const response = forced?.response ?? rng.weighted(weights);
    const offersProduct = rng.chance(direction === Direction.OUTBOUND ? 0.4 : 0.2);
    touchpoints.push({
      channel,
      direction,
      at,
      campaign:
        forced?.campaign !== undefined ? forced.campaign : direction === Direction.OUTBOUND ? campaignFor(rng, seg, mood, behaviour) : null,
      product: offersProduct ? pickProduct(rng, behaviour, bought, at, true) : null,
      response,
      note: forced?.note !== undefined ? forced.note : noteFor(rng, response),
    });
  };
  const touchRate = (behaviour.touchpointsPer30Days * chattiness) / (30 * DAY);
  segments.forEach((seg, i) => {
    if (seg.stage === S.ACQUIRED) {
      touch(seg, seg.start, {
        channel: preferred[0] ?? Channel.WEB,
        direction: Direction.INBOUND,
        response: TouchpointResponse.POSITIVE_INTEREST,
        campaign: null,
        note: 'First enquiry',
      });
    }
    if (seg.stage === S.AT_RISK && rng.chance(0.5)) {
      const prev = segments[i - 1];
      const at = Math.max(prev.start + 1000, seg.start - Math.floor((rng.between(1, 5) * DAY) / 1000) * 1000);
      touch(prev, at, {
        direction: Direction.INBOUND,
        response: TouchpointResponse.NEGATIVE,
        campaign: null,
        note: rng.pick(NOTES.NEGATIVE),
      });
    }
    if (seg.stage === S.REACTIVATED) {
      const prev = segments[i - 1];
      const at = Math.max(prev.start + 1000, seg.start - Math.floor((rng.between(3, 20) * DAY) / 1000) * 1000);
      touch(prev, at, {
        direction: Direction.OUTBOUND,
        response: TouchpointResponse.POSITIVE_INTEREST,
        campaign: rng.pick(CAMPAIGNS.lapsed),
      });
    }
    let t = seg.start;
    for (;;) {
      t += Math.max(1000, Math.round(rng.exponential(1 / (touchRate * TOUCH_LEVEL[seg.stage])) / 1000) * 1000);
      if (t >= seg.end) break;
      touch(seg, t);
    }
  });
  touchpoints.sort((a, b) => a.at - b.at);

  const lastPurchaseAt = purchases.length ? purchases[purchases.length - 1].at : null;
  const stageEnteredAt = history[history.length - 1].at;
  return {
    index,
    externalId: `demo-${String(index + 1).padStart(7, '0')}`,
    name: `${first} ${last}`,
    email,
    phone,
    persona,
    stage: history[history.length - 1].to,
    stageEnteredAt,
    createdAt: history[0].at,
    updatedAt: Math.max(stageEnteredAt, lastPurchaseAt ?? 0),
    lastPurchaseAt,
    history,
    purchases,
    holdings,
    touchpoints,
    consent: generateConsent(
      seed,
      { index, stage: history[history.length - 1].to, createdAt: history[0].at, preferredChannels: preferred, touchpoints },
      nowMs,
    ),
  };
}

const REFERRAL_CHANNELS: Partial<Record<Channel, number>> = { IN_PERSON: 3, SOCIAL: 3, EMAIL: 2, WEB: 2, PHONE: 1, EVENT: 1 };
/** A referred person is usually known to us shortly before the referral is recorded. */
const REFERRAL_WINDOW = 45 * DAY;

/**
 * Finds who each advocate referred, within the cohort. An advocate's first
 * referral happens the moment they became ADVOCATE (the FIRST_REFERRAL rule);
 * when nobody fits, the move stays a manual one. Later referrals follow while
 * the advocate is still active. The referred customer was identified up to 45
 * days before and had not bought yet, so a referral converts at their first
 * purchase, if any. Updates the histories it matches in place.
 */
function matchReferrals(rng: Rng, customers: GeneratedCustomer[], nowMs: number): GeneratedReferral[] {
  const byCreated = [...customers].sort((a, b) => a.createdAt - b.createdAt || a.index - b.index);
  const created = byCreated.map((c) => c.createdAt);
  const referredBy = new Map<number, number>();
  const referrals: GeneratedReferral[] = [];
  const lowerBound = (t: number) => {
    let lo = 0;
    let hi = created.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (created[mid] < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const fits = (referrer: GeneratedCustomer, c: GeneratedCustomer, at: number) =>
    c.index !== referrer.index &&
    !referredBy.has(c.index) &&
    referredBy.get(referrer.index) !== c.index &&
    (c.purchases.length === 0 || c.purchases[0].at >= at);
  const candidate = (referrer: GeneratedCustomer, at: number): GeneratedCustomer | null => {
    const lo = lowerBound(at - REFERRAL_WINDOW);
    const hi = lowerBound(at + 1);
    if (hi <= lo) return null;
    for (let tries = 0; tries < 8; tries++) {
      const c = byCreated[rng.int(lo, hi - 1)];
      if (fits(referrer, c, at)) return c;
    }
    const start = rng.int(lo, hi - 1);
    for (let k = 0; k < hi - lo; k++) {
      const c = byCreated[lo + ((start - lo + k) % (hi - lo))];
      if (fits(referrer, c, at)) return c;
    }
    return null;
  };
  const refer = (referrer: GeneratedCustomer, referred: GeneratedCustomer, at: number) => {
    referredBy.set(referred.index, referrer.index);
    referred.history[0].reason = 'Referred by an existing guest.';
    referrals.push({
      referrer: referrer.index,
      referred: referred.index,
      channel: rng.weighted(REFERRAL_CHANNELS),
      at,
      convertedAt: referred.purchases.length ? referred.purchases[0].at : null,
    });
  };

  for (const c of customers) {
    const first = c.history.findIndex((h) => h.to === S.ADVOCATE);
    if (first < 0) continue;
    const entry = c.history[first];
    const at = entry.at;
    const referred = automaticMove(StageChangeTrigger.FIRST_REFERRAL, entry.from!) === S.ADVOCATE ? candidate(c, at) : null;
    if (!referred) continue;
    entry.trigger = StageChangeTrigger.FIRST_REFERRAL;
    entry.reason = 'Made a first referral.';
    refer(c, referred, at);
    const leftAt = c.history.slice(first + 1).find((h) => DRIFT_STAGES.has(h.to))?.at ?? nowMs;
    let more = 0;
    while (more < 4 && rng.chance(0.45)) more++;
    for (let k = 0; k < more; k++) {
      const later = Math.floor(rng.between(at + DAY, leftAt) / 1000) * 1000;
      if (later <= at || later >= leftAt) continue;
      const other = candidate(c, later);
      if (other) refer(c, other, later);
    }
  }
  referrals.sort((a, b) => a.at - b.at || a.referrer - b.referrer);
  return referrals;
}

/**
 * Customers [start, start + count) of the population for `seed`, with the
 * referrals among them. Pure: the same arguments always give equal output.
 * Callers generate whole cohorts (start a multiple of COHORT_SIZE) so a
 * population does not depend on how it is written.
 */
export function generateCohort(seed: string | number, start: number, count: number, now: Date): GeneratedCohort {
  const customers: GeneratedCustomer[] = [];
  for (let i = start; i < start + count; i++) customers.push(generateCustomer(seed, i, now));
  const referrals = matchReferrals(new Rng(hashSeed('referrals', seed, start, count)), customers, Math.floor(now.getTime() / 1000) * 1000);
  return { customers, referrals };
}

/** Splits a population of `total` customers into generateCohort calls. */
export function* cohorts(total: number): Generator<{ start: number; count: number }> {
  for (let start = 0; start < total; start += COHORT_SIZE) yield { start, count: Math.min(COHORT_SIZE, total - start) };
}
