// bcrypt comparisons on a worker thread. A cost-10 hash takes tens of milliseconds of CPU
// in JavaScript: on the main thread a flood of wrong passwords would hold up scrapes and
// probe timers. On a worker it holds up nothing but other comparisons, which run one at a
// time.
import { Worker } from 'node:worker_threads';
import * as bcrypt from './bcrypt.js';

// The worker's script is the functions of bcrypt.ts as text (they use nothing imported), so it
// runs the same from dist/ and from the TypeScript sources under test: no file to ship or find.
const SCRIPT = `
${Object.values(bcrypt)
  .filter((f) => typeof f === 'function')
  .map(String)
  .join('\n')}
const { parentPort } = require('node:worker_threads');
const initial = piFractionWords(${bcrypt.BCRYPT_STATE_WORDS});
parentPort.on('message', ({ id, password, hash }) => {
  let ok = false;
  try {
    ok = bcryptMatches(initial, password, hash);
  } catch {
    ok = false;
  }
  parentPort.postMessage({ id, ok });
});
`;

export class BcryptWorker {
  #worker: Worker | undefined;
  #nextId = 0;
  readonly #pending = new Map<number, (ok: boolean) => void>();

  /** Starts the thread (and its start-up work) now, so that the first request with credentials does not wait for it. */
  warm(): void {
    this.#start();
  }

  /** Whether the bytes of `password` match the bcrypt `hash`; false for a malformed hash or a failed worker. */
  compare(password: Uint8Array, hash: string): Promise<boolean> {
    const worker = this.#start();
    const id = this.#nextId++;
    return new Promise((resolve) => {
      this.#pending.set(id, resolve);
      worker.postMessage({ id, password, hash });
    });
  }

  #start(): Worker {
    if (this.#worker) return this.#worker;
    const worker = new Worker(SCRIPT, { eval: true });
    // Never what keeps the process alive.
    worker.unref();
    worker.on('message', ({ id, ok }: { id: number; ok: boolean }) => {
      this.#pending.get(id)?.(ok);
      this.#pending.delete(id);
    });
    const fail = () => {
      // Deny what was waiting; the next comparison starts a new worker.
      this.#worker = undefined;
      for (const resolve of this.#pending.values()) resolve(false);
      this.#pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', fail);
    this.#worker = worker;
    return worker;
  }
}

/** One worker for the process: basic auth instances come and go with reloads. */
export const bcryptWorker = new BcryptWorker();
