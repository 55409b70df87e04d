/**
 * Duplicate candidates: read from `duplicate_pair`, which triggers on `customer` keep current
 * (migrations/1764069000000-CustomerMerge.ts), so a page is one index range scan.
 */
import type { EntityManager } from 'typeorm';
import { pageFromQuery } from '../../db/keyset';
import type { Page, PageRequest } from '../../shared/pagination';
import { DuplicatePair } from './merge.entity';
import { DUPLICATE_CANDIDATES_ORDER } from './merge.loaders';
import { minScoreCondition } from './merge.sql';

export class DuplicateService {
  /** Every pair once (lower id first), best first, scoring at least `minScore`. */
  list(em: EntityManager, minScore: number | null | undefined, req: PageRequest): Promise<Page<DuplicatePair>> {
    const qb = em
      .getRepository(DuplicatePair)
      .createQueryBuilder('x')
      .where('x.customer_id < x.duplicate_id')
      .andWhere('x.score >= :minScore', { minScore: minScoreCondition(minScore) });
    return pageFromQuery(qb, DUPLICATE_CANDIDATES_ORDER, req);
  }
}
