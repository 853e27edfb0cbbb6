import { describe, expect, it } from 'vitest';
import { parseListenAddress } from '../../src/http/listen-address.js';

describe('parseListenAddress', () => {
  it.each([
    [':9798', { host: '::', port: 9798, allInterfaces: true }],
    ['0.0.0.0:9798', { host: '0.0.0.0', port: 9798, allInterfaces: false }],
    ['127.0.0.1:0', { host: '127.0.0.1', port: 0, allInterfaces: false }],
    ['[::1]:9798', { host: '::1', port: 9798, allInterfaces: false }],
    ['[::]:9798', { host: '::', port: 9798, allInterfaces: false }],
    ['[fe80::1%eth0]:80', { host: 'fe80::1%eth0', port: 80, allInterfaces: false }],
    ['localhost:9798', { host: 'localhost', port: 9798, allInterfaces: false }],
    ['exporter-1.example.org:65535', { host: 'exporter-1.example.org', port: 65535, allInterfaces: false }],
  ])('%s', (value, want) => {
    expect(parseListenAddress(value)).toEqual(want);
  });

  it.each([
    ['9798', 'no port'],
    ['', 'no port'],
    ['localhost', 'no port'],
    ['127.0.0.1:', 'port "" is not a number from 0 to 65535'],
    [':65536', 'port "65536" is not a number from 0 to 65535'],
    [':http', 'port "http" is not a number from 0 to 65535'],
    [':-1', 'port "-1" is not a number from 0 to 65535'],
    ['::1:9798', 'an IPv6 address must be written in brackets'],
    ['[::1:9798', 'unbalanced brackets'],
    ['[127.0.0.1]:9798', '"127.0.0.1" is not an IPv6 address'],
    ['198.51.100.999:9798', '"198.51.100.999" is not an IP address or host name'],
    ['bad host:9798', '"bad host" is not an IP address or host name'],
    ['http://localhost:9798', '"http://localhost" is not an IP address or host name'],
  ])('%j fails: %s', (value, why) => {
    expect(() => parseListenAddress(value)).toThrow(`invalid --web.listen-address "${value}": `);
    expect(() => parseListenAddress(value)).toThrow(why);
  });
});
