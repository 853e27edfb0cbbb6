#!/usr/bin/env node
// Writes the deploy files that are derived from the alert rules, so that no second copy of a
// rule is ever kept by hand:
//
//   deploy/kubernetes/base/prometheusrule.yaml     the rules as a prometheus-operator PrometheusRule
//   deploy/prometheus/portwatch-vantage.rules.yml  the rules for several vantage points
//
// both from deploy/prometheus/portwatch.rules.yml. Run it after changing that file:
//
//   npm run generate:deploy            write the derived files
//   npm run generate:deploy -- --check exit 1 if they are not up to date (CI)
//
// test/deploy/ regenerates them in memory and fails when the committed files differ.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Document, isMap, isSeq, parseDocument, Scalar } from 'yaml';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const RULES_FILE = 'deploy/prometheus/portwatch.rules.yml';
export const PROMETHEUS_RULE_FILE = 'deploy/kubernetes/base/prometheusrule.yaml';
export const VANTAGE_RULES_FILE = 'deploy/prometheus/portwatch-vantage.rules.yml';

const STRINGIFY = { lineWidth: 0 };

function parseRules(text) {
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) throw new Error(`${RULES_FILE}: ${doc.errors[0].message}`);
  if (!isSeq(doc.get('groups', true))) throw new Error(`${RULES_FILE}: no groups list`);
  return doc;
}

/** The rule map of `alert`, or an error saying this script needs updating. */
function ruleOf(doc, alert) {
  for (const group of doc.get('groups').items) {
    for (const rule of group.get('rules')?.items ?? []) {
      if (isMap(rule) && rule.get('alert') === alert) return rule;
    }
  }
  throw new Error(`${RULES_FILE} has no alert ${alert}; update deploy/generate.mjs to match it`);
}

function header(lines) {
  return [
    `Generated from ${RULES_FILE} by deploy/generate.mjs (npm run generate:deploy).`,
    'Do not edit: change the source file and run the script again.',
    '',
    ...lines,
  ]
    .map((l) => ` ${l}`)
    .join('\n');
}

/** The rule file as a PrometheusRule for the prometheus-operator, comments included. */
export function prometheusRule(rulesText) {
  const rules = parseRules(rulesText);
  const doc = new Document({
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: { name: 'portwatch' },
    spec: {},
  });
  doc.setIn(['spec', 'groups'], rules.get('groups', true));
  doc.commentBefore = header([
    'The rules of portwatch for the prometheus-operator. Your Prometheus resource selects',
    'PrometheusRules by its ruleSelector: add the labels it expects (kube-prometheus-stack:',
    'release: <its release name>) in your overlay.',
  ]);
  return doc.toString(STRINGIFY);
}

// Per port, whatever portwatch and vantage point reported it: the labels a port is known by.
const PORT = 'monitor, host, ip, port, protocol, expected';

const VANTAGE_UNREACHABLE_EXPR = `(
    count by (${PORT}) (port_violation{expected="open"} == 1)
  ==
    count by (${PORT}) (port_violation{expected="open"})
)
* on(${PORT}) group_left(state, reason)
  topk by (${PORT}) (1, port_state_info)
`;

const VANTAGE_UNREACHABLE_COMMENT = [
  ' Vantage variant: fires only when every vantage point that checks the port finds it',
  ' unreachable; one region losing its route to a host is not an outage of the service.',
  ' The value is the number of those vantage points. The series are compared by the labels',
  ' of the port alone (not job, instance, vantage, pod, ...), so the alert carries those;',
  ' state and reason are the ones one of the vantage points saw, for the annotations only.',
  ' A host that resolves to different addresses at different vantage points (geo DNS) is',
  ' compared per address, so such an address is judged by the vantage points that see it.',
].join('\n');

const VANTAGE_UNREACHABLE_ANNOTATIONS = {
  summary:
    'Port {{ $labels.port }}/{{ or $labels.protocol "tcp" }} of {{ $labels.host }}{{ with $labels.ip }} ({{ . }}){{ end }} is unreachable from every vantage point that checks it ({{ $value }}), but monitor {{ $labels.monitor }} expects it open.',
  description:
    'No portwatch vantage point finds port {{ $labels.port }}/{{ or $labels.protocol "tcp" }} of {{ $labels.host }}{{ with $labels.ip }} at address {{ . }}{{ end }} open (monitor {{ $labels.monitor }}): all {{ $value }} that check it find it not open; one of them saw state {{ $labels.state }}, reason {{ $labels.reason }}. Seen from everywhere, the service itself is down or refuses connections, not one network path to it. Clients of this service are likely failing.',
};

