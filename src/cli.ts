#!/usr/bin/env node
// The entry point. SIGHUP's default action ends the process, and a daemon may take seconds to
// start (a million targets, service discovery to wait for): the first instruction takes the
// signal over, and reloads asked for meanwhile are queued for the daemon. Everything else is
// imported only after it, so that nothing runs before the handler is in place.
import type { Hangups } from './cli/hangups.js';

class QueuedHangups implements Hangups {
  #queued = false;
  #handler: (() => void) | undefined;
  readonly receive = (): void => {
    if (this.#handler) this.#handler();
    else this.#queued = true;
  };

  take(handler: () => void): void {
    this.#handler = handler;
    if (!this.#queued) return;
    this.#queued = false;
    handler();
  }

  release(): void {
    process.off('SIGHUP', this.receive);
    if (this.#queued) process.kill(process.pid, 'SIGHUP');
  }
}

const hangups = new QueuedHangups();
process.on('SIGHUP', hangups.receive);

const loading = await import('./cli/module-loading.js');
const tooFewFiles = loading.tooFewFiles();
if (tooFewFiles !== undefined) {
  process.stderr.write(tooFewFiles);
  process.exit(1);
}
let code: number;
try {
  loading.loadGentlyIfFewFiles();
  const { runCommand } = await import('./cli/commands.js');
  code = await runCommand(process.argv.slice(2), hangups);
} catch (err) {
  if (!loading.isOutOfFiles(err)) throw err;
  process.stderr.write(loading.outOfFilesMessage());
  code = 1;
}
// Exit explicitly: a stopped daemon must not linger on a stray handle.
process.exit(code);
