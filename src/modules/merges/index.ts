/** Merges: duplicate detection, merging profiles of one person, and undoing a merge. */
import { defineModule } from '../module';
import { DuplicateService } from './duplicate.service';
import { CustomerMerge, DuplicatePair } from './merge.entity';
import { CustomerMergeFields, CustomerMergeObjectFields, DuplicateCandidateFields } from './merge.fields';
import { createMergeLoaders } from './merge.loaders';
import { MergeResolver } from './merge.resolver';
import { MergeService } from './merge.service';
import { MERGES_SQL } from './merge.sql';
import { mergePersonalData } from './merge.privacy';

declare module '../context' {
  interface Loaders extends ReturnType<typeof createMergeLoaders> {}
  interface Services {
    merges: MergeService;
    duplicates: DuplicateService;
  }
}

export const merges = defineModule({
  name: 'merges',
  entities: [CustomerMerge, DuplicatePair],
  resolvers: [MergeResolver, CustomerMergeFields, DuplicateCandidateFields, CustomerMergeObjectFields],
  loaders: createMergeLoaders,
  services: ({ ds, clock }) => ({ merges: new MergeService(ds, clock), duplicates: new DuplicateService() }),
  // A merge or unmerge re-scores the customers it changed, with the current churn model.
  connect: (s) => s.merges.onRescore((ids) => s.analytics.models.rescore(ids)),
  nodeTypes: { CustomerMerge: 'customerMergeById' },
  nodeOwners: { CustomerMerge: (m: { survivorId: string }) => ({ customers: [m.survivorId] }) },
  sql: MERGES_SQL,
  personalData: mergePersonalData,
});
