/** How personas are stored, for the read compiler (see db/sql-map.ts). */
import type { Ordering } from '../../db/keyset';
import { col, idText, type SqlObjectMap } from '../../db/sql-map';
import type { ModuleSql } from '../module';

export const personaSql: SqlObjectMap = {
  type: 'Persona',
  table: 'persona',
  customers: [],
  fields: {
    name: col('name'),
    description: col('description'),
    goals: col('goals'),
    preferredChannels: col('preferred_channels'),
    createdAt: col('created_at', 'datetime'),
  },
  row: { id: idText() },
};

/** `Query.personas`: by name, then id. */
export const BY_NAME: Ordering = { name: 'PERSONA_NAME', keys: ['x.name', 'x.id'], types: ['text', 'bigint'], direction: 'ASC' };

export const PERSONAS_SQL: ModuleSql = { objects: [personaSql], roots: { personas: { target: 'Persona', ordering: () => BY_NAME } } };
