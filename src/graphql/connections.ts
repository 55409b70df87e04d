/** Connection types for every listable node type, defined once. */
import { Customer } from '../modules/customers/customer.entity';
import { Holding } from '../modules/commerce/holding.entity';
import { Persona } from '../modules/personas/persona.entity';
import { Product } from '../modules/commerce/product.entity';
import { Purchase } from '../modules/commerce/purchase.entity';
import { Referral } from '../modules/referrals/referral.entity';
import { StageChange } from '../modules/lifecycle/stage-change.entity';
import { Touchpoint } from '../modules/touchpoints/touchpoint.entity';
import { ConnectionType } from './pagination';

export const CustomerConnection = ConnectionType(Customer, 'Customer', 'customers');
export const PersonaConnection = ConnectionType(Persona, 'Persona', 'personas');
export const ProductConnection = ConnectionType(Product, 'Product', 'products');
export const HoldingConnection = ConnectionType(Holding, 'Holding', 'holdings');
export const PurchaseConnection = ConnectionType(Purchase, 'Purchase', 'purchases');
export const TouchpointConnection = ConnectionType(Touchpoint, 'Touchpoint', 'touchpoints');
export const ReferralConnection = ConnectionType(Referral, 'Referral', 'referrals');
export const StageChangeConnection = ConnectionType(StageChange, 'StageChange', 'stage changes');
