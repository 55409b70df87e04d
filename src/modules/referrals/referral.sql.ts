/** How referrals are stored, for the read compiler (see db/sql-map.ts). */
import { col, idText, ref, type SqlObjectMap } from '../../db/sql-map';
import type { ModuleSql } from '../module';

export const referralSql: SqlObjectMap = {
  type: 'Referral',
  table: 'referral',
  customers: ['referrer_id', 'referred_id'],
  fields: {
    referrer: ref('Customer', 'referrer_id'),
    referred: ref('Customer', 'referred_id'),
    sourceChannel: col('source_channel'),
    createdAt: col('created_at', 'datetime'),
    convertedAt: col('converted_at', 'datetime'),
  },
  row: { id: idText(), referrerId: idText('referrer_id'), referredId: idText('referred_id') },
};

export const REFERRALS_SQL: ModuleSql = { objects: [referralSql] };
