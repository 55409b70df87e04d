/**
 * The demo world: a hotel group's buyer personas and product catalogue. The
 * five personas are the ones the customer-management texts use as their hotel
 * example (independent business traveller, corporate travel manager, event
 * planner, vacationing family, couple planning a wedding reception); goals
 * answer the texts' persona questions (what problem, what they need most, what
 * they search for). Products span several categories so cross-sell and
 * product churn mean something. Pure data, no I/O.
 */
import { Channel } from '../../modules/touchpoints/touchpoint.enums';

export interface SeedPersona {
  key: PersonaKey;
  name: string;
  description: string;
  goals: string[];
  preferredChannels: Channel[];
}

export type PersonaKey = 'traveller' | 'travelManager' | 'eventPlanner' | 'family' | 'wedding';

export const PERSONAS: readonly SeedPersona[] = [
  {
    key: 'traveller',
    name: 'Independent business traveller',
    description:
      'Books their own work trips, often at short notice, and cares more about a quiet room, fast wifi and a quick check-in than about price.',
    goals: [
      'A reliable room at short notice',
      'A room to work in: desk, quiet, fast wifi',
      'Fast check-in and late checkout',
      'Loyalty points and upgrades',
    ],
    preferredChannels: [Channel.WEB, Channel.EMAIL, Channel.SMS],
  },
  {
    key: 'travelManager',
    name: 'Corporate travel manager',
    description:
      "Arranges travel for a company's staff under a travel policy: negotiates corporate rates and needs one invoice, clear reporting and flexible cancellation.",
    goals: [
      'Negotiated corporate rates within policy',
      'One invoice and clear spend reports',
      'Duty of care: know where travellers are',
      'Flexible cancellation',
    ],
    preferredChannels: [Channel.EMAIL, Channel.PHONE, Channel.IN_PERSON],
  },
  {
    key: 'eventPlanner',
    name: 'Event planner',
    description:
      'Organises conferences, meetings and company events: needs rooms, catering and equipment that work on the day, and one contact who answers quickly.',
    goals: [
      'Meeting space that fits the group',
      'Catering and audio-visual in one package',
      'Room blocks for attendees',
      'A single responsive contact',
    ],
    preferredChannels: [Channel.PHONE, Channel.EMAIL, Channel.EVENT],
  },
  {
    key: 'family',
    name: 'Vacationing family',
    description: 'Parents travelling with children in the school holidays: they want space, things to do and a price they can plan around.',
    goals: [
      'Family or connecting rooms',
      'Activities for the children',
      'Good-value packages with breakfast',
      'Easy parking and flexible meal times',
    ],
    preferredChannels: [Channel.SOCIAL, Channel.WEB, Channel.EMAIL],
  },
  {
    key: 'wedding',
    name: 'Couple planning a wedding reception',
    description:
      'An engaged couple choosing a venue for their reception: a once-in-a-lifetime purchase decided with care, followed by rooms for guests and perhaps anniversary stays.',
    goals: [
      'A venue that fits the guest list and budget',
      'A menu tasting and a coordinator they trust',
      'Rooms for out-of-town guests',
      'A memorable wedding night',
    ],
    preferredChannels: [Channel.IN_PERSON, Channel.SOCIAL, Channel.PHONE],
  },
];

export interface SeedProduct {
  sku: string;
  name: string;
  category: string;
  /** List price in cents, so amounts never go through a rounding float. */
  priceCents: number;
  /** Usual quantity bought at once, [min, max]. */
  quantity: readonly [number, number];
}

