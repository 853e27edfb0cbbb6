import { describe, expect, it } from 'vitest';
import type { MonitorConfig } from '../../src/config/types.js';
import type { SavedHttpSd } from '../../src/sd/service-discovery.js';
import { PortStore, targetId } from '../../src/state/store.js';
import type { PortRecord } from '../../src/state/port-record.js';
import { portKey } from '../../src/config/port-keys.js';
import { decodeState } from '../../src/storage/decode.js';
import { encodeState, type SavedState } from '../../src/storage/format.js';
import { setAsideName } from '../../src/storage/load.js';
import { lastGoodReads, restoreInto, snapshotOf } from '../../src/storage/snapshot.js';
import { filledStore, MONITORS, NOW } from '../metrics/fixture.js';

const HTTP_SD: SavedHttpSd[] = [
  {
    monitor: 'web',
    url: 'http://sd.example/targets',
    atMs: NOW - 60_000,
    hosts: [
      { host: 'web7.example', labels: { team: 'payments' } },
      { host: '192.0.2.77', labels: {} },
    ],
  },
];

const text = (state: SavedState): string => [...encodeState(state)].join('');
const fields = (r: PortRecord) => {
  const { monitor, host, port, protocol, expected, labels } = r.target;
  const { ip, state, reason, changedAt, checkedAt, durationSeconds } = r;
  return { monitor, host, ip, port, protocol, expected, labels, state, reason, changedAt, checkedAt, durationSeconds };
};
const UDP_53 = portKey('udp', 53);
const UDP_161 = portKey('udp', 161);
const closed = { state: 'closed', reason: 'conn-refused', durationSeconds: 0.001 } as const;
const open = { state: 'open', reason: 'syn-ack', durationSeconds: 0.001 } as const;

const sweep = (store: PortStore, open: number[], at: number, seconds: number) =>
  store.discovery.recordSweep('lab', 'lab.example', [{ ip: '192.0.2.40', open, errors: [] }], at, seconds);

/**
 * A monitor with discovery whose sweeps saw 9200 and 161/udp open twice (unexpected) and
 * 8080 once; 53/udp is expected open beside 22 (TCP) and answered.
 */
function withDiscovery(store: PortStore): MonitorConfig[] {
  const lab: MonitorConfig = {
    name: 'lab',
    hosts: ['lab.example'],
    intervalMs: 60_000,
    timeoutMs: 1000,
    retries: 1,
    expectOpen: [22, UDP_53],
    expectClosed: [],
    labels: { env: 'lab' },
    discover: { ports: [8080, 9200, UDP_161], intervalMs: 3_600_000, allow: [] },
  };
  store.setTargets([...MONITORS, lab]);
  const answer = { state: 'open', reason: 'udp-response', durationSeconds: 0.002 } as const;
  store.record(targetId('lab', 'lab.example', 53, 'udp'), [{ ip: '192.0.2.40', result: answer }], NOW - 500);
  sweep(store, [9200, UDP_161], NOW - 2000, 0.5);
  sweep(store, [9200, 8080, UDP_161], NOW - 1000, 0.25);
  return [...MONITORS, lab];
}

