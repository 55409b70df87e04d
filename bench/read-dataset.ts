/**
 * The data set of `npm run bench:read`: a fixed population, built into its own database
 * (`cg_bench_read`) and reused while its fingerprint (this file's source, DATASET_VERSION and
 * the migration list) is unchanged.
 *
 * Sizes are exact: 8 personas, 50 products, 10,000 customers, 30,203 holdings (1–5 per customer),
 * 200,000 touchpoints and 5,000 referrals; 59,981 purchases and 76,758 stage-history rows follow
 * from the journeys (the fit adds ~1,800 moves to AT_RISK). Every row comes from a seeded PRNG
 * (one stream per customer), so the same rows are written every time, with explicit ids, and
 * "now" is fixed at DATASET_NOW. Only what the fit times (fit_ms, scoring_ms) and the event log
 * of its moves differ between builds.
 *
 * The rows hold together the way the services would have written them:
 * - each customer's history is a walk through the stage table (src/modules/lifecycle/stages.ts) with the
 *   automatic triggers where they apply: FIRST_PURCHASE at the first purchase, PURCHASE_AFTER_LAPSE
 *   with a purchase at the comeback, CHURN_RISK into AT_RISK, FIRST_REFERRAL at a first referral;
 * - every customer holds 1–5 products, so everyone has bought (no one is still IDENTIFIED or
 *   ACQUIRED); a holding's `since` is its first purchase, purchases only fall in stages where
 *   customers buy (none while DORMANT or CHURNED), holdings close after their last purchase
 *   (all of them when the customer is CHURNED), and `last_purchase_at` is the latest purchase;
 * - half the customers came on their own; the other half were referred: each was known to us up
 *   to 45 days before the referral, bought after it (`converted_at` is that first purchase), and
 *   each referrer made their referrals while an ADVOCATE.
 * Then ChurnModelService.fit runs (clock fixed at DATASET_NOW) so every customer has a score,
 * and may move some to AT_RISK as the service does.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import type { DataSource } from 'typeorm';
import { migrations } from '../migrations';
import { createDataSource, migrate } from '../src/db/data-source';
import { canTransition, LifecycleStage, StageChangeTrigger } from '../src/modules/lifecycle/stages';
import { ChurnModelService } from '../src/modules/analytics/churn-model.service';
import type { Logger } from '../src/shared/logger';
import { INBOUND_SHARE, RESPONSES, type Mood } from '../src/db/seed/generate';

/** Bump when the meaning of the data set changes in a way the source hash would not show. */
export const DATASET_VERSION = 1;
export const SIZES = { personas: 8, products: 50, customers: 10_000, holdings: 30_203, touchpoints: 200_000, referrals: 5_000 } as const;
/** Purchases aimed at (not exact): one per holding, one per comeback, the rest repeat purchases. */
const TARGET_PURCHASES = 60_000;
/** The data set's "now": every timestamp is before it; the churn model is fitted as of it. */
export const DATASET_NOW = new Date('2026-01-01T00:00:00Z');

const NOW = DATASET_NOW.getTime();
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const YEAR = 365 * DAY;
const S = LifecycleStage;
const T = StageChangeTrigger;

// ---------------------------------------------------------------------------------------------
// Seeded randomness: FNV-1a of a key seeds mulberry32, so each customer has its own stream.

function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

class Rng {
  private state: number;
  constructor(key: string) {
    this.state = hash32(`cg-bench-read/${key}`);
  }
  float(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.float() * (hi - lo + 1));
  }
  between(lo: number, hi: number): number {
    return lo + this.float() * (hi - lo);
  }
  chance(p: number): boolean {
    return this.float() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.float() * xs.length)];
  }
  weightedIndex(weights: readonly number[]): number {
    const total = weights.reduce((a, b) => a + b, 0);
    let r = this.float() * total;
    for (let i = 0; i < weights.length; i++) {
      r -= weights[i];
      if (r < 0 && weights[i] > 0) return i;
    }
    for (let i = weights.length - 1; i > 0; i--) if (weights[i] > 0) return i;
    return 0;
  }
  weighted<K extends string>(weights: Partial<Record<K, number>>): K {
    const keys = Object.keys(weights) as K[];
    return keys[this.weightedIndex(keys.map((k) => weights[k] ?? 0))];
  }
  normal(): number {
    return Math.sqrt(-2 * Math.log(1 - this.float())) * Math.cos(2 * Math.PI * this.float());
  }
  exponential(mean: number): number {
    return -Math.log(1 - this.float()) * mean;
  }
}

/** Whole seconds, as the services' timestamps are in practice. */
const sec = (ms: number) => Math.floor(ms / 1000) * 1000;

// ---------------------------------------------------------------------------------------------
// The world: a hotel group, as in the demo data, with three more personas.

const CHANNELS = ['EMAIL', 'DIRECT_MAIL', 'PHONE', 'SMS', 'WEB', 'SOCIAL', 'IN_PERSON', 'EVENT', 'ADVERTISING'] as const;
type Channel = (typeof CHANNELS)[number];

const CATEGORIES = [
  'Rooms',
  'Dining',
  'Meetings & events',
  'Weddings & celebrations',
  'Wellness',
  'Loyalty & memberships',
  'Travel services',
  'Family & leisure',
  'Business services',
  'Retail & gifts',
] as const;

interface Product {
  sku: string;
  name: string;
  /** Index into CATEGORIES. */
  category: number;
  priceCents: number;
  quantity: readonly [number, number];
}

