/**
 * Every metric portwatch exports, with its help text, in one place: alert rules,
 * dashboards and the golden tests depend on these exact names. Units are in the names.
 */
export interface MetricName {
  readonly name: string;
  readonly help: string;
}

/** Labels of every per-address port family, in the order they are written. */
export const PORT_LABELS = ['monitor', 'host', 'ip', 'port', 'protocol', 'expected'] as const;

export const PORT_STATE = {
  name: 'port_state',
  help:
    'State of the port at the last check: 1 open, 0 closed, -1 filtered or open|filtered (UDP: no answer), ' +
    '-2 error (not checked). ip is empty when the host did not resolve.',
} as const satisfies MetricName;

export const PORT_STATE_INFO = {
  name: 'port_state_info',
  help: 'Always 1; the state and the reason for it (nmap --reason style) of the last check, as labels.',
} as const satisfies MetricName;

export const PORT_VIOLATION = {
  name: 'port_violation',
  help:
    '1 when the port is not in its expected state (expected open: anything but open; expected closed: ' +
    'open), else 0.',
} as const satisfies MetricName;

export const PORT_VIOLATIONS = {
  name: 'port_violations',
  help: 'Number of addresses of the monitor whose port is not in its expected state, by expectation.',
} as const satisfies MetricName;

export const PORT_STATE_CHANGE_TIMESTAMP = {
  name: 'port_state_change_timestamp_seconds',
  help: 'Unix time of the last confirmed change of state of the port, or of its first check.',
} as const satisfies MetricName;

export const PORT_LAST_PROBE_TIMESTAMP = {
  name: 'port_last_probe_timestamp_seconds',
  help: 'Unix time at which the last check of the port ended.',
} as const satisfies MetricName;

export const PORT_PROBE_DURATION = {
  name: 'port_probe_duration_seconds',
  help: 'Duration of the last probe of the port (TCP: the connect attempt; UDP: request to answer or timeout).',
} as const satisfies MetricName;

export const BUILD_INFO = {
  name: 'portwatch_build_info',
  help: 'Always 1; the portwatch version, the Node.js version it runs on and the TCP probe path, as labels.',
} as const satisfies MetricName;

export const MONITOR_INTERVAL = {
  name: 'portwatch_monitor_interval_seconds',
  help: 'Configured interval between checks of each target of the monitor.',
} as const satisfies MetricName;

export const TARGETS = {
  name: 'portwatch_targets',
  help: 'Configured (host, port, protocol) targets of the monitor.',
} as const satisfies MetricName;

export const PROBES = {
  name: 'portwatch_probes_total',
  help: 'Connect attempts made, by result state.',
} as const satisfies MetricName;

export const PROBE_BACKOFFS = {
  name: 'portwatch_probe_backoffs_total',
  help:
    'Connect attempts postponed and retried because the local system was short of file descriptors, ' +
    'local ports or buffers.',
} as const satisfies MetricName;

export const PROBES_IN_FLIGHT = {
  name: 'portwatch_probes_in_flight',
  help: 'Connect attempts in progress now.',
} as const satisfies MetricName;

export const PROBE_SOCKET_LIMIT = {
  name: 'portwatch_probe_socket_limit',
  help:
    'Connect attempts that may hold a socket at once; below its configured value after the process ran ' +
    'out of file descriptors.',
} as const satisfies MetricName;

export const SHARD_INDEX = {
  name: 'portwatch_shard_index',
  help: 'The shard of the hosts this portwatch checks, from 0 to portwatch_shards - 1 (--shard.index).',
} as const satisfies MetricName;

export const SHARDS = {
  name: 'portwatch_shards',
  help: 'Number of shards the hosts are split into, each checked by one portwatch (--shard.count); 1 when not sharded.',
} as const satisfies MetricName;

export const CONFIG_LAST_RELOAD_SUCCESSFUL = {
  name: 'portwatch_config_last_reload_successful',
  help: 'Whether the last configuration reload attempt was successful.',
} as const satisfies MetricName;

export const CONFIG_LAST_RELOAD_SUCCESS_TIMESTAMP = {
  name: 'portwatch_config_last_reload_success_timestamp_seconds',
  help: 'Unix time of the last successful configuration reload.',
} as const satisfies MetricName;

export const STORAGE_LAST_WRITE_SUCCESSFUL = {
  name: 'portwatch_storage_last_write_successful',
  help: 'Whether the last write of the state kept across restarts (--storage.path) succeeded.',
} as const satisfies MetricName;

export const STORAGE_LAST_WRITE_SUCCESS_TIMESTAMP = {
  name: 'portwatch_storage_last_write_success_timestamp_seconds',
  help: 'Unix time of the last successful write of the state kept across restarts; 0 before the first.',
} as const satisfies MetricName;

/** Labels of port_unexpected_open, in the order they are written (then the monitor's own labels). */
export const UNEXPECTED_LABELS = ['monitor', 'host', 'ip', 'port', 'protocol'] as const;

export const PORT_UNEXPECTED_OPEN = {
  name: 'port_unexpected_open',
  help:
    'Always 1: the port was found open by two discovery sweeps in a row, and the monitor neither expects ' +
    'it open nor allows it. The series is gone when it is not so.',
} as const satisfies MetricName;

export const PORT_UNEXPECTED_OPEN_PORTS = {
  name: 'port_unexpected_open_ports',
  help:
    'Number of ports of the monitor found unexpectedly open by discovery sweeps; 0 for every monitor ' +
    'with discovery.',
} as const satisfies MetricName;

export const DISCOVERY_SWEEP_DURATION = {
  name: 'portwatch_discovery_sweep_duration_seconds',
  help: 'Duration of the last completed discovery sweep of a host of the monitor.',
} as const satisfies MetricName;

export const DISCOVERY_LAST_SWEEP_TIMESTAMP = {
  name: 'portwatch_discovery_last_sweep_timestamp_seconds',
  help: 'Unix time at which the last discovery sweep of a host of the monitor completed.',
} as const satisfies MetricName;

/**
 * Labels of the service-discovery families: `sd` is file or http, `source` the file path or the URL
 * without credentials.
 */
export const SD_LABELS = ['monitor', 'sd', 'source'] as const;

export const SD_HOSTS = {
  name: 'portwatch_sd_hosts',
  help: 'Hosts taken from the service-discovery file or endpoint now: those of its last good read.',
} as const satisfies MetricName;

export const SD_LAST_REFRESH_SUCCESSFUL = {
  name: 'portwatch_sd_last_refresh_successful',
  help:
    'Whether the last read of the service-discovery file or endpoint succeeded; when not, its last good ' +
    'hosts are kept.',
} as const satisfies MetricName;

export const SD_LAST_REFRESH_SUCCESS_TIMESTAMP = {
  name: 'portwatch_sd_last_refresh_success_timestamp_seconds',
  help: 'Unix time of the last good read of the service-discovery file or endpoint.',
} as const satisfies MetricName;

export const SD_REFRESH_FAILURES = {
  name: 'portwatch_sd_refresh_failures_total',
  help:
    'Reads of the service-discovery file or endpoint that failed: unreadable, not answering, or not ' +
    'valid target groups.',
} as const satisfies MetricName;