export const PRODUCTS: readonly SeedProduct[] = [
  { sku: 'RM-STD', name: 'Standard room, per night', category: 'Rooms', priceCents: 12900, quantity: [1, 3] },
  { sku: 'RM-EXE', name: 'Executive room, per night', category: 'Rooms', priceCents: 18900, quantity: [1, 4] },
  { sku: 'RM-FAM', name: 'Family suite, per night', category: 'Rooms', priceCents: 24900, quantity: [3, 7] },
  { sku: 'RM-HNY', name: 'Honeymoon suite, per night', category: 'Rooms', priceCents: 32900, quantity: [1, 3] },
  { sku: 'DN-BRK', name: 'Breakfast buffet', category: 'Dining', priceCents: 1950, quantity: [1, 8] },
  { sku: 'DN-DIN', name: 'Three-course dinner', category: 'Dining', priceCents: 5400, quantity: [1, 6] },
  { sku: 'DN-RSV', name: 'Room-service meal', category: 'Dining', priceCents: 3200, quantity: [1, 3] },
  { sku: 'EV-MTG', name: 'Meeting room, half day', category: 'Meetings & events', priceCents: 35000, quantity: [1, 4] },
  { sku: 'EV-CNF', name: 'Conference day package, per delegate', category: 'Meetings & events', priceCents: 7900, quantity: [10, 120] },
  { sku: 'EV-AV', name: 'Audio-visual equipment hire', category: 'Meetings & events', priceCents: 18000, quantity: [1, 3] },
  { sku: 'EV-BNQ', name: 'Banquet dinner, per guest', category: 'Meetings & events', priceCents: 9500, quantity: [20, 150] },
  { sku: 'EV-WED', name: 'Wedding reception package', category: 'Meetings & events', priceCents: 850000, quantity: [1, 1] },
  { sku: 'WL-SPA', name: 'Spa day pass', category: 'Wellness', priceCents: 8500, quantity: [1, 4] },
  { sku: 'WL-MSG', name: 'Massage, 60 minutes', category: 'Wellness', priceCents: 9500, quantity: [1, 2] },
  { sku: 'LY-PLS', name: 'Loyalty Plus membership, annual', category: 'Loyalty & memberships', priceCents: 9900, quantity: [1, 1] },
  { sku: 'LY-CRP', name: 'Corporate rate agreement, annual', category: 'Loyalty & memberships', priceCents: 120000, quantity: [1, 1] },
  { sku: 'TS-APT', name: 'Airport transfer', category: 'Travel services', priceCents: 6500, quantity: [1, 2] },
  { sku: 'TS-CAR', name: 'Car rental, per day', category: 'Travel services', priceCents: 5900, quantity: [1, 7] },
  { sku: 'TS-LTE', name: 'Late checkout', category: 'Travel services', priceCents: 3000, quantity: [1, 1] },
  { sku: 'FL-TOUR', name: 'Guided city tour', category: 'Family & leisure', priceCents: 4500, quantity: [1, 5] },
  { sku: 'FL-PARK', name: 'Theme park day tickets, family', category: 'Family & leisure', priceCents: 18000, quantity: [1, 2] },
  { sku: 'FL-KIDS', name: "Kids' club, per day", category: 'Family & leisure', priceCents: 3500, quantity: [1, 6] },
];

const P = (sku: string) => {
  const i = PRODUCTS.findIndex((p) => p.sku === sku);
  if (i < 0) throw new Error(`unknown sku ${sku}`);
  return i;
};

/** How a persona buys: what, how often, and what their first purchase is. */
export interface PersonaBehaviour {
  /** Purchases per 30 days for a steady customer of this persona. */
  purchasesPer30Days: number;
  /** Touchpoints per 30 days while a steady customer. */
  touchpointsPer30Days: number;
  /** Product index → relative weight of buying it. */
  affinity: ReadonlyMap<number, number>;
  /** Products their first purchase is drawn from. */
  firstPurchase: readonly number[];
  /** Outbound campaigns aimed at this persona before they buy. */
  prospectCampaigns: readonly string[];
  /** Share of all customers with this persona. */
  share: number;
}

const affinity = (weights: Record<string, number>) => new Map(Object.entries(weights).map(([sku, w]) => [P(sku), w]));