const p = (sku: string, name: string, category: number, price: number, quantity: readonly [number, number] = [1, 1]): Product => ({
  sku,
  name,
  category,
  priceCents: Math.round(price * 100),
  quantity,
});
const PRODUCTS: readonly Product[] = [
  p('RM-STD', 'Standard room, per night', 0, 129, [1, 4]),
  p('RM-EXE', 'Executive room, per night', 0, 189, [1, 4]),
  p('RM-FAM', 'Family suite, per night', 0, 249, [2, 7]),
  p('RM-HNY', 'Honeymoon suite, per night', 0, 329, [1, 3]),
  p('RM-LNG', 'Long-stay studio, per week', 0, 690, [1, 6]),
  p('DN-BRK', 'Breakfast buffet', 1, 19.5, [1, 8]),
  p('DN-DIN', 'Three-course dinner', 1, 54, [1, 6]),
  p('DN-RMS', 'Room service', 1, 32, [1, 4]),
  p('DN-TEA', 'Afternoon tea', 1, 28, [1, 4]),
  p('DN-CHF', "Chef's table", 1, 120, [2, 8]),
  p('MT-HLF', 'Meeting room, half day', 2, 350),
  p('MT-FUL', 'Meeting room, full day', 2, 600, [1, 3]),
  p('MT-DEL', 'Conference package, per delegate', 2, 85, [10, 80]),
  p('MT-AV', 'Audio-visual package', 2, 220),
  p('MT-COF', 'Coffee break, per delegate', 2, 12, [10, 80]),
  p('WD-REC', 'Wedding reception package', 3, 9500),
  p('WD-TST', 'Menu tasting', 3, 150),
  p('WD-CRD', 'Wedding coordinator', 3, 1200),
  p('WD-ANN', 'Anniversary dinner', 3, 180),
  p('WD-CAK', 'Celebration cake', 3, 65),
  p('WL-SPA', 'Spa day pass', 4, 75, [1, 2]),
  p('WL-MSG', 'Massage, 60 minutes', 4, 95, [1, 2]),
  p('WL-CPL', 'Couples spa ritual', 4, 240),
  p('WL-FIT', 'Fitness membership, monthly', 4, 49, [1, 3]),
  p('WL-YGA', 'Yoga retreat weekend', 4, 420),
  p('LY-SLV', 'Silver membership', 5, 99),
  p('LY-GLD', 'Gold membership', 5, 249),
  p('LY-CRP', 'Corporate rate agreement', 5, 500),
  p('LY-LNG', 'Lounge pass', 5, 35, [1, 3]),
  p('LY-PTS', 'Points top-up', 5, 50, [1, 5]),
  p('TR-APT', 'Airport transfer', 6, 45, [1, 2]),
  p('TR-CAR', 'Car hire, per day', 6, 60, [1, 7]),
  p('TR-INS', 'Travel insurance', 6, 39),
  p('TR-PRK', 'Parking, per day', 6, 18, [1, 7]),
  p('TR-LCO', 'Late checkout', 6, 30),
  p('FL-KID', 'Kids club, per day', 7, 25, [1, 5]),
  p('FL-ACT', 'Family activity pass', 7, 80, [1, 2]),
  p('FL-POL', 'Pool day pass', 7, 20, [1, 5]),
  p('FL-BBY', 'Babysitting, per hour', 7, 18, [2, 6]),
  p('FL-THM', 'Theme park tickets', 7, 140, [2, 5]),
  p('BS-CTR', 'Business centre pass', 8, 25, [1, 3]),
  p('BS-PRT', 'Printing bundle', 8, 15, [1, 3]),
  p('BS-COW', 'Co-working day pass', 8, 35, [1, 5]),
  p('BS-LDY', 'Express laundry', 8, 22, [1, 3]),
  p('BS-OFC', 'Private office, per day', 8, 180, [1, 5]),
  p('RT-VCH', 'Gift voucher', 9, 100, [1, 3]),
  p('RT-ROB', 'Hotel bathrobe', 9, 85),
  p('RT-WIN', 'Local wine selection', 9, 60, [1, 3]),
  p('RT-HMP', 'Souvenir hamper', 9, 45, [1, 2]),
  p('RT-PIL', 'Pillow menu set', 9, 55),
];

interface Persona {
  name: string;
  description: string;
  goals: string[];
  channels: Channel[];
  /** Share of the population. */
  share: number;
  /** Affinity per category (CATEGORIES order). */
  affinity: readonly number[];
}

const PERSONAS: readonly Persona[] = [
  {
    name: 'Independent business traveller',
    description: 'Books their own work trips, often at short notice; wants a quiet room, fast wifi and a quick check-in.',
    goals: ['A reliable room at short notice', 'A room to work in', 'Fast check-in and late checkout'],
    channels: ['WEB', 'EMAIL', 'SMS'],
    share: 0.18,
    affinity: [5, 2, 0.5, 0.1, 0.5, 2, 2, 0.1, 2, 0.3],
  },
  {
    name: 'Corporate travel manager',
    description: "Arranges travel for a company's staff under a travel policy: corporate rates, one invoice, clear reporting.",
    goals: ['Negotiated corporate rates', 'One invoice and spend reports', 'Flexible cancellation'],
    channels: ['EMAIL', 'PHONE', 'IN_PERSON'],
    share: 0.1,
    affinity: [5, 1, 2, 0.1, 0.2, 3, 2, 0.1, 1.5, 0.2],
  },
  {
    name: 'Event planner',
    description: 'Organises conferences, meetings and company events, and needs rooms, catering and equipment that work on the day.',
    goals: ['Meeting space that fits the group', 'Catering and audio-visual in one package', 'A single responsive contact'],
    channels: ['PHONE', 'EMAIL', 'EVENT'],
    share: 0.1,
    affinity: [2, 2, 5, 0.3, 0.2, 0.5, 1, 0.1, 1, 0.3],
  },
  {
    name: 'Vacationing family',
    description: 'Parents travelling with children in the school holidays: space, things to do and a price they can plan around.',
    goals: ['Family or connecting rooms', 'Activities for the children', 'Good-value packages'],
    channels: ['SOCIAL', 'WEB', 'EMAIL'],
    share: 0.16,
    affinity: [4, 2, 0.1, 0.2, 0.8, 0.5, 1, 5, 0.1, 0.8],
  },
  {
    name: 'Couple planning a wedding reception',
    description: 'An engaged couple choosing a venue for their reception, then rooms for guests and perhaps anniversary stays.',
    goals: ['A venue that fits the guest list', 'A coordinator they trust', 'Rooms for out-of-town guests'],
    channels: ['IN_PERSON', 'SOCIAL', 'PHONE'],
    share: 0.07,
    affinity: [2, 2, 0.2, 5, 2, 0.3, 0.5, 0.1, 0.1, 1],
  },
  {
    name: 'Weekend wellness guest',
    description: 'Comes for short breaks to unwind: spa, good food and a quiet room, booked a week or two ahead.',
    goals: ['A restful weekend', 'Spa treatments at a good time', 'Healthy dining'],
    channels: ['WEB', 'SOCIAL', 'EMAIL'],
    share: 0.12,
    affinity: [3, 3, 0.1, 0.3, 5, 1, 0.3, 0.2, 0.1, 1.5],
  },
  {
    name: 'Conference attendee',
    description: 'Stays for an event someone else organised; books from the event block and adds the odd extra.',
    goals: ['A room near the venue', 'Breakfast before the first session', 'Easy airport transfer'],
    channels: ['EMAIL', 'WEB', 'EVENT'],
    share: 0.12,
    affinity: [4, 2, 1, 0.1, 0.5, 0.5, 2, 0.1, 1, 0.5],
  },
  {
    name: 'Long-stay contractor',
    description: 'Works on a project away from home for weeks at a time and wants a place that feels like a flat.',
    goals: ['Weekly rates', 'Laundry and a desk', 'Parking'],
    channels: ['PHONE', 'EMAIL', 'WEB'],
    share: 0.1,
    affinity: [5, 2, 0.2, 0.1, 0.5, 1, 2, 0.1, 3, 0.2],
  },
];
/** Customers not matched to any persona yet. */
const UNMATCHED_SHARE = 0.05;

