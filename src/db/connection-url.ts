import type { DataSource } from 'typeorm';

/**
 * The connection string a DataSource was created with, for the components that
 * open a connection of their own beside the pool (LISTEN feeds). Throws when
 * the DataSource has none, naming `purpose`.
 */
export function connectionUrlOf(ds: DataSource, purpose: string): string {
  const url = (ds.options as { url?: string }).url;
  if (!url) throw new Error(`The DataSource must be created with a \`url\`: ${purpose} opens its own connection with it.`);
  return url;
}
