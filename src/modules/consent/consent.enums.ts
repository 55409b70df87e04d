import { registerEnumType } from 'type-graphql';

/** A customer's answer about one channel. */
export enum ConsentStatus {
  OPTED_IN = 'OPTED_IN',
  OPTED_OUT = 'OPTED_OUT',
  UNKNOWN = 'UNKNOWN',
}

/** Why marketing leaves a customer out for now. */
export enum ContactExclusionReason {
  NO_REACHABLE_CHANNEL = 'NO_REACHABLE_CHANNEL',
  CONTACT_CAP_REACHED = 'CONTACT_CAP_REACHED',
}

registerEnumType(ConsentStatus, {
  name: 'ConsentStatus',
  description: "A customer's marketing consent on one channel.",
  valuesConfig: {
    OPTED_IN: { description: 'The customer agreed to marketing on this channel.' },
    OPTED_OUT: { description: 'The customer refused or withdrew: no outbound marketing on this channel (service replies stay allowed).' },
    UNKNOWN: {
      description:
        'No answer recorded. Counts as reachable for marketing only on channels that need no prior consent (DIRECT_MAIL, WEB, IN_PERSON, EVENT, ADVERTISING), never on EMAIL, SMS, PHONE or SOCIAL.',
    },
  },
});

registerEnumType(ContactExclusionReason, {
  name: 'ContactExclusionReason',
  description: 'Why a customer is left out of cross-sell and reactivation lists.',
  valuesConfig: {
    NO_REACHABLE_CHANNEL: { description: 'Every channel is opted out, or unknown where marketing needs an opt-in.' },
    CONTACT_CAP_REACHED: { description: 'The customer already had their cap of outbound marketing touchpoints in the last 30 days.' },
  },
});
