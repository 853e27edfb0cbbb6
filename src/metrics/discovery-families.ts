/**
 * The discovery families, written from the store's DiscoveryState at scrape time. They
 * are few (unexpected ports and one series per monitor), so plain strings suffice.
 */
import type { DiscoveryState } from '../state/discovery.js';
import type { Labels } from '../state/labels.js';
import {
  DISCOVERY_LAST_SWEEP_TIMESTAMP,
  DISCOVERY_SWEEP_DURATION,
  PORT_UNEXPECTED_OPEN,
  PORT_UNEXPECTED_OPEN_PORTS,
} from './names.js';
import { escapeLabelValue, familyHeader, formatValue } from './text-format.js';

function extra(labels: Labels): string {
  let out = '';
  for (const name in labels) out += `,${name}="${escapeLabelValue(labels[name]!)}"`;
  return out;
}

/** Nothing at all when no monitor has discovery, so configs without it expose what they always did. */
export function renderDiscoveryFamilies(state: DiscoveryState): string {
  const monitors = state.monitors();
  if (monitors.length === 0) return '';
  const own = new Map(monitors.map((m) => [m, extra(state.labelsOf(m))]));
  const m = (monitor: string): string => `monitor="${escapeLabelValue(monitor)}"${own.get(monitor) ?? ''}`;
  let out = familyHeader(PORT_UNEXPECTED_OPEN, 'gauge');
  for (const u of state.unexpected()) {
    const [monitor, host, ip] = [u.monitor, u.host, u.ip].map(escapeLabelValue);
    const labels = `monitor="${monitor}",host="${host}",ip="${ip}",port="${u.port}",protocol="${u.protocol}"`;
    out += `${PORT_UNEXPECTED_OPEN.name}{${labels}${extra(state.labelsOf(u.monitor, u.host))}} 1\n`;
  }
  out += familyHeader(PORT_UNEXPECTED_OPEN_PORTS, 'gauge');
  for (const [monitor, n] of state.counts()) out += `${PORT_UNEXPECTED_OPEN_PORTS.name}{${m(monitor)}} ${n}\n`;
  // No sample before the first sweep ends: a duration of 0 would be a lie.
  out += familyHeader(DISCOVERY_SWEEP_DURATION, 'gauge');
  for (const monitor of monitors) {
    const last = state.lastSweep(monitor);
    if (last) out += `${DISCOVERY_SWEEP_DURATION.name}{${m(monitor)}} ${formatValue(last.durationSeconds)}\n`;
  }
  out += familyHeader(DISCOVERY_LAST_SWEEP_TIMESTAMP, 'gauge');
  for (const monitor of monitors) {
    const last = state.lastSweep(monitor);
    if (last) out += `${DISCOVERY_LAST_SWEEP_TIMESTAMP.name}{${m(monitor)}} ${formatValue(last.at / 1000)}\n`;
  }
  return out;
}
