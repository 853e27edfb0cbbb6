/**
 * Jump consistent hash (Lamping and Veach, "A Fast, Minimal Memory, Consistent Hash
 * Algorithm", 2014, arXiv:1406.2294). It maps a 64-bit key to one of `buckets` buckets,
 * evenly, and so that going from n to n + 1 buckets moves only 1/(n + 1) of the keys, all
 * of them into the new bucket. Written step for step like the paper's C++ function, so any
 * faithful port (ClickHouse's jumpConsistentHash, Guava's is a different one) agrees.
 */
const MULTIPLIER = 2862933555777941757n;
const TWO_POW_31 = 2 ** 31;

export const MAX_BUCKETS = TWO_POW_31 - 1;

export function jumpHash(key: bigint, buckets: number): number {
  if (!Number.isInteger(buckets) || buckets < 1 || buckets > MAX_BUCKETS) {
    throw new RangeError(`jumpHash: buckets must be a whole number from 1 to ${MAX_BUCKETS}, got ${buckets}`);
  }
  let k = BigInt.asUintN(64, key);
  let b = -1;
  let j = 0;
  while (j < buckets) {
    b = j;
    k = BigInt.asUintN(64, k * MULTIPLIER + 1n);
    // (k >> 33) has 31 bits, so the division is exact in a double, as in the C++ original.
    j = Math.floor((b + 1) * (TWO_POW_31 / (Number(k >> 33n) + 1)));
  }
  return b;
}
