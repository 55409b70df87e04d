/**
 * Checks an analytic gradient against central differences, component by component, in
 * log-parameter units (the optimisers work on ln θ). Central differences carry the rounding of
 * ln L divided by h (ln Γ of 10⁵ has few digits to spare), so each component is checked against
 * the size of the whole gradient, with an absolute floor for the near-zero gradient at an optimum.
 */
export function expectGradientMatchesDifferences<K extends string>(
  f: (params: Record<K, number>) => number,
  params: Record<K, number>,
  gradient: Record<K, number>,
  keys: readonly K[],
): void {
  const size = Math.max(...keys.map((k) => Math.abs(gradient[k] * params[k])));
  for (const key of keys) {
    const h = 1e-4 * params[key];
    const numeric = (f({ ...params, [key]: params[key] + h }) - f({ ...params, [key]: params[key] - h })) / (2 * h);
    expect(Math.abs(gradient[key] - numeric) * params[key]).toBeLessThan(2e-6 * size + 1e-5);
  }
}
