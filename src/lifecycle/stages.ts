/**
 * @deprecated The stage table lives in src/modules/lifecycle/stages.ts. This
 * re-export stays only until bench/ imports from there; nothing in src/ may
 * import it (.dependency-cruiser.cjs, rule no-deprecated-shim).
 */
export * from '../modules/lifecycle/stages';