const FIRST_NAMES = [
  'Ada',
  'Alan',
  'Alice',
  'Amara',
  'Anna',
  'Arjun',
  'Ben',
  'Bianca',
  'Carlos',
  'Chen',
  'Chloe',
  'Daniel',
  'Dev',
  'Elena',
  'Emma',
  'Farah',
  'Felix',
  'Freya',
  'George',
  'Grace',
  'Hana',
  'Hugo',
  'Ines',
  'Isaac',
  'Jack',
  'Jade',
  'James',
  'Julia',
  'Kai',
  'Kenji',
  'Laila',
  'Leo',
  'Lina',
  'Lucas',
  'Maya',
  'Mateo',
  'Mia',
  'Nadia',
  'Noah',
  'Nora',
  'Olivia',
  'Omar',
  'Paul',
  'Priya',
  'Rafael',
  'Rosa',
  'Ruby',
  'Sam',
  'Sara',
  'Sofia',
  'Tariq',
  'Theo',
  'Uma',
  'Victor',
  'Wen',
  'Yara',
  'Yusuf',
  'Zoe',
  'Ivan',
  'Helen',
  'Oscar',
  'Marta',
  'Tom',
  'Eva',
];
const LAST_NAMES = [
  'Abbott',
  'Adeyemi',
  'Andersen',
  'Baker',
  'Bauer',
  'Bianchi',
  'Brennan',
  'Carter',
  'Chowdhury',
  'Costa',
  'Dubois',
  'Eriksen',
  'Fischer',
  'Fontaine',
  'Garcia',
  'Gupta',
  'Hansen',
  'Hughes',
  'Ibrahim',
  'Jansen',
  'Kaur',
  'Kowalski',
  'Larsen',
  'Lindqvist',
  'Lopez',
  'Mancini',
  'Meyer',
  'Morgan',
  'Nakamura',
  'Novak',
  'Nowak',
  'Okafor',
  'Olsen',
  'Patel',
  'Perez',
  'Quinn',
  'Rossi',
  'Sato',
  'Schmidt',
  'Silva',
  'Singh',
  'Smith',
  'Suzuki',
  'Tanaka',
  'Thompson',
  'Walsh',
  'Weber',
  'Wright',
  'Yilmaz',
  'Zhang',
  'Hoffmann',
  'Kim',
  'Murphy',
  'Reyes',
  'Ortiz',
  'Varga',
  'Haddad',
  'Moreau',
  'Ng',
  'Park',
  'Fernandes',
  'Ivanova',
  'Jensen',
  'Kelly',
];
const EMAIL_DOMAINS = ['example.com', 'example.org', 'example.net', 'mail.example', 'corp.example'];

const SOURCES = [
  'Signed up on the website.',
  'Met us at a travel fair.',
  'Replied to an advertising campaign.',
  'Followed us on social media.',
  'Called to ask about rates.',
];
const CHURN_REASONS = [
  'Moved to a competitor with lower rates.',
  'Company changed its travel policy.',
  'Closed their account after a complaint.',
  'No stays for over a year.',
  'Moved away from the area.',
];
const MANUAL_REASON: Partial<Record<LifecycleStage, string>> = {
  ONBOARDED: 'Welcome call done; communication preferences recorded.',
  EXPANDING: 'Buying from a second category.',
  RETAINED: 'Steady repeat customer.',
  ADVOCATE: 'Promoter in the guest satisfaction survey.',
  DORMANT: 'No purchase or reply for months.',
};
const CAMPAIGNS: Record<Mood, readonly string[]> = {
  prospect: ['City-break offer', 'Business traveller welcome rate', 'Summer family holidays', 'Wedding open day'],
  engaged: ['Member newsletter', 'Spa weekend offer', 'Upgrade to executive', 'Meeting package launch', 'Anniversary surprise'],
  drifting: ['We miss you: 15 % off', 'Your points are expiring', 'Satisfaction survey'],
  lapsed: ['Come back offer', 'Win-back: free breakfast', 'Reactivation call'],
};
const NOTES: Record<string, readonly string[]> = {
  POSITIVE_INTEREST: ['Asked for a quote.', 'Booked a follow-up call.', 'Liked the offer.'],
  NEGATIVE: ['Complained about the room.', 'Found the price too high.', 'Asked to be removed from mailings.'],
  CONTACT_LATER: ['Call back next month.', 'Busy season; try after the holidays.'],
};
const REFERRAL_CHANNELS: Partial<Record<Channel, number>> = { IN_PERSON: 3, SOCIAL: 3, EMAIL: 2, WEB: 2, PHONE: 1, EVENT: 1 };

// ---------------------------------------------------------------------------------------------
// Journeys.

