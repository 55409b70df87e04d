/**
 * Churn risk: one 0–1 score per customer built from the three kinds of churn marketers name
 * (account churn, product churn, decreased spend) plus engagement signals from touchpoints.
 *
 * Every signal becomes a factor with a strength s ∈ [0, 1): the chance, on its own, that the
 * customer is leaving. Factors combine like independent warnings ("noisy OR"):
 *
 *   score = 1 − Π (1 − s_i)
 *
 * so one strong warning is enough for a high score, and weak warnings add up without ever
 * passing 1. Each factor's contribution is its share of −ln(1 − score), i.e. of the additive
 * log-survival, so the contributions are ≥ 0 and sum exactly to the score.
 *
 * Pure: plain numbers in, plain objects out; no I/O and no clock (the caller passes ages in days).
 */

/** Risk levels, lowest first. */
export type ChurnRiskLevel = 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';

/** Lower bound of each level's score range: LOW [0, 0.25), MEDIUM [0.25, 0.5), HIGH [0.5, 0.75), CRITICAL [0.75, 1]. */
export const RISK_LEVEL_THRESHOLDS: Readonly<Record<Exclude<ChurnRiskLevel, 'LOW'>, number>> = {
  MEDIUM: 0.25,
  HIGH: 0.5,
  CRITICAL: 0.75,
};

/** The three churn categories of the customer-management literature. */
export type ChurnKind = 'ACCOUNT_CHURN' | 'PRODUCT_CHURN' | 'DECREASED_SPEND';

/** Days of spend compared: the last RECENT_WINDOW_DAYS against the EARLIER_WINDOW_DAYS before them. */
export const RECENT_WINDOW_DAYS = 180;
export const EARLIER_WINDOW_DAYS = 360;
/** Minimum earlier history (days) before a spend comparison means anything. */
export const MIN_EARLIER_DAYS = 90;
/** Touchpoints this recent count as negative evidence. */
export const ENGAGEMENT_WINDOW_DAYS = 90;
/** Positive responses this recent count (reactivation) and outreach older than this is "no contact". */
export const CONTACT_WINDOW_DAYS = 180;
/** Holdings closed within this many days count fully, older closures half. */
export const RECENT_CLOSURE_DAYS = 180;

/** Everything the score looks at, for one customer, as of the scoring day. */
export interface ChurnSignals {
  /** BG/NBD probability that the customer is still an active buyer (1 for one-time buyers). */
  probabilityAlive: number;
  /** Repeat purchase days so far (x). */
  repeatPurchases: number;
  /** Days since the last purchase (≥ 0). */
  daysSinceLastPurchase: number;
  /** The gap (days) between purchases expected for this customer; > 0. */
  typicalGapDays: number;
  /** ACTIVE holdings now (lapsed ones included). */
  activeProducts: number;
  /** Holdings closed within {@link RECENT_CLOSURE_DAYS} days, and their product names. */
  closedRecently: number;
  closedRecentlyNames?: readonly string[];
  /** Holdings closed earlier than that. */
  closedEarlier: number;
  /** ACTIVE holdings the customer used to buy regularly but has stopped buying, and their names. */
  lapsedProducts: number;
  lapsedProductNames?: readonly string[];
  /** Spend in the last {@link RECENT_WINDOW_DAYS} days (or fewer, see recentDays). */
  recentSpend: number;
  /** Length of the recent window actually covered (days, > 0). */
  recentDays: number;
  /** Spend in the earlier window, and its covered length in days (0 when the customer is newer). */
  earlierSpend: number;
  earlierDays: number;
  /** Inbound NEGATIVE touchpoints (complaints) in the last {@link ENGAGEMENT_WINDOW_DAYS} days. */
  complaints: number;
  /** Outbound touchpoints answered NEGATIVE in that window. */
  negativeResponses: number;
  /** Outbound touchpoints with NO_RESPONSE in that window. */
  unansweredOutreach: number;
  /** Days since we last reached out (outbound touchpoint), null if never. */
  daysSinceLastOutreach: number | null;
  /**
   * The customer opted out of marketing and no channel is left to reach them on
   * (analytics/contact-channel.ts optedOutEverywhere). Absent = false.
   */
  optedOutEverywhere?: boolean;
}

