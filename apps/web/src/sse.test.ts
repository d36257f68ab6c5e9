import { describe, expect, test } from 'vitest';
import { EventStreamParser } from './sse.js';

function readAll(pieces: readonly string[]) {
  const parser = new EventStreamParser();
  return pieces.flatMap((piece) => parser.feed(piece));
}

describe('EventStreamParser', () => {
  test('reads named events with their data', () => {
    expect(readAll(['event: session\ndata: {"a":1}\n\nevent: session\ndata: {"a":2}\n\n'])).toEqual(
      [
        { event: 'session', data: '{"a":1}', id: null },
        { event: 'session', data: '{"a":2}', id: null },
      ],
    );
  });

  test('an event split anywhere across pieces is read once it is complete', () => {
    const stream = 'event: room\ndata: {"code":"ABC"}\n\n';
    for (let cut = 1; cut < stream.length; cut += 1) {
      const parser = new EventStreamParser();
      expect(parser.feed(stream.slice(0, cut))).toEqual([]);
      expect(parser.feed(stream.slice(cut))).toEqual([
        { event: 'room', data: '{"code":"ABC"}', id: null },
      ]);
    }
  });

  test('CRLF and CR end lines too, also when a CRLF is split between pieces', () => {
    expect(readAll(['data: one\r\n\r\ndata: two\r\r'])).toEqual([
      { event: 'message', data: 'one', id: null },
      { event: 'message', data: 'two', id: null },
    ]);
    expect(readAll(['data: x\r', '\n\r', '\n'])).toEqual([
      { event: 'message', data: 'x', id: null },
    ]);
  });

  test('joins data lines with a newline; comments, unknown fields and empty blocks are ignored', () => {
    expect(
      readAll([': keep-alive\n\nfoo: bar\ndata: first\ndata:second\n\nevent: lonely\n\n']),
    ).toEqual([{ event: 'message', data: 'first\nsecond', id: null }]);
  });

  test('an incomplete event at the end is not dispatched', () => {
    expect(readAll(['event: room\ndata: {"half":'])).toEqual([]);
    expect(readAll(['data: done\n'])).toEqual([]);
  });

  test('keeps the last id and the retry time; a leading byte order mark is dropped', () => {
    const parser = new EventStreamParser();
    expect(parser.feed('\uFEFFid: 7\nretry: 2500\ndata: a\n\ndata: b\n\n')).toEqual([
      { event: 'message', data: 'a', id: '7' },
      { event: 'message', data: 'b', id: '7' },
    ]);
    expect(parser.retry).toBe(2500);
    parser.feed('retry: soon\n');
    expect(parser.retry).toBe(2500);
  });

  test('only one space after the colon is taken away', () => {
    expect(readAll(['data:  two spaces\n\n'])).toEqual([
      { event: 'message', data: ' two spaces', id: null },
    ]);
  });
});
