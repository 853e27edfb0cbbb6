// The dashboard's port panels on UDP states, with Debian's promtool evaluating the very
// queries Grafana sends (variables interpolated) over series written as portwatch exports
// them: an expected-open UDP port gone silent (open|filtered), an expected-closed one silent
// (as expected), one behind an ICMP admin-prohibited (filtered), the same port number over
// TCP, and a port of a portwatch older than the protocol label. The live-Prometheus tests
// (queries.test.ts, scale.test.ts) cover the TCP side with a running portwatch.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { BIN, missing, run } from '../alerts/stack.js';
import { describeOrSkip } from '../helpers/skip.js';
import { interpolate, type BuiltIns } from './dashboard.js';
import { panelExpr } from './evaluate.js';

type Labels = Record<string, string>;

/** One port over ten minutes (a value a minute) as portwatch exports it. */
interface Port {
  labels: Labels;
  /** port_state, minutes 0-9. */
  states: number[];
  /** port_state_info's state and reason, minutes 0-9 (a change ends the old series). */
  infos: [string, string][];
  expected: 'open' | 'closed';
}

const BASE = { job: 'portwatch', instance: 'pw.example:9798', monitor: 'dns', host: 'ns.example.com' };
const IP = '198.51.100.53';
const repeat = <T>(n: number, v: T): T[] => Array.from({ length: n }, () => v);
const info = (state: string, reason: string): [string, string] => [state, reason];
const port = (p: string, protocol: string | undefined, expected: 'open' | 'closed'): Labels => ({
  ...BASE,
  ip: IP,
  port: p,
  ...(protocol === undefined ? {} : { protocol }),
  expected,
});

const PORTS = {
  // Answers for 5 minutes, then silent after the retries: a violation.
  dnsUdp: {
    labels: port('53', 'udp', 'open'),
    states: [...repeat(5, 1), ...repeat(5, -1)],
    infos: [...repeat(5, info('open', 'udp-response')), ...repeat(5, info('open|filtered', 'no-response'))],
    expected: 'open',
  },
  dnsTcp: {
    labels: port('53', 'tcp', 'open'),
    states: repeat(10, 1),
    infos: repeat(10, info('open', 'syn-ack')),
    expected: 'open',
  },
  // Silent and expected closed: as expected.
  snmpUdp: {
    labels: port('161', 'udp', 'closed'),
    states: repeat(10, -1),
    infos: repeat(10, info('open|filtered', 'no-response')),
    expected: 'closed',
  },
  ntpUdp: {
    labels: port('123', 'udp', 'closed'),
    states: repeat(10, -1),
    infos: repeat(10, info('filtered', 'admin-prohibited')),
    expected: 'closed',
  },
  // A portwatch older than the protocol label: no protocol, filtered (TCP's silence).
  sshOld: {
    labels: port('22', undefined, 'open'),
    states: repeat(10, -1),
    infos: repeat(10, info('filtered', 'no-response')),
    expected: 'open',
  },
} satisfies Record<string, Port>;

const violated = (p: Port, state: number) => (p.expected === 'open' ? state !== 1 : state === 1);

function seriesText(metric: string, labels: Labels): string {
  const inner = Object.entries(labels)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(',');
  return `${metric}{${inner}}`;
}

/** port_state, port_violation, port_state_change_timestamp_seconds and port_state_info of a port. */
function inputSeries(p: Port): { series: string; values: string }[] {
  const changedAt = p.states.map((s, i) => (i > 0 && s !== p.states[i - 1] ? i * 60 : 0));
  const since = changedAt.map((_, i) => Math.max(...changedAt.slice(0, i + 1)));
  const out = [
    { series: seriesText('port_state', p.labels), values: p.states.join(' ') },
    { series: seriesText('port_violation', p.labels), values: p.states.map((s) => (violated(p, s) ? 1 : 0)).join(' ') },
    { series: seriesText('port_state_change_timestamp_seconds', p.labels), values: since.join(' ') },
  ];
  const infos = new Map<string, string[]>();
  p.infos.forEach(([state, reason], i) => {
    const key = `${state} ${reason}`;
    if (!infos.has(key)) infos.set(key, repeat(10, '_'));
    infos.get(key)![i] = '1';
    if (i > 0 && p.infos[i - 1]!.join(' ') !== key) infos.get(p.infos[i - 1]!.join(' '))![i] = 'stale';
  });
  for (const [key, values] of infos) {
    const [state, reason] = key.split(' ') as [string, string];
    out.push({ series: seriesText('port_state_info', { ...p.labels, state, reason }), values: values.join(' ') });
  }
  return out;
}