/** Days in a stage before the next move, [min, max]. */
const DWELL_DAYS: Partial<Record<LifecycleStage, readonly [number, number]>> = {
  CONVERTED: [3, 21],
  ONBOARDED: [20, 90],
  EXPANDING: [60, 240],
  RETAINED: [90, 420],
  ADVOCATE: [60, 300],
  AT_RISK: [20, 100],
  DORMANT: [90, 270],
  CHURNED: [120, 720],
  REACTIVATED: [30, 120],
};
/** Where a customer goes next, relative weights; every move is checked against the stage table. */
const NEXT: Partial<Record<LifecycleStage, Partial<Record<LifecycleStage, number>>>> = {
  CONVERTED: { ONBOARDED: 8, EXPANDING: 1, RETAINED: 1, AT_RISK: 0.5, DORMANT: 0.2, CHURNED: 0.2 },
  ONBOARDED: { EXPANDING: 3, RETAINED: 4, ADVOCATE: 1, AT_RISK: 1, DORMANT: 0.2, CHURNED: 0.2 },
  EXPANDING: { RETAINED: 4, ADVOCATE: 1.5, AT_RISK: 1, DORMANT: 0.1, CHURNED: 0.1 },
  RETAINED: { EXPANDING: 2, ADVOCATE: 1.2, AT_RISK: 1.5, DORMANT: 0.2, CHURNED: 0.2 },
  ADVOCATE: { EXPANDING: 1, RETAINED: 2, AT_RISK: 0.7, DORMANT: 0.1, CHURNED: 0.1 },
  AT_RISK: { RETAINED: 2, EXPANDING: 0.5, DORMANT: 1.5, CHURNED: 1 },
  DORMANT: { REACTIVATED: 1, CHURNED: 1.5 },
  CHURNED: { REACTIVATED: 1 },
  REACTIVATED: { ONBOARDED: 0.5, EXPANDING: 1, RETAINED: 2, ADVOCATE: 0.5, AT_RISK: 1, DORMANT: 0.2, CHURNED: 0.2 },
};
/** How much customers buy in each stage (0: not at all). */
const BUYING: Partial<Record<LifecycleStage, number>> = {
  CONVERTED: 0.5,
  ONBOARDED: 0.9,
  EXPANDING: 1.5,
  RETAINED: 1,
  ADVOCATE: 1.1,
  REACTIVATED: 0.7,
  AT_RISK: 0.25,
};

interface Change {
  from: LifecycleStage | null;
  to: LifecycleStage;
  trigger: StageChangeTrigger;
  reason: string;
  at: number;
}
interface Segment {
  stage: LifecycleStage;
  start: number;
  end: number;
}
interface Holding {
  product: number;
  since: number;
  lastBuy: number;
  closedAt: number | null;
}
interface Purchase {
  product: number;
  at: number;
  quantity: number;
  amountCents: number;
}
interface Customer {
  key: string;
  rng: Rng;
  id: number;
  persona: number | null;
  name: string;
  emailLocal: string | null;
  domain: string;
  phone: string | null;
  createdAt: number;
  history: Change[];
  segments: Segment[];
  /** Weighted buying time (ms × BUYING). */
  buyingWeight: number;
  appetite: number;
  chattiness: number;
  holdings: Holding[];
  purchases: Purchase[];
}
interface Slot {
  referrer: Customer;
  at: number;
  first: boolean;
  priority: number;
}

const slug = (text: string) => text.toLowerCase().replace(/[^a-z]+/g, '');

function newCustomer(key: string, createdAt: number, persona: number | null): Customer {
  const rng = new Rng(key);
  const first = rng.pick(FIRST_NAMES);
  const last = rng.pick(LAST_NAMES);
  return {
    key,
    rng,
    id: 0,
    persona,
    name: `${first} ${last}`,
    emailLocal: rng.chance(0.94) ? `${slug(first)}.${slug(last)}` : null,
    domain: rng.pick(EMAIL_DOMAINS),
    // +44 7700 900xxx is the UK regulator's range reserved for fiction.
    phone: rng.chance(0.75) ? `+44 7700 900${String(rng.int(0, 999)).padStart(3, '0')}` : null,
    createdAt,
    history: [],
    segments: [],
    buyingWeight: 0,
    appetite: Math.exp(0.5 * rng.normal()),
    chattiness: Math.exp(0.35 * rng.normal()),
    holdings: [],
    purchases: [],
  };
}

function pickPersona(rng: Rng): number | null {
  const i = rng.weightedIndex([...PERSONAS.map((x) => x.share), UNMATCHED_SHARE]);
  return i < PERSONAS.length ? i : null;
}

/** The stage history from identification through the first purchase, then a walk until now. */
function journey(c: Customer, acquiredAt: number | null, convertedAt: number, referred: boolean): void {
  const rng = c.rng;
  const h = c.history;
  const go = (to: LifecycleStage, at: number, trigger: StageChangeTrigger, reason: string) => {
    const prev = h[h.length - 1];
    if (prev && !canTransition(prev.to, to)) throw new Error(`bench data set: ${prev.to} → ${to} is not in the stage table`);
    if (prev && at <= prev.at) throw new Error(`bench data set: stage times must increase (${c.key})`);
    h.push({ from: prev?.to ?? null, to, trigger, reason, at });
  };
  go(S.IDENTIFIED, c.createdAt, T.MANUAL, referred ? 'Referred by an existing guest.' : rng.pick(SOURCES));
  if (acquiredAt !== null) go(S.ACQUIRED, acquiredAt, T.MANUAL, 'First conversation: asked for a quote.');
  go(S.CONVERTED, convertedAt, T.FIRST_PURCHASE, 'First purchase recorded.');
  let at = convertedAt;
  for (;;) {
    const from = h[h.length - 1].to;
    const [lo, hi] = DWELL_DAYS[from]!;
    at = sec(at + rng.between(lo, hi) * DAY);
    if (at >= NOW) break;
    const to = rng.weighted(NEXT[from]!);
    // Moves to ADVOCATE start MANUAL; generateReadDataset makes a first one FIRST_REFERRAL when it gets a referral.
    if (to === S.AT_RISK) go(to, at, T.CHURN_RISK, 'Churn risk rose to HIGH: fewer stays and lower spend.');
    else if (to === S.REACTIVATED) go(to, at, T.PURCHASE_AFTER_LAPSE, 'Bought again after a lapse.');
    else if (to === S.CHURNED) go(to, at, T.MANUAL, rng.pick(CHURN_REASONS));
    else go(to, at, T.MANUAL, from === S.AT_RISK ? 'Saved by the retention team.' : (MANUAL_REASON[to] ?? 'Moved by the account team.'));
  }
  c.segments = h.map((x, i) => ({ stage: x.to, start: x.at, end: h[i + 1]?.at ?? NOW }));
  c.buyingWeight = c.segments.reduce((sum, s) => sum + (s.end - s.start) * buying(s), 0);
}

