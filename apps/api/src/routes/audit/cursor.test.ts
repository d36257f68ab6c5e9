import { expect, test } from 'vitest';
import { decodeAuditCursor, encodeAuditCursor } from './cursor.js';

const position = { at: '2026-12-04T12:00:00.123456Z', id: '6f1c1b7e-2f0a-4c39-9d55-0b7f2c1a9e10' };

test('a cursor names the position it was made from', () => {
  const cursor = encodeAuditCursor(position);
  expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
  expect(decodeAuditCursor(cursor)).toEqual(position);
});

test('anything else is not a cursor', () => {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  for (const cursor of [
    '',
    'not a cursor!',
    'bm90IGpzb24',
    encode({ at: position.at, id: position.id }),
    encode([position.at]),
    encode([position.at, position.id, 1]),
    encode([1, position.id]),
    encode(['2026-12-04T12:00:00Z', position.id]),
    encode(['2026-02-30T12:00:00.000000Z', position.id]),
    encode(['2026-12-04T25:00:00.000000Z', position.id]),
    encode([position.at, 'not-a-uuid']),
    encode([position.at, position.id.toUpperCase()]),
  ]) {
    expect(decodeAuditCursor(cursor), cursor).toBeNull();
  }
});
