/**
 * Who may see what — the one table. Root fields (queries, mutations,
 * subscriptions) are granted to roles here; personal fields are marked where
 * they are declared with `@Personal()`, and filters that search personal data
 * with `@SearchesPersonalData()`. src/modules/auth/access.ts enforces both on
 * the built schema and writes the rules into the schema descriptions, so the
 * published SDL documents exactly what the server does.
 *
 * A root field missing from the table falls back to its operation type's
 * default: reads for ADMIN/ANALYST/PARTNER, writes for ADMIN only. New
 * mutations are therefore closed to everyone but ADMIN until granted here.
 */
import { Extensions } from 'type-graphql';
import { KEY_ROLES, Role, Scope } from './viewer';

const { ADMIN, ANALYST, SERVICE, PARTNER } = Role;

/** Every role that holds a key. */
export const AUTHENTICATED: readonly Role[] = KEY_ROLES;
/** Roles that read the customer graph (personal fields still need `pii:read`). */
export const READERS: readonly Role[] = [ADMIN, ANALYST, PARTNER];
/** Roles that feed the graph from other systems. */
export const WRITERS: readonly Role[] = [ADMIN, SERVICE];

/** Root fields whose roles differ from their operation type's default. Key: `Type.field`. */
export const ROOT_FIELD_ROLES: Readonly<Record<string, readonly Role[]>> = {
  'Query.viewer': AUTHENTICATED,
  'Query.apiKeys': [ADMIN],
  // Reference data a SERVICE needs to record purchases and touchpoints.
  'Query.products': AUTHENTICATED,
  'Query.personas': AUTHENTICATED,

  'Mutation.createCustomer': WRITERS,
  'Mutation.updateCustomer': WRITERS,
  'Mutation.recordPurchases': WRITERS,
  'Mutation.recordTouchpoint': WRITERS,
  'Mutation.createReferral': WRITERS,
  'Mutation.setPartnerSharing': WRITERS,
  'Mutation.setCommunicationPreferences': WRITERS,
  'Mutation.createApiKey': [ADMIN],
  'Mutation.revokeApiKey': [ADMIN],
  // Fitting the churn model is running analytics.
  'Mutation.fitChurnModel': [ADMIN, ANALYST],
  // Business figures (revenue concentration, win-back lists, referral ROI) are
  // the company's own analysis, not something a partner app needs to act on.
  'Query.churnModel': [ADMIN, ANALYST],
  'Query.valueTiers': [ADMIN, ANALYST],
  'Query.reactivationCandidates': [ADMIN, ANALYST],
  'Query.referralMetrics': [ADMIN, ANALYST],
  // Data protection (docs/privacy.md): ADMIN, or a SERVICE/ANALYST key holding privacy:manage (SCOPE_GRANTS).
  'Query.exportCustomerData': [ADMIN],
  'Mutation.eraseCustomer': [ADMIN],
  'Query.privacyAuditLog': [ADMIN],
  // Finding duplicates is data stewardship; SERVICE keys with customers:merge see it too (SCOPE_GRANTS).
  'Query.duplicateCandidates': [ADMIN, ANALYST],
};

/**
 * Root fields a key may also use when it holds a scope, on top of the roles above
 * (ADMIN holds every scope). Key: `Type.field`.
 */
export const SCOPE_GRANTS: Readonly<Record<string, { scope: Scope; roles: readonly Role[] }>> = {
  // Data stewards merge duplicate profiles without being ADMIN.
  'Query.duplicateCandidates': { scope: Scope.CUSTOMERS_MERGE, roles: [SERVICE] },
  'Mutation.mergeCustomers': { scope: Scope.CUSTOMERS_MERGE, roles: [SERVICE, ANALYST] },
  'Mutation.unmergeCustomers': { scope: Scope.CUSTOMERS_MERGE, roles: [SERVICE, ANALYST] },
  // Data protection officers answer access and erasure requests without being ADMIN.
  'Query.exportCustomerData': { scope: Scope.PRIVACY_MANAGE, roles: [SERVICE, ANALYST] },
  'Mutation.eraseCustomer': { scope: Scope.PRIVACY_MANAGE, roles: [SERVICE, ANALYST] },
};

/** The scope grant of a root field, if any. */
export function scopeGrantFor(operationType: 'Query' | 'Mutation' | 'Subscription', field: string) {
  return SCOPE_GRANTS[`${operationType}.${field}`];
}

/** Roles for root fields the table does not name, by operation type. */
export const DEFAULT_ROOT_ROLES: Readonly<Record<'Query' | 'Mutation' | 'Subscription', readonly Role[]>> = {
  Query: READERS,
  Mutation: [ADMIN],
  Subscription: READERS,
};

/** The roles that may use a root field. */
export function rolesFor(operationType: 'Query' | 'Mutation' | 'Subscription', field: string): readonly Role[] {
  return ROOT_FIELD_ROLES[`${operationType}.${field}`] ?? DEFAULT_ROOT_ROLES[operationType];
}

/** Field extension keys the access layer reads. */
export const PERSONAL_EXTENSION = 'personal';
export const SEARCHES_PERSONAL_EXTENSION = 'searchesPersonalData';
/** The scope personal data needs. */
export const PERSONAL_DATA_SCOPE = Scope.PII_READ;

/**
 * Marks an output field as personal data (it identifies a person, or is free
 * text that may). Without `pii:read` the field resolves to null with a
 * FORBIDDEN error at its path; the rest of the response is unaffected. The
 * field must be nullable — schema build fails otherwise — so one hidden value
 * never nulls its parent object.
 */
export function Personal(): PropertyDecorator & MethodDecorator {
  return Extensions({ [PERSONAL_EXTENSION]: true }) as PropertyDecorator & MethodDecorator;
}

/**
 * Marks an input field whose value is matched against personal data (e.g. a
 * text search over names and emails). Using it without `pii:read` is
 * FORBIDDEN: otherwise the filter would be an oracle ("is there a customer
 * whose email contains …?") for data the caller may not read.
 */
export function SearchesPersonalData(): PropertyDecorator & MethodDecorator {
  return Extensions({ [SEARCHES_PERSONAL_EXTENSION]: true }) as PropertyDecorator & MethodDecorator;
}

/**
 * What each role may do, in one sentence or two: the one text per role. The
 * schema publishes it twice, derived from here: as the `Role` enum's value
 * descriptions (auth.enums.ts, the roles a key can have) and in the Query
 * type's description (access.ts, anonymous included).
 */
export const ROLE_SUMMARY: Readonly<Record<Role, string>> = {
  [Role.ADMIN]: 'Everything, including managing API keys. Always reads personal data.',
  [Role.ANALYST]: `Reads the whole graph and runs analytics. Personal fields need the \`${PERSONAL_DATA_SCOPE}\` scope.`,
  [Role.SERVICE]: `Feeds the graph from other systems: creates and updates customers, records purchases, touchpoints and referrals, and reads products, personas and what its own mutations return. Personal fields need the \`${PERSONAL_DATA_SCOPE}\` scope.`,
  [Role.PARTNER]: `Reads non-personal fields and subscribes to changes. Cannot hold the \`${PERSONAL_DATA_SCOPE}\` scope.`,
  [Role.ANONYMOUS]: 'No key: introspection and the health endpoints only.',
};
