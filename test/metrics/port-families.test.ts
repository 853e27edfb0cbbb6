import { describe, expect, it } from 'vitest';
import { portKey } from '../../src/config/port-keys.js';
import { ByteWriter } from '../../src/metrics/byte-writer.js';
import { renderDiscoveryFamilies } from '../../src/metrics/discovery-families.js';
import {
  renderPortFamilies,
  snapshotPorts,
  snapshotPortsInPieces,
  writePortFamiliesInPieces,
} from '../../src/metrics/port-families.js';
import { escapeHelp, escapeLabelValue, formatValue } from '../../src/metrics/text-format.js';
import { PortStore, targetId } from '../../src/state/store.js';
import { filledStore, monitor, MONITORS, NOW, result, samples } from './fixture.js';

/** `text` as a regular expression that matches it literally (backslashes and quotes escaped). */
const escaped = (text: string): string => text.replace(/[\\"]/g, (c) => `\\${c}`);
const L = (host: string, ip: string, port: number, expected: string, monitor = 'web') =>
  `{monitor="${monitor}",host="${host}",ip="${ip}",port="${port}",protocol="tcp",expected="${expected}"}`;

describe('text format escaping', () => {
  it.each([
    ['plain', 'plain'],
    ['back\\slash', 'back\\\\slash'],
    ['a "quote"', 'a \\"quote\\"'],
    ['line\nfeed', 'line\\nfeed'],
    ['\\"\n', '\\\\\\"\\n'],
    ['ünïcödé', 'ünïcödé'],
  ])('label value %j -> %j', (input, want) => {
    expect(escapeLabelValue(input)).toBe(want);
  });

  it('HELP escapes backslash and line feed but not quotes', () => {
    expect(escapeHelp('a\\b\n"c"')).toBe('a\\\\b\\n"c"');
  });

  it.each([
    [1, '1'],
    [-2, '-2'],
    [0.0125, '0.0125'],
    [1_700_000_000.5, '1700000000.5'],
    [Infinity, '+Inf'],
    [-Infinity, '-Inf'],
    [NaN, 'NaN'],
  ])('value %d -> %s', (v, want) => {
    expect(formatValue(v)).toBe(want);
  });
});

describe('renderPortFamilies', () => {
  const text = renderPortFamilies(filledStore());

  it('writes port_state with labels in contract order, ip "" for an unresolved host', () => {
    expect(samples(text, 'port_state')).toEqual([
      `port_state${L('web1.example', '192.0.2.10', 443, 'open')} 1`,
      `port_state${L('web1.example', '2001:db8::10', 443, 'open')} -1`,
      `port_state${L('web1.example', '192.0.2.10', 22, 'closed')} 0`,
      `port_state${L('2001:db8::1', '2001:db8::1', 443, 'open')} 1`,
      `port_state${L('2001:db8::1', '2001:db8::1', 22, 'closed')} 1`,
      `port_state${L('db.example', '', 5432, 'closed', 'db')} -2`,
    ]);
  });

  it('writes port_violation: error is a violation only of "open"', () => {
    expect(samples(text, 'port_violation')).toEqual([
      `port_violation${L('web1.example', '192.0.2.10', 443, 'open')} 0`,
      `port_violation${L('web1.example', '2001:db8::10', 443, 'open')} 1`,
      `port_violation${L('web1.example', '192.0.2.10', 22, 'closed')} 0`,
      `port_violation${L('2001:db8::1', '2001:db8::1', 443, 'open')} 0`,
      `port_violation${L('2001:db8::1', '2001:db8::1', 22, 'closed')} 1`,
      `port_violation${L('db.example', '', 5432, 'closed', 'db')} 0`,
    ]);
  });

  it('writes port_violations for every monitor and both expectations, zeros included', () => {
    expect(samples(text, 'port_violations')).toEqual([
      'port_violations{monitor="web",expected="open"} 1',
      'port_violations{monitor="web",expected="closed"} 1',
      'port_violations{monitor="db",expected="open"} 0',
      'port_violations{monitor="db",expected="closed"} 0',
      'port_violations{monitor="quiet",expected="open"} 0',
      'port_violations{monitor="quiet",expected="closed"} 0',
    ]);
  });

  it('writes timestamps in seconds, durations, and the state info with its reason', () => {
    const v6 = L('web1.example', '2001:db8::10', 443, 'open');
    expect(text).toContain(
      `port_state_change_timestamp_seconds${L('2001:db8::1', '2001:db8::1', 443, 'open')} 1699992800\n`,
    );
    expect(text).toContain(
      `port_last_probe_timestamp_seconds${L('2001:db8::1', '2001:db8::1', 22, 'closed')} 1699999999.5\n`,
    );
    expect(text).toContain(`port_probe_duration_seconds${v6} 2\n`);
    expect(text).toContain(`port_state_info${v6.slice(0, -1)},state="filtered",reason="no-response"} 1\n`);
    expect(samples(text, 'port_state_info')).toHaveLength(6);
  });

  it('writes HELP and TYPE once per family, even with no records', () => {
    for (const t of [text, renderPortFamilies(new PortStore())]) {
      for (const family of [
        'port_state',
        'port_state_info',
        'port_violation',
        'port_violations',
        'port_state_change_timestamp_seconds',
        'port_last_probe_timestamp_seconds',
        'port_probe_duration_seconds',
      ]) {
        expect(t.split(`# HELP ${family} `)).toHaveLength(2);
        expect(t.split(`# TYPE ${family} gauge\n`)).toHaveLength(2);
      }
      expect(t.endsWith('\n')).toBe(true);
    }
  });

  it('escapes monitor names from the config', () => {
    const store = new PortStore();
    store.setTargets([monitor('we"ird\\name\nx', ['h.example'], [80], [])]);
    store.record(targetId('we"ird\\name\nx', 'h.example', 80), [result('192.0.2.1', 'closed', 'conn-refused')], NOW);
    const out = renderPortFamilies(store);
    expect(out).toContain(
      'port_state{monitor="we\\"ird\\\\name\\nx",host="h.example",ip="192.0.2.1",port="80",protocol="tcp",' +
        'expected="open"} 0\n',
    );
    expect(out).toContain('port_violations{monitor="we\\"ird\\\\name\\nx",expected="open"} 1\n');
  });

  it('drops the series of targets and monitors a reload removed', () => {
    const store = filledStore();
    store.setTargets(MONITORS.filter((m) => m.name !== 'db'));
    const out = renderPortFamilies(store);
    expect(out).not.toContain('monitor="db"');
    expect(samples(out, 'port_state')).toHaveLength(5);
  });
});

describe('renderPortFamilies for UDP targets', () => {
  it('labels each series with its protocol, after port: the same port on TCP and UDP are two series', () => {
    const store = new PortStore();
    store.setTargets([monitor('dns', ['ns.example'], [53, portKey('udp', 53)], [portKey('udp', 161)])]);
    store.record(targetId('dns', 'ns.example', 53), [result('192.0.2.53', 'open', 'syn-ack')], NOW);
    store.record(targetId('dns', 'ns.example', 53, 'udp'), [result('192.0.2.53', 'open', 'udp-response')], NOW);
    const silence = result('192.0.2.53', 'open|filtered', 'no-response', 3);
    store.record(targetId('dns', 'ns.example', 161, 'udp'), [silence], NOW);
    const text = renderPortFamilies(store);
    const at = '{monitor="dns",host="ns.example",ip="192.0.2.53",port=';
    expect(samples(text, 'port_state')).toEqual([
      `port_state${at}"53",protocol="tcp",expected="open"} 1`,
      `port_state${at}"53",protocol="udp",expected="open"} 1`,
      // open|filtered reads -1, as filtered does; port_state_info tells the two apart.
      `port_state${at}"161",protocol="udp",expected="closed"} -1`,
    ]);
    expect(samples(text, 'port_state_info')).toEqual([
      `port_state_info${at}"53",protocol="tcp",expected="open",state="open",reason="syn-ack"} 1`,
      `port_state_info${at}"53",protocol="udp",expected="open",state="open",reason="udp-response"} 1`,
      `port_state_info${at}"161",protocol="udp",expected="closed",state="open|filtered",reason="no-response"} 1`,
    ]);
    // Silence satisfies expected closed.
    expect(samples(text, 'port_violation').map((line) => line.slice(-1))).toEqual(['0', '0', '0']);
  });

  it('labels an unexpectedly open UDP port with its protocol', () => {
    const store = new PortStore();
    const m = monitor('lab', ['lab.example'], [], []);
    store.setTargets([{ ...m, discover: { ports: [9200, portKey('udp', 11211)], intervalMs: 60_000, allow: [] } }]);
    for (const at of [1, 2]) {
      const open = [9200, portKey('udp', 11211)];
      store.discovery.recordSweep('lab', 'lab.example', [{ ip: '192.0.2.40', open, errors: [] }], at, 0.1);
    }
    expect(samples(renderDiscoveryFamilies(store.discovery), 'port_unexpected_open')).toEqual([
      'port_unexpected_open{monitor="lab",host="lab.example",ip="192.0.2.40",port="9200",protocol="tcp"} 1',
      'port_unexpected_open{monitor="lab",host="lab.example",ip="192.0.2.40",port="11211",protocol="udp"} 1',
    ]);
  });
});

describe('the exposition written in pieces', () => {
  it('is byte for byte what one pass writes, in more than one piece for a large store', () => {
    const ports = Array.from({ length: 3000 }, (_, i) => i + 1);
    const store = new PortStore();
    store.setTargets([monitor('m', ['127.0.0.1'], [], ports)]);
    for (const p of ports)
      store.record(
        targetId('m', '127.0.0.1', p),
        [{ ip: '127.0.0.1', result: { state: 'closed', reason: 'conn-refused', durationSeconds: 0.0001 } }],
        1_700_000_000_000 + p,
      );
    const out = new ByteWriter(1024);
    const pieces: Buffer[] = [];
    for (const _ of writePortFamiliesInPieces(snapshotPorts(store), out, 1000)) pieces.push(Buffer.from(out.take()));
    pieces.push(Buffer.from(out.take()));
    expect(pieces.length).toBeGreaterThan(10);
    expect(Buffer.concat(pieces).toString('utf8')).toBe(renderPortFamilies(store));
  });

  it('takes its snapshot at once: results recorded while it is written do not show', () => {
    const store = filledStore();
    const before = renderPortFamilies(store);
    const out = new ByteWriter(1024);
    const pieces = writePortFamiliesInPieces(snapshotPorts(store), out, 1);
    pieces.next();
    store.record(targetId('web', 'web1.example', 22), [result('192.0.2.10', 'open', 'syn-ack')], NOW + 1000);
    for (let r = pieces.next(); !r.done; r = pieces.next());
    expect(out.result().toString('utf8')).toBe(before);
  });
});

describe('the snapshot taken in pieces', () => {
  it('pauses every so many records and copies what one pass copies', () => {
    const ports = Array.from({ length: 2500 }, (_, i) => i + 1);
    const store = new PortStore();
    store.setTargets([monitor('m', ['127.0.0.1'], [], ports)]);
    for (const p of ports)
      store.record(
        targetId('m', '127.0.0.1', p),
        [
          {
            ip: '127.0.0.1',
            result: { state: p % 7 === 0 ? 'open' : 'closed', reason: 'conn-refused', durationSeconds: 0.0001 },
          },
        ],
        1_700_000_000_000 + p,
      );
    const pieces = snapshotPortsInPieces(store, 1000);
    let pauses = 0;
    let step = pieces.next();
    for (; step.done !== true; step = pieces.next()) pauses++;
    // Two while gathering the 2500 targets' records, two while copying them.
    expect(pauses).toBe(4);
    const whole = snapshotPorts(store);
    expect(step.value.states).toEqual(whole.states);
    expect(step.value.counts).toEqual(whole.counts);
    const out = new ByteWriter();
    for (const _ of writePortFamiliesInPieces(step.value, out));
    expect(out.result().toString('utf8')).toBe(renderPortFamilies(store));
  });

  it('holds the records of one configuration when the targets are set anew during a pause', () => {
    const ports = Array.from({ length: 2500 }, (_, i) => i + 1);
    const store = new PortStore();
    store.setTargets([monitor('old', ['127.0.0.1'], [], ports)]);
    for (const p of ports)
      store.record(targetId('old', '127.0.0.1', p), [result('127.0.0.1', 'closed', 'conn-refused')], NOW);
    const pieces = snapshotPortsInPieces(store, 1000);
    expect(pieces.next().done).toBe(false);
    // The monitor renamed while 1000 of its records are gathered: none of them may be served.
    store.setTargets([monitor('new', ['127.0.0.1'], [], ports)]);
    store.record(targetId('new', '127.0.0.1', 7), [result('127.0.0.1', 'open', 'syn-ack')], NOW);
    let step = pieces.next();
    while (step.done !== true) step = pieces.next();
    expect(step.value.states).toEqual(['open']);
    expect([...step.value.counts.keys()]).toEqual(['new']);
    const out = new ByteWriter();
    for (const _ of writePortFamiliesInPieces(step.value, out));
    expect(out.result().toString('utf8')).toBe(renderPortFamilies(store));
    expect(out.result().toString('utf8')).not.toContain('monitor="old"');
  });
});

describe('monitor labels', () => {
  const FAMILIES = [
    'port_state',
    'port_state_info',
    'port_violation',
    'port_violations',
    'port_state_change_timestamp_seconds',
    'port_last_probe_timestamp_seconds',
    'port_probe_duration_seconds',
  ];
  const labelled = (labels: Record<string, string>) => ({ ...monitor('pay', ['pay.example'], [443], []), labels });
  const checked = (labels: Record<string, string>): PortStore => {
    const store = new PortStore();
    store.setTargets([labelled(labels), ...MONITORS]);
    store.record(targetId('pay', 'pay.example', 443), [result('192.0.2.20', 'open', 'syn-ack')], NOW);
    store.record(targetId('web', 'web1.example', 443), [result('192.0.2.10', 'open', 'syn-ack')], NOW);
    return store;
  };

  it('are on every port series of their monitor, after the built-in labels, and on no other', () => {
    const text = renderPortFamilies(checked({ env: 'prod', team: 'pay"ments' }));
    const own = ',env="prod",team="pay\\"ments"';
    for (const family of FAMILIES) {
      const lines = samples(text, family);
      const pay = lines.filter((l) => l.includes('monitor="pay"'));
      expect(pay.length, family).toBeGreaterThan(0);
      for (const line of pay) {
        if (family === 'port_violations')
          expect(line).toMatch(
            new RegExp(`^port_violations\\{monitor="pay",expected="(open|closed)"${escaped(own)}\\} 0$`),
          );
        else if (family === 'port_state_info')
          expect(line).toContain(`expected="open"${own},state="open",reason="syn-ack"} 1`);
        else
          expect(line).toContain(
            `{monitor="pay",host="pay.example",ip="192.0.2.20",port="443",protocol="tcp",expected="open"${own}} `,
          );
      }
      for (const line of lines.filter((l) => !l.includes('monitor="pay"')))
        expect(line, family).not.toMatch(/env=|team=/);
    }
  });

  it('replace the series of the old labels when a reload changes them, and keep records when they stay', () => {
    const store = checked({ team: 'payments' });
    renderPortFamilies(store); // caches the encoded labels of each record
    store.setTargets([labelled({ team: 'payments' }), ...MONITORS]);
    expect(samples(renderPortFamilies(store), 'port_state').filter((l) => l.includes('team="payments"'))).toHaveLength(
      1,
    );

    store.setTargets([labelled({ env: 'prod', team: 'billing' }), ...MONITORS]);
    let text = renderPortFamilies(store);
    expect(text).not.toContain('team="payments"');
    // The target starts afresh, as after a change of expectation: no series until its next check.
    expect(samples(text, 'port_state').filter((l) => l.includes('monitor="pay"'))).toEqual([]);
    expect(samples(text, 'port_violations').filter((l) => l.includes('monitor="pay"'))).toEqual([
      'port_violations{monitor="pay",expected="open",env="prod",team="billing"} 0',
      'port_violations{monitor="pay",expected="closed",env="prod",team="billing"} 0',
    ]);
    store.record(targetId('pay', 'pay.example', 443), [result('192.0.2.20', 'open', 'syn-ack')], NOW);
    text = renderPortFamilies(store);
    expect(samples(text, 'port_state').filter((l) => l.includes('monitor="pay"'))).toEqual([
      'port_state{monitor="pay",host="pay.example",ip="192.0.2.20",port="443",protocol="tcp",expected="open",' +
        'env="prod",team="billing"} 1',
    ]);

    store.setTargets([labelled({}), ...MONITORS]);
    expect(renderPortFamilies(store)).not.toMatch(/team=|env=/);
  });
});
