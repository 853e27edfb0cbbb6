/**
 * The landing page: what this exporter is, how many ports of each monitor are in which
 * state, and the ports themselves, those not as expected first, a page at a time and
 * filtered by monitor, host and state through plain links and a GET form. No script and
 * nothing fetched: it works in any browser, on a phone, and at any number of targets. A pure
 * function of the store, so it is tested without a server.
 */
import type { MonitorSourceStatus } from '../sd/service-discovery.js';
import type { PortStore } from '../state/store.js';
import type { PortState } from '../types.js';
import { ago, cell, count, escapeHtml, num, problem, queryHref, table, tableRow, when } from './html.js';
import { ALL_PORTS, MAX_LISTED, PAGE_SIZE, PORT_STATES, type LandingQuery } from './landing-query.js';
import { emptyCounts, landingRows, type LandingRows, type MonitorCounts } from './landing-rows.js';
import { portsSection } from './landing-ports.js';
import { FAVICON_LINK, LANDING_STYLE } from './landing-style.js';

export interface LandingInfo {
  version: string;
  configFile: string;
  /** Epoch ms. */
  startedAt: number;
  listenAddress: string;
  /** The service-discovery files and endpoints now; absent or empty: none. */
  sd?: () => readonly MonitorSourceStatus[];
}

const STATE_COLUMNS: Readonly<Record<PortState, string>> = {
  open: 'Open',
  closed: 'Closed',
  filtered: 'Filtered',
  'open|filtered': 'Open|filtered',
  error: 'Error',
};
const STATES = Object.values(STATE_COLUMNS);
const MONITOR_COLUMNS = ['Monitor', 'Verdict', 'Targets', ...STATES, 'Not as expected', 'Unexpected open'];
const SD_COLUMNS = ['Monitor', 'Kind', 'Source', 'Hosts', 'Last read', 'Last good read'];

function total(rows: LandingRows): MonitorCounts {
  const sum = emptyCounts(0);
  for (const c of rows.monitors.values()) {
    sum.targets += c.targets;
    for (const s of PORT_STATES) sum.states[s] += c.states[s];
    sum.notAsExpected += c.notAsExpected;
    sum.unexpected += c.unexpected;
  }
  return sum;
}

const problemsOf = (c: MonitorCounts): number => c.notAsExpected + c.unexpected;

/** A count as a link to the ports it counts, or a plain 0. */
function countLink(n: number, params: Record<string, string>): string {
  return n === 0 ? '0' : `<a href="${queryHref(params)}">${num(n)}</a>`;
}

function monitorRow(monitor: string, c: MonitorCounts): string {
  const problems = problemsOf(c);
  const verdict = problems === 0 ? 'ok' : problem(count(problems, 'problem').toUpperCase());
  const states = PORT_STATES.map((s) => cell(STATE_COLUMNS[s], countLink(c.states[s], { monitor, state: s }), true));
  return tableRow(
    [
      cell('Monitor', `<a href="${queryHref({ monitor })}">${escapeHtml(monitor)}</a>`),
      cell('Verdict', verdict),
      cell('Targets', num(c.targets), true),
      ...states,
      cell('Not as expected', countLink(c.notAsExpected, { monitor }), true),
      cell('Unexpected open', countLink(c.unexpected, { monitor }), true),
    ],
    problems > 0,
  );
}

/** One line per monitor: how many ports in each state, with links to them; problems first. */
function monitorsSection(rows: LandingRows): string {
  const all = [...rows.monitors];
  const failing = all.filter(([, c]) => problemsOf(c) > 0);
  const listed = [...failing, ...all.filter(([, c]) => problemsOf(c) === 0)].slice(0, MAX_LISTED);
  const left = all.length - listed.length;
  const more = left > 0 ? `<p>${count(left, 'more monitor')}, all as expected: filter by name below.</p>\n` : '';
  return `<h2>Monitors</h2>\n${table(
    MONITOR_COLUMNS,
    listed.map(([m, c]) => monitorRow(m, c)),
  )}${more}`;
}

function sdRow(s: MonitorSourceStatus, now: number): string {
  const failed = `${problem('FAILED')} (${count(s.failures, 'failure')} so far; last good hosts kept)`;
  return tableRow(
    [
      cell('Monitor', escapeHtml(s.monitor)),
      cell('Kind', s.mechanism),
      cell('Source', escapeHtml(s.source)),
      cell('Hosts', num(s.hosts), true),
      cell('Last read', s.ok ? 'ok' : failed),
      cell('Last good read', s.lastSuccessMs === undefined ? 'never' : when(s.lastSuccessMs, now)),
    ],
    !s.ok,
  );
}

/** Where discovered hosts come from and whether the last read worked, failing first; nothing without any. */
function sdSection(sources: readonly MonitorSourceStatus[], now: number): string {
  if (sources.length === 0) return '';
  const failing = sources.filter((s) => !s.ok);
  const listed = [...failing, ...sources.filter((s) => s.ok)].slice(0, MAX_LISTED);
  const left = sources.length - listed.length;
  const more = left > 0 ? `<p>${count(left, 'more source')}, all read without error.</p>\n` : '';
  const said = `${count(sources.length, 'source')}, ${num(failing.length)} failing`;
  return `<h2>Service discovery</h2>\n<p>${said}.</p>\n${table(
    SD_COLUMNS,
    listed.map((s) => sdRow(s, now)),
  )}${more}`;
}

function summary(rows: LandingRows, t: MonitorCounts): string {
  const parts = [
    ...(t.notAsExpected === 0 ? [] : [`${count(t.notAsExpected, 'port')} not as expected`]),
    ...(t.unexpected === 0 ? [] : [count(t.unexpected, 'unexpected open port')]),
  ];
  const verdict = parts.length === 0 ? 'all as expected' : problem(parts.join(', '));
  const checked = PORT_STATES.reduce((n, s) => n + t.states[s], 0);
  const what = `${count(rows.monitors.size, 'monitor')}, ${count(t.targets, 'target')}, ${count(checked, 'address')}`;
  return `<p>${what} checked: ${verdict}.</p>\n`;
}

function head(t: MonitorCounts): string {
  const problems = problemsOf(t);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${problems === 0 ? 'portwatch' : `portwatch: ${count(problems, 'problem')}`}</title>
${FAVICON_LINK}
<style>${LANDING_STYLE}</style>
</head>
`;
}

function about(info: LandingInfo, now: number): string {
  const started = new Date(info.startedAt).toISOString();
  return `<h1>portwatch</h1>
<p>Prometheus exporter of TCP port states.</p>
<ul>
<li>Version: ${escapeHtml(info.version)}</li>
<li>Config file: ${escapeHtml(info.configFile)}</li>
<li>Listening on: ${escapeHtml(info.listenAddress)}</li>
<li>Started: <time datetime="${started}">${started}</time> (${ago(now - info.startedAt)})</li>
</ul>
<p><a href="metrics">Metrics</a> · <a href="-/healthy">Health</a> · <a href="-/ready">Readiness</a></p>
`;
}

/** The page for `q`; throws LandingQueryError for a page past the last. */
export function renderLanding(
  store: PortStore,
  info: LandingInfo,
  now: number,
  q: LandingQuery = ALL_PORTS,
  pageSize = PAGE_SIZE,
): string {
  const rows = landingRows(store, q, pageSize);
  const t = total(rows);
  const sd = sdSection(info.sd?.() ?? [], now);
  const sections = [summary(rows, t), monitorsSection(rows), sd, portsSection(rows, q, now, pageSize)];
  return `${head(t)}<body>\n${about(info, now)}${sections.join('')}</body>\n</html>\n`;
}
