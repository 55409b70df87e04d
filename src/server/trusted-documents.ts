/**
 * Persisted queries and trusted documents.
 *
 * - Automatic persisted queries (APQ, Apollo Server's own) stay on: a client
 *   sends `extensions.persistedQuery.sha256Hash`, gets PERSISTED_QUERY_NOT_FOUND
 *   the first time, then registers the query by sending both. `persistedQueryProblem`
 *   refuses a registration whose hash is not the query's SHA-256 (or an unknown
 *   protocol version) as a client error, before Apollo would fail it as an
 *   uncoded, masked error.
 * - Trusted documents (`TRUSTED_DOCUMENTS=<manifest.json>`): an allow-list of
 *   operations. A request may name a document by hash alone
 *   (`extensions.persistedQuery.sha256Hash`, or `documentId` as in the GraphQL
 *   over HTTP persisted-documents proposal, with or without a `sha256:` prefix);
 *   a request that sends query text must send one of the manifest's documents,
 *   unless its key is ADMIN (the playground and operators keep free-form
 *   queries). APQ registration is then off: only the manifest names documents.
 *
 * Manifest formats read: GraphQL Code Generator's client-preset
 * `persisted-documents.json` (`{ "<sha256>": "<document>" }`) and Apollo's
 * persisted query manifest (`{ "format": "apollo-persisted-query-manifest",
 * "operations": [{ "id", "body" }] }`).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { ErrorCode } from '../shared/errors';

/** What Apollo Server needs of a persisted-query cache (its KeyValueCache, structurally). */
export interface PersistedQueryCache {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, options?: { ttl?: number | null }): Promise<void>;
  delete(key: string): Promise<boolean | void>;
}

export interface TrustedDocuments {
  /** How many documents the manifest holds. */
  readonly size: number;
  /** The document a hash names, or undefined (hash as in the manifest, or `sha256:`-prefixed). */
  documentFor(hash: string): string | undefined;
  /** True when `query` is, byte for byte, one of the manifest's documents. */
  admits(query: string): boolean;
  /** Apollo's `persistedQueries.cache`: answers from the manifest, never stores. */
  readonly cache: PersistedQueryCache;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const bareHash = (hash: string) => (hash.startsWith('sha256:') ? hash.slice('sha256:'.length) : hash);

/** Builds the allow-list from a manifest's parsed JSON; throws naming what is wrong. */
export function trustedDocumentsFrom(manifest: unknown, source = 'the trusted documents manifest'): TrustedDocuments {
  const byHash = new Map<string, string>();
  const add = (hash: unknown, document: unknown) => {
    if (typeof hash !== 'string' || !hash || typeof document !== 'string' || !document.trim()) {
      throw new Error(`${source}: every entry needs a hash and a non-empty document (got ${JSON.stringify(hash)})`);
    }
    byHash.set(bareHash(hash), document);
  };
  if (manifest && typeof manifest === 'object' && (manifest as { format?: unknown }).format === 'apollo-persisted-query-manifest') {
    const operations = (manifest as { operations?: unknown }).operations;
    if (!Array.isArray(operations)) throw new Error(`${source}: "operations" must be a list`);
    for (const op of operations as { id?: unknown; body?: unknown }[]) add(op?.id, op?.body);
  } else if (manifest && typeof manifest === 'object' && !Array.isArray(manifest)) {
    for (const [hash, document] of Object.entries(manifest)) add(hash, document);
  } else {
    throw new Error(`${source}: expected an object of hash → document (GraphQL Code Generator's persisted-documents.json)`);
  }
  // Free-form text is matched by its own hash, whatever hashing the manifest's keys used.
  const texts = new Set([...byHash.values()].map(sha256));
  const documentFor = (hash: string) => byHash.get(bareHash(hash));
  return {
    size: byHash.size,
    documentFor,
    admits: (query) => texts.has(sha256(query)),
    cache: {
      // Apollo prefixes its keys (`apq:<hash>`).
      get: async (key) => documentFor(key.slice(key.indexOf(':') + 1)),
      set: async () => undefined,
      delete: async () => false,
    },
  };
}

/** Reads the manifest at `file` (TRUSTED_DOCUMENTS). */
export function loadTrustedDocuments(file: string): TrustedDocuments {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`TRUSTED_DOCUMENTS: cannot read ${file} as JSON: ${(err as Error).message}`, { cause: err });
  }
  return trustedDocumentsFrom(parsed, `TRUSTED_DOCUMENTS ${file}`);
}

/** The parts of a GraphQL-over-HTTP request this module looks at. */
export interface OperationRequest {
  query?: unknown;
  extensions?: unknown;
  documentId?: unknown;
}

function persistedQueryOf(request: OperationRequest): { version?: unknown; sha256Hash?: unknown } | undefined {
  const ext = request.extensions;
  if (!ext || typeof ext !== 'object') return undefined;
  const pq = (ext as { persistedQuery?: unknown }).persistedQuery;
  return pq && typeof pq === 'object' ? (pq as { version?: unknown; sha256Hash?: unknown }) : undefined;
}

/**
 * A client error for a malformed persisted-query request, or null: a version
 * other than 1, a hash that is not a string, or query text whose SHA-256 is
 * not the hash sent with it.
 */
export function persistedQueryProblem(request: OperationRequest): { code: typeof ErrorCode.BAD_REQUEST; message: string } | null {
  const pq = persistedQueryOf(request);
  if (!pq) return null;
  if (pq.version !== 1) return { code: ErrorCode.BAD_REQUEST, message: 'Unsupported persistedQuery version: only version 1 is.' };
  if (typeof pq.sha256Hash !== 'string') return { code: ErrorCode.BAD_REQUEST, message: 'persistedQuery.sha256Hash must be a string.' };
  if (typeof request.query === 'string' && request.query !== '' && sha256(request.query) !== pq.sha256Hash) {
    return {
      code: ErrorCode.BAD_REQUEST,
      message: "persistedQuery.sha256Hash is not the SHA-256 of the query sent with it (hex of the query's UTF-8 text).",
    };
  }
  return null;
}

/**
 * `documentId` (GraphQL over HTTP's persisted documents) as the APQ extension
 * Apollo Server reads; changes `body` in place. Leaves a request that already
 * has a query or a persistedQuery alone.
 */
export function documentIdAsPersistedQuery(body: OperationRequest & Record<string, unknown>): void {
  if (typeof body.documentId !== 'string' || body.query || persistedQueryOf(body)) return;
  const extensions = body.extensions && typeof body.extensions === 'object' ? body.extensions : {};
  body.extensions = { ...extensions, persistedQuery: { version: 1, sha256Hash: bareHash(body.documentId) } };
}

/** True when the request sends query text (rather than naming a document by hash only). */
export function sendsQueryText(request: OperationRequest): request is OperationRequest & { query: string } {
  return typeof request.query === 'string' && request.query !== '';
}
