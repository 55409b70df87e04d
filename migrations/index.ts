/**
 * Every migration, in order. Listed explicitly (no glob) so the same list works
 * from TypeScript sources, compiled output and the test runner.
 */
import { Foundation1764064800000 } from './1764064800000-Foundation';
import { CustomerEvents1764065000000 } from './1764065000000-CustomerEvents';
import { Analytics1764065200000 } from './1764065200000-Analytics';

export const migrations = [Foundation1764064800000, CustomerEvents1764065000000, Analytics1764065200000];
