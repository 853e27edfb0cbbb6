import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LandingQueryError, parseLandingQuery } from '../../src/http/landing-query.js';
import { Smallest } from '../../src/http/smallest.js';

const MONITORS = ['web', 'db'];
const parse = (search: string) => parseLandingQuery(new URLSearchParams(search), MONITORS);

describe('parseLandingQuery', () => {
  it('reads the filters and the page', () => {
    expect(parse('')).toEqual({ monitor: undefined, host: undefined, state: undefined, page: 1 });
    expect(parse('monitor=web&host=2001%3Adb8%3A%3A1&state=filtered&page=12')).toEqual({
      monitor: 'web',
      host: '2001:db8::1',
      state: 'filtered',
      page: 12,
    });
  });

  it('takes an empty value as "any", as an empty form field sends it', () => {
    expect(parse('monitor=&host=&state=&page=')).toEqual({
      monitor: undefined,
      host: undefined,
      state: undefined,
      page: 1,
    });
  });

  it.each([
    ['colour=blue', 'unknown parameter "colour": this page takes monitor, host, state, page'],
    ['Monitor=web', 'unknown parameter "Monitor": this page takes monitor, host, state, page'],
    ['monitor=web&monitor=db', 'monitor: given more than once; give it once'],
    ['monitor=mail', 'monitor: no monitor named "mail" is configured'],
    ['state=up', 'state: "up" is not one of open, closed, filtered, open|filtered, error'],
    ['state=OPEN', 'state: "OPEN" is not one of open, closed, filtered, open|filtered, error'],
    ['page=0', 'page: "0" is not a page number (1, 2, 3, ...)'],
    ['page=-1', 'page: "-1" is not a page number (1, 2, 3, ...)'],
    ['page=2.5', 'page: "2.5" is not a page number (1, 2, 3, ...)'],
    ['page=1e3', 'page: "1e3" is not a page number (1, 2, 3, ...)'],
    ['page=01', 'page: "01" is not a page number (1, 2, 3, ...)'],
    ['page=99999999999', 'page: "99999999999" is not a page number (1, 2, 3, ...)'],
    [`host=${'a'.repeat(1025)}`, 'host: longer than 1024 characters'],
  ])('refuses %s: %s', (search, message) => {
    expect(() => parse(search)).toThrow(new LandingQueryError(message));
  });
});

describe('Smallest', () => {
  const byNumber = (a: number, b: number) => a - b;

  function smallest(xs: readonly number[], limit: number): number[] {
    const kept = new Smallest<number>(limit, byNumber);
    for (const x of xs) if (kept.admits((k) => x - k)) kept.add(x);
    return kept.sorted();
  }

  it('keeps what sorting and cutting would, for any input and limit', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -50, max: 50 }), { maxLength: 300 }), fc.nat(320), (xs, limit) => {
        expect(smallest(xs, limit)).toEqual([...xs].sort(byNumber).slice(0, limit));
      }),
    );
  });

  it('turns away what would not be kept with one comparison and keeps nothing with limit 0', () => {
    let comparisons = 0;
    const kept = new Smallest<number>(3, byNumber);
    for (const x of [1, 2, 3]) kept.add(x);
    expect(kept.admits((k) => (comparisons++, 10 - k))).toBe(false);
    expect(comparisons).toBe(1);
    expect(smallest([3, 1, 2], 0)).toEqual([]);
  });
});
