import { chooseContactChannel, isReachable, optedOutEverywhere, type ConsentStatusValue, type ContactInput } from './contact-channel';

const CHANNELS = ['EMAIL', 'DIRECT_MAIL', 'PHONE', 'SMS', 'WEB', 'SOCIAL', 'IN_PERSON', 'EVENT', 'ADVERTISING'];
const OPT_OUT_ALL_SOFT: [string, ConsentStatusValue][] = ['DIRECT_MAIL', 'WEB', 'IN_PERSON', 'EVENT', 'ADVERTISING'].map((c) => [
  c,
  'OPTED_OUT',
]);

function input(
  o: Partial<Omit<ContactInput, 'statuses' | 'positiveResponses'>> & {
    statuses?: [string, ConsentStatusValue][];
    positive?: [string, number][];
  } = {},
): ContactInput {
  return {
    channels: CHANNELS,
    statuses: new Map(o.statuses ?? []),
    preferredChannel: o.preferredChannel ?? null,
    positiveResponses: new Map(o.positive ?? []),
    outboundInWindow: o.outboundInWindow ?? 0,
    contactCap: o.contactCap ?? 8,
  };
}

describe('isReachable', () => {
  it('opted in is reachable, opted out never, unknown only on opt-out-regime channels', () => {
    expect(isReachable('EMAIL', 'OPTED_IN')).toBe(true);
    expect(isReachable('DIRECT_MAIL', 'OPTED_OUT')).toBe(false);
    expect(isReachable('EMAIL', 'UNKNOWN')).toBe(false);
    expect(isReachable('SMS', 'UNKNOWN')).toBe(false);
    expect(isReachable('PHONE', 'UNKNOWN')).toBe(false);
    expect(isReachable('SOCIAL', 'UNKNOWN')).toBe(false);
    expect(isReachable('DIRECT_MAIL', 'UNKNOWN')).toBe(true);
    expect(isReachable('WEB', 'UNKNOWN')).toBe(true);
  });
});

describe('chooseContactChannel', () => {
  it('takes the preferred channel when it is opted in', () => {
    const choice = chooseContactChannel(
      input({
        statuses: [
          ['EMAIL', 'OPTED_IN'],
          ['SMS', 'OPTED_IN'],
        ],
        preferredChannel: 'SMS',
        positive: [['EMAIL', 9]],
      }),
    );
    expect(choice).toEqual({ reachable: true, channel: 'SMS', reason: null });
  });

  it('passes over a preferred channel that is not opted in, for the opted-in channel with the most positive responses', () => {
    const choice = chooseContactChannel(
      input({
        statuses: [
          ['EMAIL', 'OPTED_IN'],
          ['PHONE', 'OPTED_IN'],
          ['SMS', 'OPTED_OUT'],
        ],
        preferredChannel: 'SMS',
        positive: [
          ['EMAIL', 1],
          ['PHONE', 3],
          ['SMS', 10],
        ],
      }),
    );
    expect(choice.channel).toBe('PHONE');
  });

  it('breaks ties among opted-in channels by the channel order', () => {
    expect(
      chooseContactChannel(
        input({
          statuses: [
            ['SMS', 'OPTED_IN'],
            ['EMAIL', 'OPTED_IN'],
          ],
        }),
      ).channel,
    ).toBe('EMAIL');
  });

  it('prefers any opted-in channel over an unknown one, even with fewer positive responses', () => {
    expect(chooseContactChannel(input({ statuses: [['SMS', 'OPTED_IN']], positive: [['DIRECT_MAIL', 5]] })).channel).toBe('SMS');
  });

  it('falls back to an unknown opt-out-regime channel, preferred first, then by positive responses', () => {
    expect(chooseContactChannel(input({ positive: [['WEB', 2]] })).channel).toBe('WEB');
    expect(chooseContactChannel(input({ preferredChannel: 'EVENT', positive: [['WEB', 2]] })).channel).toBe('EVENT');
    expect(chooseContactChannel(input()).channel).toBe('DIRECT_MAIL');
  });

  it('never falls back to an unknown e-mail, SMS, phone or social channel', () => {
    const choice = chooseContactChannel(input({ statuses: OPT_OUT_ALL_SOFT, preferredChannel: 'EMAIL', positive: [['EMAIL', 4]] }));
    expect(choice).toEqual({ reachable: false, channel: null, reason: 'NO_REACHABLE_CHANNEL' });
  });

  it('leaves out a customer at or over their cap, before looking at channels', () => {
    expect(chooseContactChannel(input({ statuses: [['EMAIL', 'OPTED_IN']], outboundInWindow: 3, contactCap: 3 }))).toEqual({
      reachable: false,
      channel: null,
      reason: 'CONTACT_CAP_REACHED',
    });
    expect(chooseContactChannel(input({ outboundInWindow: 0, contactCap: 0 })).reason).toBe('CONTACT_CAP_REACHED');
    expect(chooseContactChannel(input({ statuses: [['EMAIL', 'OPTED_IN']], outboundInWindow: 2, contactCap: 3 })).channel).toBe('EMAIL');
  });
});

describe('optedOutEverywhere', () => {
  it('needs an opt-out and no reachable channel left', () => {
    expect(optedOutEverywhere(CHANNELS, new Map())).toBe(false);
    expect(optedOutEverywhere(CHANNELS, new Map(OPT_OUT_ALL_SOFT))).toBe(true);
    expect(optedOutEverywhere(CHANNELS, new Map([...OPT_OUT_ALL_SOFT, ['EMAIL', 'OPTED_IN']]))).toBe(false);
    expect(optedOutEverywhere(CHANNELS, new Map([['EMAIL', 'OPTED_OUT']]))).toBe(false);
  });
});
