/** Who is making a request. Resolved once per request (or WebSocket connection) from the API key. */
export enum Role {
  ADMIN = 'ADMIN',
  ANALYST = 'ANALYST',
  SERVICE = 'SERVICE',
  PARTNER = 'PARTNER',
  ANONYMOUS = 'ANONYMOUS',
}

export interface Viewer {
  role: Role;
  scopes: readonly string[];
  /** Id of the API key used; null for anonymous requests. */
  apiKeyId: string | null;
}
