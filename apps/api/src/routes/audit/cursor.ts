import type { AuditPosition } from '@pulsegap/db';

const EXACT_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The opaque `nextCursor` of a page of the audit log: base64url of the last event's (at, id). */
export function encodeAuditCursor(position: AuditPosition): string {
  return Buffer.from(JSON.stringify([position.at, position.id])).toString('base64url');
}

/** The position a cursor names, or null when it is not one this API made. */
export function decodeAuditCursor(cursor: string): AuditPosition | null {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) return null;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (!Array.isArray(value) || value.length !== 2) return null;
  const [at, id] = value as unknown[];
  if (typeof at !== 'string' || typeof id !== 'string') return null;
  if (!EXACT_TIME.test(at) || !UUID.test(id)) return null;
  // A date the calendar does not have (2026-02-30) would reach PostgreSQL as an error.
  const millisecond = `${at.slice(0, 23)}Z`;
  const parsed = new Date(millisecond);
  if (Number.isNaN(parsed.getTime()) || parsed.toISOString() !== millisecond) return null;
  return { at, id };
}
