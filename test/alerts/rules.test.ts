// Static checks of what we ship for alerting, with the real Prometheus and Alertmanager
// tools: promtool check/test rules, amtool check-config and routing, and the contract
// between rule labels, Alertmanager routes, rule unit tests and the runbook.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  ALERTMANAGER_CONFIG,
  BIN,
  PROMETHEUS_EXAMPLE,
  RULES_FILE,
  RULE_TESTS_DIR,
  RUNBOOK,
  missing,
  run,
} from './stack.js';
import { describeOrSkip, itOrSkip } from '../helpers/skip.js';
import { UDP_PORT_GROUPS } from '../../src/config/port-groups.js';

interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

interface RuleTestFile {
  rule_files: string[];
  tests: { alert_rule_test?: { eval_time: string; alertname: string; exp_alerts?: unknown[] }[] }[];
}

const rules = (parse(readFileSync(RULES_FILE, 'utf8')) as { groups: { rules: AlertRule[] }[] }).groups.flatMap(
  (g) => g.rules,
);
const testFiles = readdirSync(RULE_TESTS_DIR)
  .filter((f) => f.endsWith('.yml'))
  .map((f) => join(RULE_TESTS_DIR, f));

const ALERTS = [
  'PortExposed',
  'PortUnexpectedlyOpen',
  'PortUnreachable',
  'PortProbeFailing',
  'PortwatchStale',
  'PortwatchDown',
  'PortwatchConfigReloadFailed',
  'PortwatchShardMissing',
  'PortwatchServiceDiscoveryFailing',
  'PortwatchStorageFailing',
];
const NAMED_LABELS = ['monitor', 'host', 'ip', 'port', 'protocol'];
/** The ports a template names UDP amplification services by: `match "^(17|19|...)$" $labels.port`. */
const AMPLIFICATION_MATCH = /match "\^\(([\d|]+)\)\$" \$labels\.port/g;

/** Prometheus durations as used in rule files and tests (1h30m, 5m, 90s) in seconds. */
function seconds(d: string): number {
  let total = 0;
  for (const [, n, unit] of d.matchAll(/(\d+)(ms|s|m|h|d)/g)) {
    total += Number(n) * { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 }[unit as 'ms' | 's' | 'm' | 'h' | 'd'];
  }
  return total;
}

/** GitHub's anchor for a Markdown heading: lower case, spaces to dashes, punctuation dropped. */
function anchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\w\- ]/g, '')
    .replace(/ /g, '-');
}

describe('rule file', () => {
  it('defines exactly the alerts of the spec', () => {
    expect(rules.map((r) => r.alert).sort()).toEqual([...ALERTS].sort());
  });

  it.each(rules.map((r) => [r.alert, r] as const))(
    '%s has severity, category, summary, description and a runbook anchor that exists',
    (_name, rule) => {
      expect(['critical', 'warning']).toContain(rule.labels?.['severity']);
      expect(['security', 'availability', 'monitoring']).toContain(rule.labels?.['category']);
      expect(rule.annotations?.['summary']).toBeTruthy();
      expect(rule.annotations?.['description']).toBeTruthy();
      const url = rule.annotations?.['runbook_url'] ?? '';
      expect(url).toBe(`https://github.com/portwatch/portwatch/blob/main/docs/runbook.md#${rule.alert.toLowerCase()}`);
      const anchors = readFileSync(RUNBOOK, 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('## '))
        .map((l) => anchor(l.slice(3)));
      expect(anchors).toContain(url.split('#')[1]);
    },
  );

  it('names monitor, host, ip, port and protocol in the summary of every per-port alert', () => {
    for (const rule of rules.filter(
      (r) => (r.alert.startsWith('Port') && !r.alert.startsWith('Portwatch')) || r.alert === 'PortwatchStale',
    )) {
      const text = `${rule.annotations?.['summary']} ${rule.annotations?.['description']}`;
      for (const label of NAMED_LABELS) expect(text, `${rule.alert} ${label}`).toContain(`$labels.${label}`);
    }
  });

  // The list is written out in four templates; they must not drift apart, nor from the config's group.
  it('names the ports of the group udp-amplification in the summary and description of both security alerts', () => {
    const lists = rules
      .filter((r) => r.labels?.['category'] === 'security')
      .flatMap((r) => [r.annotations?.['summary'] ?? '', r.annotations?.['description'] ?? ''])
      .flatMap((text) => [...text.matchAll(AMPLIFICATION_MATCH)].map((m) => m[1]!.split('|').map(Number)));
    expect(lists).toHaveLength(4);
    for (const list of lists) expect(list).toEqual(lists[0]);
    expect(lists[0]).toEqual(UDP_PORT_GROUPS['udp-amplification']);
  });

  it('fires PortExposed on the first evaluation (no `for:`), as a critical security alert', () => {
    const exposed = rules.find((r) => r.alert === 'PortExposed');
    expect(seconds(exposed?.for ?? '0s')).toBe(0);
    expect(exposed?.labels).toEqual({ severity: 'critical', category: 'security' });
  });

  itOrSkip(missing('promtool'), 'passes `promtool check rules`', async () => {
    const r = await run(BIN.promtool!, ['check', 'rules', RULES_FILE]);
    expect(r.stderr + r.stdout).toContain(`SUCCESS: ${ALERTS.length} rules found`);
    expect(r.code, r.stderr + r.stdout).toBe(0);
  });

  itOrSkip(
    missing('promtool'),
    'the example Prometheus config loads the rule file (`promtool check config`)',
    async () => {
      const r = await run(BIN.promtool!, ['check', 'config', PROMETHEUS_EXAMPLE]);
      expect(r.code, r.stderr + r.stdout).toBe(0);
      expect(r.stdout).toContain('SUCCESS: 1 rule files found');
    },
  );
});