/** One churn kind's score and a sentence a marketer understands. */
export interface ChurnKindAssessment {
  kind: ChurnKind;
  score: number;
  explanation: string;
}

/** One input of the score and how much of the score it explains. */
export interface RiskFactor {
  /** Stable machine name (camelCase). */
  name: string;
  /** The measured value, in the unit the description names. */
  value: number;
  /** Share of the score this factor explains; the contributions sum to the score. */
  contribution: number;
  description: string;
}

/** Output of {@link assessChurnRisk}. */
export interface ChurnRiskAssessment {
  score: number;
  level: ChurnRiskLevel;
  kinds: ChurnKindAssessment[];
  factors: RiskFactor[];
}

/** The level of a score (see {@link RISK_LEVEL_THRESHOLDS}). Contract: score in [0, 1]. */
export function riskLevel(score: number): ChurnRiskLevel {
  if (score >= RISK_LEVEL_THRESHOLDS.CRITICAL) return 'CRITICAL';
  if (score >= RISK_LEVEL_THRESHOLDS.HIGH) return 'HIGH';
  if (score >= RISK_LEVEL_THRESHOLDS.MEDIUM) return 'MEDIUM';
  return 'LOW';
}

/** True for HIGH and CRITICAL, the levels that move a customer to AT_RISK. */
export function isHighRisk(level: ChurnRiskLevel): boolean {
  return level === 'HIGH' || level === 'CRITICAL';
}

/** Every factor's name and what it measures, in the order factors are reported. */
export const FACTOR_DESCRIPTIONS: readonly (readonly [string, string])[] = [
  ['dropoutProbability', 'Chance the customer has stopped buying for good, from the purchase model: 1 − P(alive).'],
  ['overdueRatio', "Days since the last purchase divided by the usual gap between this customer's purchases; above 1 means overdue."],
  ['productLoss', 'Share of the products ever held that were closed (recent closures count fully, older ones half) or have lapsed.'],
  [
    'spendDecline',
    `Fall in spend per day over the last ${RECENT_WINDOW_DAYS} days against the ${EARLIER_WINDOW_DAYS} days before (0 = steady or growing).`,
  ],
  ['complaints', `Negative contacts the customer started (complaints) in the last ${ENGAGEMENT_WINDOW_DAYS} days.`],
  ['negativeResponses', `Our outreach the customer answered negatively in the last ${ENGAGEMENT_WINDOW_DAYS} days.`],
  ['unansweredOutreach', `Our outreach that got no response in the last ${ENGAGEMENT_WINDOW_DAYS} days.`],
  [
    'noRecentContact',
    `Days since we last reached out (-1 = never). No contact for ${CONTACT_WINDOW_DAYS}+ days adds a little risk: most customers who leave say they felt unappreciated.`,
  ],
  [
    'optedOutEverywhere',
    '1 when the customer opted out of marketing and no channel is left to reach them on, else 0: a sign of account churn (they asked us to stop), and we cannot win them back by outreach.',
  ],
];

/** Strength of "opted out everywhere" as a warning of account churn. */
export const OPTED_OUT_EVERYWHERE_STRENGTH = 0.3;

const DESCRIPTION_BY_NAME = new Map(FACTOR_DESCRIPTIONS);

/** What a factor measures, by its name; undefined for a name this version does not know. */
export function factorDescription(name: string): string | undefined {
  return DESCRIPTION_BY_NAME.get(name);
}

