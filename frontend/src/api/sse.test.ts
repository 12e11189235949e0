import { describe, expect, it } from 'vitest';
import { SseParser } from './sse';

describe('SseParser', () => {
  it('yields the data of complete events only', () => {
    const p = new SseParser();
    expect(p.push('id: 1\nevent: log\ndata: {"seq":1}\n')).toEqual([]);
    expect(p.push('\n')).toEqual(['{"seq":1}']);
  });

  it('handles any chunking, CRLF, comments and multi-line data', () => {
    const stream = ': keep-alive\r\n\r\nid: 1\r\ndata: a\r\ndata: b\r\n\r\nid: 2\ndata:c\n\n';
    for (const size of [1, 2, 3, 7, stream.length]) {
      const p = new SseParser();
      const out: string[] = [];
      for (let i = 0; i < stream.length; i += size) out.push(...p.push(stream.slice(i, i + size)));
      expect(out, `chunks of ${size}`).toEqual(['a\nb', 'c']);
    }
  });

  it('ignores events without data', () => {
    expect(new SseParser().push('event: ping\nid: 3\n\n')).toEqual([]);
  });
});
