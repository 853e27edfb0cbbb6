// bcrypt over the password's bytes, as Go's golang.org/x/crypto/bcrypt and OpenBSD compare them:
// JavaScript libraries such as bcryptjs take strings and hash their UTF-8, so a password that is
// not valid UTF-8 (a Latin-1 one, say) could never match. The algorithm is Provos and Mazières'
// EksBlowfish; Blowfish's initial state is the hexadecimal fraction of pi, computed here.
//
// These functions run on the bcrypt worker thread as text (see bcrypt-worker.ts): each may use
// only the others and JavaScript's globals, never anything imported.

/** Words of Blowfish's state: the P-array (18) followed by the four S-boxes (4 x 256). */
export const BCRYPT_STATE_WORDS = 18 + 4 * 256;

/** The first `count` 32-bit words of pi's fraction (0x243f6a88, 0x85a308d3, ...), by Machin's formula. */
export function piFractionWords(count: number): Uint32Array {
  const guard = 64n;
  const bits = BigInt(count) * 32n + guard;
  const one = 1n << bits;
  const arctanOfInverse = (x: bigint): bigint => {
    const x2 = x * x;
    let power = one / x;
    let sum = power;
    for (let k = 1n; power !== 0n; k++) {
      power /= x2;
      sum += (k % 2n === 1n ? -power : power) / (2n * k + 1n);
    }
    return sum;
  };
  const fraction = ((16n * arctanOfInverse(5n) - 4n * arctanOfInverse(239n)) % one) >> guard;
  const words = new Uint32Array(count);
  for (let i = 0; i < count; i++) words[i] = Number((fraction >> BigInt((count - 1 - i) * 32)) & 0xffffffffn);
  return words;
}

/** Blowfish's round function; the XORs keep the sums to 32 bits. */
export function blowfishF(s: Uint32Array, x: number): number {
  return ((s[18 + (x >>> 24)]! + s[274 + ((x >>> 16) & 0xff)]!) ^ s[530 + ((x >>> 8) & 0xff)]!) + s[786 + (x & 0xff)]!;
}

/** Blowfish on the pair at lr[at], lr[at + 1] with `state` (P then S), in place. */
export function blowfishEncipher(state: Uint32Array, lr: Uint32Array, at: number): void {
  const s = state;
  let l = lr[at]! ^ s[0]!;
  let r = lr[at + 1]!;
  for (let i = 1; i <= 16; i += 2) {
    r ^= blowfishF(s, l) ^ s[i]!;
    l ^= blowfishF(s, r) ^ s[i + 1]!;
  }
  lr[at] = r ^ s[17]!;
  lr[at + 1] = l;
}

/** The big-endian word at `bytes[offset]`, wrapping around the end of `bytes` as the key schedule does. */
export function cyclicWord(bytes: Uint8Array, offset: number): number {
  let word = 0;
  for (let i = 0; i < 4; i++) word = (word << 8) | bytes[(offset + i) % bytes.length]!;
  return word >>> 0;
}

/** EksBlowfish's ExpandKey: the key into P, then every pair of P and S re-encrypted, mixed with `data` when given. */
export function expandKey(state: Uint32Array, key: Uint8Array, data: Uint8Array | undefined): void {
  for (let i = 0; i < 18; i++) state[i] = state[i]! ^ cyclicWord(key, 4 * i);
  const lr = new Uint32Array(2);
  for (let i = 0, at = 0; i < state.length; i += 2, at += 8) {
    if (data !== undefined) {
      lr[0] = lr[0]! ^ cyclicWord(data, at);
      lr[1] = lr[1]! ^ cyclicWord(data, at + 4);
    }
    blowfishEncipher(state, lr, 0);
    state[i] = lr[0]!;
    state[i + 1] = lr[1]!;
  }
}

/** The 23 bytes bcrypt keeps of "OrpheanBeholderScryDoubt" encrypted 64 times under the expensive key schedule. */
export function bcryptRaw(initial: Uint32Array, key: Uint8Array, salt: Uint8Array, cost: number): Uint8Array {
  const state = initial.slice();
  expandKey(state, key, salt);
  for (let round = 0; round < 2 ** cost; round++) {
    expandKey(state, key, undefined);
    expandKey(state, salt, undefined);
  }
  const text = new TextEncoder().encode('OrpheanBeholderScryDoubt');
  const words = new Uint32Array(6);
  for (let i = 0; i < 6; i++) words[i] = cyclicWord(text, 4 * i);
  for (let i = 0; i < 64; i++) for (let at = 0; at < 6; at += 2) blowfishEncipher(state, words, at);
  const out = new Uint8Array(24);
  for (let i = 0; i < 24; i++) out[i] = (words[i >> 2]! >>> (24 - 8 * (i & 3))) & 0xff;
  return out.subarray(0, 23);
}

/** bcrypt's base64: its own alphabet, no padding. */
export function bcryptBase64(bytes: Uint8Array): string {
  const alphabet = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const chunk = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    const chars = Math.min(4, Math.ceil(((bytes.length - i) * 8) / 6));
    for (let c = 0; c < chars; c++) out += alphabet[(chunk >>> (18 - 6 * c)) & 63];
  }
  return out;
}

/** The 16 salt bytes of 22 bcrypt-base64 characters. */
export function bcryptSalt(text: string): Uint8Array {
  const alphabet = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const out = new Uint8Array(16);
  let acc = 0;
  let held = 0;
  let n = 0;
  for (const ch of text) {
    acc = (acc << 6) | alphabet.indexOf(ch);
    held += 6;
    if (held >= 8 && n < 16) {
      held -= 8;
      out[n++] = (acc >>> held) & 0xff;
    }
  }
  return out;
}

/**
 * Whether `password` (its bytes) matches the bcrypt `hash` ($2$, $2a$, $2b$ or $2y$); false for
 * anything that is not such a hash. `initial` is piFractionWords(BCRYPT_STATE_WORDS).
 */
export function bcryptMatches(initial: Uint32Array, password: Uint8Array, hash: string): boolean {
  const m = /^\$2([aby]?)\$(\d\d)\$([./A-Za-z0-9]{22})([./A-Za-z0-9]{31})$/.exec(hash);
  if (m === null || Number(m[2]) < 4 || Number(m[2]) > 31) return false;
  // Revisions a, b and y hash the password with its terminating NUL; at most 72 bytes count.
  const terminated = m[1] === '' ? password : Uint8Array.of(...password, 0);
  const key = terminated.length === 0 ? Uint8Array.of(0) : terminated.subarray(0, 72);
  const got = bcryptBase64(bcryptRaw(initial, key, bcryptSalt(m[3]!), Number(m[2])));
  let diff = 0;
  for (let i = 0; i < 31; i++) diff |= got.charCodeAt(i) ^ m[4]!.charCodeAt(i);
  return diff === 0;
}