const clamp01 = (v: number) => (v < 0 ? 0 : v > 1 ? 1 : v);
// A factor at exactly 1 would make −ln(1 − s) infinite and swallow every other contribution.
const MAX_STRENGTH = 0.999;
const pct = (v: number) => `${Math.round(v * 100)} %`;
const days = (v: number) => `${Math.round(v)} day${Math.round(v) === 1 ? '' : 's'}`;
const money = (v: number) => v.toFixed(2);
const list = (names: readonly string[] | undefined, n: number) => {
  const shown = (names ?? []).slice(0, 3);
  if (shown.length === 0) return `${n}`;
  return n > shown.length ? `${shown.join(', ')} and ${n - shown.length} more` : shown.join(', ');
};

/**
 * How overdue the customer is, 0–1: 0 while the time since the last purchase is within the
 * expected gap, then rising (0.28 at twice the gap, 0.63 at four times, 0.86 at seven times).
 */
export function overdueRisk(daysSinceLastPurchase: number, typicalGapDays: number): number {
  const ratio = daysSinceLastPurchase / Math.max(typicalGapDays, 1);
  return ratio <= 1 ? 0 : 1 - Math.exp(-(ratio - 1) / 3);
}

/** Share of the product profile lost, 0–1: recent closures count 1, older 0.5, lapsed 0.75. */
export function productLoss(s: Pick<ChurnSignals, 'activeProducts' | 'closedRecently' | 'closedEarlier' | 'lapsedProducts'>): number {
  const everHeld = s.activeProducts + s.closedRecently + s.closedEarlier;
  if (everHeld === 0) return 0;
  return clamp01((s.closedRecently + 0.5 * s.closedEarlier + 0.75 * s.lapsedProducts) / everHeld);
}

/** Fall of the daily spend rate in the recent window against the earlier one, 0–1 (0 when steady, up, or not comparable). */
export function spendDecline(s: Pick<ChurnSignals, 'recentSpend' | 'recentDays' | 'earlierSpend' | 'earlierDays'>): number {
  if (s.earlierDays < MIN_EARLIER_DAYS || s.earlierSpend <= 0 || s.recentDays <= 0) return 0;
  const recentRate = s.recentSpend / s.recentDays;
  const earlierRate = s.earlierSpend / s.earlierDays;
  return clamp01(1 - recentRate / earlierRate);
}

/** A signal that must be finite and ≥ 0. */
function assertCount(name: string, v: number): void {
  if (!Number.isFinite(v) || v < 0) throw new RangeError(`churn signal ${name} must be finite and >= 0, got ${v}`);
}

function assertSignals(s: ChurnSignals): void {
  // Property by property: a loop over their names made every read a megamorphic keyed load.
  assertCount('probabilityAlive', s.probabilityAlive);
  assertCount('repeatPurchases', s.repeatPurchases);
  assertCount('daysSinceLastPurchase', s.daysSinceLastPurchase);
  assertCount('typicalGapDays', s.typicalGapDays);
  assertCount('activeProducts', s.activeProducts);
  assertCount('closedRecently', s.closedRecently);
  assertCount('closedEarlier', s.closedEarlier);
  assertCount('lapsedProducts', s.lapsedProducts);
  assertCount('recentSpend', s.recentSpend);
  assertCount('recentDays', s.recentDays);
  assertCount('earlierSpend', s.earlierSpend);
  assertCount('earlierDays', s.earlierDays);
  assertCount('complaints', s.complaints);
  assertCount('negativeResponses', s.negativeResponses);
  assertCount('unansweredOutreach', s.unansweredOutreach);
  if (s.probabilityAlive > 1) throw new RangeError(`probabilityAlive must be <= 1, got ${s.probabilityAlive}`);
  if (s.daysSinceLastOutreach !== null && !(s.daysSinceLastOutreach >= 0)) {
    throw new RangeError(`daysSinceLastOutreach must be null or >= 0, got ${s.daysSinceLastOutreach}`);
  }
}

const FACTOR_COUNT = FACTOR_DESCRIPTIONS.length;
const VALUES = new Float64Array(FACTOR_COUNT);
const HAZARDS = new Float64Array(FACTOR_COUNT);

