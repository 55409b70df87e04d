/**
 * What a subscription may ask of the connection it runs on. The WebSocket
 * server (src/server/ws.ts) binds one to each subscription's context; the
 * resolvers look it up here, so nothing in the GraphQL layer depends on `ws`.
 */
export interface SubscriptionTransport {
  /** The subscriber fell too far behind: cut it off so it can resume with `after`. */
  slowConsumer(): void;
}

const transports = new WeakMap<object, SubscriptionTransport>();

/** Binds `transport` to a subscription's context object. */
export function bindTransport(context: object, transport: SubscriptionTransport): void {
  transports.set(context, transport);
}

/** The transport bound to `context`, if any (none for in-process execution). */
export function transportOf(context: object): SubscriptionTransport | undefined {
  return transports.get(context);
}
