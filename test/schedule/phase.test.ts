import { describe, expect, it } from 'vitest';
import { nextRunAt, phaseOf } from '../../src/schedule/phase.js';

const SECOND = 1000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const JAN_2026 = Date.UTC(2026, 0, 1); // 1767225600000

describe('phaseOf', () => {
  it('is stable: same id, same phase, pinned so a change of hash is noticed', () => {
    expect(phaseOf('web/www.example.com:443', 60_000)).toBe(24463);
    expect(phaseOf('db/192.0.2.5:3306', HOUR)).toBe(849435);
    expect(phaseOf('', 1000)).toBe(342);
    expect(phaseOf('web/www.example.com:443', 60_000)).toBe(phaseOf('web/www.example.com:443', 60_000));
  });

  it('equals the 64-bit hash computed with BigInt, for any id and any safe interval', () => {
    const ids = [
      '',
      'a',
      'web/www.example.com:443',
      'ünïcödé/bücher.example:80',
      '\u{1F600}/x:1',
      'x'.repeat(300),
      'web/host.example:443\u00e9',
      ...Array.from({ length: 300 }, (_, i) => `m\u0000host-${i * 7919}.example.org\u0000${i % 65536}`),
    ];
    const intervals = [
      1,
      2,
      7,
      1000,
      60_000,
      HOUR,
      2 ** 26 - 1,
      2 ** 26,
      2 ** 26 + 1,
      2 ** 27 + 5,
      2 ** 28 - 3,
      2 ** 31 + 11,
      2 ** 45 - 1,
      2 ** 52 + 3,
      Number.MAX_SAFE_INTEGER,
    ];
    for (const id of ids)
      for (const interval of intervals) expect(phaseOf(id, interval)).toBe(referencePhase(id, interval));
  });

  it('stays in [0, interval) for short and long intervals', () => {
    for (const interval of [1, 7, SECOND, HOUR, 30 * DAY, 365 * DAY]) {
      for (let i = 0; i < 200; i++) {
        const phase = phaseOf(`job-${i}`, interval);
        expect(Number.isInteger(phase)).toBe(true);
        expect(phase).toBeGreaterThanOrEqual(0);
        expect(phase).toBeLessThan(interval);
      }
    }
  });

  it.each([
    ['hostnames', 10_000, (i: number) => `web/host-${i}.example.com:443`],
    ['short ids, tiny interval', 10, (i: number) => `t${i}`],
    ['addresses and ports, 2^5 in the interval', 60_000, (i: number) => `scan/[2001:db8::${i.toString(16)}]:22`],
  ])('spreads 10,000 %s evenly over 10 buckets (±15%%)', (_name, interval, id) => {
    const buckets = new Array<number>(10).fill(0);
    for (let i = 0; i < 10_000; i++) buckets[Math.floor((phaseOf(id(i), interval) * 10) / interval)]! += 1;
    for (const count of buckets) {
      expect(count).toBeGreaterThanOrEqual(850);
      expect(count).toBeLessThanOrEqual(1150);
    }
  });

  it('rejects intervals that are not positive safe integers', () => {
    for (const bad of [0, -1, 1.5, Number.NaN, 2 ** 53]) expect(() => phaseOf('x', bad)).toThrow(RangeError);
  });
});

describe('nextRunAt', () => {
  it.each([
    // now, phase, interval, expected
    [0, 0, SECOND, SECOND],
    [1249, 250, SECOND, 1250],
    [1250, 250, SECOND, 2250], // exactly on a slot: strictly after
    [1251, 250, SECOND, 2250],
    [JAN_2026 + 123, 0, HOUR, JAN_2026 + HOUR],
    [JAN_2026 + 30 * 60_000, 59 * 60_000, HOUR, JAN_2026 + 59 * 60_000],
    [JAN_2026, 2_073_600_000, 30 * DAY, JAN_2026 + 30 * DAY], // 2026-01-01 is on this 30-day slot
    [1_780_000_000_123, 123_456_789, 30 * DAY, 1_780_827_456_789],
    [1_780_000_000_123, 7, 365 * DAY, 1_797_552_000_007],
    [JAN_2026 - 1, 1_209_600_000, 365 * DAY, JAN_2026], // 2026-01-01 is on this 365-day slot
  ])('nextRunAt(%i, %i, %i) = %i', (now, phase, interval, expected) => {
    expect(nextRunAt(now, phase, interval)).toBe(expected);
  });

  it('agrees with exact BigInt arithmetic on the epoch-ms time line', () => {
    let seed = 42;
    const rand = (n: number): number => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31), seed % n);
    for (const interval of [SECOND, 15 * SECOND, HOUR, 30 * DAY, 365 * DAY]) {
      for (let i = 0; i < 500; i++) {
        const now = JAN_2026 + rand(2 ** 30) * 1000 + rand(1000);
        const phase = rand(interval);
        const t = nextRunAt(now, phase, interval);
        const [bt, bnow, bphase, bint] = [BigInt(t), BigInt(now), BigInt(phase), BigInt(interval)];
        expect((bt - bphase) % bint).toBe(0n);
        expect(bt > bnow && bt - bnow <= bint).toBe(true);
      }
    }
  });

  it('rejects a phase outside [0, interval)', () => {
    expect(() => nextRunAt(JAN_2026, SECOND, SECOND)).toThrow(RangeError);
    expect(() => nextRunAt(JAN_2026, -1, SECOND)).toThrow(RangeError);
  });
});

/** FNV-1a 64 then the MurmurHash3 finalizer, in BigInt: the definition phaseOf must agree with. */
function referencePhase(id: string, intervalMs: number): number {
  const mask = (1n << 64n) - 1n;
  let h = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(id)) h = ((h ^ BigInt(byte)) * 0x100000001b3n) & mask;
  h ^= h >> 33n;
  h = (h * 0xff51afd7ed558ccdn) & mask;
  h ^= h >> 33n;
  h = (h * 0xc4ceb9fe1a85ec53n) & mask;
  h ^= h >> 33n;
  return Number(h % BigInt(intervalMs));
}
