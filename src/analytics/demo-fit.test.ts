/**
 * The models must fit the demo population `npm start` seeds, not only CDNOW. Its dropout
 * hardly varies between customers, which once sent the BG/NBD fit walking along the
 * a, b → ∞ ridge until it gave up, and broke the expectation series for large a.
 */
import { generateCustomer } from '../db/seed/generate';
import { DEFAULT_SEED } from '../db/seed/seed';
import { expectedTransactions, expectedTransactionsNewCustomer, fitBgNbd, MAX_BETA_CONCENTRATION, probabilityAlive } from './bgnbd';
import { summarizeTransactions } from './rfm';

const NOW = new Date('2026-11-25T00:00:00Z');

describe('fitting the seeded demo population', () => {
  const transactions = Array.from({ length: 5000 }, (_, i) => generateCustomer(DEFAULT_SEED, i, NOW)).flatMap((c, i) =>
    c.purchases.map((p) => ({ customerId: i, date: new Date(p.at), amount: p.amountCents / 100 })),
  );
  const summaries = summarizeTransactions(transactions, NOW);
  const fit = fitBgNbd(summaries);

  it('converges, with the beta concentration held at its cap', () => {
    expect(fit.converged).toBe(true);
    expect(fit.params.a + fit.params.b).toBeLessThan(MAX_BETA_CONCENTRATION * 1.1);
    expect(Number.isFinite(fit.logLikelihood)).toBe(true);
  });

  it('gives finite expectations and probabilities for every customer', () => {
    expect(Number.isFinite(expectedTransactionsNewCustomer(fit.params, 52.1775))).toBe(true);
    for (const c of summaries) {
      const e = expectedTransactions(fit.params, c, 52.1775);
      const p = probabilityAlive(fit.params, c);
      expect(Number.isFinite(e) && e >= 0).toBe(true);
      expect(p >= 0 && p <= 1).toBe(true);
    }
  });
});
