import { describe, expect, it } from 'vitest';
import { PORT_GROUP_NAMES, PORT_GROUPS } from '../../src/config/port-groups.js';
import { parsePortEntry } from '../../src/config/ports.js';

describe('parsePortEntry', () => {
  it.each<[unknown, number[]]>([
    [22, [22]],
    [1, [1]],
    [65535, [65535]],
    ['443', [443]],
    ['0080', [80]],
    ['8000-8003', [8000, 8001, 8002, 8003]],
    ['7-7', [7]],
    ['web', [80, 443, 8080, 8443]],
  ])('%j is %j', (entry, ports) => {
    expect(parsePortEntry(entry)).toEqual({ ok: true, ports });
  });

  it('expands the full range', () => {
    const r = parsePortEntry('1-65535');
    expect(r.ok && r.ports.length).toBe(65535);
  });

  it.each<[unknown, string]>([
    [0, 'port 0 is outside 1-65535'],
    [70000, 'port 70000 is outside 1-65535'],
    ['70000', 'port 70000 is outside 1-65535'],
    [-1, 'port -1 is outside 1-65535'],
    [1.5, 'port 1.5 is not a whole number'],
    ['90-80', 'range "90-80" is reversed; write "80-90"'],
    ['0-10', 'port 0 in range "0-10" is outside 1-65535'],
    ['abc', 'unknown port group "abc"; known groups: databases, file-sharing, mail, remote-access, web'],
    [
      'constructor',
      'unknown port group "constructor"; known groups: databases, file-sharing, mail, remote-access, web',
    ],
    ['', '"" is not a port, a range "A-B" or a group name'],
    [' 80', '" 80" is not a port, a range "A-B" or a group name'],
    ['80-', '"80-" is not a port, a range "A-B" or a group name'],
    [true, 'expected a port, a range "A-B" or a group name, got boolean true'],
    [null, 'expected a port, a range "A-B" or a group name, got an empty value'],
    [[80], 'expected a port, a range "A-B" or a group name, got a list'],
    [{ port: 80 }, 'expected a port, a range "A-B" or a group name, got a mapping'],
  ])('rejects %j', (entry, message) => {
    expect(parsePortEntry(entry)).toEqual({ ok: false, message });
  });
});

describe('PORT_GROUPS', () => {
  it('holds ports that are valid, sorted and unique', () => {
    for (const ports of Object.values(PORT_GROUPS)) {
      expect(ports.every((p) => Number.isInteger(p) && p >= 1 && p <= 65535)).toBe(true);
      expect([...new Set(ports)].sort((a, b) => a - b)).toEqual(ports);
    }
  });

  it('has the groups and ports the docs promise', () => {
    expect(PORT_GROUP_NAMES).toEqual(['databases', 'file-sharing', 'mail', 'remote-access', 'web']);
    expect(PORT_GROUPS['databases']).toEqual(
      expect.arrayContaining([3306, 5432, 6379, 27017, 11211, 9200, 1433, 1521]),
    );
    expect(PORT_GROUPS['remote-access']).toEqual(expect.arrayContaining([23, 3389, 5900]));
    expect(PORT_GROUPS['remote-access']).not.toContain(22);
    expect(PORT_GROUPS['web']).toEqual([80, 443, 8080, 8443]);
    expect(PORT_GROUPS['file-sharing']).toEqual(expect.arrayContaining([21, 139, 445, 2049]));
  });
});
