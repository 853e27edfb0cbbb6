import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IDLE_CONFIG, prlimitMissing, spawnDaemon, startAbuseDaemon, tempFiles } from './helpers/daemon.js';
import { timedRequest } from './helpers/clients.js';
import { describeOrSkip } from '../helpers/skip.js';

// Findings: SIGHUP before "portwatch started" killed the process (exit 129); under ulimit -n
// 96 portwatch could not load its modules (EMFILE, an uncaught stack).
const skip = prlimitMissing();

/** Whether `pid` handles SIGHUP now (bit 0 of SigCgt in /proc/PID/status). */
function catchesHangup(pid: number): boolean {
  try {
    const mask = /SigCgt:\s*([0-9a-f]+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return mask !== undefined && (BigInt(`0x${mask}`) & 1n) === 1n;
  } catch {
    return false;
  }
}

describe('SIGHUP before portwatch started', () => {
  let files: ReturnType<typeof tempFiles>;
  let slowSd: Server;

  beforeAll(async () => {
    // An http_sd endpoint that answers after 3 s: start-up waits for it.
    slowSd = createServer((_req, res) =>
      setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('[]'), 3_000).unref(),
    );
    slowSd.listen(0, '127.0.0.1');
    await once(slowSd, 'listening');
    const port = (slowSd.address() as { port: number }).port;
    files = tempFiles({
      'idle.yaml': IDLE_CONFIG,
      'sd.yaml': `${IDLE_CONFIG}    http_sd_configs:\n      - url: http://127.0.0.1:${port}/sd\n`,
    });
  });
  afterAll(() => {
    slowSd?.closeAllConnections();
    slowSd?.close();
    files?.remove();
  });

  it('at the first instruction it can handle one: a reload once started, no exit', async () => {
    const daemon = spawnDaemon({ args: [`--config.file=${files.path('idle.yaml')}`] });
    const pid = daemon.proc.pid!;
    const deadline = Date.now() + 10_000;
    while (!catchesHangup(pid) && daemon.proc.exitCode === null && Date.now() < deadline)
      await new Promise((r) => setImmediate(r));
    expect(daemon.logs.some((l) => l.msg === 'portwatch started')).toBe(false);
    daemon.proc.kill('SIGHUP');
    await daemon.waitForLog((l) => l.msg === 'portwatch started');
    await daemon.waitForLog((l) => l.msg === 'config reloaded');
    expect(daemon.proc.exitCode).toBeNull();
    daemon.proc.kill('SIGTERM');
    expect((await once(daemon.proc, 'exit'))[0]).toBe(0);
  });

  it('while it waits for service discovery: a reload once started, no exit', async () => {
    const daemon = spawnDaemon({ args: [`--config.file=${files.path('sd.yaml')}`] });
    await new Promise((r) => setTimeout(r, 1_500));
    expect(daemon.logs.some((l) => l.msg === 'portwatch started')).toBe(false);
    daemon.proc.kill('SIGHUP');
    daemon.proc.kill('SIGHUP');
    const started = await daemon.waitForLog((l) => l.msg === 'portwatch started');
    const reloaded = await daemon.waitForLog((l) => l.msg === 'config reloaded');
    expect(daemon.logs.indexOf(reloaded)).toBeGreaterThan(daemon.logs.indexOf(started));
    daemon.proc.kill('SIGTERM');
    expect((await once(daemon.proc, 'exit'))[0]).toBe(0);
  }, 30_000);
});

describeOrSkip(skip, 'a low open-files limit', () => {
  let files: ReturnType<typeof tempFiles>;
  beforeAll(() => {
    files = tempFiles({ 'idle.yaml': IDLE_CONFIG });
  });
  afterAll(() => files?.remove());

  it.each([96, 64])('ulimit -n %i: starts and serves', async (nofile) => {
    const daemon = await startAbuseDaemon({ args: [`--config.file=${files.path('idle.yaml')}`], nofile });
    try {
      const res = await timedRequest(`http://127.0.0.1:${daemon.port}/-/healthy`);
      expect(res.status).toBe(200);
    } finally {
      expect(await daemon.stop()).toBe(0);
    }
  });

  it('ulimit -n 40: exits 1 with one line that says which limit to raise', async () => {
    const daemon = spawnDaemon({ args: [`--config.file=${files.path('idle.yaml')}`], nofile: 40 });
    const [code] = (await once(daemon.proc, 'exit')) as [number | null];
    expect(code).toBe(1);
    expect(daemon.stderr()).toBe(
      'portwatch: the open-files limit is 40, too low to start: ' +
        'raise it to at least 64 (ulimit -n; 1024 or more for real use)\n',
    );
  });
});
