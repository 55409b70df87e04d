import { Field, Int, ObjectType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { ApiKeyRole, ApiKeySource, Scope } from './auth.enums';

/**
 * An API key's record. The secret itself is never stored: only its SHA-256
 * hash (`secret_hash`, not exposed) and a short visible `prefix` to tell keys
 * apart in lists and logs. Deliberately not a `Node`: key metadata must not be
 * reachable through `node(id:)` by roles that may use that field.
 */
@Entity('api_key')
@ObjectType({
  description:
    'An API key: who it is for, its role and scopes, and when it was used or revoked. The secret is shown once, when the key is created, and never stored.',
})
export class ApiKey {
  /** Local key; the GraphQL `id` (an opaque global ID) is resolved in auth.resolver.ts. */
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Field({
    description: 'The first characters of the key (e.g. `cgk_3f9a1c0d`), safe to show and log; it identifies the key without revealing it.',
  })
  @Column({ type: 'text' })
  prefix!: string;

  @Column({ name: 'secret_hash', type: 'bytea', select: false })
  secretHash!: Buffer;

  @Field({ description: 'What the key is for and who holds it (e.g. "Shop integration").' })
  @Column({ type: 'text' })
  label!: string;

  @Field(() => ApiKeyRole, { description: 'What the key may do; see the `Role` enum.' })
  @Column({ type: 'text' })
  role!: ApiKeyRole;

  @Field(() => String, {
    nullable: true,
    description:
      'PARTNER keys: the partner the key belongs to (e.g. `acme-travel`). Every key of one partner sees the same customers: those who agreed to share with that partner (`setPartnerSharing`). Null for other roles.',
  })
  @Column({ type: 'text', nullable: true })
  partner!: string | null;

  @Field(() => [Scope], { description: 'Extra permissions on top of the role (e.g. `PII_READ`). ADMIN keys hold every scope.' })
  @Column({ type: 'text', array: true })
  scopes!: Scope[];

  @Field(() => ApiKeySource, { description: 'How the key was created.' })
  @Column({ type: 'text' })
  source!: ApiKeySource;

  @Field(() => Int, { nullable: true, description: 'Requests per minute this key may make; null means the server default.' })
  @Column({ name: 'rate_limit_per_minute', type: 'integer', nullable: true })
  rateLimitPerMinute!: number | null;

  @Field(() => Int, {
    nullable: true,
    description: 'Subscriptions this key may hold open at once, across all server instances; null means the server default.',
  })
  @Column({ name: 'max_subscriptions', type: 'integer', nullable: true })
  maxSubscriptions!: number | null;

  @Field({ description: 'When the key was created.' })
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Field(() => Date, { nullable: true, description: 'When the key was last used (updated at most once a minute); null if never.' })
  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt!: Date | null;

  @Field(() => Date, {
    nullable: true,
    description: 'When the key was revoked; null while it works. A revoked key fails at once, also on open WebSocket connections.',
  })
  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;
}
