/** How duplicate candidates and merges are stored, for the read compiler (see db/sql-map.ts). */
import { col, globalIdSql, idText, ref, type SqlObjectMap } from '../../db/sql-map';
import { badInput } from '../../shared/errors';
import type { ModuleSql } from '../module';
import { DUPLICATE_CANDIDATES_ORDER, MERGES_ORDER, POSSIBLE_DUPLICATES_ORDER } from './merge.loaders';

export const duplicateCandidateSql: SqlObjectMap = {
  type: 'DuplicateCandidate',
  table: 'duplicate_pair',
  customers: ['customer_id', 'duplicate_id'],
  fields: {
    score: { kind: 'column', sql: (r) => `${r}.score::float8`, format: 'plain' },
    reasons: col('reasons'),
    nameSimilarity: { kind: 'column', sql: (r) => `${r}.name_similarity::float8`, format: 'plain' },
    customer: ref('Customer', 'customer_id'),
    duplicate: ref('Customer', 'duplicate_id'),
  },
  row: { customerId: idText('customer_id'), duplicateId: idText('duplicate_id') },
};

export const customerMergeSql: SqlObjectMap = {
  type: 'CustomerMerge',
  table: 'customer_merge',
  // A merge belongs to its survivor (the merged profiles are its tombstones).
  customers: ['survivor_id'],
  fields: {
    // The survivor as it reads now: if it was merged again later, its own survivor.
    survivor: {
      kind: 'reference',
      target: 'Customer',
      from: (alias, row) =>
        `customer ${alias} WHERE ${alias}.id = (SELECT coalesce(s.merged_into, s.id) FROM customer s WHERE s.id = ${row}.survivor_id)`,
    },
    mergedIds: {
      kind: 'column',
      sql: (r) =>
        `ARRAY(SELECT ${globalIdSql('Customer', 'm.id::text')} FROM unnest(${r}.merged_ids) WITH ORDINALITY m(id, n) ORDER BY m.n)`,
      format: 'plain',
    },
    mergedAt: col('merged_at', 'datetime'),
    unmergedAt: col('unmerged_at', 'datetime'),
  },
  row: { id: idText(), survivorId: idText('survivor_id') },
};

/** `minScore` as a condition; out of range is BAD_USER_INPUT (the compiler then leaves it to the resolver, which says so). */
export function minScoreCondition(minScore: unknown): number {
  const value = minScore == null ? 0 : Number(minScore);
  if (!Number.isFinite(value) || value < 0 || value > 1) throw badInput('minScore', 'minScore must be between 0 and 1.');
  return value;
}

export const MERGES_SQL: ModuleSql = {
  objects: [duplicateCandidateSql, customerMergeSql],
  extend: {
    Customer: {
      possibleDuplicates: {
        kind: 'connection',
        target: 'DuplicateCandidate',
        parentColumn: 'customer_id',
        ordering: POSSIBLE_DUPLICATES_ORDER,
      },
      merges: { kind: 'connection', target: 'CustomerMerge', parentColumn: 'survivor_id', ordering: MERGES_ORDER },
    },
  },
  roots: {
    duplicateCandidates: {
      target: 'DuplicateCandidate',
      ordering: () => DUPLICATE_CANDIDATES_ORDER,
      // Each pair once: the stored row with the lower id first.
      argsFilter: (args, r, param) => [
        `${r}.customer_id < ${r}.duplicate_id`,
        `${r}.score >= ${param(minScoreCondition(args.minScore), 'numeric')}`,
      ],
    },
  },
};
