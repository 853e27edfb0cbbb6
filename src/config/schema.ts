// The config file's shape. Unknown keys are rejected everywhere; defaults are filled in
// before validation; the result is the Config the daemon runs.
import { z } from 'zod';
import { configFindings, duplicateHosts, monitorFindings, type Finding } from './checks.js';
import {
  discoverPortsField,
  durationField,
  type Duration,
  hostField,
  ipFamilyField,
  labelsField,
  nameField,
  portEntryField,
  retriesField,
} from './fields.js';
import { expandHosts } from './blocks.js';
import { hostKey } from './hosts.js';
import { mergeLabels } from './labels.js';
import { filePatternField, sdLabelsField, sdUrlField } from './sd-fields.js';
import type { Shape } from './scalars.js';
import type { Config, DiscoverConfig, MonitorConfig } from './types.js';

export const DEFAULTS = {
  interval: '1h',
  timeout: '3s',
  retries: 2,
  ip_family: 'auto',
  discover_interval: '12h',
  // Prometheus' own defaults for file_sd and http_sd.
  file_sd_refresh_interval: '5m',
  http_sd_refresh_interval: '1m',
} as const;

const LABELS: Shape = { items: 'text' };

/** Where the config holds strings: a number or boolean written there is its text (scalars.ts). */
export const CONFIG_SHAPE: Shape = {
  fields: {
    defaults: { fields: { interval: 'text', timeout: 'text', ip_family: 'text', labels: LABELS } },
    monitors: {
      items: {
        fields: {
          name: 'text',
          hosts: { items: 'text' },
          file_sd_configs: { items: { fields: { files: { items: 'text' }, refresh_interval: 'text' } } },
          http_sd_configs: { items: { fields: { url: 'text', refresh_interval: 'text' } } },
          sd_labels: LABELS,
          interval: 'text',
          timeout: 'text',
          ip_family: 'text',
          labels: LABELS,
          discover: { fields: { ports: 'text', interval: 'text' } },
        },
      },
    },
  },
};

const INTERVAL = ['interval', '1s', '365d'] as const;
const TIMEOUT = ['timeout', '10ms', '5m'] as const;
const interval = durationField(...INTERVAL);
const timeout = durationField(...TIMEOUT);

/** A strict mapping whose unknown-key issue names the keys allowed (positions.ts words the rest). */
function strictMapping<Shape extends z.ZodRawShape>(shape: Shape) {
  const allowed = `allowed: ${Object.keys(shape).join(', ')}`;
  return z.strictObject(shape, { error: (iss) => (iss.code === 'unrecognized_keys' ? allowed : undefined) });
}

function report(findings: Finding[], ctx: z.RefinementCtx): void {
  for (const f of findings) ctx.addIssue({ code: 'custom', path: f.path, message: f.message, continue: true });
}

const always = (): boolean => true;

const defaultsSchema = strictMapping({
  interval: durationField(...INTERVAL, DEFAULTS.interval),
  timeout: durationField(...TIMEOUT, DEFAULTS.timeout),
  retries: retriesField.prefault(DEFAULTS.retries),
  ip_family: ipFamilyField.prefault(DEFAULTS.ip_family),
  labels: labelsField.optional(),
});

const portList = z.array(portEntryField);

const discoverSchema = strictMapping({
  ports: discoverPortsField,
  interval: durationField(...INTERVAL, DEFAULTS.discover_interval),
  allow: portList.optional(),
});

const SD_REFRESH = ['refresh_interval', '1s', '24h'] as const;

const fileSdSchema = strictMapping({
  files: z.array(filePatternField).min(1, 'no files: give at least one pattern like "targets/*.json"'),
  refresh_interval: durationField(...SD_REFRESH, DEFAULTS.file_sd_refresh_interval),
});

const httpSdSchema = strictMapping({
  url: sdUrlField,
  refresh_interval: durationField(...SD_REFRESH, DEFAULTS.http_sd_refresh_interval),
});

const monitorSchema = strictMapping({
  name: nameField,
  hosts: z
    .array(hostField)
    .superRefine((hosts, ctx) => report(duplicateHosts(hosts), ctx), { when: always })
    .optional(),
  file_sd_configs: z.array(fileSdSchema).optional(),
  http_sd_configs: z.array(httpSdSchema).optional(),
  sd_labels: sdLabelsField.optional(),
  interval: interval.optional(),
  timeout: timeout.optional(),
  retries: retriesField.optional(),
  ip_family: ipFamilyField.optional(),
  expect_open: portList.optional(),
  expect_closed: portList.optional(),
  labels: labelsField.optional(),
  discover: discoverSchema.optional(),
}).superRefine((monitor, ctx) => report(monitorFindings(monitor), ctx), { when: always });

export const configSchema = strictMapping({
  defaults: defaultsSchema.prefault({} as z.input<typeof defaultsSchema>),
  monitors: z.array(monitorSchema).min(1, 'no monitors defined'),
})
  .superRefine((config, ctx) => report(configFindings(config), ctx), { when: always })
  .transform(({ defaults, monitors }): Config => ({
    monitors: monitors.map((m): MonitorConfig => {
      const monitor: MonitorConfig = {
        name: m.name,
        hosts: expandHosts(m.hosts ?? [], hostKey),
        intervalMs: (m.interval ?? defaults.interval).ms,
        timeoutMs: (m.timeout ?? defaults.timeout).ms,
        retries: m.retries ?? defaults.retries,
        ipFamily: m.ip_family ?? defaults.ip_family,
        expectOpen: sortedUnique(m.expect_open),
        expectClosed: sortedUnique(m.expect_closed),
      };
      if (m.discover) monitor.discover = discoverConfig(m.discover, monitor);
      if (m.file_sd_configs?.length)
        monitor.fileSd = m.file_sd_configs.map((f) => ({
          files: f.files,
          baseDir: '',
          refreshIntervalMs: f.refresh_interval.ms,
        }));
      if (m.http_sd_configs?.length)
        monitor.httpSd = m.http_sd_configs.map((h) => ({ url: h.url, refreshIntervalMs: h.refresh_interval.ms }));
      if (m.sd_labels && Object.keys(m.sd_labels).length > 0) monitor.sdLabels = m.sd_labels;
      return withLabels(mergeLabels(defaults.labels, m.labels), monitor);
    }),
  }));

/**
 * The sweep leaves out every declared port (expect_open, and expect_closed: an
 * expect_closed port found open is already a violation, one alert is enough) and the allowed ones.
 */
function discoverConfig(
  d: { ports: number[]; interval: Duration; allow?: number[][] | undefined },
  m: MonitorConfig,
): DiscoverConfig {
  const allow = sortedUnique(d.allow);
  const skip = new Set([...m.expectOpen, ...m.expectClosed, ...allow]);
  return { ports: d.ports.filter((p) => !skip.has(p)), intervalMs: d.interval.ms, allow };
}

/** No labels key at all when there are none: a monitor without labels has no empty labels object. */
function withLabels(labels: Record<string, string>, m: MonitorConfig): MonitorConfig {
  return Object.keys(labels).length === 0 ? m : { ...m, labels };
}

function sortedUnique(entries: number[][] | undefined): number[] {
  return [...new Set((entries ?? []).flat())].sort((a, b) => a - b);
}
