/**
 * Opaque global IDs: base64url of "Type:localId". Clients must treat them as
 * opaque strings; the encoding lets `node(id:)` find any object.
 */
import { DomainError, ErrorCode } from './errors';

export function toGlobalId(type: string, localId: string | number): string {
  return Buffer.from(`${type}:${localId}`, 'utf8').toString('base64url');
}

export interface ParsedGlobalId {
  type: string;
  id: string;
}

/** Decodes a global ID, or returns null when it is not one of ours. */
export function parseGlobalId(globalId: string): ParsedGlobalId | null {
  if (typeof globalId !== 'string' || globalId.length === 0 || globalId.length > 200 || !/^[A-Za-z0-9_-]+$/.test(globalId)) return null;
  const decoded = Buffer.from(globalId, 'base64url').toString('utf8');
  const match = /^([A-Za-z]+):([1-9][0-9]{0,18})$/.exec(decoded);
  return match ? { type: match[1], id: match[2] } : null;
}

/**
 * Decodes a global ID that must name an object of `type`; throws
 * BAD_USER_INPUT naming `field` otherwise.
 */
export function fromGlobalId(globalId: string, type: string, field: string): string {
  const parsed = parseGlobalId(globalId);
  if (!parsed || parsed.type !== type) {
    throw new DomainError(ErrorCode.BAD_USER_INPUT, `"${String(globalId).slice(0, 80)}" is not a valid ${type} ID.`, { field });
  }
  // bigint columns hold at most 9223372036854775807
  if (BigInt(parsed.id) > 9223372036854775807n) {
    throw new DomainError(ErrorCode.BAD_USER_INPUT, `"${globalId}" is not a valid ${type} ID.`, { field });
  }
  return parsed.id;
}
