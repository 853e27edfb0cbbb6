import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { PORT_GROUPS } from '../../src/config/port-groups.js';
import { WELL_KNOWN_PORTS } from '../../src/config/well-known-ports.js';

const discoverOf = (discover: string, rest = '    expect_open: [22]\n    expect_closed: [3306]\n') =>
  parseConfig(`monitors:\n  - name: web\n    hosts: [www.example.com]\n${rest}    discover: ${discover}\n`, 'pw.yaml')
    .monitors[0]?.discover;

describe('discover config', () => {
  it('sweeps every port but the declared and allowed ones, every 12h by default', () => {
    const d = discoverOf('{ports: all, allow: [web, "8000-8009"]}');
    expect(d?.intervalMs).toBe(12 * 3_600_000);
    expect(d?.allow).toEqual([80, 443, 8000, 8001, 8002, 8003, 8004, 8005, 8006, 8007, 8008, 8009, 8080, 8443]);
    expect(d?.ports).toHaveLength(65535 - 2 - 14);
    for (const p of [22, 3306, 80, 8005]) expect(d?.ports).not.toContain(p);
    expect(d?.ports[0]).toBe(1);
    expect(d?.ports.at(-1)).toBe(65535);
  });

  it('takes ranges and groups as in expect_*, and its own interval', () => {
    expect(discoverOf('{ports: ["20-25", mail, 9200], interval: 6h}')).toEqual({
      ports: [20, 21, 23, 24, 25, 110, 143, 465, 587, 993, 995, 9200],
      intervalMs: 6 * 3_600_000,
      allow: [],
    });
  });

  it('has a well-known list: sorted, unique, every named group in it', () => {
    const d = discoverOf('{ports: well-known}', '');
    expect(d?.ports).toEqual([...WELL_KNOWN_PORTS]);
    expect([...WELL_KNOWN_PORTS].sort((a, b) => a - b)).toEqual([...new Set(WELL_KNOWN_PORTS)]);
    for (const p of Object.values(PORT_GROUPS).flat()) expect(WELL_KNOWN_PORTS).toContain(p);
    for (const p of [22, 2375, 5601, 6443, 9200, 10250, 27017]) expect(WELL_KNOWN_PORTS).toContain(p);
  });

  it('makes a monitor with discovery alone valid, and leaves it out when absent', () => {
    expect(discoverOf('{ports: [22]}', '')?.ports).toEqual([22]);
    const config = parseConfig(
      'monitors:\n  - name: web\n    hosts: [www.example.com]\n    expect_open: [80]\n',
      'pw.yaml',
    );
    expect(config.monitors[0]).not.toHaveProperty('discover');
  });
});
