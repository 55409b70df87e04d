/** Every TypeORM entity, listed explicitly: no globbing, no surprises. */
import { ChurnModel, CustomerScore } from '../modules/analytics/analytics.entity';
import { ApiKey } from '../modules/auth/api-key.entity';
import { Customer } from '../modules/customers/customer.entity';
import { Holding } from '../modules/commerce/holding.entity';
import { Persona } from '../modules/personas/persona.entity';
import { Product } from '../modules/commerce/product.entity';
import { Purchase } from '../modules/commerce/purchase.entity';
import { Referral } from '../modules/referrals/referral.entity';
import { StageChange } from '../modules/lifecycle/stage-change.entity';
import { Touchpoint } from '../modules/touchpoints/touchpoint.entity';

export const entities = [Persona, Customer, Product, Holding, Purchase, Touchpoint, Referral, StageChange, ChurnModel, CustomerScore, ApiKey];
