import type { DataSource, EntityManager } from 'typeorm';
import { badInput } from '../../shared/errors';
import type { Clock } from '../../shared/clock';
import { fromGlobalId, toGlobalId } from '../../shared/global-id';
import { lockCustomer } from '../customers/customer.lock';
import { CustomerEventType } from '../events/event-types';
import { recordEvents } from '../events/outbox';
import { inTransaction } from '../../db/transaction';
import { ConsentRecord, type StoredChannelConsent } from './consent-record.entity';
import { ConsentStatus } from './consent.enums';
import type { SetCommunicationPreferencesInput } from './consent.inputs';

export class ConsentService {
  constructor(
    private readonly ds: DataSource,
    private readonly clock: Clock,
  ) {}

  /**
   * Appends a consent record with the changes and the resulting state, and
   * emits CONSENT_CHANGED. Never updates an earlier record. `apiKeyId` is the
   * key making the change (null when none, e.g. a script).
   */
  async setPreferences(input: SetCommunicationPreferencesInput, apiKeyId: string | null, outer?: EntityManager): Promise<ConsentRecord> {
    const customerId = fromGlobalId(input.customerId, 'Customer', 'input.customerId');
    const changes = input.channels ?? [];
    const seen = new Set<string>();
    changes.forEach((c, i) => {
      if (seen.has(c.channel)) throw badInput(`input.channels[${i}].channel`, `${c.channel} is named twice; name each channel once.`);
      seen.add(c.channel);
    });
    if (changes.length === 0 && input.preferredChannel === undefined && input.contactCap === undefined) {
      throw badInput('input', 'Nothing to change: give channels, preferredChannel or contactCap.');
    }
    const source = input.source.trim();
    return inTransaction(
      this.ds,
      async (em) => {
        await lockCustomer(em, customerId, 'input.customerId');
        const repo = em.getRepository(ConsentRecord);
        const latest = await repo.findOne({ where: { customerId }, order: { id: 'DESC' } });
        const now = this.clock.now();
        const channels: Record<string, StoredChannelConsent> = { ...(latest?.channels ?? {}) };
        const keyGid = apiKeyId ? toGlobalId('ApiKey', apiKeyId) : null;
        for (const c of changes) channels[c.channel] = { status: c.status, source, recordedAt: now.toISOString(), apiKeyId: keyGid };
        const preferredChannel = input.preferredChannel === undefined ? (latest?.preferredChannel ?? null) : input.preferredChannel;
        if (preferredChannel && channels[preferredChannel]?.status === ConsentStatus.OPTED_OUT) {
          throw badInput(
            input.preferredChannel === undefined ? 'input.channels' : 'input.preferredChannel',
            `${preferredChannel} cannot be the preferred channel while the customer is opted out of it; clear or change the preferred channel too.`,
          );
        }
        const contactCap = input.contactCap === undefined ? (latest?.contactCap ?? null) : input.contactCap;
        const record = await repo.save(
          repo.create({
            customerId,
            changes: changes.map((c) => ({ channel: c.channel, status: c.status })),
            channels,
            preferredChannel,
            contactCap,
            source,
            apiKeyId,
            recordedAt: now,
          }),
        );
        // Ids and statuses only: the source text stays out of the feed.
        await recordEvents(em, [
          {
            type: CustomerEventType.CONSENT_CHANGED,
            customerId,
            occurredAt: now,
            payload: { consentRecordId: record.id, changes: record.changes, preferredChannel, contactCap },
          },
        ]);
        return record;
      },
      outer,
    );
  }
}