describe('state file: round trip', () => {
  it('gives back every record, discovery finding and http_sd read it was given', () => {
    const store = filledStore();
    const monitors = withDiscovery(store);
    const decoded = decodeState(text(snapshotOf({ store, httpSd: () => HTTP_SD }, NOW)));
    if (!decoded.ok) throw new Error(decoded.problem);
    expect(decoded.state.writtenAt).toBe(NOW);
    expect(decoded.state.httpSd).toEqual(HTTP_SD);

    const back = new PortStore();
    back.setTargets(monitors);
    const counts = restoreInto(back, decoded.state);
    expect(counts).toEqual({ targets: { restored: 6, dropped: 0 }, discovery: { restored: 1, dropped: 0 } });
    expect([...back.records()].map(fields)).toEqual([...store.records()].map(fields));
    expect(back.recordsOf(targetId('lab', 'lab.example', 53, 'udp'))[0]?.reason).toBe('udp-response');
    expect(back.discovery.unexpected()).toEqual(store.discovery.unexpected());
    expect(back.discovery.unexpected().map((u) => `${u.port}/${u.protocol}`)).toEqual(['9200/tcp', '161/udp']);
    expect(back.discovery.lastSweep('lab')).toEqual({ at: NOW - 1000, durationSeconds: 0.25 });
    // 8080 was seen once: believed seen, so the next sweep that sees it makes it unexpected.
    expect(back.discovery.seenOpen('lab', 'lab.example', '192.0.2.40', 8080)).toBe(true);
    expect(sweep(back, [9200, 8080, UDP_161], NOW, 0.1)).toEqual([
      { monitor: 'lab', host: 'lab.example', ip: '192.0.2.40', port: 8080, protocol: 'tcp', unexpected: true },
    ]);
    const read = lastGoodReads(decoded.state)('web', 'http://sd.example/targets');
    expect(read).toEqual({ hosts: HTTP_SD[0]!.hosts, atMs: NOW - 60_000 });
    expect(lastGoodReads(decoded.state)('db', 'http://sd.example/targets')).toBeUndefined();
  });

  it('restores a UDP target onto the UDP target only, never onto the TCP one of the same port', () => {
    const store = new PortStore();
    const monitors = withDiscovery(store);
    const decoded = decodeState(text(snapshotOf({ store, httpSd: () => [] }, NOW)));
    if (!decoded.ok) throw new Error(decoded.problem);
    const lab = monitors.at(-1)!;
    const back = new PortStore();
    // 53 on TCP now, and no UDP target: the saved 53/udp is dropped.
    back.setTargets([{ ...lab, expectOpen: [22, 53] }]);
    expect(back.restore(decoded.state.targets)).toEqual({ restored: 0, dropped: 1 });
    expect(back.recordsOf(targetId('lab', 'lab.example', 53))).toEqual([]);
  });

  it('reads a version 1 file, written before protocols, as TCP targets and TCP ports', () => {
    const v1 = JSON.stringify({
      format: 'portwatch-state',
      version: 1,
      written_at: new Date(NOW).toISOString(),
      targets: [
        ['lab', 'lab.example', 22, 'open', 0, [['192.0.2.40', 'open', 'syn-ack', NOW - 9000, NOW - 10, 0.001]]],
      ],
      discovery: [
        {
          monitor: 'lab',
          last_sweep: { at_ms: NOW - 1000, duration_seconds: 0.25 },
          hosts: [
            {
              host: 'lab.example',
              addresses: [{ ip: '192.0.2.40', seen: [9200, 8080], unexpected: [{ port: 9200, since_ms: NOW - 1000 }] }],
            },
          ],
        },
      ],
      http_sd: [],
      labels: [{ env: 'lab' }],
    });
    const decoded = decodeState(v1);
    if (!decoded.ok) throw new Error(decoded.problem);
    expect(decoded.state.targets.map((t) => [t.port, t.protocol])).toEqual([[22, 'tcp']]);
    const back = new PortStore();
    back.setTargets(withDiscovery(new PortStore()));
    expect(restoreInto(back, decoded.state)).toEqual({
      targets: { restored: 1, dropped: 0 },
      discovery: { restored: 1, dropped: 0 },
    });
    expect(back.recordsOf(targetId('lab', 'lab.example', 22))[0]?.changedAt).toBe(NOW - 9000);
    expect(back.discovery.unexpected().map((u) => [u.port, u.protocol, u.since])).toEqual([[9200, 'tcp', NOW - 1000]]);
    expect(back.discovery.seenOpen('lab', 'lab.example', '192.0.2.40', 8080)).toBe(true);
  });

  it('keeps a change time: a first check that agrees changes nothing, one that differs changes at its time', () => {
    const back = new PortStore();
    back.setTargets(MONITORS);
    const decoded = decodeState(text(snapshotOf({ store: filledStore(), httpSd: () => [] }, NOW)));
    if (!decoded.ok) throw new Error(decoded.problem);
    restoreInto(back, decoded.state);
    const id = targetId('web', 'web1.example', 22);
    expect(back.confirmedState(id, '192.0.2.10')).toBe('closed');
    expect(back.record(id, [{ ip: '192.0.2.10', result: closed }], NOW + 5000)).toEqual([]);
    expect(back.recordsOf(id).find((r) => r.ip === '192.0.2.10')).toMatchObject({
      changedAt: NOW,
      checkedAt: NOW + 5000,
    });
    const changes = back.record(id, [{ ip: '192.0.2.10', result: open }], NOW + 6000);
    expect(changes.map((c) => [c.from, c.to, c.record.changedAt])).toEqual([['closed', 'open', NOW + 6000]]);
  });

  it('drops what is no longer configured, or configured with another expectation or labels', () => {
    const decoded = decodeState(text(snapshotOf({ store: filledStore(), httpSd: () => [] }, NOW)));
    if (!decoded.ok) throw new Error(decoded.problem);
    const back = new PortStore();
    const [web, db] = MONITORS;
    // 443 now expected closed would be other series; db is gone.
    back.setTargets([{ ...web!, expectOpen: [], expectClosed: [22, 443] }]);
    expect(back.restore(decoded.state.targets)).toEqual({ restored: 2, dropped: 3 });
    expect([...back.records()].map(({ target: t }) => [t.host, t.port])).toEqual([
      ['web1.example', 22],
      ['2001:db8::1', 22],
    ]);
    // Labelled now: every web target would be other series.
    const again = new PortStore();
    again.setTargets([{ ...web!, labels: { team: 'web' } }, db!]);
    expect(again.restore(decoded.state.targets)).toEqual({ restored: 1, dropped: 4 });
  });

  it('drops discovery findings of hosts no longer swept and ports now declared or allowed', () => {
    const store = new PortStore();
    const monitors = withDiscovery(store);
    const decoded = decodeState(text(snapshotOf({ store, httpSd: () => [] }, NOW)));
    if (!decoded.ok) throw new Error(decoded.problem);
    const lab = monitors.at(-1)!;
    const back = new PortStore();
    back.setTargets([{ ...lab, discover: { ports: [8080], intervalMs: 3_600_000, allow: [9200] } }]);
    restoreInto(back, decoded.state);
    expect(back.discovery.unexpected()).toEqual([]);
    expect(back.discovery.seenOpen('lab', 'lab.example', '192.0.2.40', 8080)).toBe(true);
    const other = new PortStore();
    other.setTargets([{ ...lab, hosts: ['lab2.example'] }]);
    expect(restoreInto(other, decoded.state).discovery).toEqual({ restored: 0, dropped: 1 });
  });

  it('writes a big state in pieces, one slice of targets each, and reads it back whole', () => {
    const hosts = Array.from({ length: 50 }, (_, i) => `198.51.100.${i + 1}`);
    const expectClosed = Array.from({ length: 100 }, (_, i) => 1000 + i);
    const settings = { intervalMs: 60_000, timeoutMs: 1000, retries: 0 };
    const big: MonitorConfig = { name: 'big', hosts, ...settings, expectOpen: [], expectClosed };
    const store = new PortStore();
    store.setTargets([big]);
    const result = { ...closed, durationSeconds: 0.0001234567 };
    for (const t of store.targets().values()) store.record(t.id, [{ ip: t.host, result }], NOW);
    const pieces = [...encodeState(snapshotOf({ store, httpSd: () => [] }, NOW))];
    expect(pieces.length).toBeGreaterThanOrEqual(5000 / 1024);
    const decoded = decodeState(pieces.join(''));
    if (!decoded.ok) throw new Error(decoded.problem);
    expect(decoded.state.targets).toHaveLength(5000);
    // Connect times are kept to the microsecond.
    expect(decoded.state.targets[0]!.addresses[0]!.durationSeconds).toBe(0.000123);
  });

  it('leaves out targets not checked yet', () => {
    const store = new PortStore();
    store.setTargets(MONITORS);
    const decoded = decodeState(text(snapshotOf({ store, httpSd: () => [] }, NOW)));
    expect(decoded.ok && [...decoded.state.targets]).toEqual([]);
  });
});

