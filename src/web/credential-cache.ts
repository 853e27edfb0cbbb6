// What basic auth remembers of bcrypt's verdicts, under a salted digest of user, hash and
// password (as exporter-toolkit's cache is keyed). Verified credentials and refused ones have
// room of their own: a flood of distinct wrong passwords pushes out only older wrong ones,
// never the credential Prometheus scrapes with.
import { createHash, randomBytes } from 'node:crypto';

export interface CredentialCacheOptions {
  /** Verified credentials remembered; only another verified one pushes out the oldest. */
  verified?: number;
  /** Refused credentials remembered; the oldest is forgotten first. */
  refused?: number;
}

export class CredentialCache {
  readonly #salt = randomBytes(16);
  readonly #verified = new Map<string, true>();
  readonly #refused = new Map<string, true>();
  readonly #maxVerified: number;
  readonly #maxRefused: number;

  constructor(opts: CredentialCacheOptions = {}) {
    this.#maxVerified = opts.verified ?? 1024;
    this.#maxRefused = opts.refused ?? 1024;
  }

  /** The key of a user (bytes as sent), the hash it was checked against and a password (bytes). */
  key(user: Uint8Array, hash: string, password: Uint8Array): string {
    const h = createHash('sha256').update(this.#salt);
    // Lengths first, so that no two different triples run together into the same bytes.
    for (const part of [user, Buffer.from(hash, 'utf8'), password]) h.update(lengthOf(part)).update(part);
    return h.digest('base64');
  }

  /** true: verified before; false: refused before; undefined: not known. */
  get(key: string): boolean | undefined {
    if (this.#verified.has(key)) return true;
    return this.#refused.has(key) ? false : undefined;
  }

  remember(key: string, ok: boolean): void {
    const [map, max] = ok ? [this.#verified, this.#maxVerified] : [this.#refused, this.#maxRefused];
    if (map.has(key)) return;
    if (map.size >= max) {
      const oldest = map.keys().next();
      if (!oldest.done) map.delete(oldest.value);
    }
    map.set(key, true);
  }

  get size(): { verified: number; refused: number } {
    return { verified: this.#verified.size, refused: this.#refused.size };
  }
}

function lengthOf(part: Uint8Array): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(part.length);
  return b;
}
