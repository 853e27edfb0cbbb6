// HTTP basic authentication against bcrypt hashes, as exporter-toolkit does it: bcrypt is
// slow by design, so verdicts are cached (credential-cache.ts); user names are compared in
// constant time and an unknown user costs a bcrypt comparison too, so timing tells nothing;
// comparisons run one at a time on a worker thread, and a flood beyond a short queue is
// turned away instead of queued. User and password are compared as the bytes sent, as Go's
// r.BasicAuth and bcrypt do: a password need not be UTF-8.
import { createHash, timingSafeEqual } from 'node:crypto';
import { bcryptWorker } from './bcrypt-worker.js';
import { CredentialCache } from './credential-cache.js';

export type AuthResult = 'ok' | 'denied' | 'busy';

/** Compared against when the user is unknown, so that answering takes as long (the password is "portwatch"). */
const DECOY_HASH = '$2b$10$DIKSt2a9dEgPFlPmH30EQOMWwE/mjihW6qef0jCuwBq4wXCWE69Ma';

export interface BasicAuthOptions {
  /** Verdicts remembered; pass the running one's to keep them across a reload. */
  cache?: CredentialCache;
  /** Comparisons waiting for their turn; more are answered 'busy'. */
  maxQueued?: number;
}

export class BasicAuth {
  readonly #users: ReadonlyArray<{ name: Buffer; hash: string }>;
  readonly #cache: CredentialCache;
  readonly #maxQueued: number;
  #queued = 0;

  constructor(users: ReadonlyMap<string, string>, opts: BasicAuthOptions = {}) {
    this.#users = [...users].map(([name, hash]) => ({ name: Buffer.from(name, 'utf8'), hash }));
    this.#cache = opts.cache ?? new CredentialCache();
    this.#maxQueued = opts.maxQueued ?? 64;
    if (this.#users.length > 0) bcryptWorker.warm();
  }

  get enabled(): boolean {
    return this.#users.length > 0;
  }

  /**
   * The same checks for a new set of users. Verdicts carry over: they are keyed by the hash
   * too, so a user whose hash changed (or who is gone) matches none of its old ones.
   */
  withUsers(users: ReadonlyMap<string, string>): BasicAuth {
    return new BasicAuth(users, { cache: this.#cache, maxQueued: this.#maxQueued });
  }

  /** Checks an Authorization header. A credential verified before is answered at once, whatever is queued. */
  async check(header: string | undefined): Promise<AuthResult> {
    const creds = parseBasic(header);
    if (creds === undefined) return 'denied';
    const hash = this.#lookup(creds.user);
    const key = this.#cache.key(creds.user, hash ?? '', creds.password);
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
    this.#cache.remember(key, ok);
    return ok ? 'ok' : 'denied';
  }

  /** The hash of `user`, looked at for every configured user so the time taken does not depend on which matched. */
  #lookup(user: Buffer): string | undefined {
    const wanted = sha256(user);
    let found: string | undefined;
    for (const { name, hash } of this.#users) if (timingSafeEqual(sha256(name), wanted)) found = hash;
    return found;
  }
}

function sha256(bytes: Uint8Array): Buffer {
  return createHash('sha256').update(bytes).digest();
}

/** User and password (the bytes sent) of a `Basic` Authorization header, or undefined when it is not one. */
export function parseBasic(header: string | undefined): { user: Buffer; password: Buffer } | undefined {
  if (header === undefined) return undefined;
  const m = /^Basic[ \t]+([A-Za-z0-9+/=]+)[ \t]*$/i.exec(header);
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, 'base64');
  const colon = decoded.indexOf(0x3a);
  if (colon < 0) return undefined;
  return { user: decoded.subarray(0, colon), password: decoded.subarray(colon + 1) };
}
