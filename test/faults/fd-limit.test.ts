import { afterAll, beforeAll, expect, it } from 'vitest';
import { Namespaces, netnsSkipReason } from '../helpers/netns.js';
import { find } from '../helpers/scrape.js';
import { killAll, startNsDaemon, writeConfig, type NsDaemon } from './helpers/ns-daemon.js';
import { describeOrSkip } from '../helpers/skip.js';

// 5,000 loopback ports (50 listening, 1,000 dropped by iptables so that each attempt holds
// its socket for the whole timeout) checked by a daemon whose open-files limit is 256.
// By default the concurrency is derived from that limit (0.75 x 256 - 32 = 160) and no
// descriptor ever runs out; an operator who sets --probe.concurrency past it gets EMFILE,
// which the backoff waits out and portwatch_probe_backoffs_total shows.
const skip = netnsSkipReason();
const OPEN = 50;
const TOTAL = 5000;
const FIRST = 20001;
const LAST = FIRST + TOTAL - 1;
const DROPPED = `${FIRST + TOTAL - 1000}:${LAST}`;

const LISTENERS = `const net = require('node:net'); let n = 0;
for (let p = ${FIRST}; p < ${FIRST + OPEN}; p++)
  net.createServer((s) => s.on('error', () => {}))
    .listen(p, '127.0.0.1', () => { if (++n === ${OPEN}) console.log('ready'); });`;

const CONFIG = `defaults:
  interval: 1h
  timeout: 1s
monitors:
  - name: many
    hosts: [127.0.0.1]
    expect_open: ["${FIRST}-${FIRST + OPEN - 1}"]
    expect_closed: ["${FIRST + OPEN}-${LAST}"]
`;

describeOrSkip(skip, '5,000 ports under ulimit -n 256', () => {
  const spaces = new Namespaces();
  const config = writeConfig(CONFIG);
  let ns = '';
  let daemon: NsDaemon | undefined;

  beforeAll(async () => {
    await spaces.prepare(async () => {
      ns = spaces.create();
      spaces.exec(ns, 'iptables', ['-A', 'INPUT', '-p', 'tcp', '--syn', '--dport', DROPPED, '-j', 'DROP']);
      await spaces.start(ns, process.execPath, ['-e', LISTENERS], 'ready');
    });
  });
  afterAll(async () => {
    await daemon?.stop('SIGKILL');
    killAll();
    spaces.cleanup();
    config.remove();
  });

  it.each([
    ['the default concurrency', []],
    ['--probe.concurrency=2000', ['--probe.concurrency=2000', '--probe.concurrency-per-address=2000']],
  ])(
    'runs a round with %s',
    async (what, flags) => {
      daemon = await startNsDaemon(ns, [`--config.file=${config.file}`, ...flags], ['prlimit', '--nofile=256:256']);
      const started = daemon.logs.find((l) => l.msg === 'portwatch started')!;
      const done = await daemon.waitForLog((l) => l.msg === 'first round complete', 120_000);
      const s = await daemon.scrape();
      const states = find(s, 'port_state');
      const want = (port: number): number => (port < FIRST + OPEN ? 1 : port > LAST - 1000 ? -1 : 0);
      const wrong = states
        .filter((x) => x.value !== want(Number(x.labels['port'])))
        .map((x) => `${x.labels['port']}=${x.value}`);
      const backoffs = find(s, 'portwatch_probe_backoffs_total')[0]?.value ?? 0;
      const errors = find(s, 'portwatch_probes_total', { result: 'error' })[0]?.value ?? 0;
      const socketLimit = find(s, 'portwatch_probe_socket_limit')[0]?.value ?? NaN;
      console.log(
        `fd-limit (${what}): concurrency ${String(started['concurrency'])}, ${states.length} ports, ` +
          `${wrong.length} wrong verdicts, first round ${Number(done['durationSeconds']).toFixed(1)} s, ` +
          `${backoffs} backoffs, ${errors} attempts that ended in error, socket limit ${socketLimit}`,
      );
      expect(states).toHaveLength(TOTAL);
      // Either way every verdict is right, only slower.
      expect(wrong).toEqual([]);
      if (flags.length === 0) {
        // The default follows the open-files limit, so descriptors never run out.
        expect(started['concurrency']).toBe(160);
        expect(backoffs).toBe(0);
      } else {
        // 2,000 asked for, ~220 descriptors to be had: the attempts that found none backed
        // off, and the socket budget came down to what the process may hold.
        expect(backoffs).toBeGreaterThan(0);
        expect(socketLimit).toBeLessThan(256);
      }
      expect((await daemon.stop()).code).toBe(0);
      daemon = undefined;
    },
    150_000,
  );
});