const BUILT_INS: BuiltIns = { rateInterval: '4m', range: '10m', interval: '1m' };
const EVAL = '9m';

/** A panel's first query as Grafana sends it with these variables. */
function query(title: string, vars: { protocol?: string; ports?: string } = {}): string {
  const values = {
    datasource: 'Prometheus',
    job: 'portwatch',
    instance: '.*',
    monitor: '.*',
    host: '.*',
    protocol: vars.protocol ?? '.*',
    ports: vars.ports ?? '1',
  };
  return interpolate(panelExpr(title), values, BUILT_INS);
}

const sample = (labels: Labels, value: number) => ({ labels: seriesText('', labels), value });

describeOrSkip(missing('promtool'), 'dashboard panels on UDP states (promtool)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'portwatch-dashboard-states-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Runs the cases through `promtool test rules`; its output when one fails. */
  async function promtool(cases: { expr: string; exp_samples: { labels: string; value: number }[] }[]) {
    const file = join(dir, `states-${cases.length}-${Date.now()}.yml`);
    const test = {
      interval: '1m',
      input_series: Object.values(PORTS).flatMap(inputSeries),
      promql_expr_test: cases.map((c) => ({ ...c, eval_time: EVAL })),
    };
    writeFileSync(file, stringify({ rule_files: [], evaluation_interval: '1m', tests: [test] }));
    const r = await run(BIN.promtool!, ['test', 'rules', file]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('SUCCESS');
  }

  it('the state timeline shows open|filtered apart from filtered, and a port per protocol', async () => {
    const { dnsUdp, dnsTcp, snmpUdp, ntpUdp, sshOld } = PORTS;
    await promtool([
      // Violating or changed: the silent expected-open UDP port and the old filtered one.
      {
        expr: query('State per port'),
        exp_samples: [sample(dnsUdp.labels, -1.5), sample(sshOld.labels, -1)],
      },
      // Every port: open|filtered is -1.5 (its own colour), filtered -1, open 1.
      {
        expr: query('State per port', { ports: '0' }),
        exp_samples: [
          sample(dnsUdp.labels, -1.5),
          sample(dnsTcp.labels, 1),
          sample(snmpUdp.labels, -1.5),
          sample(ntpUdp.labels, -1),
          sample(sshOld.labels, -1),
        ],
      },
      // Protocol udp: the UDP ports alone, not 53/tcp nor the old series.
      {
        expr: query('State per port', { ports: '0', protocol: 'udp' }),
        exp_samples: [sample(dnsUdp.labels, -1.5), sample(snmpUdp.labels, -1.5), sample(ntpUdp.labels, -1)],
      },
    ]);
  });

  it('the tables and counts: open|filtered violates expected open only', async () => {
    const { dnsUdp, sshOld } = PORTS;
    await promtool([
      {
        expr: query('Ports not in their expected state'),
        exp_samples: [
          sample({ ...dnsUdp.labels, state: 'open|filtered', reason: 'no-response' }, 300_000),
          sample({ ...sshOld.labels, state: 'filtered', reason: 'no-response' }, 0),
        ],
      },
      {
        expr: query('Ports per monitor and state'),
        exp_samples: [
          sample({ monitor: 'dns', state: 'open' }, 1),
          sample({ monitor: 'dns', state: 'open|filtered' }, 2),
          sample({ monitor: 'dns', state: 'filtered' }, 2),
        ],
      },
      {
        expr: query('Ports per monitor and state', { protocol: 'tcp' }),
        exp_samples: [sample({ monitor: 'dns', state: 'open' }, 1)],
      },
      { expr: query('Unreachable ports'), exp_samples: [sample({}, 2)] },
      { expr: query('Exposed ports'), exp_samples: [sample({}, 0)] },
    ]);
  });
});
