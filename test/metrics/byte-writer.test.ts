import { describe, expect, it } from 'vitest';
import { ByteWriter } from '../../src/metrics/byte-writer.js';

const b = (s: string) => Buffer.from(s);

describe('ByteWriter', () => {
  it.each([
    [0, '0'],
    [5, '0.005'],
    [1_000, '1'],
    [1_700_000_000_000, '1700000000'],
    [1_700_000_000_100, '1700000000.1'],
    [1_700_000_000_120, '1700000000.12'],
    [1_700_000_000_123, '1700000000.123'],
    [1_700_000_000_001, '1700000000.001'],
    [1_700_000_000_000.5, '1700000000.0005'],
    [-1_500, '-1.5'],
  ])('writes %d ms as %s seconds, parsing back to ms / 1000', (ms, want) => {
    const w = new ByteWriter();
    w.lineMsAsSeconds(b('m'), b('{a="b"'), ms);
    expect(w.result().toString()).toBe(`m{a="b"} ${want}\n`);
    expect(Number(want)).toBe(ms / 1000);
  });

  it('grows past its initial size without losing bytes', () => {
    const w = new ByteWriter(1);
    const labels = b('{host="ünïcödé"');
    for (let i = 0; i < 1000; i++) {
      w.line(b('x'), labels, b('} 1\n'));
      w.lineValue(b('y'), labels, String(i));
    }
    const lines = w.result().toString('utf8').split('\n');
    expect(lines).toHaveLength(2001);
    expect(lines[0]).toBe('x{host="ünïcödé"} 1');
    expect(lines[1999]).toBe('y{host="ünïcödé"} 999');
    expect(w.length).toBe(w.result().length);
  });
});