describe('rule unit tests', () => {
  type Case = { eval_time: string; alertname: string; exp_alerts?: unknown[] };
  const groups: Case[][] = testFiles.flatMap((file) => {
    const t = parse(readFileSync(file, 'utf8')) as RuleTestFile;
    expect(t.rule_files).toEqual(['../portwatch.rules.yml']);
    return t.tests.map((g) => g.alert_rule_test ?? []);
  });

  // In one test group: quiet before (or, with `for:`, still pending at least `for:` into the
  // data), then firing with exact labels and annotations, then resolved.
  it.each(rules.map((r) => [r.alert, r] as const))(
    'cover %s: quiet, pending through `for:`, firing, resolved',
    (_name, rule) => {
      const forSeconds = seconds(rule.for ?? '0s');
      const complete = groups.some((cases) => {
        const mine = cases.filter((c) => c.alertname === rule.alert);
        const firing = mine.filter((c) => (c.exp_alerts ?? []).length > 0).map((c) => seconds(c.eval_time));
        const quiet = mine.filter((c) => (c.exp_alerts ?? []).length === 0).map((c) => seconds(c.eval_time));
        if (firing.length === 0) return false;
        const first = Math.min(...firing);
        const before = quiet.some((t) => t < first && t >= forSeconds);
        const after = quiet.some((t) => t > first);
        return before && after;
      });
      expect(
        complete,
        `a test group of ${rule.alert} that is quiet${forSeconds ? ` at >= ${rule.for}` : ''} before it fires, ` +
          'then fires, then resolves',
      ).toBe(true);
      for (const cases of groups) {
        for (const c of cases.filter((x) => x.alertname === rule.alert)) {
          for (const a of (c.exp_alerts ?? []) as {
            exp_labels?: Record<string, string>;
            exp_annotations?: Record<string, string>;
          }[]) {
            expect(a.exp_labels?.['severity'], `${rule.alert} at ${c.eval_time}`).toBe(rule.labels?.['severity']);
            expect(Object.keys(a.exp_annotations ?? {}).sort()).toEqual(['description', 'runbook_url', 'summary']);
          }
        }
      }
    },
  );

  itOrSkip(missing('promtool'), 'pass `promtool test rules`', async () => {
    expect(testFiles.length).toBeGreaterThan(0);
    const r = await run(BIN.promtool!, ['test', 'rules', ...testFiles], 60_000);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout.match(/SUCCESS/g)?.length).toBe(testFiles.length);
  });
});

describe('Alertmanager example config', () => {
  itOrSkip(missing('amtool'), 'passes `amtool check-config`', async () => {
    const r = await run(BIN.amtool!, ['check-config', ALERTMANAGER_CONFIG]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('SUCCESS');
  });

  it('sends resolved notifications from every receiver', () => {
    const config = parse(readFileSync(ALERTMANAGER_CONFIG, 'utf8')) as {
      receivers: { name: string; webhook_configs?: { send_resolved?: boolean }[] }[];
    };
    for (const r of config.receivers) {
      expect(r.webhook_configs?.length, r.name).toBeGreaterThan(0);
      for (const w of r.webhook_configs ?? []) expect(w.send_resolved, r.name).toBe(true);
    }
  });

  describeOrSkip(missing('amtool'), 'routing with amtool', () => {
    // Every alert of the rule file, with the labels the rule gives it, reaches the receiver its
    // category calls for.
    it.each(rules.map((r) => [r.alert, r] as const))('routes %s by its category', async (_name, rule) => {
      const expected = rule.labels?.['category'] === 'security' ? 'portwatch-security' : 'portwatch-ops';
      const labels = Object.entries({ ...rule.labels, alertname: rule.alert, monitor: 'web' }).map(
        ([k, v]) => `${k}=${v}`,
      );
      const r = await run(BIN.amtool!, [
        'config',
        'routes',
        'test',
        `--config.file=${ALERTMANAGER_CONFIG}`,
        `--verify.receivers=${expected}`,
        ...labels,
      ]);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout.trim()).toBe(expected);
    });

    // A team label (static, or from service discovery's sd_labels) routes security alerts to
    // the team's receiver; other categories stay where they were.
    it.each([
      ['PortExposed', 'security', 'payments', 'team-payments-security'],
      ['PortUnexpectedlyOpen', 'security', 'payments', 'team-payments-security'],
      ['PortExposed', 'security', 'web', 'portwatch-security'],
      ['PortUnreachable', 'availability', 'payments', 'portwatch-ops'],
    ])('routes %s of category %s, team %s to %s', async (alertname, category, team, expected) => {
      const labels = [`alertname=${alertname}`, `category=${category}`, `team=${team}`, 'monitor=web'];
      const r = await run(BIN.amtool!, [
        'config',
        'routes',
        'test',
        `--config.file=${ALERTMANAGER_CONFIG}`,
        `--verify.receivers=${expected}`,
        ...labels,
      ]);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout.trim()).toBe(expected);
    });
  });
});