export const BEHAVIOUR: Readonly<Record<PersonaKey, PersonaBehaviour>> = {
  traveller: {
    purchasesPer30Days: 1.1,
    touchpointsPer30Days: 1.2,
    affinity: affinity({
      'RM-STD': 10,
      'RM-EXE': 6,
      'DN-BRK': 5,
      'DN-RSV': 3,
      'DN-DIN': 2,
      'TS-APT': 3,
      'TS-LTE': 3,
      'TS-CAR': 1,
      'LY-PLS': 1,
      'WL-MSG': 0.5,
    }),
    firstPurchase: [P('RM-STD'), P('RM-EXE')],
    prospectCampaigns: ['Business traveller rates', 'Work-friendly rooms'],
    share: 0.3,
  },
  travelManager: {
    purchasesPer30Days: 1.4,
    touchpointsPer30Days: 1.0,
    affinity: affinity({ 'RM-EXE': 8, 'RM-STD': 8, 'DN-BRK': 4, 'EV-MTG': 2, 'TS-APT': 3, 'TS-CAR': 2, 'LY-CRP': 0.6 }),
    firstPurchase: [P('LY-CRP'), P('RM-EXE')],
    prospectCampaigns: ['Corporate rates programme', 'Travel policy made simple'],
    share: 0.15,
  },
  eventPlanner: {
    purchasesPer30Days: 0.45,
    touchpointsPer30Days: 1.0,
    affinity: affinity({ 'EV-CNF': 6, 'EV-MTG': 6, 'EV-AV': 4, 'EV-BNQ': 3, 'DN-DIN': 2, 'RM-STD': 3, 'TS-APT': 1 }),
    firstPurchase: [P('EV-MTG'), P('EV-CNF')],
    prospectCampaigns: ['Meetings made easy', 'Conference season offer'],
    share: 0.15,
  },
  family: {
    purchasesPer30Days: 0.2,
    touchpointsPer30Days: 0.8,
    affinity: affinity({ 'RM-FAM': 8, 'DN-BRK': 5, 'DN-DIN': 3, 'FL-PARK': 4, 'FL-KIDS': 4, 'FL-TOUR': 3, 'WL-SPA': 1, 'TS-CAR': 2 }),
    firstPurchase: [P('RM-FAM')],
    prospectCampaigns: ['Family summer holidays', 'Kids stay free weekends'],
    share: 0.25,
  },
  wedding: {
    purchasesPer30Days: 0.1,
    touchpointsPer30Days: 0.7,
    affinity: affinity({ 'RM-HNY': 5, 'RM-STD': 4, 'DN-DIN': 4, 'WL-SPA': 3, 'WL-MSG': 3, 'EV-BNQ': 1 }),
    firstPurchase: [P('EV-WED')],
    prospectCampaigns: ['Weddings at the hotel', 'Open day for couples'],
    share: 0.1,
  },
};

/** Customers without a persona behave like this (a persona has not been matched yet). */
export const UNMATCHED_BEHAVIOUR: PersonaBehaviour = {
  purchasesPer30Days: 0.4,
  touchpointsPer30Days: 0.8,
  affinity: affinity({ 'RM-STD': 6, 'RM-EXE': 2, 'DN-BRK': 3, 'DN-DIN': 2, 'WL-SPA': 1, 'FL-TOUR': 1, 'TS-LTE': 1 }),
  firstPurchase: [P('RM-STD')],
  prospectCampaigns: ['Spring city breaks', 'Newsletter sign-up offer'],
  share: 0.05,
};

/** Campaigns by phase of the journey (outbound touchpoints name one). */
export const CAMPAIGNS = {
  onboarding: ['Welcome programme', 'Set your communication preferences'],
  active: ['Double loyalty points', 'Spa weekend offer', 'Upgrade to executive', 'Refer a friend', 'Guest satisfaction survey'],
  drifting: ['We value your feedback', 'Exclusive returning-guest rate'],
  lapsed: ['We miss you', 'Win-back: 20% off your next stay'],
} as const;

