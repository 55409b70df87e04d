import type { DataSource, EntityManager } from 'typeorm';
import { fromGlobalId, toGlobalId } from '../../shared/global-id';
import { StageChangeTrigger } from '../lifecycle/stages';
import { inTransaction } from '../../db/transaction';
import { badInput, conflict, notFound } from '../../shared/errors';
import type { Clock } from '../../shared/clock';
import { CustomerEventType } from '../events/event-types';
import { recordEvents } from '../events/outbox';
import { lockCustomers } from '../customers/customer.lock';
import { applyAutomaticMove } from '../lifecycle/lifecycle.service';
import { Referral } from './referral.entity';
import type { CreateReferralInput } from './referral.inputs';

export class ReferralService {
  constructor(
    private readonly ds: DataSource,
    private readonly clock: Clock,
  ) {}

  /**
   * Records a referral. If the referred customer has bought already it counts
   * as converted at their first purchase. CONFLICT when the customer was
   * referred already or the referral would make a loop (B referring A after A
   * referred B). A referrer's first referral may make
   * them an ADVOCATE (see StageChangeTrigger.FIRST_REFERRAL).
   */
  async create(input: CreateReferralInput, outer?: EntityManager): Promise<Referral> {
    const referrerId = fromGlobalId(input.referrerId, 'Customer', 'input.referrerId');
    const referredId = fromGlobalId(input.referredId, 'Customer', 'input.referredId');
    if (referrerId === referredId) throw badInput('input.referredId', 'A customer cannot refer themselves.');
    const now = this.clock.now();
    return inTransaction(
      this.ds,
      async (em) => {
        const fieldOf = (id: string) => (id === referrerId ? 'input.referrerId' : 'input.referredId');
        const locked = new Map((await lockCustomers(em, [referrerId, referredId], { fieldOf })).map((c) => [c.id, c]));
        // The lower id is named first when both are missing, as locking one by one in id order did.
        for (const [id, field] of BigInt(referrerId) < BigInt(referredId)
          ? [
              [referrerId, 'input.referrerId'],
              [referredId, 'input.referredId'],
            ]
          : [
              [referredId, 'input.referredId'],
              [referrerId, 'input.referrerId'],
            ]) {
          if (!locked.has(id)) throw notFound('customer', toGlobalId('Customer', id), field);
        }
        const repo = em.getRepository(Referral);
        if (await repo.existsBy({ referredId })) throw conflict('input.referredId', 'This customer has already been referred by someone.');
        // Walk up the referrer's chain of "referred by": meeting the referred customer there means they
        // brought the referrer in (directly or through others), so this referral would close a loop.
        const [{ loop }] = await em.query<{ loop: boolean }[]>(
          `WITH RECURSIVE chain(id, depth) AS (
           SELECT $1::bigint, 0
           UNION ALL
           SELECT r.referrer_id, chain.depth + 1 FROM referral r JOIN chain ON r.referred_id = chain.id WHERE chain.depth < 10000
         )
         SELECT EXISTS (SELECT 1 FROM chain WHERE id = $2::bigint) AS loop`,
          [referrerId, referredId],
        );
        if (loop)
          throw conflict(
            'input.referredId',
            'The referred customer already referred this referrer (directly or through others), so this referral would make a loop.',
          );
        const earlier = await repo.countBy({ referrerId });
        const [{ first_purchase }] = await em.query<{ first_purchase: Date | null }[]>(
          `SELECT min(occurred_at) AS first_purchase FROM purchase WHERE customer_id = $1`,
          [referredId],
        );
        const referral = await repo.save(
          repo.create({ referrerId, referredId, sourceChannel: input.sourceChannel, createdAt: now, convertedAt: first_purchase }),
        );
        await recordEvents(em, [
          {
            type: CustomerEventType.REFERRAL_CREATED,
            customerId: referrerId,
            occurredAt: now,
            payload: { referralId: referral.id, referrerId, referredId, sourceChannel: referral.sourceChannel },
          },
        ]);
        if (earlier === 0)
          await applyAutomaticMove(em, locked.get(referrerId)!, StageChangeTrigger.FIRST_REFERRAL, 'Made a first referral.', now);
        return referral;
      },
      outer,
    );
  }
}