/** −ln(1 − s): a factor's share of the log-survival. −ln 1 is −0, kept for identical output. */
function hazard(strength: number): number {
  return strength === 0 ? -0 : -Math.log(1 - Math.min(strength, MAX_STRENGTH));
}

/** 1 − base^n: n warnings of one kind, each on its own leaving probability 1 − base. */
function countStrength(base: number, n: number): number {
  return n === 0 ? 0 : 1 - base ** n;
}

/**
 * Scores one customer's churn risk and explains it.
 *
 * Kinds (each 0–1):
 * - ACCOUNT_CHURN = 1 − P(alive) · (1 − overdue risk): the BG/NBD says whether a repeat buyer has
 *   likely dropped out; the overdue term covers one-time buyers, whom the BG/NBD always deems alive.
 * - PRODUCT_CHURN = {@link productLoss}.
 * - DECREASED_SPEND = {@link spendDecline}.
 *
 * Factor strengths: dropout 1 − P(alive); overdue as above; product loss × 0.7; spend decline ×
 * 0.6; complaints 1 − 0.7^n; negative responses 1 − 0.8^n; unanswered outreach 1 − 0.9^n; and
 * 0.1 when nobody has reached out for {@link CONTACT_WINDOW_DAYS} days (68 % of customers who leave
 * say they felt unappreciated). The weights below 1 reflect that losing one product or some spend
 * is a weaker sign of leaving than having stopped buying altogether.
 *
 * Contract: every numeric signal finite and ≥ 0, probabilityAlive ≤ 1 (RangeError otherwise).
 * Deterministic. Factors come in a fixed order, all present (contribution 0 when silent).
 */
export function assessChurnRisk(s: ChurnSignals): ChurnRiskAssessment {
  assertSignals(s);
  const dropout = clamp01(1 - s.probabilityAlive);
  const overdue = overdueRisk(s.daysSinceLastPurchase, s.typicalGapDays);
  const optedOut = s.optedOutEverywhere === true;
  const account = clamp01(1 - s.probabilityAlive * (1 - overdue) * (optedOut ? 1 - OPTED_OUT_EVERYWHERE_STRENGTH : 1));
  const product = productLoss(s);
  const spend = spendDecline(s);
  const neglected = s.daysSinceLastOutreach === null || s.daysSinceLastOutreach >= CONTACT_WINDOW_DAYS;

  // Same order as FACTOR_DESCRIPTIONS. Scratch arrays, filled afresh on every call: three fresh
  // arrays per customer were a tenth of the scoring time (allocation and garbage collection).
  const values = VALUES;
  values[0] = dropout;
  values[1] = s.daysSinceLastPurchase / Math.max(s.typicalGapDays, 1);
  values[2] = product;
  values[3] = spend;
  values[4] = s.complaints;
  values[5] = s.negativeResponses;
  values[6] = s.unansweredOutreach;
  values[7] = s.daysSinceLastOutreach ?? -1;
  values[8] = optedOut ? 1 : 0;
  const hazards = HAZARDS;
  hazards[0] = hazard(dropout);
  hazards[1] = hazard(overdue);
  hazards[2] = hazard(0.7 * product);
  hazards[3] = hazard(0.6 * spend);
  hazards[4] = hazard(countStrength(0.7, s.complaints));
  hazards[5] = hazard(countStrength(0.8, s.negativeResponses));
  hazards[6] = hazard(countStrength(0.9, s.unansweredOutreach));
  hazards[7] = hazard(neglected ? 0.1 : 0);
  hazards[8] = hazard(optedOut ? OPTED_OUT_EVERYWHERE_STRENGTH : 0);

  let logSurvival = 0;
  for (let i = 0; i < FACTOR_COUNT; i++) logSurvival += hazards[i]!;
  const score = 1 - Math.exp(-logSurvival);
  const factors: RiskFactor[] = new Array(FACTOR_COUNT);
  for (let i = 0; i < FACTOR_COUNT; i++) {
    const [name, description] = FACTOR_DESCRIPTIONS[i]!;
    factors[i] = { name, value: values[i]!, contribution: logSurvival > 0 ? (score * hazards[i]!) / logSurvival : 0, description };
  }

  return {
    score,
    level: riskLevel(score),
    kinds: [
      { kind: 'ACCOUNT_CHURN', score: account, explanation: explainAccount(s, account) },
      { kind: 'PRODUCT_CHURN', score: product, explanation: explainProduct(s, product) },
      { kind: 'DECREASED_SPEND', score: spend, explanation: explainSpend(s, spend) },
    ],
    factors,
  };
}

