import { describe, expect, it } from 'vitest';
import { PORT_GROUP_NAMES, PORT_GROUPS, UDP_PORT_GROUPS } from '../../src/config/port-groups.js';
import { formatPortKey, portKey, portOfKey, protocolOfKey } from '../../src/config/port-keys.js';
import { entryKeys, parsePortEntry } from '../../src/config/ports.js';
import type { Protocol } from '../../src/types.js';

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
    expect(parsePortEntry(entry)).toEqual({ ok: true, protocol: 'tcp', ports });
  });

  it.each<[string, Protocol, number[]]>([
    ['53/udp', 'udp', [53]],
    ['53/tcp', 'tcp', [53]],
    ['1000-1003/udp', 'udp', [1000, 1001, 1002, 1003]],
    ['1000-1001/tcp', 'tcp', [1000, 1001]],
    ['web/tcp', 'tcp', [80, 443, 8080, 8443]],
    ['udp-amplification', 'udp', [...UDP_PORT_GROUPS['udp-amplification']!]],
    ['udp-amplification/udp', 'udp', [...UDP_PORT_GROUPS['udp-amplification']!]],
  ])('%j is %s %j', (entry, protocol, ports) => {
    expect(parsePortEntry(entry)).toEqual({ ok: true, protocol, ports });
  });

  it('gives UDP ports as keys after every TCP one, and a TCP entry its own array', () => {
    const tcp = parsePortEntry('1-65535');
    const udp = parsePortEntry('1-2/udp');
    if (!tcp.ok || !udp.ok) throw new Error('both entries are valid');
    expect(entryKeys(tcp)).toBe(tcp.ports);
    expect(entryKeys(udp)).toEqual([65537, 65538]);
    expect(Math.min(...entryKeys(udp))).toBeGreaterThan(Math.max(...entryKeys(tcp)));
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
    ['abc', `unknown port group "abc" (known groups: ${GROUPS})`],
    ['constructor', `unknown port group "constructor" (known groups: ${GROUPS})`],
    ['abc/udp', `unknown port group "abc" (known groups: ${GROUPS})`],
    [
      'udp-amplificaton',
      `unknown port group "udp-amplificaton"; did you mean udp-amplification? (known groups: ${GROUPS})`,
    ],
    ['Databases/tcp', `unknown port group "Databases"; did you mean databases? (known groups: ${GROUPS})`],
    ['53/sctp', 'unknown protocol "sctp" in "53/sctp" (known: tcp, udp)'],
    ['53/UDP', 'unknown protocol "UDP" in "53/UDP"; did you mean udp? (known: tcp, udp)'],
    ['53/tpc', 'unknown protocol "tpc" in "53/tpc"; did you mean tcp? (known: tcp, udp)'],
    ['53/', '"53/" has no protocol after "/": write "53/tcp" or "53/udp"'],
    ['/udp', '"/udp" has no port before "/": write a port, a range "A-B" or a group name, like "53/udp"'],
    ['53/udp/tcp', '"53/udp/tcp" is not a port, a range "A-B" or a group name'],
    ['70000/udp', 'port 70000 is outside 1-65535'],
    ['9-8/udp', 'range "9-8" is reversed; write "8-9"'],
    [
      'udp-amplification/tcp',
      'group "udp-amplification" is UDP ports, not TCP: write "udp-amplification" or "udp-amplification/udp"',
    ],
    ['databases/udp', 'group "databases" is TCP ports, not UDP: write "databases" or "databases/tcp"'],
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

const GROUPS = 'databases, file-sharing, mail, remote-access, udp-amplification, web';

describe('port keys', () => {
  it.each<[Protocol, number, number, string]>([
    ['tcp', 1, 1, '1'],
    ['tcp', 65535, 65535, '65535'],
    ['udp', 1, 65537, '1/udp'],
    ['udp', 65535, 131071, '65535/udp'],
  ])('%s %i is key %i, written %s', (protocol, port, key, written) => {
    expect(portKey(protocol, port)).toBe(key);
    expect(protocolOfKey(key)).toBe(protocol);
    expect(portOfKey(key)).toBe(port);
    expect(formatPortKey(key)).toBe(written);
  });
});

describe('PORT_GROUPS', () => {
  it('holds ports that are valid, sorted and unique', () => {
    for (const ports of [...Object.values(PORT_GROUPS), ...Object.values(UDP_PORT_GROUPS)]) {
      expect(ports.every((p) => Number.isInteger(p) && p >= 1 && p <= 65535)).toBe(true);
      expect([...new Set(ports)].sort((a, b) => a - b)).toEqual(ports);
    }
  });

  it('has the groups and ports the docs promise', () => {
    expect(PORT_GROUP_NAMES).toEqual([
      'databases',
      'file-sharing',
      'mail',
      'remote-access',
      'udp-amplification',
      'web',
    ]);
    expect(PORT_GROUPS['databases']).toEqual(
      expect.arrayContaining([3306, 5432, 6379, 27017, 11211, 9200, 1433, 1521]),
    );
    expect(PORT_GROUPS['remote-access']).toEqual(expect.arrayContaining([23, 3389, 5900]));
    expect(PORT_GROUPS['remote-access']).not.toContain(22);
    expect(PORT_GROUPS['web']).toEqual([80, 443, 8080, 8443]);
    expect(PORT_GROUPS['file-sharing']).toEqual(expect.arrayContaining([21, 139, 445, 2049]));
    // The reflectors of issue 14 and TA14-017A, each at its IANA port.
    expect(UDP_PORT_GROUPS['udp-amplification']).toEqual(
      expect.arrayContaining([17, 19, 53, 111, 123, 137, 161, 389, 1900, 3702, 5353, 11211]),
    );
  });
});
