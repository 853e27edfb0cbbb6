import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.js';
import { loadConfigFile } from '../../src/config/load.js';

// Each file in invalid/ has exactly one problem; here is its message after "<file>:".
const EXPECTED: Record<string, string> = {
  // YAML itself
  'syntax-error.yaml':
    '1:12: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]',
  'duplicate-key.yaml': '3:5: duplicate key "name"; it is already at line 2',
  // Keys compare as text, as Go's YAML reader compares them.
  'duplicate-key-as-text.yaml': '7:7: duplicate key "1"; it is already at line 6',
  'key-a-list.yaml': '6:9: a key must be a single value, not a list or a mapping',
  // One problem for a file indented with tabs, at the first tab, however many lines have one.
  'tab-indent.yaml':
    '3:1: this line is indented with a tab (2 lines in all); YAML allows only spaces for indentation: indent with ' +
    'spaces',
  // The config is UTF-8, as Go's YAML reader wants Prometheus files to be.
  'not-utf8.yaml': '5:21: the file is not UTF-8 text; save it as UTF-8',
  'two-documents.yaml': '5:1: the file holds more than one YAML document ("---"); portwatch reads one',
  'unknown-tag.yaml': '4:18: unknown tag !ports; portwatch reads plain YAML values',
  'unresolved-alias.yaml':
    '4:18: unknown alias *web_ports: its anchor (&web_ports) must come before it, outside of what it names',
  'empty.yaml': '1:1: file is empty; expected a mapping with a "monitors" list',
  'comments-only.yaml': '1:1: file is empty; expected a mapping with a "monitors" list',
  // structure
  'not-a-mapping.yaml': '1:1: expected a mapping, got a list',
  'monitors-missing.yaml': '1:1: monitors: missing required key "monitors"',
  'monitors-empty.yaml': '3:11: monitors: no monitors defined',
  'monitor-not-a-mapping.yaml': '2:5: monitors[0]: expected a mapping, got string "web"',
  'unknown-top-key.yaml': '5:1: listen: unknown key "listen" (allowed: defaults, monitors)',
  'unknown-defaults-key.yaml':
    '2:3: defaults.intervall: unknown key "intervall"; did you mean interval? (allowed: interval, timeout, retries, ' +
    'ip_family, labels)',
  'unknown-key-suggestion.yaml':
    '7:5: monitors[0].expect_close: unknown key "expect_close"; did you mean expect_closed? (allowed: name, hosts, ' +
    'file_sd_configs, http_sd_configs, sd_labels, interval, timeout, retries, ip_family, expect_open, ' +
    'expect_closed, labels, discover)',
  'unknown-monitor-key.yaml':
    '5:5: monitors[0].colour: unknown key "colour" (allowed: name, hosts, file_sd_configs, http_sd_configs, ' +
    'sd_labels, interval, timeout, retries, ip_family, expect_open, expect_closed, labels, discover)',
  // names
  'name-missing.yaml': '2:5: monitors[0].name: missing required key "name"',
  'name-invalid.yaml':
    '2:11: monitors[0].name: monitor name "my web" may only contain letters, digits, "_", "." and "-"',
  'duplicate-monitor-name.yaml': '5:11: monitors[1].name: duplicate monitor name "web"; already used by monitors[0]',
  // hosts
  'hosts-missing.yaml': '2:5: monitors[0]: monitor has no hosts: give hosts, file_sd_configs or http_sd_configs',
  'hosts-empty.yaml': '3:12: monitors[0].hosts: monitor has no hosts: give hosts, file_sd_configs or http_sd_configs',
  'hosts-not-a-list.yaml': '3:12: monitors[0].hosts: expected a list, got string "www.example.com"',
  'host-empty.yaml': '3:30: monitors[0].hosts[1]: host is empty',
  'host-url.yaml':
    '3:30: monitors[0].hosts[1]: "http://www.example.com" is a URL; give only the host name or IP address',
  'host-with-port.yaml':
    '3:30: monitors[0].hosts[1]: "www.example.com:8080" includes a port; list ports in expect_open or expect_closed',
  'host-space.yaml':
    '3:30: monitors[0].hosts[1]: "www example.com" is not a valid host name: each dot-separated label must be 1-63 ' +
    'letters, digits or "-", not starting or ending with "-"',
  'host-bad-label.yaml':
    '3:30: monitors[0].hosts[1]: "bad_name.example.com" is not a valid host name: each dot-separated label must be ' +
    '1-63 letters, digits or "-", not starting or ending with "-"',
  'host-bad-ipv4.yaml': '3:30: monitors[0].hosts[1]: "198.51.100.999" is not a valid IPv4 address',
  'host-ipv6-brackets.yaml': '3:30: monitors[0].hosts[1]: "[2001:db8::7]": write IPv6 addresses without brackets',
  'host-duplicate.yaml': '3:30: monitors[0].hosts[1]: duplicate host "WWW.Example.COM"; already listed as hosts[0]',
  'host-duplicate-ipv6.yaml':
    '3:45: monitors[0].hosts[2]: duplicate host "2001:DB8:0:0::7"; already listed as hosts[1]',
  // ports
  'no-ports.yaml': '2:5: monitors[0]: monitor checks no ports: give expect_open, expect_closed or both',
  'ports-not-a-list.yaml': '4:18: monitors[0].expect_open: expected a list, got number 80',
  'port-too-large.yaml': '4:32: monitors[0].expect_open[3]: port 70000 is outside 1-65535',
  'port-zero.yaml': '4:21: monitors[0].expect_closed[0]: port 0 is outside 1-65535',
  'port-negative.yaml': '4:21: monitors[0].expect_closed[0]: port -1 is outside 1-65535',
  'port-fraction.yaml': '4:19: monitors[0].expect_open[0]: port 1.5 is not a whole number',
  'port-boolean.yaml':
    '4:19: monitors[0].expect_open[0]: expected a port, a range "A-B" or a group name, got boolean true',
  'port-not-a-port.yaml': '4:19: monitors[0].expect_open[0]: "80:443" is not a port, a range "A-B" or a group name',
  // the protocol after a port, a range or a group
  'protocol-unknown.yaml': '4:23: monitors[0].expect_open[1]: unknown protocol "sctp" in "53/sctp" (known: tcp, udp)',
  'protocol-misspelt.yaml':
    '4:21: monitors[0].expect_closed[0]: unknown protocol "upd" in "1000-1010/upd"; did you mean udp? (known: tcp, ' +
    'udp)',
  'protocol-missing.yaml':
    '4:21: monitors[0].expect_closed[0]: "53/" has no protocol after "/": write "53/tcp" or "53/udp"',
  'protocol-without-port.yaml':
    '4:21: monitors[0].expect_closed[0]: "/udp" has no port before "/": write a port, a range "A-B" or a group ' +
    'name, like "53/udp"',
  'group-other-protocol.yaml':
    '4:21: monitors[0].expect_closed[0]: group "udp-amplification" is UDP ports, not TCP: write ' +
    '"udp-amplification" or "udp-amplification/udp"',
  'group-tcp-as-udp.yaml':
    '4:21: monitors[0].expect_closed[0]: group "databases" is TCP ports, not UDP: write "databases" or ' +
    '"databases/tcp"',
  'discover-allow-bad-protocol.yaml':
    '7:15: monitors[0].discover.allow[0]: unknown protocol "ntp" in "123/ntp" (known: tcp, udp)',
  'unknown-group.yaml':
    '4:21: monitors[0].expect_closed[0]: unknown port group "databse"; did you mean databases? (known groups: ' +
    'databases, file-sharing, mail, ' +
    'remote-access, udp-amplification, web)',
  'range-reversed.yaml': '4:19: monitors[0].expect_open[0]: range "90-80" is reversed; write "80-90"',
  'range-out-of-bounds.yaml': '4:19: monitors[0].expect_open[0]: port 70000 in range "65000-70000" is outside 1-65535',
  'open-and-closed.yaml':
    '5:21: monitors[0].expect_closed[0]: port 22 is also in expect_open[2]; a port cannot be expected both open and ' +
    'closed',
  // Disjoint per protocol: TCP 53 open beside the UDP group closed is fine; 53/udp open is not.
  'open-and-closed-udp.yaml':
    '5:21: monitors[0].expect_closed[0]: port 53/udp is also in expect_open[0]; a port cannot be expected both ' +
    'open and closed',
  // durations and retries
  'interval-zero.yaml': '2:13: defaults.interval: invalid duration "0s": must be greater than zero',
  'interval-too-long.yaml': '2:13: defaults.interval: interval "400d" is outside 1s-365d',
  'interval-absurd.yaml': '2:13: defaults.interval: interval "99999999999999999999999y" is outside 1s-365d',
  'interval-bad-syntax.yaml':
    '2:13: defaults.interval: invalid duration "5 min": expected numbers with units ms, s, m, h, d, w or y, like ' +
    '"30s" or "1h30m"',
  'interval-wrong-order.yaml':
    '2:13: defaults.interval: invalid duration "30m1h": units must go from the largest to the smallest, each once, ' +
    'like "1h30m"',
  // A number where a string is expected is its text, as Go's YAML reader makes it.
  'interval-number.yaml': '2:13: defaults.interval: invalid duration "60": a number needs a unit, like "60s"',
  'timeout-too-short.yaml': '2:12: defaults.timeout: timeout "1ms" is outside 10ms-5m',
  'timeout-too-long.yaml': '2:12: defaults.timeout: timeout "10m" is outside 10ms-5m',
  'timeout-not-shorter.yaml': '5:14: monitors[0].timeout: timeout "5s" must be shorter than interval "5s"',
  // Each duration as written, never in another unit.
  'timeout-other-unit.yaml': '5:14: monitors[0].timeout: timeout "1m" must be shorter than interval "60s"',
  'timeout-not-shorter-than-defaults.yaml':
    '6:14: monitors[0].timeout: timeout "30000ms" must be shorter than interval "30s" (from defaults)',
  'interval-shorter-than-default-timeout.yaml':
    '4:15: monitors[0].interval: interval "2s" must be longer than the default timeout 3s',
  'defaults-timeout-not-shorter.yaml': '3:12: defaults.timeout: timeout "2m" must be shorter than interval "1m"',
  'retries-too-many.yaml': '2:12: defaults.retries: retries 11 is outside 0-10',
  'retries-fraction.yaml': '2:12: defaults.retries: retries 1.5 is not a whole number',
  // address families
  'ip-family-unknown.yaml': '4:16: monitors[0].ip_family: ip_family must be one of auto, ipv4, ipv6, dual, got "ip4"',
  'ip-family-excludes-literal.yaml':
    '3:30: monitors[0].hosts[1]: "2001:db8::7" is an IPv6 address, but ip_family is ipv4',
  'ip-family-default-excludes-literal.yaml':
    '5:30: monitors[0].hosts[1]: "198.51.100.7" is an IPv4 address, but ip_family is ipv6',
  // address blocks
  'block-too-large-ipv4.yaml':
    '3:30: monitors[0].hosts[1]: "127.0.0.0/8" is too large: IPv4 blocks may be at most /16 (65,536 addresses)',
  'block-too-large-ipv6.yaml':
    '3:31: monitors[0].hosts[1]: "2001:db8:1::/64" is too large: IPv6 blocks may be at most /120 (256 addresses)',
  'block-bad-prefix.yaml':
    '3:30: monitors[0].hosts[1]: "198.51.100.0/33": the prefix length must be a whole number 0-32',
  'block-host-bits.yaml':
    '3:13: monitors[0].hosts[0]: "198.51.100.7/24" has host bits set; the block is "198.51.100.0/24"',
  'block-family-excluded.yaml':
    '3:30: monitors[0].hosts[1]: "2001:db8::/124" is an IPv6 address block, but ip_family is ipv4',
  'too-many-targets.yaml':
    '2:3: monitors: the monitors make 5,963,776 host:port targets (address blocks expanded); portwatch checks ' +
    'at most ' +
    '1,000,000: use smaller blocks or fewer ports',
  // labels
  'label-name-invalid.yaml':
    '5:30: monitors[0].labels.cost-centre: label name "cost-centre" may only contain letters, digits and "_", and ' +
    'must not start with a digit',
  'label-name-reserved.yaml':
    '6:7: monitors[0].labels.__address__: label name "__address__" starts with "__", which Prometheus reserves for ' +
    'its own use',
  'label-name-built-in.yaml':
    '7:7: monitors[0].labels.host: label name "host" is a label portwatch sets itself (monitor, host, ip, port, ' +
    'protocol, expected, state, reason)',
  'label-name-job.yaml':
    '3:5: defaults.labels.job: label name "job" is set by Prometheus on every scrape, which would rename this one to ' +
    '"exported_job"; choose another name',
  'label-value-list.yaml': '6:13: monitors[0].labels.tier: label "tier" must have a string value, got a list',
  'label-value-empty.yaml':
    '6:13: monitors[0].labels.team: label "team" has an empty value, which Prometheus treats as no label; leave it out',
  'labels-not-a-mapping.yaml': '5:13: monitors[0].labels: expected a mapping of label names to values, got a list',
  // discovery
  'discover-not-a-mapping.yaml': '5:15: monitors[0].discover: expected a mapping, got string "all"',
  'discover-unknown-key.yaml': '7:7: monitors[0].discover.every: unknown key "every" (allowed: ports, interval, allow)',
  'discover-ports-missing.yaml': '6:7: monitors[0].discover.ports: missing required key "ports"',
  'discover-ports-unknown-word.yaml':
    '6:14: monitors[0].discover.ports: expected all, well-known or a list of ports, ranges "A-B" and group ' +
    'names, got ' +
    '"everything"',
  'discover-ports-empty.yaml':
    '6:14: monitors[0].discover.ports: no ports to discover: give all, well-known or at least one port',
  'discover-port-reversed.yaml':
    '6:19: monitors[0].discover.ports[1]: range "9000-8000" is reversed; write "8000-9000"',
  'discover-interval-too-short.yaml': '7:17: monitors[0].discover.interval: interval "500ms" is outside 1s-365d',
  'discover-allow-out-of-range.yaml': '7:19: monitors[0].discover.allow[1]: port 70000 is outside 1-65535',
  // service discovery
  'sd-file-wildcard-directory.yaml':
    '4:33: monitors[0].file_sd_configs[0].files[1]: "zones/*/hosts.json": wildcards are allowed only in the file ' +
    'name, not in its directories',
  'sd-file-bad-extension.yaml':
    '4:17: monitors[0].file_sd_configs[0].files[0]: "targets/*.txt" must end in .json, .yml or .yaml',
  'sd-file-unclosed-bracket.yaml':
    '4:17: monitors[0].file_sd_configs[0].files[0]: "targets/web-[ab.json" has a "[" without its closing "]"',
  'sd-files-empty.yaml':
    '4:16: monitors[0].file_sd_configs[0].files: no files: give at least one pattern like "targets/*.json"',
  'sd-file-unknown-key.yaml':
    '5:9: monitors[0].file_sd_configs[0].refresh: unknown key "refresh"; did you mean refresh_interval? (allowed: ' +
    'files, refresh_interval)',
  'sd-url-not-http.yaml':
    '4:14: monitors[0].http_sd_configs[0].url: "ftp://sd.example.com/targets": the URL must start with http:// or ' +
    'https://',
  'sd-url-not-a-url.yaml':
    '4:14: monitors[0].http_sd_configs[0].url: "sd.example.com/targets" is not a URL; give a full URL like ' +
    '"http://sd.example.com/targets"',
  'sd-url-fragment.yaml':
    '4:14: monitors[0].http_sd_configs[0].url: "http://sd.example.com/targets#web": a URL fragment ("#...") is never ' +
    'sent; leave it out',
  'sd-refresh-too-short.yaml':
    '5:27: monitors[0].http_sd_configs[0].refresh_interval: refresh_interval "500ms" is outside 1s-24h',
  'sd-labels-without-sd.yaml':
    '5:7: monitors[0].sd_labels: sd_labels without file_sd_configs or http_sd_configs: there is no service discovery ' +
    'to take labels from',
  'sd-labels-built-in.yaml':
    '7:7: monitors[0].sd_labels.host: label name "host" is a label portwatch sets itself (monitor, host, ip, port, ' +
    'protocol, expected, state, reason)',
  'sd-labels-empty-source.yaml': '6:13: monitors[0].sd_labels.team: the name of the service-discovery label is empty',
};

const DIR = join('test', 'config', 'invalid');

describe('invalid config files', () => {
  it('has an expected message for every file, and a file for every message', () => {
    expect(
      readdirSync(DIR)
        .filter((f) => f.endsWith('.yaml'))
        .sort(),
    ).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(Object.entries(EXPECTED))('%s', async (name, expected) => {
    const file = join(DIR, name);
    const err: unknown = await loadConfigFile(file).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toBe(`${file}:${expected}`);
    expect((err as ConfigError).problems).toHaveLength(1);
  });
});
