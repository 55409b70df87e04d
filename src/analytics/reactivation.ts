/**
 * Reactivation potential of a dormant or lapsed customer: the chance they come back if we reach
 * out, times what they are worth when they do. Pure.
 *
 * The base chance follows the customer-management rule of thumb that 25–60 % of dormant
 * customers respond to a well-made approach: 25 % for someone the purchase model has written
 * off (P(alive) = 0), rising linearly to 60 % at P(alive) = 1. Recent touchpoints move it: a
 * positive answer or "contact me later" in the last 180 days adds 10 points, each complaint or
 * negative answer in the last 90 days takes 10 off. The result is kept within [2 %, 90 %].
 */

export interface ReactivationInput {
  /** BG/NBD P(alive), 0–1. */
  probabilityAlive: number;
  /** Expected value of one purchase (Gamma-Gamma E(Z | z̄, x)), in money units. */
  expectedAverageSpend: number;
  /** Purchase days per year while the customer was buying (≥ 0). */
  purchasesPerYear: number;
  /** Total spend so far, and number of purchase days (for the explanation). */
  totalSpend: number;
  purchaseDays: number;
  daysSinceLastPurchase: number;
  /** POSITIVE_INTEREST / CONTACT_LATER answers in the last 180 days. */
  positiveResponses: number;
  /** Complaints plus negative answers in the last 90 days. */
  negativeSignals: number;
}

export interface ReactivationPotential {
  /** Estimated chance the customer buys again after a win-back approach, 0.02–0.9. */
  comebackProbability: number;
  /** A year of their former buying: expected purchase value × max(1, purchases per year). */
  valueIfReactivated: number;
  /** comebackProbability × valueIfReactivated: the expected gain of approaching them. */
  score: number;
  /** Why, in sentences a marketer understands, most important first. */
  reasons: string[];
}

function assertInput(name: keyof ReactivationInput, v: number): void {
  if (!Number.isFinite(v) || v < 0) throw new RangeError(`reactivation input ${name} must be finite and >= 0, got ${v}`);
}

export const BASE_COMEBACK = 0.25;
export const MAX_MODEL_COMEBACK = 0.6;

/**
 * Contract: all inputs finite and ≥ 0, probabilityAlive ≤ 1 (RangeError otherwise).
 * Deterministic; `score` is 0 only when the value is 0.
 */
export function reactivationPotential(input: ReactivationInput): ReactivationPotential {
  // Property by property: a loop over their names made every read a megamorphic keyed load.
  assertInput('probabilityAlive', input.probabilityAlive);
  assertInput('expectedAverageSpend', input.expectedAverageSpend);
  assertInput('purchasesPerYear', input.purchasesPerYear);
  assertInput('totalSpend', input.totalSpend);
  assertInput('purchaseDays', input.purchaseDays);
  assertInput('daysSinceLastPurchase', input.daysSinceLastPurchase);
  assertInput('positiveResponses', input.positiveResponses);
  assertInput('negativeSignals', input.negativeSignals);
  if (input.probabilityAlive > 1) throw new RangeError(`probabilityAlive must be <= 1, got ${input.probabilityAlive}`);
  let chance = BASE_COMEBACK + (MAX_MODEL_COMEBACK - BASE_COMEBACK) * input.probabilityAlive;
  if (input.positiveResponses > 0) chance += 0.1;
  chance -= 0.1 * input.negativeSignals;
  const comebackProbability = Math.min(0.9, Math.max(0.02, chance));
  const valueIfReactivated = input.expectedAverageSpend * Math.max(1, input.purchasesPerYear);

  const reasons: string[] = [
    `Bought on ${input.purchaseDays} day${input.purchaseDays === 1 ? '' : 's'} for ${input.totalSpend.toFixed(2)} in total; nothing for ${Math.round(input.daysSinceLastPurchase)} days.`,
    `Worth about ${valueIfReactivated.toFixed(2)} in a year if they return to their old pace (${input.purchasesPerYear.toFixed(1)} purchases a year at ${input.expectedAverageSpend.toFixed(2)} each).`,
    `Estimated ${Math.round(comebackProbability * 100)} % chance of coming back when approached (purchase model: ${Math.round(input.probabilityAlive * 100)} % likely still an active buyer).`,
  ];
  if (input.positiveResponses > 0) reasons.push('Showed interest or asked to be contacted later in the last 180 days.');
  if (input.negativeSignals > 0)
    reasons.push(
      `Complained or answered negatively ${input.negativeSignals} time${input.negativeSignals === 1 ? '' : 's'} in the last 90 days: fix the cause before the offer.`,
    );
  return { comebackProbability, valueIfReactivated, score: comebackProbability * valueIfReactivated, reasons };
}