/** How much the customer buys during a segment; steady customers keep buying up to now. */
function buying(s: Segment): number {
  const level = BUYING[s.stage] ?? 0;
  return s.end === NOW && s.stage !== S.AT_RISK ? 2 * level : level;
}

/** A moment while the customer was buying, weighted by how much they buy in each stage. */
function buyingMoment(c: Customer): number {
  let r = c.rng.float() * c.buyingWeight;
  for (const s of c.segments) {
    const w = buying(s);
    const span = (s.end - s.start) * w;
    if (w > 0 && r < span) return Math.min(s.end - 1000, sec(s.start + r / w));
    r -= span;
  }
  // Only reached through float rounding at the very end.
  const open = c.segments.filter((s) => buying(s) > 0);
  return sec(open[open.length - 1].end - 1000);
}

function stageAt(c: Customer, t: number): LifecycleStage {
  let stage = c.segments[0].stage;
  for (const s of c.segments) if (s.start <= t) stage = s.stage;
  return stage;
}

function moodOf(stage: LifecycleStage): Mood {
  if (stage === S.IDENTIFIED || stage === S.ACQUIRED) return 'prospect';
  if (stage === S.AT_RISK) return 'drifting';
  if (stage === S.DORMANT || stage === S.CHURNED) return 'lapsed';
  return 'engaged';
}

function affinity(c: Customer): number[] {
  const a = c.persona === null ? null : PERSONAS[c.persona].affinity;
  // Within a category, the first products are the popular ones.
  return PRODUCTS.map((prod, i) => (a ? a[prod.category] : 1) / (1 + 0.35 * (i % 5)));
}

function purchaseOf(rng: Rng, product: number, at: number): Purchase {
  const prod = PRODUCTS[product];
  const quantity = rng.int(prod.quantity[0], prod.quantity[1]);
  const discount = [1, 0.95, 0.9, 0.85][rng.weightedIndex([6, 2, 1.5, 0.5])];
  return { product, at, quantity, amountCents: Math.round(prod.priceCents * quantity * discount) };
}

/** Splits `total` over weights exactly: floors, then the largest remainders (ties by position). */
function apportion(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  const exact = weights.map((w) => (total * w) / sum);
  const counts = exact.map(Math.floor);
  let left = total - counts.reduce((a, b) => a + b, 0);
  const order = exact.map((x, i) => ({ i, frac: x - Math.floor(x) })).sort((a, b) => b.frac - a.frac || a.i - b.i);
  for (const { i } of order) {
    if (left-- <= 0) break;
    counts[i]++;
  }
  return counts;
}

// ---------------------------------------------------------------------------------------------
// The rows.

export interface ReadDataset {
  personas: Persona[];
  products: readonly Product[];
  customers: Customer[];
  referrals: { referrer: number; referred: number; channel: Channel; at: number; convertedAt: number }[];
  touchpoints: {
    customer: number;
    channel: Channel;
    direction: 'INBOUND' | 'OUTBOUND';
    at: number;
    campaign: string | null;
    product: number | null;
    response: string;
    note: string | null;
  }[];
}

