// bcrypt comparisons on a worker thread. bcryptjs' "async" compare runs in slices of up to
// 100 ms on the main thread, and a cost-10 hash takes about 60 ms in pure JS: a flood of
// wrong passwords would hold up scrapes and probe timers. On a worker it holds up nothing
// but other comparisons, which run one at a time.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

const BCRYPTJS = createRequire(import.meta.url).resolve('bcryptjs');

// CommonJS, evaluated as the worker's script: no file to ship next to dist/.
const SCRIPT = `
const { parentPort, workerData } = require('node:worker_threads');
const bcrypt = require(workerData.bcryptjs);
parentPort.on('message', ({ id, password, hash }) => {
  let ok = false;
  try { ok = bcrypt.compareSync(password, hash); } catch { ok = false; }
  parentPort.postMessage({ id, ok });
});
`;

export class BcryptWorker {
  #worker: Worker | undefined;
  #nextId = 0;
  readonly #pending = new Map<number, (ok: boolean) => void>();

  /** Whether `password` matches the bcrypt `hash`; false for a malformed hash or a failed worker. */
  compare(password: string, hash: string): Promise<boolean> {
    const worker = this.#start();
    const id = this.#nextId++;
    return new Promise((resolve) => {
      this.#pending.set(id, resolve);
      worker.postMessage({ id, password, hash });
    });
  }

  #start(): Worker {
    if (this.#worker) return this.#worker;
    const worker = new Worker(SCRIPT, { eval: true, workerData: { bcryptjs: BCRYPTJS } });
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
