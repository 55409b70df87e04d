/**
 * Demo consent: who agreed to or refused marketing on which channel, as the
 * append-only records setCommunicationPreferences would have written. Pure,
 * from its own random stream (so adding it changed nothing else the generator
 * makes). The mix, per customer:
 * - about 40 % never said anything (every channel UNKNOWN);
 * - the others opted in when they signed up (e-mail, usually their persona's
 *   favourite channel, named as preferred); a few set their own contact cap;
 * - customers drifting away (AT_RISK, DORMANT, CHURNED) often unsubscribe from
 *   e-mail or SMS later, and some opt out of every channel after a complaint.
 * An opt-out is placed after the customer's last outbound touchpoint on that
 * channel, so the demo history never shows marketing the rules would refuse.
 */
import { LifecycleStage } from '../../modules/lifecycle/stages';
import { Channel, Direction } from '../../modules/touchpoints/touchpoint.enums';
import { hashSeed, Rng } from './random';

const DAY = 86_400_000;

export type DemoConsentStatus = 'OPTED_IN' | 'OPTED_OUT' | 'UNKNOWN';

export interface GeneratedConsentRecord {
  /** Epoch milliseconds. */
  at: number;
  source: string;
  changes: { channel: Channel; status: DemoConsentStatus }[];
  /** The resulting state, as consent_record.channels stores it. */
  channels: Partial<Record<Channel, { status: DemoConsentStatus; source: string; recordedAt: string; apiKeyId: null }>>;
  preferredChannel: Channel | null;
  contactCap: number | null;
}

/** What the consent generator needs to know about a generated customer. */
export interface ConsentSubject {
  index: number;
  stage: LifecycleStage;
  createdAt: number;
  /** The persona's preferred channels, best first (empty without a persona). */
  preferredChannels: readonly Channel[];
  touchpoints: readonly { channel: Channel; direction: Direction; at: number }[];
}

const DRIFTING: ReadonlySet<LifecycleStage> = new Set([LifecycleStage.AT_RISK, LifecycleStage.DORMANT, LifecycleStage.CHURNED]);
const SIGN_UP_SOURCES = ['sign-up form', 'booking confirmation', 'front desk', 'loyalty app'];
const ALL_CHANNELS = Object.values(Channel);

export function generateConsent(seed: string | number, c: ConsentSubject, nowMs: number): GeneratedConsentRecord[] {
  const rng = new Rng(hashSeed('consent', seed, c.index));
  if (rng.chance(0.4)) return [];
  const records: GeneratedConsentRecord[] = [];
  let state: GeneratedConsentRecord['channels'] = {};
  let preferred: Channel | null = null;
  let cap: number | null = null;
  const push = (
    at: number,
    source: string,
    changes: GeneratedConsentRecord['changes'],
    prefs: { preferred?: Channel | null; cap?: number | null } = {},
  ) => {
    const when = Math.min(nowMs, Math.floor(at / 1000) * 1000);
    state = { ...state };
    for (const ch of changes) state[ch.channel] = { status: ch.status, source, recordedAt: new Date(when).toISOString(), apiKeyId: null };
    if (prefs.preferred !== undefined) preferred = prefs.preferred;
    if (prefs.cap !== undefined) cap = prefs.cap;
    if (preferred && state[preferred]?.status === 'OPTED_OUT') preferred = null;
    records.push({ at: when, source, changes, channels: state, preferredChannel: preferred, contactCap: cap });
  };
  /** After the last outbound touchpoint on these channels (and after every earlier record). */
  const after = (channels: readonly Channel[], from: number) => {
    const last = Math.max(
      from,
      records.at(-1)?.at ?? 0,
      ...c.touchpoints.filter((t) => t.direction === Direction.OUTBOUND && channels.includes(t.channel)).map((t) => t.at),
    );
    return Math.min(nowMs, last + rng.between(1, 10) * DAY);
  };

  // Signing up: opt-ins only (refusals come later, after the outreach that prompted them): e-mail, usually the
  // persona's favourite channel too, named as preferred.
  const favourite = c.preferredChannels[0] ?? null;
  const signUp: GeneratedConsentRecord['changes'] = [];
  if (rng.chance(0.8)) signUp.push({ channel: Channel.EMAIL, status: 'OPTED_IN' });
  if (favourite && favourite !== Channel.EMAIL && rng.chance(0.7)) signUp.push({ channel: favourite, status: 'OPTED_IN' });
  if (rng.chance(0.3) && favourite !== Channel.SMS) signUp.push({ channel: Channel.SMS, status: 'OPTED_IN' });
  if (signUp.length === 0) return [];
  const optedIn = signUp.map((s) => s.channel);
  const wantsFavourite = favourite !== null && optedIn.includes(favourite) && rng.chance(0.8);
  push(c.createdAt + rng.between(0, 3) * DAY, rng.pick(SIGN_UP_SOURCES), signUp, {
    preferred: wantsFavourite ? favourite : null,
    cap: rng.chance(0.06) ? rng.int(2, 4) : null,
  });

  if (DRIFTING.has(c.stage)) {
    if (rng.chance(0.12)) {
      // Fed up: a complaint, and no marketing on any channel any more.
      push(
        after(ALL_CHANNELS, c.createdAt),
        'complaint',
        ALL_CHANNELS.map((channel) => ({ channel, status: 'OPTED_OUT' as const })),
      );
    } else if (rng.chance(0.35)) {
      const channel = rng.chance(0.7) ? Channel.EMAIL : Channel.SMS;
      push(after([channel], c.createdAt), 'unsubscribe link', [{ channel, status: 'OPTED_OUT' }]);
    }
  } else if (rng.chance(0.08)) {
    push(after([Channel.EMAIL], c.createdAt), 'unsubscribe link', [{ channel: Channel.EMAIL, status: 'OPTED_OUT' }]);
  } else if (rng.chance(0.1)) {
    push(c.createdAt + rng.between(30, 400) * DAY, 'preference centre', [{ channel: Channel.DIRECT_MAIL, status: 'OPTED_IN' }], {
      preferred: Channel.DIRECT_MAIL,
    });
  }
  return records;
}
