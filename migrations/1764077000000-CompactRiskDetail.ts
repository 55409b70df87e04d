import { MigrationInterface, QueryRunner } from 'typeorm';

/** The churn kinds in the order the compact shape lists their explanations. */
const KINDS = ['ACCOUNT_CHURN', 'PRODUCT_CHURN', 'DECREASED_SPEND'];
/** The factor names in the order the code reports them when this migration was written (analytics/churn-risk.ts). */
const FACTORS = [
  'dropoutProbability',
  'overdueRatio',
  'productLoss',
  'spendDecline',
  'complaints',
  'negativeResponses',
  'unansweredOutreach',
  'noRecentContact',
  'optedOutEverywhere',
];

/**
 * customer_score.risk_detail becomes positional: `{"e": [explanations by kind], "f": [[value, contribution]
 * per factor]}` instead of `{"kinds": [{kind, score, explanation}], "factors": [{name, value, contribution}]}`.
 * The kinds' scores are already the account_churn, product_churn and decreased_spend columns, and the names
 * are the code's list, by position. A fit writes one per customer: on the 23,570 CDNOW scores the JSON went
 * from 1,071 to 481 bytes and the row from 1,618 to 1,031 (pg_column_size averages), which the COPY, the
 * index builds and Node's formatting all pay for by the byte. What the API shows is unchanged: rows whose
 * factors are not exactly that list keep their names (`n`) and the descriptions rows scored before
 * 1764074500000 stored (`d`); `down` restores the keyed shape.
 */
export class CompactRiskDetail1764077000000 implements MigrationInterface {
  name = 'CompactRiskDetail1764077000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `WITH old AS (
         SELECT s.model_id, s.customer_id,
                (SELECT json_agg(k->'explanation' ORDER BY array_position($1::text[], k->>'kind'))
                 FROM json_array_elements(s.risk_detail->'kinds') k) AS e,
                (SELECT coalesce(json_agg(json_build_array(f->'value', f->'contribution') ORDER BY o), '[]')
                 FROM json_array_elements(s.risk_detail->'factors') WITH ORDINALITY x(f, o)) AS f,
                (SELECT coalesce(array_agg(f->>'name' ORDER BY o), '{}')
                 FROM json_array_elements(s.risk_detail->'factors') WITH ORDINALITY x(f, o)) AS names,
                (SELECT json_agg(f->'description' ORDER BY o)
                 FROM json_array_elements(s.risk_detail->'factors') WITH ORDINALITY x(f, o)) AS descriptions
         FROM customer_score s WHERE s.risk_detail->'kinds' IS NOT NULL
       )
       UPDATE customer_score s
       SET risk_detail = CASE WHEN old.names = $2::text[] THEN json_build_object('e', old.e, 'f', old.f)
                              ELSE json_build_object('e', old.e, 'f', old.f, 'n', to_json(old.names), 'd', old.descriptions) END
       FROM old WHERE s.model_id = old.model_id AND s.customer_id = old.customer_id`,
      [KINDS, FACTORS],
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `UPDATE customer_score s
       SET risk_detail = json_build_object(
         'kinds', json_build_array(
           json_build_object('kind', ($1::text[])[1], 'score', s.account_churn, 'explanation', s.risk_detail->'e'->0),
           json_build_object('kind', ($1::text[])[2], 'score', s.product_churn, 'explanation', s.risk_detail->'e'->1),
           json_build_object('kind', ($1::text[])[3], 'score', s.decreased_spend, 'explanation', s.risk_detail->'e'->2)),
         'factors', (
           SELECT coalesce(json_agg(CASE WHEN d.description IS NULL
                                         THEN json_build_object('name', d.name, 'value', x.v->0, 'contribution', x.v->1)
                                         ELSE json_build_object('name', d.name, 'value', x.v->0, 'contribution', x.v->1, 'description', d.description) END
                                    ORDER BY x.o), '[]')
           FROM json_array_elements(s.risk_detail->'f') WITH ORDINALITY x(v, o),
                LATERAL (SELECT coalesce(s.risk_detail->'n'->>(x.o::int - 1), ($2::text[])[x.o]) AS name,
                                s.risk_detail->'d'->>(x.o::int - 1) AS description) d))
       WHERE s.risk_detail->'f' IS NOT NULL`,
      [KINDS, FACTORS],
    );
  }
}
