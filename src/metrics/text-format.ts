/**
 * The pieces of the Prometheus text exposition format (version 0.0.4) that our own
 * serializer needs. Kept apart so the escaping rules are tested on their own.
 */
import type { MetricName } from './names.js';

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

// Most values need no escaping; testing first avoids three replace() passes per label.
const LABEL_SPECIAL = /[\\"\n]/;
const HELP_SPECIAL = /[\\\n]/;

/** Label values escape backslash, double quote and line feed. */
export function escapeLabelValue(value: string): string {
  if (!LABEL_SPECIAL.test(value)) return value;
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** HELP text escapes only backslash and line feed; a double quote stays as it is. */
export function escapeHelp(help: string): string {
  if (!HELP_SPECIAL.test(help)) return help;
  return help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** JavaScript spells the non-finite values differently from Go's ParseFloat. */
export function formatValue(value: number): string {
  if (Number.isFinite(value)) return String(value);
  if (Number.isNaN(value)) return 'NaN';
  return value > 0 ? '+Inf' : '-Inf';
}

export function familyHeader(metric: MetricName, type: 'gauge' | 'counter'): string {
  return `# HELP ${metric.name} ${escapeHelp(metric.help)}\n# TYPE ${metric.name} ${type}\n`;
}