const VANTAGE_EXPOSED_COMMENT = [
  ' Vantage variant: the same expression. Each vantage point that finds the port open fires',
  ' its own alert, labelled with its vantage: route exposure seen from the internet apart',
  ' from exposure seen from inside if they matter differently to you.',
].join('\n');

const SEEN_FROM = '{{ with $labels.vantage }} Seen from vantage point {{ . }}.{{ end }}';

/**
 * The rules for portwatch watching from several vantage points, each scrape job giving its
 * series a `vantage` label: PortExposed from any vantage point (with the vantage label, so
 * exposure to the internet and to the office can be routed apart), PortUnreachable only
 * when unreachable from all. Every other rule is the same as in the source file.
 */
export function vantageRules(rulesText) {
  const doc = parseRules(rulesText);
  for (const group of doc.get('groups').items) group.set('name', `${group.get('name')}-vantage`);

  // The security alerts fire per vantage point, each saying where from.
  for (const name of ['PortExposed', 'PortUnexpectedlyOpen']) {
    const exposed = ruleOf(doc, name);
    for (const key of ['summary', 'description']) {
      const node = exposed.getIn(['annotations', key], true);
      if (!(node instanceof Scalar)) throw new Error(`${RULES_FILE}: ${name} has no ${key} annotation`);
      node.value = `${node.value}${SEEN_FROM}`;
    }
    exposed.commentBefore = [exposed.commentBefore, VANTAGE_EXPOSED_COMMENT].filter((c) => c).join('\n\n');
  }

  const unreachable = ruleOf(doc, 'PortUnreachable');
  const expr = new Scalar(VANTAGE_UNREACHABLE_EXPR);
  expr.type = Scalar.BLOCK_LITERAL;
  unreachable.set('expr', expr);
  for (const [key, value] of Object.entries(VANTAGE_UNREACHABLE_ANNOTATIONS)) {
    const node = unreachable.getIn(['annotations', key], true);
    if (!(node instanceof Scalar)) throw new Error(`${RULES_FILE}: PortUnreachable has no ${key} annotation`);
    node.value = value;
  }
  unreachable.commentBefore = VANTAGE_UNREACHABLE_COMMENT;

  // The source's header is about that file; this one gets its own.
  doc.commentBefore = undefined;
  doc.contents.commentBefore = undefined;
  for (const pair of doc.contents.items) pair.key.commentBefore = undefined;
  doc.commentBefore = header([
    'Alert rules for portwatch watching from several vantage points (e.g. two regions), each',
    'scrape job adding a `vantage` label to what it scrapes:',
    '',
    '  scrape_configs:',
    '    - job_name: portwatch-eu',
    '      static_configs: [{ targets: [portwatch.eu.example.com:9798], labels: { vantage: eu } }]',
    '    - job_name: portwatch-us',
    '      static_configs: [{ targets: [portwatch.us.example.com:9798], labels: { vantage: us } }]',
    '',
    'Load this file instead of portwatch.rules.yml, never both, in the Prometheus (or Thanos or',
    'Mimir ruler) that sees the series of all vantage points. It differs in three rules:',
    '  PortExposed      fires for each vantage point that sees the port open, with its vantage',
    '  PortUnexpectedlyOpen  likewise, for ports found by discovery sweeps',
    '  PortUnreachable  fires only when every vantage point checking the port finds it not open',
    'Everything else is as in portwatch.rules.yml, whose comments follow.',
  ]);
  return doc.toString(STRINGIFY);
}

/** Every derived file, path relative to the repository, and its content. */
export function generate(rulesText = readFileSync(new URL(`../${RULES_FILE}`, import.meta.url), 'utf8')) {
  return [
    { path: PROMETHEUS_RULE_FILE, text: prometheusRule(rulesText) },
    { path: VANTAGE_RULES_FILE, text: vantageRules(rulesText) },
  ];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const check = process.argv.includes('--check');
  let stale = 0;
  for (const { path, text } of generate()) {
    const file = new URL(`../${path}`, import.meta.url);
    let current;
    try {
      current = readFileSync(file, 'utf8');
    } catch {
      current = undefined;
    }
    if (current === text) continue;
    if (check) {
      process.stderr.write(`${path} is out of date; run npm run generate:deploy\n`);
      stale += 1;
    } else {
      writeFileSync(file, text);
      process.stdout.write(`wrote ${path}\n`);
    }
  }
  process.exit(stale === 0 ? 0 : 1);
}
