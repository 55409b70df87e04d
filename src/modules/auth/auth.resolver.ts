import { ArrayMaxSize, IsInt, IsOptional, Length, Matches, Max, Min } from 'class-validator';
import { Arg, Args, Ctx, Field, FieldResolver, ID, InputType, Int, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../context';
import { ConnectionType, ConnectionArgs, toConnection } from '../../shared/graphql/connection';
import { toPageRequest } from '../../shared/pagination';
import { fromGlobalId, toGlobalId } from '../../shared/global-id';
import { ApiKey } from './api-key.entity';
import { MAX_RATE_LIMIT_PER_MINUTE, MAX_SUBSCRIPTIONS_LIMIT } from './api-key.service';
import { ApiKeyRole, ApiKeySource, Scope } from './auth.enums';
import { hasScope } from './viewer';

export const ApiKeyConnection = ConnectionType(ApiKey, 'ApiKey', 'API keys');

@InputType({ description: 'A new API key.' })
export class CreateApiKeyInput {
  @Field({ description: 'What the key is for and who holds it (1–200 characters), e.g. "Shop integration".' })
  @Length(1, 200)
  @Matches(/\S/, { message: 'label must not be blank' })
  label!: string;

  @Field(() => ApiKeyRole, { description: 'What the key may do.' })
  role!: ApiKeyRole;

  @Field(() => [Scope], {
    defaultValue: [],
    description: 'Extra permissions, e.g. `PII_READ` to read personal data (not for PARTNER keys).',
  })
  @ArrayMaxSize(10)
  scopes!: Scope[];

  @Field(() => String, {
    nullable: true,
    description:
      'PARTNER keys (required for them, refused for other roles): the partner the key belongs to, lower-case letters, digits and dashes (e.g. `acme-travel`). The key sees only the customers who agreed to share with this partner (`setPartnerSharing`).',
  })
  @IsOptional()
  @Matches(/^[a-z][a-z0-9-]{1,63}$/, {
    message: 'partner must be lower-case letters, digits and dashes, 2–64 characters, starting with a letter',
  })
  partner?: string | null;

  @Field(() => Int, {
    nullable: true,
    description: `Requests per minute for this key (1–${MAX_RATE_LIMIT_PER_MINUTE}); omit for the server default.`,
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_RATE_LIMIT_PER_MINUTE)
  rateLimitPerMinute?: number | null;

  @Field(() => Int, {
    nullable: true,
    description: `Subscriptions this key may hold open at once (0–${MAX_SUBSCRIPTIONS_LIMIT}); omit for the server default.`,
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_SUBSCRIPTIONS_LIMIT)
  maxSubscriptions?: number | null;
}

@InputType({ description: 'The key to revoke.' })
export class RevokeApiKeyInput {
  @Field(() => ID, { description: "The key's ID (from `apiKeys` or `createApiKey`)." })
  id!: string;
}

@ObjectType({ description: 'Result of `createApiKey`.' })
export class CreateApiKeyPayload {
  @Field(() => ApiKey, { description: "The new key's record." })
  apiKey!: ApiKey;

  @Field({
    description:
      'The key itself. Shown this once and stored nowhere (only its SHA-256 hash is kept): copy it now. Send it as `Authorization: Bearer <secret>`.',
  })
  secret!: string;
}

@ObjectType({ description: 'Result of `revokeApiKey`.' })
export class RevokeApiKeyPayload {
  @Field(() => ApiKey, { description: 'The key, now revoked.' })
  apiKey!: ApiKey;
}

@ObjectType('Viewer', { description: 'Who is asking: the role and scopes of the API key this request used, and its limits.' })
export class ViewerInfo {
  @Field(() => ApiKeyRole, { description: "The key's role." })
  role!: ApiKeyRole;

  @Field(() => [Scope], { description: 'Scopes in effect (ADMIN holds all of them).' })
  scopes!: Scope[];

  @Field(() => String, { nullable: true, description: "The key's visible prefix." })
  keyPrefix!: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'PARTNER keys: the partner whose customers (those who agreed to share with it) this key sees; null for other roles.',
  })
  partner!: string | null;

  @Field(() => Int, { description: 'Requests per minute this key may make.' })
  rateLimitPerMinute!: number;

  @Field(() => Int, { description: 'Subscriptions this key may hold open at once.' })
  maxSubscriptions!: number;
}

@Resolver(() => ApiKey)
export class AuthResolver {
  @Query(() => ViewerInfo, { description: 'The role, scopes and limits of the API key making this request.' })
  viewer(@Ctx() ctx: Context): ViewerInfo {
    const v = ctx.viewer;
    return {
      role: v.role as unknown as ApiKeyRole,
      scopes: Object.values(Scope).filter((s) => hasScope(v, s)),
      keyPrefix: v.keyPrefix ?? null,
      partner: v.partner ?? null,
      // The auth runtime fills in the server defaults for keys without limits of their own.
      rateLimitPerMinute: v.rateLimitPerMinute ?? 0,
      maxSubscriptions: v.maxSubscriptions ?? 0,
    };
  }

  @Query(() => ApiKeyConnection, { description: 'API keys, newest first. Secrets are never shown again after creation.' })
  async apiKeys(
    @Args() page: ConnectionArgs,
    @Arg('includeRevoked', { defaultValue: false, description: 'Also list revoked keys.' }) includeRevoked: boolean,
    @Ctx() ctx: Context,
  ) {
    return toConnection(await ctx.services.apiKeys.list(includeRevoked, toPageRequest(page)));
  }

  @Mutation(() => CreateApiKeyPayload, { description: 'Creates an API key and returns its secret, once.' })
  createApiKey(
    @Arg('input', () => CreateApiKeyInput, { description: 'The new key.' }) input: CreateApiKeyInput,
    @Ctx() ctx: Context,
  ): Promise<CreateApiKeyPayload> {
    return ctx.services.apiKeys.create({ ...input, source: ApiKeySource.API });
  }

  @Mutation(() => RevokeApiKeyPayload, {
    description:
      'Revokes an API key at once: HTTP requests with it fail from now on and WebSocket connections that used it are closed. Revoking a revoked key changes nothing.',
  })
  async revokeApiKey(
    @Arg('input', () => RevokeApiKeyInput, { description: 'The key to revoke.' }) input: RevokeApiKeyInput,
    @Ctx() ctx: Context,
  ): Promise<RevokeApiKeyPayload> {
    return { apiKey: await ctx.services.apiKeys.revoke(fromGlobalId(input.id, 'ApiKey', 'input.id')) };
  }

  @FieldResolver(() => ID, { description: 'Opaque ID of the key; pass it to `revokeApiKey`.' })
  id(@Root() key: ApiKey): string {
    return toGlobalId('ApiKey', key.id);
  }
}
