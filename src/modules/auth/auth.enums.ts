import { registerEnumType } from 'type-graphql';
import { ROLE_SUMMARY } from './policy';
import { KEY_ROLES, Scope, type KeyRole } from './viewer';

/** The roles an API key can have, as the GraphQL enum `Role`: KEY_ROLES as an enum-like object. */
export const ApiKeyRole = Object.freeze(Object.fromEntries(KEY_ROLES.map((r) => [r, r])) as { readonly [R in KeyRole]: R });
export type ApiKeyRole = KeyRole;

export { Scope };

/** How a key came to exist. */
export enum ApiKeySource {
  API = 'api',
  CLI = 'cli',
  ENV = 'env',
  DEMO = 'demo',
}

registerEnumType(ApiKeyRole, {
  name: 'Role',
  description: 'What an API key may do. Requests without a key are anonymous: they may only introspect the schema.',
  valuesConfig: Object.fromEntries(KEY_ROLES.map((role) => [role, { description: ROLE_SUMMARY[role] }])),
});

registerEnumType(Scope, {
  name: 'Scope',
  description: 'An extra permission an API key may hold on top of its role.',
  valuesConfig: {
    PII_READ: {
      description:
        'Read personal data: fields that identify a person (names, emails, phone numbers, free-text notes) and filters that search them.',
    },
    PRIVACY_MANAGE: {
      description:
        "Data protection: answer a person's requests with `exportCustomerData` (everything held about them, personal data included) and `eraseCustomer`. Every use is written to the privacy audit log. Not for PARTNER keys.",
    },
    CUSTOMERS_MERGE: {
      description:
        'Merge and unmerge customer profiles (`mergeCustomers`, `unmergeCustomers`): for data stewards, on a SERVICE or ANALYST key. ADMIN keys hold it anyway.',
    },
  },
});

registerEnumType(ApiKeySource, {
  name: 'ApiKeySource',
  description: 'How an API key was created.',
  valuesConfig: {
    API: { description: 'With the `createApiKey` mutation.' },
    CLI: { description: 'With `npm run keys -- create`.' },
    ENV: { description: 'From the ADMIN_API_KEY environment variable at start-up.' },
    DEMO: { description: 'A demo key printed by `npm start` on an empty database.' },
  },
});
