const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK64 = (1n << 64n) - 1n;
const encoder = new TextEncoder();

function assertInterval(intervalMs: number): void {
  if (!Number.isSafeInteger(intervalMs) || intervalMs <= 0) {
    throw new RangeError(`intervalMs must be a positive safe integer, got ${intervalMs}`);
  }
}

/**
 * FNV-1a over the id's UTF-8 bytes, then the MurmurHash3 64-bit finalizer. FNV-1a's
 * multiplier is odd, so its low k bits depend only on the low k bits of each byte; the
 * phase is taken modulo intervals like 60000 = 2^5 * 1875, and the finalizer mixes the high
 * bits down so such intervals see the whole hash (ids differing only in letter case, say).
 */
function hash64(id: string): bigint {
  let h = FNV_OFFSET;
  for (const byte of encoder.encode(id)) h = ((h ^ BigInt(byte)) * FNV_PRIME) & MASK64;
  h ^= h >> 33n;
  h = (h * 0xff51afd7ed558ccdn) & MASK64;
  h ^= h >> 33n;
  h = (h * 0xc4ceb9fe1a85ec53n) & MASK64;
  h ^= h >> 33n;
  return h;
}

/**
 * A job's offset within its interval, in [0, intervalMs). It depends on the id alone, so
 * every process and every restart puts the same job in the same slot, and many jobs with
 * one interval spread over it instead of firing together (as Prometheus spreads scrapes).
 */
export function phaseOf(id: string, intervalMs: number): number {
  assertInterval(intervalMs);
  // A 64-bit hash modulo an interval below 2^53 is biased by < 2^-11: not worth rejection sampling.
  return Number(hash64(id) % BigInt(intervalMs));
}

/**
 * The first slot strictly after `now` on the epoch-ms time line whose offset is `phase`.
 * Slots are anchored at epoch 0, not at start-up, so replicas and restarts agree on them.
 * All operands stay below 2^53 for epoch ms and intervals of years, so Number is exact.
 */
export function nextRunAt(now: number, phase: number, intervalMs: number): number {
  assertInterval(intervalMs);
  if (!Number.isSafeInteger(phase) || phase < 0 || phase >= intervalMs) {
    throw new RangeError(`phase must be an integer in [0, ${intervalMs}), got ${phase}`);
  }
  const since = (((now - phase) % intervalMs) + intervalMs) % intervalMs;
  return now - since + intervalMs;
}