/** Notes staff wrote on touchpoints, by response. */
export const NOTES = {
  NEGATIVE: [
    'Complained about room noise',
    'Found a better price elsewhere',
    'Billing error on the last stay',
    'Unhappy with slow check-in',
    'Asked to receive fewer emails',
  ],
  CONTACT_LATER: ['Asked us to call back after the summer', 'Will decide after budget approval', 'Busy this month; try again later'],
  POSITIVE_INTEREST: ['Asked for a quote', 'Clicked through to the offer', 'Wants to hear about packages', 'Booked a site visit'],
} as const;

/** Why customers leave, weighted as in the customer-management text's "reasons clients stop buying". */
export const CHURN_REASONS: readonly { reason: string; weight: number }[] = [
  { reason: 'Felt unappreciated; stopped booking.', weight: 68 },
  { reason: 'Unhappy with a stay; complaint not resolved.', weight: 14 },
  { reason: 'Found better value elsewhere.', weight: 9 },
  { reason: "Switched on a friend's advice.", weight: 5 },
  { reason: 'Moved away.', weight: 3 },
  { reason: 'Passed away; account closed by family.', weight: 1 },
];

export const FIRST_NAMES: readonly string[] = [
  'Ada',
  'Aisha',
  'Alejandro',
  'Amara',
  'Anders',
  'Andrea',
  'Ava',
  'Ben',
  'Camille',
  'Carlos',
  'Chen',
  'Chloé',
  'Daniel',
  'Dmitri',
  'Elena',
  'Emeka',
  'Emma',
  'Fatima',
  'Finn',
  'Freya',
  'Gabriel',
  'Grace',
  'Hana',
  'Hugo',
  'Ines',
  'Isaac',
  'Jamal',
  'Jana',
  'Javier',
  'Jin',
  'Jonas',
  'Julia',
  'Kai',
  'Kenji',
  'Lars',
  'Leila',
  'Liam',
  'Lucía',
  'Maya',
  'Mateo',
  'Mei',
  'Mia',
  'Mohammed',
  'Nadia',
  'Noah',
  'Nora',
  'Olivia',
  'Omar',
  'Pablo',
  'Priya',
  'Rafael',
  'Ravi',
  'Rosa',
  'Sakura',
  'Samuel',
  'Sara',
  'Sofia',
  'Søren',
  'Tariq',
  'Thomas',
  'Valentina',
  'Wei',
  'Yara',
  'Yusuf',
  'Zoe',
  'Zanele',
];

export const LAST_NAMES: readonly string[] = [
  'Adeyemi',
  'Andersen',
  'Bauer',
  'Bianchi',
  'Brown',
  'Castillo',
  'Chen',
  'Costa',
  'Dubois',
  'Eriksson',
  'Fernández',
  'Fischer',
  'García',
  'Gupta',
  'Haddad',
  'Hansen',
  'Hernández',
  'Ibrahim',
  'Ito',
  'Jansen',
  'Johnson',
  'Kim',
  'Kowalski',
  'Kumar',
  'Larsen',
  'Lee',
  'López',
  'Martin',
  'Müller',
  'Nakamura',
  'Nguyen',
  'Novak',
  'Okafor',
  'Olsen',
  'Patel',
  'Pereira',
  'Petrov',
  'Rossi',
  'Sato',
  'Schmidt',
  'Silva',
  'Singh',
  'Smith',
  'Tanaka',
  'Taylor',
  'Van Dijk',
  'Wang',
  'Williams',
  'Wilson',
  'Yamamoto',
  'Zhang',
  'Zimmermann',
];

/** Reserved example domains (RFC 2606), so demo addresses never reach a real inbox. */
export const EMAIL_DOMAINS: readonly string[] = ['example.com', 'example.org', 'example.net'];
