import type { PubSub } from 'type-graphql';

/**
 * type-graphql refuses to build subscriptions without a PubSub, but ours never
 * use topics: every subscription brings its own `subscribe` fed from the
 * PostgreSQL outbox, because an in-process topic bus would not reach
 * subscribers on other instances. This one fails loudly if a resolver ever
 * declares `topics`, instead of silently delivering to one instance only.
 */
export const outboxOnlyPubSub: PubSub = {
  publish(topic: string): void {
    throw new Error(`In-process pub/sub is disabled (topic "${topic}"): record an outbox event with recordEvents() instead.`);
  },
  subscribe(topic: string): AsyncIterable<unknown> {
    throw new Error(`Topic subscriptions are disabled (topic "${topic}"): give @Subscription a \`subscribe\` fed from the event feed.`);
  },
};
