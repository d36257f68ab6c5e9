import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { AnonymityError } from './errors.js';
import {
  openSealedResponse,
  sealedResponseLength,
  sealResponse,
  type ResponseContent,
  type SealedResponseShape,
} from './sealed-response.js';

function codeOf(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    return error instanceof AnonymityError ? error.code : `not an AnonymityError: ${String(error)}`;
  }
  return undefined;
}

const key = randomBytes(32);
const runId = '6f1c2a5e-2b7d-4f4e-9a51-3c1d2e4f5a6b';
const otherRunId = '6f1c2a5e-2b7d-4f4e-9a51-3c1d2e4f5a6c';
/** A run of twelve questions with the open question (PRODUCT.md §4: at most 2,000 characters). */
const shape: SealedResponseShape = { questionCount: 12, commentUnits: 2000 };
const answers = [5, 4, null, 3, 2, 1, null, null, 4, 4, 5, 3];

const roundTrip = (content: ResponseContent, s: SealedResponseShape = shape) =>
  openSealedResponse(sealResponse(content, s, key, runId), s, key, runId);

describe('sealed responses', () => {
  test('open to what was sealed, skipped answers included', () => {
    const content = { answers, comment: 'We are two people short on the platform team.' };
    expect(roundTrip(content)).toEqual(content);
  });

  test('a response without a comment opens without one', () => {
    expect(roundTrip({ answers, comment: null })).toEqual({ answers, comment: null });
    const all = { answers: answers.map(() => null), comment: null };
    expect(roundTrip(all)).toEqual(all);
  });

  test('an empty comment opens as no comment', () => {
    expect(roundTrip({ answers, comment: '' })).toEqual({ answers, comment: null });
  });

  test('a comment of the full 2,000 code units opens whole', () => {
    const comment = 'x'.repeat(1999) + 'y';
    expect(roundTrip({ answers, comment })).toEqual({ answers, comment });
  });

  test('emoji, surrogate pairs and lone surrogates survive, counted in UTF-16 code units', () => {
    const mixed = '👩🏽‍💻 on call again 😮‍💨 — naïve “plans” 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 \ud83d alone \ude00 too';
    expect(roundTrip({ answers, comment: mixed })).toEqual({ answers, comment: mixed });
    // A thousand astral characters are 2,000 code units: they fit, exactly.
    const astral = '😀'.repeat(1000);
    expect(astral).toHaveLength(2000);
    expect(roundTrip({ answers, comment: astral })).toEqual({ answers, comment: astral });
  });

  test('a run without the open question seals answers only', () => {
    const noComment = { questionCount: 3, commentUnits: 0 };
    expect(roundTrip({ answers: [1, null, 5], comment: null }, noComment)).toEqual({
      answers: [1, null, 5],
      comment: null,
    });
    expect(sealedResponseLength(noComment)).toBe(1 + 12 + 16 + 3);
  });

  test('every response of a run has the same length, whatever it says', () => {
    const lengths = new Set(
      [
        { answers: answers.map(() => null), comment: null },
        { answers, comment: 'ok' },
        { answers, comment: '😀'.repeat(1000) },
        { answers: answers.map(() => 5), comment: 'z'.repeat(2000) },
      ].map((c) => sealResponse(c, shape, key, runId).length),
    );
    expect([...lengths]).toEqual([sealedResponseLength(shape)]);
    expect(sealedResponseLength(shape)).toBe(1 + 12 + 16 + 12 + 2 + 2 * 2000);
  });

  test('uses a fresh IV each time and shows nothing of the plaintext', () => {
    const comment = 'the reorg broke our on-call rota';
    const first = sealResponse({ answers, comment }, shape, key, runId);
    const second = sealResponse({ answers, comment }, shape, key, runId);
    expect(first.subarray(1, 13)).not.toEqual(second.subarray(1, 13));
    expect(first).not.toEqual(second);
    expect(first.includes(Buffer.from(comment, 'utf16le'))).toBe(false);
    expect(first.includes(Buffer.from(comment, 'utf8'))).toBe(false);
  });

  test('does not open under another key or for another run', () => {
    const sealed = sealResponse({ answers, comment: 'hi' }, shape, key, runId);
    expect(codeOf(() => openSealedResponse(sealed, shape, randomBytes(32), runId))).toBe(
      'ANON_RESPONSE_SEALED_INVALID',
    );
    expect(codeOf(() => openSealedResponse(sealed, shape, key, otherRunId))).toBe(
      'ANON_RESPONSE_SEALED_INVALID',
    );
    expect(codeOf(() => openSealedResponse(sealed, shape, key, ''))).toBe(
      'ANON_RESPONSE_SEALED_INVALID',
    );
  });

  test.each([
    ['the version', 0],
    ['the IV', 5],
    ['the tag', 20],
    ['the first answer', 29],
    ['the comment', 200],
    ['the last byte', -1],
  ])('does not open when %s changes', (_part, index) => {
    const sealed = sealResponse({ answers, comment: 'hi' }, shape, key, runId);
    const at = index < 0 ? sealed.length + index : index;
    sealed[at] = (sealed[at] ?? 0) ^ 0x01;
    expect(codeOf(() => openSealedResponse(sealed, shape, key, runId))).toBe(
      'ANON_RESPONSE_SEALED_INVALID',
    );
  });

  test.each([0, 1, 29, 100, sealedResponseLength(shape) - 1])(
    'does not open when cut to %i bytes',
    (length) => {
      const sealed = sealResponse({ answers, comment: 'hi' }, shape, key, runId);
      expect(codeOf(() => openSealedResponse(sealed.subarray(0, length), shape, key, runId))).toBe(
        'ANON_RESPONSE_SEALED_INVALID',
      );
    },
  );

  test('does not open with a byte added', () => {
    const sealed = sealResponse({ answers, comment: 'hi' }, shape, key, runId);
    expect(
      codeOf(() => openSealedResponse(Buffer.concat([sealed, Buffer.of(0)]), shape, key, runId)),
    ).toBe('ANON_RESPONSE_SEALED_INVALID');
  });

  test('does not open as another shape', () => {
    const sealed = sealResponse({ answers, comment: 'hi' }, shape, key, runId);
    for (const other of [
      { questionCount: 11, commentUnits: 2000 },
      { questionCount: 12, commentUnits: 400 },
      { questionCount: 12, commentUnits: 0 },
    ]) {
      expect(codeOf(() => openSealedResponse(sealed, other, key, runId))).toBe(
        'ANON_RESPONSE_SEALED_INVALID',
      );
    }
  });

  // Two shapes can have the same length: 2 questions with a 1-unit comment (2 + 2 + 2 bytes)
  // and 6 questions without one. The shape is neither bound to the ciphertext nor checked
  // after decryption, so a response sealed as one opens "successfully" as the other, with
  // the comment's length and text read as answers (97 for "a"), off the 1..5 scale.
  test('does not open as another shape of the same length', () => {
    const sealedAs = { questionCount: 2, commentUnits: 1 };
    const openedAs = { questionCount: 6, commentUnits: 0 };
    expect(sealedResponseLength(openedAs)).toBe(sealedResponseLength(sealedAs));
    const sealed = sealResponse({ answers: [3, 4], comment: 'a' }, sealedAs, key, runId);
    expect(codeOf(() => openSealedResponse(sealed, openedAs, key, runId))).toBe(
      'ANON_RESPONSE_SEALED_INVALID',
    );
  });

  test('content that does not fit the shape is a RangeError, not a sealed response', () => {
    const seal =
      (content: ResponseContent, s: SealedResponseShape = shape, k: Uint8Array = key) =>
      () =>
        sealResponse(content, s, k, runId);
    expect(seal({ answers: answers.slice(1), comment: null })).toThrow(RangeError);
    expect(seal({ answers: [...answers, 3], comment: null })).toThrow(RangeError);
    for (const value of [0, 6, 2.5, -1, Number.NaN]) {
      expect(
        seal({ answers: answers.map((a, i) => (i === 3 ? value : a)), comment: null }),
      ).toThrow(RangeError);
    }
    expect(
      seal({ answers: [1, 2, 3], comment: 'hi' }, { questionCount: 3, commentUnits: 0 }),
    ).toThrow(RangeError);
    expect(seal({ answers, comment: 'x'.repeat(2001) })).toThrow(RangeError);
    // One astral character more than fits: 2,002 code units.
    expect(seal({ answers, comment: '😀'.repeat(1001) })).toThrow(RangeError);
    expect(seal({ answers, comment: null }, shape, randomBytes(16))).toThrow(RangeError);
    const sealed = sealResponse({ answers, comment: null }, shape, key, runId);
    expect(() => openSealedResponse(sealed, shape, randomBytes(31), runId)).toThrow(RangeError);
  });

  test('property: any content that fits round-trips, always at exactly the shape’s length', () => {
    // Comments as UTF-16 code units: ASCII, any BMP character, surrogate pairs and lone halves.
    const text = fc
      .array(
        fc.oneof(
          fc.integer({ min: 0x20, max: 0x7e }),
          fc.integer({ min: 0, max: 0xffff }),
          fc.integer({ min: 0xd800, max: 0xdfff }),
        ),
        { maxLength: 60 },
      )
      .map((units) => String.fromCharCode(...units));
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 20 }),
        fc.integer({ min: 0, max: 60 }),
        fc.array(fc.option(fc.integer({ min: 1, max: 5 }), { nil: null }), { maxLength: 20 }),
        fc.option(text, { nil: null }),
        (questionCount, commentUnits, raw, rawComment) => {
          const s = { questionCount, commentUnits };
          const content = {
            answers: Array.from({ length: questionCount }, (_, i) => raw[i] ?? null),
            comment:
              commentUnits === 0 || rawComment === null ? null : rawComment.slice(0, commentUnits),
          };
          const sealed = sealResponse(content, s, key, runId);
          expect(sealed).toHaveLength(sealedResponseLength(s));
          expect(openSealedResponse(sealed, s, key, runId)).toEqual({
            answers: content.answers,
            comment: content.comment === '' ? null : content.comment,
          });
        },
      ),
      { numRuns: 300 },
    );
  });
});
