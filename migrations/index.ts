/**
 * Every migration, in order. Listed explicitly (no glob) so the same list works
 * from TypeScript sources, compiled output and the test runner.
 */
import { Foundation1764064800000 } from './1764064800000-Foundation';
import { ApiKeys1764065100000 } from './1764065100000-ApiKeys';
import { CustomerEvents1764065000000 } from './1764065000000-CustomerEvents';
import { Analytics1764065200000 } from './1764065200000-Analytics';
import { RateLimitLeases1764065300000 } from './1764065300000-RateLimitLeases';
import { BulkImport1764068000000 } from './1764068000000-BulkImport';

export const migrations = [
  Foundation1764064800000,
  CustomerEvents1764065000000,
  ApiKeys1764065100000,
  Analytics1764065200000,
  RateLimitLeases1764065300000,
  BulkImport1764068000000,
];