/** Generates the whole data set in memory (about a second). Pure: the same rows every time. */
export function generateReadDataset(): ReadDataset {
  const organicCount = SIZES.customers - SIZES.referrals;

  // 1. Customers who came on their own: identified at any time in the last five years.
  const organic: Customer[] = [];
  for (let i = 0; i < organicCount; i++) {
    const pick = new Rng(`organic-profile/${i}`);
    const c = newCustomer(`organic/${i}`, sec(NOW - pick.between(20 * DAY, 5 * YEAR)), pickPersona(pick));
    const rng = c.rng;
    const room = (NOW - c.createdAt) * 0.3;
    const acquiredAt = rng.chance(0.75) ? sec(c.createdAt + Math.max(HOUR, Math.min(rng.between(2, 60) * DAY, room))) : null;
    const convertedAt = sec((acquiredAt ?? c.createdAt) + Math.max(HOUR, Math.min(rng.between(3, 45) * DAY, room)));
    journey(c, acquiredAt, convertedAt, false);
    organic.push(c);
  }

  // 2. Referral opportunities: a first referral when an organic customer first becomes ADVOCATE,
  // more while they are ADVOCATE. Exactly SIZES.referrals are taken, first referrals before others.
  const slots: Slot[] = [];
  for (const c of organic) {
    let first = true;
    for (const seg of c.segments) {
      if (seg.stage !== S.ADVOCATE) continue;
      const latest = NOW - 2 * DAY;
      if (first && seg.start <= latest) slots.push({ referrer: c, at: seg.start, first: true, priority: c.rng.float() });
      first = false;
      for (let t = seg.start; ;) {
        t = sec(t + HOUR + c.rng.exponential(40 * DAY));
        if (t >= seg.end || t > latest) break;
        slots.push({ referrer: c, at: t, first: false, priority: c.rng.float() });
      }
    }
  }
  const byPriority = (a: Slot, b: Slot) => a.priority - b.priority || a.at - b.at;
  const firsts = slots.filter((s) => s.first).sort(byPriority);
  const others = slots.filter((s) => !s.first).sort(byPriority);
  const chosen = [...firsts, ...others].slice(0, SIZES.referrals);
  if (chosen.length < SIZES.referrals)
    throw new Error(`bench data set: only ${chosen.length} referral opportunities for ${SIZES.referrals} referrals`);
  for (const s of chosen) {
    if (!s.first) continue;
    const change = s.referrer.history.find((h) => h.to === S.ADVOCATE)!;
    change.trigger = T.FIRST_REFERRAL;
    change.reason = 'Made a first referral.';
  }
  chosen.sort((a, b) => a.at - b.at || a.priority - b.priority);

  // 3. Referred customers: known up to 45 days before the referral, first purchase after it.
  const referred: Customer[] = chosen.map((slot, k) => {
    const pick = new Rng(`referred-profile/${k}`);
    // Friends often travel alike.
    const persona = pick.chance(0.4) ? slot.referrer.persona : pickPersona(pick);
    const c = newCustomer(`referred/${k}`, sec(slot.at - pick.between(HOUR, 45 * DAY)), persona);
    const rng = c.rng;
    const convertedAt = sec(slot.at + Math.max(HOUR, Math.min(rng.between(1, 40) * DAY, 0.5 * (NOW - slot.at))));
    const acquiredAt = rng.chance(0.75) ? sec(c.createdAt + (convertedAt - c.createdAt) * rng.between(0.1, 0.9)) : null;
    journey(c, acquiredAt !== null && acquiredAt > c.createdAt && acquiredAt < convertedAt ? acquiredAt : null, convertedAt, true);
    return c;
  });

  // Ids in the order customers were created.
  const customers = [...organic, ...referred].sort((a, b) => a.createdAt - b.createdAt || (a.key < b.key ? -1 : 1));
  customers.forEach((c, i) => (c.id = i + 1));

  // 4. Holdings: 1–5 per customer, more for customers who have been buying longer; then nudged
  // (deterministically) to the exact total.
  const counts = customers.map((c) => {
    const years = c.buyingWeight / YEAR;
    const chance = Math.min(0.85, Math.max(0.1, 0.22 + 0.3 * years));
    let n = 1;
    for (let k = 0; k < 4; k++) if (c.rng.chance(chance)) n++;
    return n;
  });
  const nudge = new Rng('holding-total');
  for (let diff = SIZES.holdings - counts.reduce((a, b) => a + b, 0); diff !== 0;) {
    const i = nudge.int(0, counts.length - 1);
    if (diff > 0 && counts[i] < 5) {
      counts[i]++;
      diff--;
    } else if (diff < 0 && counts[i] > 1) {
      counts[i]--;
      diff++;
    }
  }
  for (const [i, c] of customers.entries()) {
    const weights = affinity(c);
    const convertedAt = c.history.find((h) => h.to === S.CONVERTED)!.at;
    for (let k = 0; k < counts[i]; k++) {
      // The first product is the one they came for: their persona's strongest categories weigh more.
      const product = c.rng.weightedIndex(k === 0 ? weights.map((w) => w * w) : weights);
      weights[product] = 0;
      const since = k === 0 ? convertedAt : buyingMoment(c);
      c.holdings.push({ product, since, lastBuy: since, closedAt: null });
      c.purchases.push(purchaseOf(c.rng, product, since));
    }
    // The purchase that brought them back after a lapse.
    for (const h of c.history) {
      if (h.to !== S.REACTIVATED) continue;
      const held = c.holdings.filter((x) => x.since < h.at);
      c.purchases.push(purchaseOf(c.rng, c.rng.pick(held).product, h.at));
    }
  }

  // 5. Repeat purchases, spread by buying time and appetite, each of a product already held.
  const already = customers.reduce((n, c) => n + c.purchases.length, 0);
  const extraWeights = customers.map((c) => c.buyingWeight * c.appetite);
  const extraTotal = extraWeights.reduce((a, b) => a + b, 0);
  for (const [i, c] of customers.entries()) {
    const x = ((TARGET_PURCHASES - already) * extraWeights[i]) / extraTotal;
    const n = Math.floor(x) + (c.rng.chance(x - Math.floor(x)) ? 1 : 0);
    for (let k = 0; k < n; k++) {
      const at = buyingMoment(c);
      const held = c.holdings.filter((h) => h.since <= at);
      c.purchases.push(purchaseOf(c.rng, c.rng.pick(held).product, at));
    }
    c.purchases.sort((a, b) => a.at - b.at || a.product - b.product);
    for (const pu of c.purchases) {
      const h = c.holdings.find((x) => x.product === pu.product)!;
      h.lastBuy = Math.max(h.lastBuy, pu.at);
    }
  }

  // 6. Product churn: everything closes when a customer churns; some holdings close as they drift
  // or when a product has not been bought for half a year. Always after the product's last purchase.
  for (const c of customers) {
    const current = c.segments[c.segments.length - 1];
    for (const h of c.holdings) {
      const rng = c.rng;
      if (current.stage === S.CHURNED) h.closedAt = current.start;
      else if (current.stage === S.DORMANT && rng.chance(0.4))
        h.closedAt = sec(current.start + rng.between(0, Math.min(60 * DAY, NOW - current.start - 1000)));
      else if (current.stage === S.AT_RISK && rng.chance(0.3)) {
        const from = Math.max(h.lastBuy + HOUR, current.start);
        if (from < NOW - 1000) h.closedAt = sec(rng.between(from, NOW - 1000));
      } else if (NOW - h.lastBuy > 180 * DAY && rng.chance(0.25)) h.closedAt = sec(rng.between(h.lastBuy + 60 * DAY, NOW - 1000));
      if (h.closedAt !== null && h.closedAt < h.lastBuy)
        throw new Error(`bench data set: holding closed before its last purchase (${c.key})`);
    }
  }

  // 7. Touchpoints: exactly SIZES.touchpoints, spread by how long customers have been known and how chatty they are.
  const touchCounts = apportion(
    SIZES.touchpoints,
    // A new customer gets a few at once (welcome mail, first enquiries), then more over time.
    customers.map((c) => (150 + (NOW - c.createdAt) / DAY) * c.chattiness),
  );
  const touchpoints: ReadDataset['touchpoints'] = [];
  for (const [i, c] of customers.entries()) {
    const rng = c.rng;
    const preferred = c.persona === null ? [] : PERSONAS[c.persona].channels;
    const weights = affinity(c);
    const mine: ReadDataset['touchpoints'] = [];
    for (let k = 0; k < touchCounts[i]; k++) {
      const at = sec(rng.between(c.createdAt, NOW - 1000));
      const mood = moodOf(stageAt(c, at));
      let channel: Channel;
      if (mood === 'prospect' && rng.chance(0.35)) channel = rng.pick(['ADVERTISING', 'SOCIAL', 'WEB'] as const);
      else if (preferred.length && rng.chance(0.65)) channel = preferred[rng.weightedIndex(preferred.map((_, j) => preferred.length - j))];
      else channel = rng.pick(CHANNELS);
      const direction = rng.chance(INBOUND_SHARE[channel]) ? 'INBOUND' : 'OUTBOUND';
      const responseWeights = { ...RESPONSES[mood] };
      if (direction === 'INBOUND') responseWeights.NO_RESPONSE /= 3;
      const response = rng.weighted(responseWeights);
      mine.push({
        customer: c.id,
        channel,
        direction,
        at,
        campaign: direction === 'OUTBOUND' ? rng.pick(CAMPAIGNS[mood]) : null,
        product: rng.chance(0.3) ? rng.weightedIndex(weights) : null,
        response,
        note: response !== 'NO_RESPONSE' && rng.chance(0.3) ? rng.pick(NOTES[response]) : null,
      });
    }
    mine.sort((a, b) => a.at - b.at);
    touchpoints.push(...mine);
  }

  const referrals = chosen.map((slot, k) => {
    const r = referred[k];
    return {
      referrer: slot.referrer.id,
      referred: r.id,
      channel: r.rng.weighted(REFERRAL_CHANNELS),
      at: slot.at,
      convertedAt: r.history.find((h) => h.to === S.CONVERTED)!.at,
    };
  });
  return { personas: [...PERSONAS], products: PRODUCTS, customers, referrals, touchpoints };
}

