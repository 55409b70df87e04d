import type { DataSource, EntityManager } from 'typeorm';
import { fromGlobalId } from '../../shared/global-id';
import type { ChildFilter } from '../../db/keyset';
import { toChildFilter } from '../../db/sql-map';
import { inTransaction } from '../../db/transaction';
import { notFound } from '../../shared/errors';
import type { Clock } from '../../shared/clock';
import { assertPlausibleDate } from '../../shared/validation';
import { Product } from '../commerce/product.entity';
import { CustomerEventType } from '../events/event-types';
import { recordEvents } from '../events/outbox';
import { lockCustomer } from '../customers/customer.lock';
import { assertMarketingAllowed } from '../consent/consent.guard';
import { Touchpoint } from './touchpoint.entity';
import { Direction, TouchpointPurpose } from './touchpoint.enums';
import type { RecordTouchpointInput, TouchpointFilter } from './touchpoint.inputs';
import { touchpointFilter } from './touchpoint.sql';

/** SQL for a touchpoint filter over alias `x` (null when it filters nothing). */
export function touchpointFilterSql(filter: TouchpointFilter | null | undefined): ChildFilter | null {
  return toChildFilter(touchpointFilter, filter as Record<string, unknown> | null | undefined);
}

export class TouchpointService {
  constructor(
    private readonly ds: DataSource,
    private readonly clock: Clock,
  ) {}

  async record(input: RecordTouchpointInput, outer?: EntityManager): Promise<Touchpoint> {
    const customerId = fromGlobalId(input.customerId, 'Customer', 'input.customerId');
    const productId = input.productId ? fromGlobalId(input.productId, 'Product', 'input.productId') : null;
    assertPlausibleDate(input.occurredAt, 'input.occurredAt', this.clock.now());
    const purpose = input.purpose ?? (input.direction === Direction.INBOUND ? TouchpointPurpose.SERVICE : TouchpointPurpose.MARKETING);
    return inTransaction(
      this.ds,
      async (em) => {
        await lockCustomer(em, customerId, 'input.customerId');
        // After the lock: concurrent touchpoints of one customer are checked one after the other.
        if (input.direction === Direction.OUTBOUND && purpose === TouchpointPurpose.MARKETING)
          await assertMarketingAllowed(em, customerId, input.channel, input.occurredAt, this.clock.now(), 'input.channel');
        if (productId && !(await em.getRepository(Product).existsBy({ id: productId })))
          throw notFound('product', input.productId!, 'input.productId');
        const repo = em.getRepository(Touchpoint);
        const touchpoint = await repo.save(
          repo.create({
            customerId,
            channel: input.channel,
            direction: input.direction,
            purpose,
            occurredAt: input.occurredAt,
            response: input.response,
            campaign: input.campaign?.trim() || null,
            productId,
            note: input.note ?? null,
          }),
        );
        await recordEvents(em, [
          {
            type: CustomerEventType.TOUCHPOINT_RECORDED,
            customerId,
            occurredAt: touchpoint.occurredAt,
            payload: {
              touchpointId: touchpoint.id,
              channel: touchpoint.channel,
              direction: touchpoint.direction,
              purpose: touchpoint.purpose,
              response: touchpoint.response,
              campaign: touchpoint.campaign,
              productId,
            },
          },
        ]);
        return touchpoint;
      },
      outer,
    );
  }
}
