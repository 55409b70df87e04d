/**
 * Every migration, in order. Listed explicitly (no glob) so the same list works
 * from TypeScript sources, compiled output and the test runner.
 */
import { Foundation1764064800000 } from './1764064800000-Foundation';
import { ApiKeys1764065100000 } from './1764065100000-ApiKeys';
import { CustomerEvents1764065000000 } from './1764065000000-CustomerEvents';
import { Analytics1764065200000 } from './1764065200000-Analytics';
import { RateLimitLeases1764065300000 } from './1764065300000-RateLimitLeases';
import { InstanceLeases1764067000000 } from './1764067000000-InstanceLeases';
import { BulkImport1764068000000 } from './1764068000000-BulkImport';
import { CustomerMerge1764069000000 } from './1764069000000-CustomerMerge';
import { Consent1764070000000 } from './1764070000000-Consent';
import { Privacy1764071000000 } from './1764071000000-Privacy';
import { PartnerSharing1764072000000 } from './1764072000000-PartnerSharing';
import { CheapCustomerUpdates1764073500000 } from './1764073500000-CheapCustomerUpdates';
import { ScoreDetailAsJson1764074500000 } from './1764074500000-ScoreDetailAsJson';
import { ScorePartitions1764075500000 } from './1764075500000-ScorePartitions';
import { CheaperCustomerInserts1764076000000 } from './1764076000000-CheaperCustomerInserts';
import { BulkCustomerInserts1764076500000 } from './1764076500000-BulkCustomerInserts';
import { CompactRiskDetail1764077000000 } from './1764077000000-CompactRiskDetail';
import { PartialPurchaseProductIndex1764077500000 } from './1764077500000-PartialPurchaseProductIndex';
import { CustomerSearch1764078000000 } from './1764078000000-CustomerSearch';
import { BulkInsertStatistics1764078500000 } from './1764078500000-BulkInsertStatistics';
import { EventRecordedBrin1764079000000 } from './1764079000000-EventRecordedBrin';

export const migrations = [
  Foundation1764064800000,
  CustomerEvents1764065000000,
  ApiKeys1764065100000,
  Analytics1764065200000,
  RateLimitLeases1764065300000,
  InstanceLeases1764067000000,
  BulkImport1764068000000,
  CustomerMerge1764069000000,
  Consent1764070000000,
  Privacy1764071000000,
  PartnerSharing1764072000000,
  CheapCustomerUpdates1764073500000,
  ScoreDetailAsJson1764074500000,
  ScorePartitions1764075500000,
  CheaperCustomerInserts1764076000000,
  BulkCustomerInserts1764076500000,
  CompactRiskDetail1764077000000,
  PartialPurchaseProductIndex1764077500000,
  CustomerSearch1764078000000,
  BulkInsertStatistics1764078500000,
  EventRecordedBrin1764079000000,
];
