// What an operator reads when something goes wrong in the first hour: one log line that says
// what failed and how to fix it, no stack (stacks at debug only), and no line for nothing.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { CLI, startDaemon, type LogLine, type RunningDaemon } from '../helpers/daemon.js';
import { closeServer, freePort, listen } from '../helpers/ports.js';
import { writeAtomic } from '../sd/helpers.js';

const dir = realpathSync(mkdtempSync(join(tmpdir(), 'portwatch-messages-')));
const running: RunningDaemon[] = [];
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((d) => d.stop()));
  await Promise.all(servers.splice(0).map(closeServer));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function configWith(name: string, monitorLines: string): Promise<string> {
  const file = join(dir, name);
  const head = 'defaults: {interval: 1s, timeout: 500ms, retries: 1}\nmonitors:\n  - name: local\n';
  writeFileSync(file, `${head}${monitorLines}    expect_closed: [${await freePort()}]\n`);
  return file;
}

async function daemonWith(args: string[]): Promise<RunningDaemon> {
  const d = await startDaemon(args);
  running.push(d);
  return d;
}

/** Waits (bounded) until `count` log lines match. */
async function lines(
  d: RunningDaemon,
  match: (l: LogLine) => boolean,
  count: number,
  timeoutMs = 10_000,
): Promise<LogLine[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = d.logs.filter(match);
    if (found.length >= count) return found;
    if (Date.now() > deadline)
      throw new Error(
        `${found.length} of ${count} lines within ${timeoutMs} ms:\n${d.logs.map((l) => JSON.stringify(l)).join('\n')}`,
      );
    await new Promise((r) => setTimeout(r, 50));
  }
}

const IN_USE = 'the port is in use by another process; stop it or choose another --web.listen-address';
const msg = (text: string) => (l: LogLine) => l.msg === text;

describe('start-up on a port already in use', () => {
  function startOn(
    listenAddress: string,
    config: string,
    extra: string[] = [],
  ): { code: number | null; lines: LogLine[]; stdout: string } {
    const r = spawnSync(
      process.execPath,
      [CLI, `--config.file=${config}`, `--web.listen-address=${listenAddress}`, ...extra],
      { encoding: 'utf8', timeout: 20_000 },
    );
    return {
      code: r.status,
      stdout: r.stdout,
      lines: r.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as LogLine),
    };
  }

  it('says which address, why and what to do, in one line without a stack, and exits 1', async () => {
    const busy = await listen(0);
    servers.push(busy);
    const address = `127.0.0.1:${(busy.address() as { port: number }).port}`;
    const config = await configWith('in-use.yaml', '    hosts: [127.0.0.1]\n');
    const r = startOn(address, config);
    expect(r.code).toBe(1);
    const errors = r.lines.filter((l) => l.level === 'error');
    expect(errors).toEqual([
      expect.objectContaining({
        listen: address,
        msg: `cannot listen on ${address}: ${IN_USE}`,
      }),
    ]);
    expect(r.stdout).not.toContain('stack');
    // The stack is there for whoever asks for debug logs.
    const debug = startOn(address, config, ['--log.level=debug']);
    expect(debug.code).toBe(1);
    expect(debug.lines.find((l) => l.level === 'debug' && l.msg === 'could not start')?.['err']).toMatchObject({
      code: 'EADDRINUSE',
      stack: expect.stringContaining('EADDRINUSE') as string,
    });
  });
});

describe('a reload that fails', () => {
  it('logs the problems with their places in one line, no stack, and keeps running', async () => {
    const config = await configWith('reload.yaml', '    hosts: [127.0.0.1]\n');
    const d = await daemonWith([`--config.file=${config}`]);
    writeFileSync(config, 'monitors:\n  - name: a\n    hosts: [127.0.0.1]\n    expect_open: [80]\n    colour: blue\n');
    const res = await fetch(d.url('/-/reload'), { method: 'POST' });
    expect(res.status).toBe(500);
    const [line] = await lines(d, (l) => l.level === 'error', 1);
    expect(line).toEqual({
      level: 'error',
      time: expect.any(String) as string,
      app: 'portwatch',
      configFile: config,
      problems: expect.stringMatching(new RegExp(`^${config.replace(/[.]/g, '\\.')}:5:5: monitors\\[0\\]`)) as string,
      msg: 'config reload failed, keeping the running config; fix the file and reload again',
    });
    expect((await fetch(d.url('/-/healthy'))).status).toBe(200);
  });
});

describe('service discovery log lines', () => {
  it('says the targets changed only when a read changed which hosts are checked', async () => {
    const targets = join(dir, 'targets');
    mkdirSync(targets);
    const groups = (hosts: string[]) => JSON.stringify([{ targets: hosts }]);
    writeAtomic(join(targets, 'a.json'), groups(['127.0.0.2', '127.0.0.3']));
    const sd = '    file_sd_configs: [{files: [targets/*.json], refresh_interval: 1h}]\n';
    const d = await daemonWith([
      `--config.file=${await configWith('sd.yaml', `    hosts: [127.0.0.1]\n${sd}`)}`,
      '--log.level=debug',
    ]);
    const unchanged = msg('service discovery read, no target changed');
    const changed = msg('service discovery changed the targets');

    // The same hosts in another order, then a broken file beside it: read, and nothing changed.
    writeAtomic(join(targets, 'a.json'), groups(['127.0.0.3', '127.0.0.2']));
    await lines(d, unchanged, 1);
    // Half-written JSON: the file is invalid (a bad target alone would only be left out).
    writeAtomic(join(targets, 'b.json'), '[{"targets": ["127.0.0.4"');
    await lines(d, msg('service discovery file is invalid, keeping its last good targets'), 1);
    await lines(d, unchanged, 2);
    expect(d.logs.filter(changed)).toEqual([]);

    // A host more: said once, with how many came and went.
    writeAtomic(join(targets, 'b.json'), groups(['127.0.0.4']));
    const [line] = await lines(d, changed, 1);
    expect(line).toMatchObject({ level: 'info', targets: 4, hostsAdded: 1, hostsRemoved: 0 });
  });
});
