// Parsing large files on a worker thread of their own. The main thread keeps checking ports
// and answering scrapes meanwhile, and everything the parse allocated goes away with the
// worker, whether the file was good or not.
import { Worker } from 'node:worker_threads';

/** Files larger than this are decoded and parsed on a worker: on the event loop, this size takes a few ms at most. */
export const INLINE_MAX_BYTES = 32 * 1024;

/** The heap a parse may use, far above what the largest file portwatch reads needs. */
const HEAP_MB = 1024;

/** A parse that failed for want of memory or because its worker broke: not a problem of the file's content. */
export class WorkerFailure extends Error {
  override readonly name = 'WorkerFailure';
}

/**
 * Runs the module `entry` (its file URL) on a new worker with `input` as its workerData, and
 * resolves with the one message it posts. The module does its work when it is loaded.
 * `bytes`, part of `input`, are moved to the worker rather than copied: the caller must not use them again.
 */
export function runOnWorker<T>(entry: URL, input: unknown, bytes?: Uint8Array): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let answered = false;
    // Buffers of a few KiB share Node's pool, which must never move: those are copied.
    const moves = bytes !== undefined && bytes.buffer.byteLength > Buffer.poolSize;
    const transferList = moves ? [bytes.buffer as ArrayBuffer] : [];
    const worker = new Worker(entry, {
      execArgv: withoutInputType(process.execArgv),
      workerData: input,
      transferList,
      resourceLimits: { maxOldGenerationSizeMb: HEAP_MB },
    });
    worker.once('message', (result: T) => {
      answered = true;
      resolve(result);
    });
    worker.once('error', (err: Error & { code?: string }) => {
      if (err.code === 'ERR_WORKER_OUT_OF_MEMORY')
        reject(new WorkerFailure(`parsing it needed more than the ${HEAP_MB} MiB of memory portwatch gives a parse`));
      else reject(new WorkerFailure(`the parse failed: ${err.message}`));
    });
    worker.once('exit', (code) => {
      if (!answered) reject(new WorkerFailure(`the parse ended without a result (exit code ${code})`));
    });
  });
}

/**
 * The process's Node options less --input-type: a worker inherits them, and one started from
 * a file refuses that option (ERR_INPUT_TYPE_NOT_ALLOWED), as when portwatch's modules are
 * imported from `node --input-type=module -e ...`.
 */
function withoutInputType(execArgv: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    if (execArgv[i] === '--input-type') i++;
    else if (!execArgv[i]!.startsWith('--input-type=')) kept.push(execArgv[i]!);
  }
  return kept;
}

/**
 * The URL of a worker entry next to the module `here` (its import.meta.url). Under vitest
 * the sources are TypeScript, which a worker thread cannot load: it runs the built copy
 * (the test setup builds dist/ first).
 */
export function workerEntry(name: string, here: string): URL {
  const url = new URL(name, here);
  return here.endsWith('.ts') ? new URL(url.href.replace(/\/src\/(?!.*\/src\/)/, '/dist/')) : url;
}
