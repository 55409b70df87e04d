import DataLoader from 'dataloader';
import type { EntityManager } from 'typeorm';
import { createChildConnectionLoader } from '../../db/child-connection-loader';
import { ConsentRecord } from './consent-record.entity';
import { CONSENT_HISTORY_ORDER } from './consent.sql';
import { loadConsentStates, type ConsentStateRow } from './consent.state';

export function createConsentLoaders(em: EntityManager, cache: boolean) {
  return {
    /** Current consent state per customer id (one statement per batch). */
    consentState: new DataLoader<string, ConsentStateRow>((ids) => loadConsentStates(em, ids), { cache }),
    consentHistoryByCustomer: createChildConnectionLoader(
      em,
      { entity: ConsentRecord, table: 'consent_record', parentColumn: 'customer_id', ordering: CONSENT_HISTORY_ORDER },
      { cache },
    ),
  };
}
