import { GraphQLJSONObject } from 'graphql-scalars';
import { Arg, Args, Ctx, Field, FieldResolver, ID, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../context';
import { Customer } from '../customers/customer.entity';
import type { Viewer } from '../auth/viewer';
import { toGlobalId } from '../../shared/global-id';
import { ConnectionArgs, ConnectionType, toConnection } from '../../shared/graphql/connection';
import { toPageRequest } from '../../shared/pagination';
import { PrivacyAuditEntry } from './privacy-audit.entity';
import { EraseCustomerInput } from './privacy.inputs';
import type { PrivacyActor } from './privacy.service';

export const PrivacyAuditEntryConnection = ConnectionType(PrivacyAuditEntry, 'PrivacyAuditEntry', 'privacy audit entries');

@ObjectType({ description: 'Result of `eraseCustomer`.' })
export class EraseCustomerPayload {
  @Field(() => Customer, { description: 'The erased customer: `erasedAt` set, every personal field null.' })
  customer!: Customer;

  @Field({
    description:
      'True when the tables the erasure rewrote were vacuumed after the commit, so the old row versions holding the erased values are gone from the database files too. False: the erasure stands, and autovacuum removes them later.',
  })
  vacuumed!: boolean;
}

const actorOf = (viewer: Viewer): PrivacyActor => ({
  apiKeyId: viewer.apiKeyId,
  role: viewer.role,
  name: viewer.keyPrefix ? `key ${viewer.keyPrefix}` : 'unknown key',
});

@Resolver()
export class PrivacyResolver {
  @Query(() => GraphQLJSONObject, {
    description:
      'Right of access: one JSON document with everything held about the customer: `profile` (personal fields included), `holdings`, `purchases`, `touchpoints`, `referralsMade`, `referredBy`, `stageHistory`, `scores` (every stored score) and `events` (the retained feed events about them), with `customerId` and `exportedAt`. Works for erased customers too (showing what is left). Every export is written to the privacy audit log. See docs/privacy.md.',
  })
  exportCustomerData(
    @Arg('customerId', () => ID, { description: 'The customer whose data to export.' }) customerId: string,
    @Arg('reason', () => String, {
      nullable: true,
      description: `Why, for the audit log (at most 1000 characters), e.g. "Access request, ticket 4711". Must not contain the customer's name, email, phone or external id (BAD_USER_INPUT): the log outlives an erasure.`,
    })
    reason: string | null,
    @Ctx() ctx: Context,
  ): Promise<Record<string, unknown>> {
    return ctx.services.privacy.exportCustomer(customerId, actorOf(ctx.viewer), reason);
  }

  @Mutation(() => EraseCustomerPayload, {
    description:
      "Right to erasure, in one transaction: removes the customer's personal data for good (name, email, phone, external id, touchpoint notes, stage-change reasons, and the same in their retained feed events), keeps the non-personal facts the models need (purchases, holdings, touchpoint channel/response/time, stage moves, scores) on an erased tombstone, writes the audit log and emits CUSTOMER_ERASED, which tells partners to delete their copies. Later mutations on the customer fail with CUSTOMER_ERASED; so does erasing them again. See docs/privacy.md.",
  })
  async eraseCustomer(
    @Arg('input', () => EraseCustomerInput, { description: 'Who to erase and why.' }) input: EraseCustomerInput,
    @Ctx() ctx: Context,
  ): Promise<EraseCustomerPayload> {
    return ctx.services.privacy.eraseCustomer(input.customerId, input.reason, actorOf(ctx.viewer));
  }

  @Query(() => PrivacyAuditEntryConnection, {
    description: 'The privacy audit log, newest first: every export and erasure, who did it, when and why.',
  })
  async privacyAuditLog(@Args() page: ConnectionArgs, @Ctx() ctx: Context) {
    return toConnection(await ctx.services.privacy.auditLog(ctx.ds.manager, toPageRequest(page)));
  }
}

@Resolver(() => PrivacyAuditEntry)
export class PrivacyAuditEntryFields {
  @FieldResolver(() => ID, { description: 'The global ID of the customer the action was about (kept even if the customer row goes).' })
  customerId(@Root() entry: PrivacyAuditEntry): string {
    return toGlobalId('Customer', entry.customerId);
  }

  @FieldResolver(() => Customer, {
    nullable: true,
    description: 'The customer as they are now (an erased tombstone after an erasure); null if the row no longer exists.',
  })
  customer(@Root() entry: PrivacyAuditEntry, @Ctx() ctx: Context): Promise<Customer | null> {
    return ctx.loaders.customerById.load(entry.customerId);
  }
}
