import { describe, expect, it } from 'vitest';
import { jumpHash } from '../../src/shard/jump.js';

describe('jumpHash', () => {
  // ClickHouse's jumpConsistentHash is a port of the paper's C++ function; these are the
  // answers its test suite checks in (tests/queries/0_stateless/00580_consistent_hashing_functions).
  it.each([
    [1n, 1, 0],
    [42n, 57, 43],
    [256n, 1024, 520],
    [3735883980n, 1, 0],
    [3735883980n, 666, 361],
    [16045690984833335023n, 255, 237],
  ])('jumpHash(%s, %i) = %i, as in the reference implementation', (key, buckets, bucket) => {
    expect(jumpHash(key, buckets)).toBe(bucket);
  });

  it('takes keys as unsigned 64-bit numbers', () => {
    expect(jumpHash(-1n, 1000)).toBe(jumpHash(2n ** 64n - 1n, 1000));
    expect(jumpHash(2n ** 64n + 42n, 57)).toBe(43);
  });

  it('refuses a bucket count that is not a whole number from 1', () => {
    expect(() => jumpHash(1n, 0)).toThrow(RangeError);
    expect(() => jumpHash(1n, 1.5)).toThrow(RangeError);
    expect(() => jumpHash(1n, 2 ** 31)).toThrow(RangeError);
  });
});