// ---------------------------------------------------------------------------------------------
// Writing it.

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const money = (cents: number) => `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;

/** Inserts column arrays with explicit ids, in chunks, through unnest (one statement per chunk). */
async function insertColumns(ds: DataSource, table: string, columns: Record<string, { type: string; values: unknown[] }>): Promise<void> {
  const names = Object.keys(columns);
  const rows = columns[names[0]].values.length;
  const CHUNK = 25_000;
  for (let at = 0; at < rows; at += CHUNK) {
    const params = names.map((n) => columns[n].values.slice(at, at + CHUNK));
    const unnest = names.map((n, i) => `$${i + 1}::${columns[n].type}[]`).join(', ');
    await ds.query(`INSERT INTO ${table} (${names.join(', ')}) OVERRIDING SYSTEM VALUE SELECT * FROM unnest(${unnest})`, params);
  }
}

/** Writes the data set into an empty, migrated database. */
export async function writeReadDataset(ds: DataSource, data: ReadDataset): Promise<void> {
  for (const [i, persona] of data.personas.entries()) {
    await ds.query(
      `INSERT INTO persona (id, name, description, goals, preferred_channels, created_at) OVERRIDING SYSTEM VALUE VALUES ($1, $2, $3, $4, $5, $6)`,
      [i + 1, persona.name, persona.description, persona.goals, persona.channels, iso(NOW - 6 * YEAR)],
    );
  }
  await insertColumns(ds, 'product', {
    id: { type: 'bigint', values: data.products.map((_, i) => i + 1) },
    sku: { type: 'text', values: data.products.map((x) => x.sku) },
    name: { type: 'text', values: data.products.map((x) => x.name) },
    category: { type: 'text', values: data.products.map((x) => CATEGORIES[x.category]) },
    price: { type: 'numeric', values: data.products.map((x) => money(x.priceCents)) },
    created_at: { type: 'timestamptz', values: data.products.map(() => iso(NOW - 6 * YEAR)) },
  });

  const cs = data.customers;
  const lastPurchase = (c: Customer) => c.purchases[c.purchases.length - 1].at;
  const current = (c: Customer) => c.history[c.history.length - 1];
  await insertColumns(ds, 'customer', {
    id: { type: 'bigint', values: cs.map((c) => c.id) },
    external_id: { type: 'text', values: cs.map((c) => `bench-${String(c.id).padStart(6, '0')}`) },
    name: { type: 'text', values: cs.map((c) => c.name) },
    email: { type: 'text', values: cs.map((c) => (c.emailLocal ? `${c.emailLocal}${c.id}@${c.domain}` : null)) },
    phone: { type: 'text', values: cs.map((c) => c.phone) },
    persona_id: { type: 'bigint', values: cs.map((c) => (c.persona === null ? null : c.persona + 1)) },
    stage: { type: 'text', values: cs.map((c) => current(c).to) },
    stage_entered_at: { type: 'timestamptz', values: cs.map((c) => iso(current(c).at)) },
    last_purchase_at: { type: 'timestamptz', values: cs.map((c) => iso(lastPurchase(c))) },
    created_at: { type: 'timestamptz', values: cs.map((c) => iso(c.createdAt)) },
    updated_at: { type: 'timestamptz', values: cs.map((c) => iso(Math.max(current(c).at, lastPurchase(c)))) },
  });

  const holdings = cs.flatMap((c) => [...c.holdings].sort((a, b) => a.since - b.since || a.product - b.product).map((h) => ({ c, h })));
  await insertColumns(ds, 'holding', {
    id: { type: 'bigint', values: holdings.map((_, i) => i + 1) },
    customer_id: { type: 'bigint', values: holdings.map((x) => x.c.id) },
    product_id: { type: 'bigint', values: holdings.map((x) => x.h.product + 1) },
    since: { type: 'timestamptz', values: holdings.map((x) => iso(x.h.since)) },
    status: { type: 'text', values: holdings.map((x) => (x.h.closedAt === null ? 'ACTIVE' : 'CLOSED')) },
    closed_at: { type: 'timestamptz', values: holdings.map((x) => iso(x.h.closedAt)) },
  });

  const purchases = cs.flatMap((c) => c.purchases.map((pu) => ({ c, pu })));
  await insertColumns(ds, 'purchase', {
    id: { type: 'bigint', values: purchases.map((_, i) => i + 1) },
    customer_id: { type: 'bigint', values: purchases.map((x) => x.c.id) },
    product_id: { type: 'bigint', values: purchases.map((x) => x.pu.product + 1) },
    occurred_at: { type: 'timestamptz', values: purchases.map((x) => iso(x.pu.at)) },
    quantity: { type: 'integer', values: purchases.map((x) => x.pu.quantity) },
    amount: { type: 'numeric', values: purchases.map((x) => money(x.pu.amountCents)) },
    recorded_at: { type: 'timestamptz', values: purchases.map((x) => iso(x.pu.at)) },
  });

  const tps = data.touchpoints;
  await insertColumns(ds, 'touchpoint', {
    id: { type: 'bigint', values: tps.map((_, i) => i + 1) },
    customer_id: { type: 'bigint', values: tps.map((t) => t.customer) },
    channel: { type: 'text', values: tps.map((t) => t.channel) },
    direction: { type: 'text', values: tps.map((t) => t.direction) },
    occurred_at: { type: 'timestamptz', values: tps.map((t) => iso(t.at)) },
    campaign: { type: 'text', values: tps.map((t) => t.campaign) },
    product_id: { type: 'bigint', values: tps.map((t) => (t.product === null ? null : t.product + 1)) },
    response: { type: 'text', values: tps.map((t) => t.response) },
    note: { type: 'text', values: tps.map((t) => t.note) },
    recorded_at: { type: 'timestamptz', values: tps.map((t) => iso(t.at)) },
  });

  const refs = data.referrals;
  await insertColumns(ds, 'referral', {
    id: { type: 'bigint', values: refs.map((_, i) => i + 1) },
    referrer_id: { type: 'bigint', values: refs.map((r) => r.referrer) },
    referred_id: { type: 'bigint', values: refs.map((r) => r.referred) },
    source_channel: { type: 'text', values: refs.map((r) => r.channel) },
    created_at: { type: 'timestamptz', values: refs.map((r) => iso(r.at)) },
    converted_at: { type: 'timestamptz', values: refs.map((r) => iso(r.convertedAt)) },
  });

  const changes = cs.flatMap((c) => c.history.map((h) => ({ c, h })));
  await insertColumns(ds, 'stage_change', {
    id: { type: 'bigint', values: changes.map((_, i) => i + 1) },
    customer_id: { type: 'bigint', values: changes.map((x) => x.c.id) },
    from_stage: { type: 'text', values: changes.map((x) => x.h.from) },
    to_stage: { type: 'text', values: changes.map((x) => x.h.to) },
    reason: { type: 'text', values: changes.map((x) => x.h.reason) },
    trigger: { type: 'text', values: changes.map((x) => x.h.trigger) },
    occurred_at: { type: 'timestamptz', values: changes.map((x) => iso(x.h.at)) },
  });

  // Explicit ids leave the identity sequences behind: move them past the rows, so the API's own inserts work.
  for (const table of ['persona', 'product', 'customer', 'holding', 'purchase', 'touchpoint', 'referral', 'stage_change']) {
    await ds.query(`SELECT setval(pg_get_serial_sequence('${table}', 'id'), (SELECT max(id) FROM ${table}))`);
  }
}

// ---------------------------------------------------------------------------------------------
// The bench database: built once, reused while the fingerprint matches.

/** Changes whenever this generator, DATASET_VERSION or the migrations change. */
export function datasetFingerprint(): string {
  const hash = createHash('sha256');
  hash.update(`v${DATASET_VERSION}\n`);
  hash.update(readFileSync(__filename));
  hash.update(migrations.map((m) => m.name).join(','));
  return hash.digest('hex').slice(0, 16);
}

export interface DatasetInfo {
  url: string;
  fingerprint: string;
  /** Seconds the build took, or null when an existing build was reused. */
  buildSeconds: number | null;
  counts: Record<string, number>;
}

function withDatabaseName(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

const COUNTED_TABLES = [
  'persona',
  'customer',
  'product',
  'holding',
  'purchase',
  'touchpoint',
  'referral',
  'stage_change',
  'customer_score',
] as const;

/**
 * Makes sure database `name` on the server behind `adminUrl` holds this data set: reuses it when
 * its comment carries the current fingerprint (and `rebuild` is false), otherwise drops it,
 * creates it, migrates it, writes the rows and fits the churn model. The fingerprint is written
 * last, so an interrupted build is rebuilt next time.
 */
export async function ensureReadDataset(
  adminUrl: string,
  name: string,
  opts: { rebuild: boolean; log: Logger; say: (line: string) => void },
): Promise<DatasetInfo> {
  const fingerprint = datasetFingerprint();
  const label = `customer-graph bench:read data set ${fingerprint}`;
  const url = withDatabaseName(adminUrl, name);
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  let buildSeconds: number | null = null;
  try {
    const { rows } = await admin.query<{ label: string | null }>(
      `SELECT shobj_description(oid, 'pg_database') AS label FROM pg_database WHERE datname = $1`,
      [name],
    );
    const exists = rows.length > 0;
    if (exists && rows[0].label === label && !opts.rebuild) {
      opts.say(`data set: reusing database ${name} (fingerprint ${fingerprint})`);
    } else {
      const why = opts.rebuild ? '--rebuild' : !exists ? 'first run' : 'the generator or the migrations changed';
      opts.say(`data set: building database ${name} (${why}) ...`);
      const started = performance.now();
      if (exists) await admin.query(`DROP DATABASE "${name}" WITH (FORCE)`);
      await admin.query(`CREATE DATABASE "${name}"`);
      const ds = createDataSource({ url, applicationName: 'customer-graph-bench-read-build' });
      await ds.initialize();
      try {
        await migrate(ds);
        let t = performance.now();
        const data = generateReadDataset();
        opts.say(`  generated in ${((performance.now() - t) / 1000).toFixed(1)} s`);
        t = performance.now();
        await writeReadDataset(ds, data);
        await ds.query(`ANALYZE`);
        opts.say(`  written in ${((performance.now() - t) / 1000).toFixed(1)} s`);
        t = performance.now();
        const service = new ChurnModelService(ds, { now: () => DATASET_NOW }, { log: opts.log });
        const fit = await service.fit({ calibrationEnd: DATASET_NOW });
        opts.say(
          `  churn model fitted, ${fit.scoredCustomers} customers scored, ${fit.movedToAtRisk} moved to AT_RISK, in ${((performance.now() - t) / 1000).toFixed(1)} s`,
        );
        // The moves stamp updated_at with the database clock; the data set's clock is DATASET_NOW.
        await ds.query(`UPDATE customer SET updated_at = $1 WHERE updated_at > $1`, [DATASET_NOW]);
        // Steady state for the reads: statistics fresh, visibility map set.
        await ds.query(`VACUUM ANALYZE`);
      } finally {
        await ds.destroy();
      }
      await admin.query(`COMMENT ON DATABASE "${name}" IS '${label}'`);
      buildSeconds = (performance.now() - started) / 1000;
      opts.say(`  built in ${buildSeconds.toFixed(1)} s`);
    }
  } finally {
    await admin.end();
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const counts: Record<string, number> = {};
    for (const table of COUNTED_TABLES) counts[table] = Number((await client.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);
    return { url, fingerprint, buildSeconds, counts };
  } finally {
    await client.end();
  }
}