function explainAccount(s: ChurnSignals, score: number): string {
  const base = explainBuying(s, score);
  return s.optedOutEverywhere
    ? `${base} Opted out of marketing on every channel we could use: they asked us to stop, and outreach cannot win them back.`
    : base;
}

function explainBuying(s: ChurnSignals, score: number): string {
  const last = `last purchase ${days(s.daysSinceLastPurchase)} ago`;
  const usual =
    s.repeatPurchases === 0
      ? `customers like them usually buy again within about ${days(s.typicalGapDays)}`
      : `they usually buy about every ${days(s.typicalGapDays)}`;
  if (s.repeatPurchases === 0) {
    if (score < RISK_LEVEL_THRESHOLDS.MEDIUM) return `Bought once so far (${last}); ${usual}, so no sign of leaving yet.`;
    return `Bought once and never came back: ${last}, while ${usual}. Likely lost unless we reconnect.`;
  }
  const alive = `the purchase model puts the chance they still buy from us at ${pct(s.probabilityAlive)}`;
  if (score < RISK_LEVEL_THRESHOLDS.MEDIUM) return `Still buying as usual: ${last}, ${usual}; ${alive}.`;
  if (score < RISK_LEVEL_THRESHOLDS.HIGH) return `Buying is slowing: ${last}, ${usual}; ${alive}.`;
  return `Has likely stopped buying from us altogether: ${last}, while ${usual}; ${alive}.`;
}

function explainProduct(s: ChurnSignals, score: number): string {
  const everHeld = s.activeProducts + s.closedRecently + s.closedEarlier;
  if (everHeld === 0) return 'Holds no products, so there is no product profile to shrink.';
  if (score === 0) return `Keeps all ${everHeld} product${everHeld === 1 ? '' : 's'} they ever held.`;
  const parts: string[] = [];
  if (s.closedRecently > 0) parts.push(`closed ${list(s.closedRecentlyNames, s.closedRecently)} in the last ${RECENT_CLOSURE_DAYS} days`);
  if (s.closedEarlier > 0) parts.push(`closed ${s.closedEarlier} earlier`);
  if (s.lapsedProducts > 0) parts.push(`stopped buying ${list(s.lapsedProductNames, s.lapsedProducts)}`);
  const activeNotLapsed = s.activeProducts - s.lapsedProducts;
  return `Product profile shrank from ${everHeld} to ${activeNotLapsed} in active use: ${parts.join('; ')}.`;
}

function explainSpend(s: ChurnSignals, score: number): string {
  if (s.earlierDays < MIN_EARLIER_DAYS || s.earlierSpend <= 0) {
    return `Not enough earlier spending to compare with (needs ${MIN_EARLIER_DAYS}+ days of purchases before the last ${RECENT_WINDOW_DAYS} days).`;
  }
  const monthly = (spend: number, d: number) => money((spend / d) * (365.2425 / 12));
  const recent = `${monthly(s.recentSpend, s.recentDays)} a month over the last ${Math.round(s.recentDays)} days`;
  const earlier = `${monthly(s.earlierSpend, s.earlierDays)} a month before`;
  if (score === 0) return `Spending is steady or growing: ${recent}, against ${earlier}.`;
  return `Spending fell by ${pct(score)}: ${recent}, against ${earlier}.`;
}
