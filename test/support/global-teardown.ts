export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __cgStop?: () => Promise<void> }).__cgStop?.();
}
