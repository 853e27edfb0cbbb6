import { describe, expect, it } from 'vitest';
import { generate, PROMETHEUS_RULE_FILE, RULES_FILE, VANTAGE_RULES_FILE } from '../../deploy/generate.mjs';
import { read, readYaml } from './files.js';

// The PrometheusRule and the vantage rules are derived from the one rule file; the committed
// copies must be exactly what deploy/generate.mjs makes of it now.

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface RuleFile {
  groups: { name: string; rules: Rule[] }[];
}

describe('files generated from the rule file', () => {
  it.each(generate().map((g) => [g.path, g.text] as const))(
    '%s is up to date (else: npm run generate:deploy)',
    (path, text) => {
      expect(
        read(path),
        `${path} differs from what deploy/generate.mjs makes of ${RULES_FILE}; run npm run generate:deploy`,
      ).toBe(text);
    },
  );

  it('the PrometheusRule holds exactly the groups of the rule file', () => {
    const rule = readYaml<{ apiVersion: string; kind: string; metadata: { name: string }; spec: RuleFile }>(
      PROMETHEUS_RULE_FILE,
    );
    expect(rule.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(rule.kind).toBe('PrometheusRule');
    expect(rule.spec).toEqual(readYaml<RuleFile>(RULES_FILE));
  });

  it(
    'the vantage rules differ from the rule file only in the annotations of the security alerts ' +
      'and PortUnreachable',
    () => {
      const base = readYaml<RuleFile>(RULES_FILE).groups.flatMap((g) => g.rules);
      const vantage = readYaml<RuleFile>(VANTAGE_RULES_FILE).groups.flatMap((g) => g.rules);
      expect(vantage.map((r) => r.alert)).toEqual(base.map((r) => r.alert));
      for (const [i, v] of vantage.entries()) {
        const b = base[i]!;
        if (v.alert === 'PortUnreachable') {
          expect(v.expr).not.toBe(b.expr);
          expect(v.expr).toMatch(/count by \(monitor, host, ip, port, protocol, expected\)/);
          expect({ ...v.labels, for: v.for, runbook: v.annotations?.['runbook_url'] }).toEqual({
            ...b.labels,
            for: b.for,
            runbook: b.annotations?.['runbook_url'],
          });
        } else if (v.alert === 'PortExposed' || v.alert === 'PortUnexpectedlyOpen') {
          expect({ ...v, annotations: undefined }).toEqual({ ...b, annotations: undefined });
          expect(v.annotations?.['summary']).toBe(
            `${b.annotations?.['summary']}{{ with $labels.vantage }} Seen from vantage point {{ . }}.{{ end }}`,
          );
        } else {
          expect(v).toEqual(b);
        }
      }
    },
  );
});
