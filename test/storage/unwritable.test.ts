import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type RunningDaemon } from '../helpers/daemon.js';
import { closeServer, freePort, listen } from '../helpers/ports.js';
import { eventually, find, scrape, type Sample } from '../helpers/scrape.js';
import { filesIn, readState } from './helpers.js';

// A --storage.path portwatch cannot write: the built daemon logs it once at error, exports
// it, goes on checking, keeps retrying, and says when writing works again.
const NOBODY = { uid: 65534, gid: 65534 };

describe('an unwritable storage path', () => {
  const dir = mkdtempSync(join(tmpdir(), 'portwatch-unwritable-'));
  const configFile = join(dir, 'portwatch.yaml');
  let openServer: Server;
  let daemon: RunningDaemon | undefined;

  beforeAll(async () => {
    // Readable by the unprivileged user the read-only case runs as.
    chmodSync(dir, 0o755);
    openServer = await listen(0);
    const openPort = (openServer.address() as { port: number }).port;
    writeFileSync(
      configFile,
      `defaults:
  interval: 1s
  timeout: 500ms
monitors:
  - name: unwritable
    hosts: [127.0.0.1]
    expect_open: [${openPort}]
    expect_closed: [${await freePort()}]
`,
      { mode: 0o644 },
    );
  });

  afterAll(async () => {
    await daemon?.stop();
    await closeServer(openServer);
    rmSync(dir, { recursive: true, force: true });
  });

  const value = (s: Sample[], name: string): number | undefined => find(s, name)[0]?.value;
  const metrics = () => scrape(daemon!.url('/metrics'));

  /** Failing writes: one error line, the gauges say so, checks go on, and retries stay quiet. */
  async function failsQuietly(code: string, file: string): Promise<void> {
    const message = 'cannot save the state, checking goes on; make --storage.path a writable directory';
    const error = await daemon!.waitForLog((l) => l.msg === message);
    expect(error).toMatchObject({ level: 'error', file, err: { code } });
    const first = await eventually(
      async () => {
        const s = await metrics();
        return find(s, 'port_last_probe_timestamp_seconds').length === 2 ? s : undefined;
      },
      10_000,
      'both ports checked',
    );
    expect(value(first, 'portwatch_storage_last_write_successful')).toBe(0);
    expect(value(first, 'portwatch_storage_last_write_success_timestamp_seconds')).toBe(0);
    // Retried every 5 s: wait for a retry, which must not log at error again.
    await daemon!.waitForLog((l) => l.msg === 'cannot save the state' && l.level === 'debug', 10_000);
    const later = await metrics();
    const checked = (s: Sample[]) => Math.min(...find(s, 'port_last_probe_timestamp_seconds').map((x) => x.value));
    expect(checked(later)).toBeGreaterThan(checked(first));
    expect(value(later, 'portwatch_storage_last_write_successful')).toBe(0);
    expect(daemon!.logs.filter((l) => l.level === 'error')).toHaveLength(1);
  }

  /** Writable again: saved within a retry, the gauges say so, one info line. */
  async function recovers(storage: string, since: number): Promise<void> {
    const s = await eventually(
      async () => {
        const x = await metrics();
        return value(x, 'portwatch_storage_last_write_successful') === 1 ? x : undefined;
      },
      10_000,
      'a successful write',
    );
    expect(value(s, 'portwatch_storage_last_write_success_timestamp_seconds')! * 1000).toBeGreaterThanOrEqual(since);
    expect(daemon!.logs.filter((l) => l.msg === 'state saved again')).toHaveLength(1);
    expect([...readState(storage).targets]).toHaveLength(2);
    expect(filesIn(storage)).toEqual(['state.json']);
  }

  it('whose parent is a file', async () => {
    writeFileSync(join(dir, 'file'), 'not a directory');
    const storage = join(dir, 'file', 'data');
    daemon = await startDaemon([`--config.file=${configFile}`, `--storage.path=${storage}`, '--log.level=debug']);
    const unread = daemon.logs.find((l) => l.msg === 'cannot read the saved state, starting fresh; see --storage.path');
    expect(unread).toMatchObject({ level: 'warn', err: { code: 'ENOTDIR' } });
    await failsQuietly('ENOTDIR', join(storage, 'state.json'));
    const fixedAt = Date.now();
    rmSync(join(dir, 'file'));
    await recovers(storage, fixedAt);
    expect(await daemon.stop()).toBe(0);
    daemon = undefined;
  });

  // Root writes anywhere: the daemon then runs as nobody, which may not write into a root-owned 0555 directory.
  it('that is a read-only directory', async () => {
    const storage = join(dir, 'readonly');
    mkdirSync(storage, { mode: 0o555 });
    chmodSync(storage, 0o555);
    const as = process.getuid?.() === 0 ? NOBODY : undefined;
    daemon = await startDaemon([`--config.file=${configFile}`, `--storage.path=${storage}`, '--log.level=debug'], as);
    await failsQuietly('EACCES', join(storage, 'state.json'));
    const fixedAt = Date.now();
    chmodSync(storage, 0o777);
    await recovers(storage, fixedAt);
  });
});
