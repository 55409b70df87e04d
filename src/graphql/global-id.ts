/**
 * @deprecated Global IDs live in src/shared/global-id.ts. This re-export stays
 * only until bench/ imports from there; nothing in src/ may import it
 * (.dependency-cruiser.cjs, rule no-deprecated-shim).
 */
export * from '../shared/global-id';
