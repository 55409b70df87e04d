/** Who is making a request. Resolved once per request (or WebSocket connection) from the API key. */
export enum Role {
  ADMIN = 'ADMIN',
  ANALYST = 'ANALYST',
  SERVICE = 'SERVICE',
  PARTNER = 'PARTNER',
  ANONYMOUS = 'ANONYMOUS',
}

/** Permissions a key may carry on top of its role. */
export enum Scope {
  /** Read personal data: fields marked `@Personal()` and filters that search it. */
  PII_READ = 'pii:read',
  /** Data protection: export everything held about a person, and erase them (docs/privacy.md). */
  PRIVACY_MANAGE = 'privacy:manage',
  /** Merge and unmerge customer profiles (data stewards); see policy.ts SCOPE_GRANTS. */
  CUSTOMERS_MERGE = 'customers:merge',
}

export const ALL_SCOPES: readonly Scope[] = Object.values(Scope);

/** Roles an API key can have (anonymous is the absence of a key): the one list of them. */
export const KEY_ROLES = [Role.ADMIN, Role.ANALYST, Role.SERVICE, Role.PARTNER] as const;

/** A role an API key can have. */
export type KeyRole = (typeof KEY_ROLES)[number];

export interface Viewer {
  role: Role;
  scopes: readonly string[];
  /** Id of the API key used; null for anonymous requests. */
  apiKeyId: string | null;
  /** The key's visible prefix, for logs; null for anonymous requests. */
  keyPrefix?: string | null;
  /** Requests per minute this viewer may make; undefined means the configured default. */
  rateLimitPerMinute?: number | null;
  /** Open subscriptions this viewer may hold; undefined means the configured default. */
  maxSubscriptions?: number | null;
  /** PARTNER keys: the partner the key belongs to, whose sharing consents bound what it sees (see sharing/). */
  partner?: string | null;
}

export const ANONYMOUS_VIEWER: Viewer = Object.freeze({ role: Role.ANONYMOUS, scopes: [], apiKeyId: null, keyPrefix: null });

/** True when the viewer may use `scope`. ADMIN holds every scope. */
export function hasScope(viewer: Viewer, scope: Scope): boolean {
  return viewer.role === Role.ADMIN || viewer.scopes.includes(scope);
}

/**
 * The partner whose scope bounds what this viewer sees, or null when the
 * viewer sees every customer. A PARTNER key without a partner (created before
 * keys named one) gets the empty name, which no consent carries: it sees no
 * customer.
 */
export function partnerScopeOf(viewer: Viewer): string | null {
  return viewer.role === Role.PARTNER ? (viewer.partner ?? '') : null;
}
