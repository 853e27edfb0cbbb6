import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { logChanges } from '../../src/check/log-changes.js';
import type { MonitorConfig } from '../../src/config/types.js';
import { PortStore, targetId, type AddressResult } from '../../src/state/store.js';
import type { PortState, Reason } from '../../src/types.js';

// What the log says as a name's answers come and go, through the store's real record():
// the first failure of a name says what was believed before (issue 17), and so does its
// recovery, at info. The same against the built daemon is in test/faults/resolver.test.ts.

const MONITOR: MonitorConfig = {
  name: 'm',
  hosts: ['db.test'],
  intervalMs: 60_000,
  timeoutMs: 1000,
  retries: 0,
  expectOpen: [5432],
  expectClosed: [22],
};

function harness(level: 'info' | 'debug' = 'info') {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write: (chunk: Buffer, _enc, done) => (lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>), done()),
  });
  const log = pino({ level, base: null, timestamp: false }, sink);
  const store = new PortStore();
  store.setTargets([MONITOR]);
  let now = 0;
  const record = (port: number, ...results: Array<[string, PortState, Reason]>): void => {
    const res: AddressResult[] = results.map(([ip, state, reason]) => ({
      ip,
      result: { state, reason, durationSeconds: 0 },
    }));
    logChanges(log, store.record(targetId('m', 'db.test', port), res, (now += 1000)));
  };
  const logged = () =>
    lines.map(({ level: l, msg, ip, from, to, reason, replaced }) => ({
      level: l,
      msg,
      ip,
      from,
      to,
      reason,
      ...(replaced ? { replaced } : {}),
    }));
  return { record, logged };
}

describe('logChanges', () => {
  it('says what was believed when a name stops resolving, and logs its recovery at info', () => {
    const { record, logged } = harness();
    record(5432, ['192.0.2.10', 'open', 'syn-ack'], ['2001:db8::10', 'open', 'syn-ack']);
    record(5432, ['', 'error', 'dns-failure']);
    record(5432, ['192.0.2.10', 'open', 'syn-ack']);
    expect(logged()).toEqual([
      {
        level: 40,
        msg: 'port expected open is not open',
        ip: '',
        from: 'open',
        to: 'error',
        reason: 'dns-failure',
        replaced: [
          { ip: '192.0.2.10', state: 'open' },
          { ip: '2001:db8::10', state: 'open' },
        ],
      },
      {
        level: 30,
        msg: 'port is back to its expected state',
        ip: '192.0.2.10',
        from: 'error',
        to: 'open',
        reason: 'syn-ack',
        replaced: [{ ip: '', state: 'error' }],
      },
    ]);
  });

  it('says "none" when a name fails before anything was believed', () => {
    const { record, logged } = harness();
    record(5432, ['', 'error', 'dns-failure']);
    expect(logged()).toEqual([
      { level: 40, msg: 'port expected open is not open', ip: '', from: 'none', to: 'error', reason: 'dns-failure' },
    ]);
  });

  it('logs a port expected closed whose name fails and recovers at info, both ways', () => {
    const { record, logged } = harness();
    record(22, ['192.0.2.10', 'closed', 'conn-refused']);
    record(22, ['', 'error', 'dns-failure']);
    record(22, ['192.0.2.10', 'closed', 'conn-refused']);
    expect(logged().map((l) => [l.level, l.msg, l.from, l.to])).toEqual([
      [30, 'port state changed', 'closed', 'error'],
      [30, 'port state changed', 'error', 'closed'],
    ]);
  });

  it('keeps a name that moves to a new address with its state at debug, and a move into a violation at warn', () => {
    const { record, logged } = harness('debug');
    record(5432, ['192.0.2.10', 'open', 'syn-ack']);
    record(5432, ['192.0.2.11', 'open', 'syn-ack']);
    record(5432, ['192.0.2.12', 'closed', 'conn-refused']);
    expect(logged().map((l) => [l.level, l.msg, l.from, l.to])).toEqual([
      [20, 'first result', 'none', 'open'],
      [20, 'address changed, state as before', 'open', 'open'],
      [40, 'port expected open is not open', 'open', 'closed'],
    ]);
  });
});