describe('state file: what is refused', () => {
  const full = text(snapshotOf({ store: filledStore(), httpSd: () => HTTP_SD }, NOW));
  const good = JSON.parse(full) as Record<string, unknown>;
  type Doc = Record<string, unknown>;
  // The node at `path` in a copy of our own state file, whose shape the cases below know.
  const at = (doc: Doc, ...path: (string | number)[]): unknown[] & Doc =>
    path.reduce<unknown>((node, key) => (node as Record<string | number, unknown>)[key], doc) as unknown[] & Doc;
  const edit = (change: (doc: Doc) => void): string => {
    const doc = structuredClone(good);
    change(doc);
    return JSON.stringify(doc);
  };

  const REASONS =
    'syn-ack, udp-response, conn-refused, port-unreach, no-response, host-unreach, net-unreach, ' +
    'admin-prohibited, proto-unreach, host-down, ' +
    'dns-failure, no-address, no-route, fd-exhausted, addr-unavailable, no-buffers, self-connect, local-error';
  it.each([
    ['garbage', 'garbage\n', /^not valid JSON \(truncated or damaged\): Unexpected token/],
    ['an empty file', '', /^not valid JSON \(truncated or damaged\): Unexpected end of JSON input/],
    ['a truncated file', full.slice(0, Math.floor(full.length / 2)), /^not valid JSON \(truncated or damaged\): /],
    ['JSON that is not an object', '[1,2]', 'the file: expected an object, got [1,2]'],
    [
      "another program's JSON",
      '{"groups": []}',
      'not a portwatch state file (its "format" is undefined, not "portwatch-state")',
    ],
    [
      'a newer version',
      edit((d) => (d['version'] = 3)),
      'format version 3, written by a newer portwatch; this one reads version 2',
    ],
    ['an older version', edit((d) => (d['version'] = 0)), '"version" is 0, not a format version'],
    ['a version that is not a number', edit((d) => (d['version'] = '1')), '"version" is "1", not a format version'],
    ['a bad time', edit((d) => (d['written_at'] = 'yesterday')), 'written_at: expected an ISO time, got "yesterday"'],
    ['no targets', edit((d) => delete d['targets']), 'targets: expected a list, got undefined'],
    ['a target cut short', edit((d) => at(d, 'targets', 1).splice(4)), 'targets[1]: expected at least 6 items, got 4'],
    [
      'an unknown state',
      edit((d) => (at(d, 'targets', 0, 5, 0)[1] = 'up')),
      'targets[0].addresses[0].state: "up" is not a port state (open, closed, filtered, open|filtered, error)',
    ],
    [
      'an unknown reason',
      edit((d) => (at(d, 'targets', 0, 5, 1)[2] = 'timeout')),
      `targets[0].addresses[1].reason: "timeout" is not a reason (${REASONS})`,
    ],
    ['port 0', edit((d) => (at(d, 'targets', 2)[2] = 0)), 'targets[2].port: expected a port 1-65535, got 0'],
    [
      'an unknown protocol',
      edit((d) => (at(d, 'targets', 2)[6] = 'sctp')),
      'targets[2].protocol: "sctp" is not a protocol (tcp, udp)',
    ],
    [
      'an unknown expectation',
      edit((d) => (at(d, 'targets', 2)[3] = 'filtered')),
      'targets[2].expected: "filtered" is not an expectation (open, closed)',
    ],
    [
      'a label set that is not there',
      edit((d) => (at(d, 'targets', 3)[4] = 7)),
      'targets[3].labels: expected an index into labels (0-1), got 7',
    ],
    [
      'a negative time',
      edit((d) => (at(d, 'targets', 0, 5, 0)[3] = -1)),
      'targets[0].addresses[0].changed_at_ms: expected a number >= 0, got -1',
    ],
    [
      'an empty host',
      edit((d) => (at(d, 'targets', 4)[1] = '')),
      'targets[4].host: expected a non-empty string, got ""',
    ],
    [
      'a label value that is not a string',
      edit((d) => (at(d, 'labels')[0] = { team: 1 })),
      'labels[0].team: expected a string, got 1',
    ],
    [
      'an http_sd host without labels',
      edit((d) => (at(d, 'http_sd', 0, 'hosts')[1] = ['192.0.2.77'])),
      'http_sd[0].hosts[1]: expected at least 2 items, got 1',
    ],
    ['a discovery entry not an object', edit((d) => (d['discovery'] = [7])), 'discovery[0]: expected an object, got 7'],
  ])('refuses %s, saying where and what', (_what, input, problem) => {
    const decoded = decodeState(input);
    expect(decoded.ok).toBe(false);
    if (decoded.ok) return;
    if (typeof problem === 'string') expect(decoded.problem).toBe(problem);
    else expect(decoded.problem).toMatch(problem);
  });

  it('reads fields it does not know (added later within the version) and ignores them', () => {
    const decoded = decodeState(
      edit((d) => {
        d['comment'] = 'from a later portwatch';
        at(d, 'targets', 0).push({ later: true });
        at(d, 'targets', 0, 5, 0).push(42);
      }),
    );
    expect(decoded.ok).toBe(true);
  });

  it('names set-aside files by the time, to the millisecond, so two never collide', () => {
    expect(setAsideName(Date.UTC(2026, 10, 27, 10, 15, 0, 123))).toBe('state.json.bad-20261127T101500.123Z');
  });
});
