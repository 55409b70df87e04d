/** How stage history is stored, for the read compiler (see db/sql-map.ts). */
import { col, idText, ref, type SqlObjectMap } from '../../db/sql-map';
import type { ModuleSql } from '../module';

export const stageChangeSql: SqlObjectMap = {
  type: 'StageChange',
  table: 'stage_change',
  customers: ['customer_id'],
  fields: {
    customer: ref('Customer', 'customer_id'),
    from: col('from_stage'),
    to: col('to_stage'),
    reason: col('reason'),
    trigger: col('trigger'),
    occurredAt: col('occurred_at', 'datetime'),
  },
  row: { id: idText(), customerId: idText('customer_id') },
};

export const LIFECYCLE_SQL: ModuleSql = { objects: [stageChangeSql] };
