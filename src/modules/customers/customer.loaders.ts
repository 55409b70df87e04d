import type { EntityManager } from 'typeorm';
import { byIdLoader } from '../../db/by-id-loader';
import { Customer } from './customer.entity';

export function createCustomerLoaders(em: EntityManager, cache: boolean) {
  return { customerById: byIdLoader(em, Customer, cache) };
}
