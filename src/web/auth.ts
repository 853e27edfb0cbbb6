// HTTP basic authentication against bcrypt hashes, as exporter-toolkit does it: bcrypt is
// slow by design, so results are cached under a salted digest of the credentials; user
// names are compared in constant time and an unknown user costs a bcrypt comparison too,
// so timing tells nothing; comparisons run one at a time on a worker thread, and a flood
// beyond a short queue is turned away instead of queued.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { bcryptWorker } from './bcrypt-worker.js';

export type AuthResult = 'ok' | 'denied' | 'busy';

/** Compared against when the user is unknown, so that answering takes as long (the password is "portwatch"). */
const DECOY_HASH = '$2b$10$DIKSt2a9dEgPFlPmH30EQOMWwE/mjihW6qef0jCuwBq4wXCWE69Ma';

export interface BasicAuthOptions {
  /** Results remembered; the oldest is forgotten first. */
  cacheSize?: number;
  /** Comparisons waiting for their turn; more are answered 'busy'. */
  maxQueued?: number;
}

export class BasicAuth {
  readonly #users: ReadonlyMap<string, string>;
  readonly #salt = randomBytes(16);
  readonly #cache = new Map<string, boolean>();
  readonly #cacheSize: number;
  readonly #maxQueued: number;
  #queued = 0;

  constructor(users: ReadonlyMap<string, string>, opts: BasicAuthOptions = {}) {
    this.#users = users;
    this.#cacheSize = opts.cacheSize ?? 1024;
    this.#maxQueued = opts.maxQueued ?? 64;
  }

  get enabled(): boolean {
    return this.#users.size > 0;
  }

  /** Checks an Authorization header. */
  async check(header: string | undefined): Promise<AuthResult> {
    const creds = parseBasic(header);
    if (creds === undefined) return 'denied';
    const hash = this.#lookup(creds.user);
    const key = this.#digest(creds.user, hash ?? '', creds.password).toString('base64');
    const cached = this.#cache.get(key);
    if (cached !== undefined) return cached ? 'ok' : 'denied';
    if (this.#queued >= this.#maxQueued) return 'busy';
    this.#queued += 1;
    let ok: boolean;
    try {
      ok = await bcryptWorker.compare(creds.password, hash ?? DECOY_HASH);
    } finally {
      this.#queued -= 1;
    }
    ok = ok && hash !== undefined;
    this.#remember(key, ok);
    return ok ? 'ok' : 'denied';
  }

  /** The hash of `user`, looked at for every configured user so the time taken does not depend on which matched. */
  #lookup(user: string): string | undefined {
    const wanted = this.#digest(user, '', '');
    let found: string | undefined;
    for (const [name, hash] of this.#users) {
      if (timingSafeEqual(this.#digest(name, '', ''), wanted)) found = hash;
    }
    return found;
  }

  #digest(user: string, hash: string, password: string): Buffer {
    return createHash('sha256').update(this.#salt).update(JSON.stringify([user, hash, password])).digest();
  }

  #remember(key: string, ok: boolean): void {
    if (this.#cache.size >= this.#cacheSize) {
      const oldest = this.#cache.keys().next();
      if (!oldest.done) this.#cache.delete(oldest.value);
    }
    this.#cache.set(key, ok);
  }
}

/** User and password of a `Basic` Authorization header, or undefined when it is not one. */
export function parseBasic(header: string | undefined): { user: string; password: string } | undefined {
  if (header === undefined) return undefined;
  const m = /^Basic[ \t]+([A-Za-z0-9+/=]+)[ \t]*$/i.exec(header);
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
