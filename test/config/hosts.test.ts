import { describe, expect, it } from 'vitest';
import { hostKey, hostProblem } from '../../src/config/hosts.js';

const NOT_A_HOST_NAME =
  'is not a valid host name: ' +
  'each dot-separated label must be 1-63 letters, digits or "-", not starting or ending with "-"';

describe('hostProblem', () => {
  it.each([
    'localhost',
    'www.example.com',
    'WWW.Example.COM',
    'www.example.com.',
    'xn--bcher-kva.example',
    '1password.example.com',
    'a-b.example',
    `${'a'.repeat(63)}.example`,
    '127.0.0.1',
    '198.51.100.7',
    '::1',
    '2001:db8::7',
    '::ffff:192.0.2.1',
    'fe80::1%eth0',
  ])('accepts %s', (host) => {
    expect(hostProblem(host)).toBeUndefined();
  });

  it.each<[unknown, string]>([
    ['', 'host is empty'],
    ['http://x', '"http://x" is a URL; give only the host name or IP address'],
    ['host:80', '"host:80" includes a port; list ports in expect_open or expect_closed'],
    ['192.0.2.1:22', '"192.0.2.1:22" includes a port; list ports in expect_open or expect_closed'],
    ['[::1]', '"[::1]": write IPv6 addresses without brackets'],
    ['2001:db8::g', '"2001:db8::g" is not a valid IPv6 address'],
    ['198.51.100.999', '"198.51.100.999" is not a valid IPv4 address'],
    ['1.2.3', '"1.2.3" is not a valid IPv4 address'],
    ['0198.51.100.1', '"0198.51.100.1" is not a valid IPv4 address'],
    ['a b', `"a b" ${NOT_A_HOST_NAME}`],
    ['-a.example', `"-a.example" ${NOT_A_HOST_NAME}`],
    ['a..example', `"a..example" ${NOT_A_HOST_NAME}`],
    ['.', `"." ${NOT_A_HOST_NAME}`],
    ['under_score.example', `"under_score.example" ${NOT_A_HOST_NAME}`],
    [`${'a'.repeat(64)}.example`, `"${'a'.repeat(57)}..." ${NOT_A_HOST_NAME}`],
    [`${'abcdefghi.'.repeat(25)}example`, 'host name is longer than 253 characters'],
    ['example.123', '"example.123" is not a valid host name: the last label must not be all digits'],
    [80, 'expected a host name or IP address, got number 80'],
    [null, 'expected a host name or IP address, got an empty value'],
  ])('rejects %j', (host, message) => {
    expect(hostProblem(host)).toBe(message);
  });
});

describe('hostKey', () => {
  it('treats spellings of one host alike', () => {
    expect(hostKey('WWW.Example.com.')).toBe(hostKey('www.example.com'));
    expect(hostKey('2001:DB8:0:0::7')).toBe(hostKey('2001:db8::7'));
    expect(hostKey('192.0.2.1')).not.toBe(hostKey('192.0.2.10'));
  });
});
