import { registerEnumType } from 'type-graphql';

/** Where a touchpoint happened. */
export enum Channel {
  EMAIL = 'EMAIL',
  DIRECT_MAIL = 'DIRECT_MAIL',
  PHONE = 'PHONE',
  SMS = 'SMS',
  WEB = 'WEB',
  SOCIAL = 'SOCIAL',
  IN_PERSON = 'IN_PERSON',
  EVENT = 'EVENT',
  ADVERTISING = 'ADVERTISING',
}

/** How the customer reacted to a touchpoint (the four response types marketers capture). */
export enum TouchpointResponse {
  POSITIVE_INTEREST = 'POSITIVE_INTEREST',
  NEGATIVE = 'NEGATIVE',
  NO_RESPONSE = 'NO_RESPONSE',
  CONTACT_LATER = 'CONTACT_LATER',
}

/** Who started the interaction. */
export enum Direction {
  INBOUND = 'INBOUND',
  OUTBOUND = 'OUTBOUND',
}

/** Why we reached out: marketing counts against consent and the contact cap, service does not. */
export enum TouchpointPurpose {
  MARKETING = 'MARKETING',
  SERVICE = 'SERVICE',
}

registerEnumType(Channel, {
  name: 'Channel',
  description: 'A channel a customer can be reached on or reach us through.',
  valuesConfig: {
    EMAIL: { description: 'Email, including newsletters and campaign mail.' },
    DIRECT_MAIL: { description: "Printed mail sent to the customer's address." },
    PHONE: { description: 'A phone call, either way.' },
    SMS: { description: 'A text message.' },
    WEB: { description: 'Our website or web app: visits, forms, chat.' },
    SOCIAL: { description: 'Social networks: posts, messages, mentions.' },
    IN_PERSON: { description: 'Face to face: a store, branch or visit.' },
    EVENT: { description: 'A webinar, trade show or other event.' },
    ADVERTISING: { description: 'Display, search or media advertising.' },
  },
});

registerEnumType(TouchpointResponse, {
  name: 'TouchpointResponse',
  description: "The customer's response to a touchpoint.",
  valuesConfig: {
    POSITIVE_INTEREST: { description: 'The customer showed interest (replied, clicked, asked for more).' },
    NEGATIVE: { description: 'The customer declined or reacted negatively (a complaint counts here).' },
    NO_RESPONSE: { description: 'No reaction was seen.' },
    CONTACT_LATER: { description: 'The customer asked to be contacted again later.' },
  },
});

registerEnumType(Direction, {
  name: 'Direction',
  description: 'Who started a touchpoint.',
  valuesConfig: {
    INBOUND: { description: 'The customer reached out to us.' },
    OUTBOUND: { description: 'We reached out to the customer.' },
  },
});

registerEnumType(TouchpointPurpose, {
  name: 'TouchpointPurpose',
  description:
    'Why a touchpoint happened. Outbound MARKETING needs the channel not to be opted out and counts against the contact cap; SERVICE does not.',
  valuesConfig: {
    MARKETING: { description: 'Promotion, offers, newsletters, win-back: anything we start to sell or engage.' },
    SERVICE: {
      description:
        "A reply to the customer's own contact (an answer to their inbound call, mail or complaint) or a message they asked for; allowed on opted-out channels and not capped.",
    },
  },
});
