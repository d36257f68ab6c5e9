import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { fromBase64Url, toBase64Url } from './base64url.js';
import { decodeBase64Url } from './decode-base64url.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

describe('base64url', () => {
  test('encodes as Node does, unpadded, and decodes back', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        const text = toBase64Url(bytes);
        expect(text).toBe(Buffer.from(bytes).toString('base64url'));
        expect(fromBase64Url(text)).toEqual(bytes);
        expect(decodeBase64Url(text)).toEqual(Buffer.from(bytes));
      }),
    );
  });

  test('decodes known values', () => {
    expect(fromBase64Url('')).toEqual(new Uint8Array());
    expect(fromBase64Url('-_8')).toEqual(Uint8Array.of(0xfb, 0xff));
    expect(decodeBase64Url('AQAB')).toEqual(Buffer.of(1, 0, 1));
  });

  test.each([
    ['+', 'ab+c'],
    ['/', 'ab/c'],
    ['padding', 'AQ=='],
    ['inner padding', 'AQ==AQAB'],
    ['a space', 'AQ AB'],
    ['a leading space', ' AQAB'],
    ['a newline', 'AQAB\n'],
    ['a non-ASCII letter', 'AQAé'],
    ['a dot', 'AQA.'],
    ['an impossible length', 'AQABA'],
    ['non-zero unused bits after one byte', 'AB'],
    ['non-zero unused bits after two bytes', 'AAB'],
  ])('rejects %s', (_case, text) => {
    expect(fromBase64Url(text)).toBeNull();
    expect(decodeBase64Url(text)).toBeNull();
  });

  test('rejects other decoded lengths when a length is required', () => {
    const text = toBase64Url(new Uint8Array(64));
    expect(decodeBase64Url(text, { length: 64 })).toHaveLength(64);
    expect(decodeBase64Url(text, { length: 63 })).toBeNull();
    expect(decodeBase64Url(text, { length: 65 })).toBeNull();
    expect(decodeBase64Url(text.slice(1), { length: 64 })).toBeNull();
    expect(fromBase64Url('', { length: 0 })).toEqual(new Uint8Array());
  });

  test('returns null for values that are not strings', () => {
    expect(decodeBase64Url(undefined as unknown as string)).toBeNull();
    expect(decodeBase64Url(42 as unknown as string)).toBeNull();
  });

  test('never throws, and accepts only canonical encodings', () => {
    const character = fc.oneof(
      fc.nat({ max: 63 }).map((index) => ALPHABET.charAt(index)),
      fc.constantFrom('+', '/', '=', ' ', '\n', '.', 'é', '\u0000'),
    );
    fc.assert(
      fc.property(fc.string({ unit: character, maxLength: 64 }), (text) => {
        const bytes = fromBase64Url(text);
        if (bytes !== null) {
          expect(toBase64Url(bytes)).toBe(text);
        }
      }),
    );
  });
});
