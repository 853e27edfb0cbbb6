import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpSd, isTargetGroupsType } from '../../src/sd/http-sd.js';

// Prometheus' http_sd tests (discovery/http/http_test.go) in our words: one HttpSd against a
// real HTTP server on loopback, each answer as Prometheus' tests serve it.

interface Answer {
  status: number;
  type: string;
  body: string;
}

describe("http_sd as Prometheus' tests exercise it", () => {
  let server: Server;
  let answer: Answer = { status: 200, type: 'application/json', body: '[]' };
  let base = '';
  const logs: { msg: string; err?: { message: string }; dropped?: number }[] = [];
  const log = pino(
    { level: 'info' },
    { write: (line: string) => void logs.push(JSON.parse(line) as (typeof logs)[number]) },
  );

  beforeAll(async () => {
    server = createServer((_req, res) => {
      res.writeHead(answer.status, { 'content-type': answer.type });
      res.end(answer.body);
    });
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  function source(): HttpSd {
    return new HttpSd({ url: `${base}/sd`, refreshIntervalMs: 30_000 }, { log, onChange: () => undefined });
  }

  const hostsOf = (sd: HttpSd) => sd.hosts().map((h) => `${h.host} ${JSON.stringify(h.labels)}`);
  const lastError = () => logs.at(-1)?.err?.message;

  it('takes the target groups of a good answer (fixture http_sd.good.json)', async () => {
    answer = {
      status: 200,
      type: 'application/json',
      body: readFileSync(join('test', 'sd', 'fixtures', 'prometheus', 'http_sd.good.json'), 'utf8'),
    };
    const sd = source();
    await sd.refresh();
    expect(hostsOf(sd)).toEqual(['127.0.0.1 {"__meta_datacenter":"bru1"}']);
    expect(sd.statuses()[0]).toMatchObject({ ok: true, failures: 0, hosts: 1 });
  });

  it('fails on a status other than 200, and counts it', async () => {
    answer = { status: 400, type: 'application/json', body: '[]' };
    const sd = source();
    await sd.refresh();
    expect(sd.statuses()[0]).toMatchObject({ ok: false, failures: 1, hosts: 0 });
    expect(lastError()).toBe('the endpoint answered 400 Bad Request');
  });

  it('fails on an answer that is not JSON by its Content-Type, and counts it', async () => {
    answer = { status: 200, type: 'text/plain; charset=utf-8', body: '{}\n' };
    const sd = source();
    await sd.refresh();
    expect(sd.statuses()[0]).toMatchObject({ ok: false, failures: 1 });
    expect(lastError()).toBe(
      'the endpoint answered Content-Type "text/plain; charset=utf-8"; http_sd needs application/json (charset ' +
        'utf-8, ' +
        'if any)',
    );
  });

  // Prometheus' TestContentTypeRegex, and the same types served for real.
  it.each([
    ['application/json;charset=utf-8', true],
    ['application/json;charset=UTF-8', true],
    ['Application/JSON;Charset="utf-8"', true],
    ['application/json; charset="utf-8"', true],
    ['application/json', true],
    ['  application/json  ', true],
    ['application/jsonl; charset="utf-8"', false],
    ['application/json;charset=UTF-9', false],
    ['application /json;charset=UTF-8', false],
    ['application/ json;charset=UTF-8', false],
    ['application/json;', false],
    ['charset=UTF-8', false],
    ['application/json-seq', false],
    ['application/json; charset=iso-8859-1', false],
    ['application/json; charset=utf-8; q=1', false],
  ])('Content-Type %j is taken: %s', async (type, taken) => {
    expect(isTargetGroupsType(type)).toBe(taken);
    answer = { status: 200, type, body: '[{"targets": ["127.0.0.2"]}]' };
    const sd = source();
    await sd.refresh();
    expect(sd.statuses()[0]!.ok).toBe(taken);
  });

  // Prometheus' TestSourceDisappeared: each answer replaces the groups of the one before.
  it.each([
    [
      ['[]', '[]'],
      [[], []],
    ],
    [
      [
        '[{"labels": {"k": "1"}, "targets": ["127.0.0.1"]}]',
        '[{"labels": {"k": "1"}, "targets": ["127.0.0.1"]}, {"labels": {"k": "2"}, "targets": ["127.0.0.1"]}]',
      ],
      [['127.0.0.1 {"k":"1"}'], ['127.0.0.1 {"k":"1"}', '127.0.0.1 {"k":"2"}']],
    ],
    [
      [
        '[{"labels": {"k": "1"}, "targets": ["127.0.0.1"]}, {"labels": {"k": "2"}, "targets": ["127.0.0.1"]}]',
        '[{"labels": {"k": "1"}, "targets": ["127.0.0.1"]}]',
      ],
      [['127.0.0.1 {"k":"1"}', '127.0.0.1 {"k":"2"}'], ['127.0.0.1 {"k":"1"}']],
    ],
    [
      [
        '[{"labels": {"k": "1"}, "targets": ["127.0.0.1"]}, {"labels": {"k": "2"}, "targets": ["127.0.0.1"]}, ' +
          '{"labels": {"k": "3"}, "targets": ["127.0.0.1"]}]',
        '[{"labels": {"k": "1"}, "targets": ["127.0.0.1"]}]',
        '[{"labels": {"k": "v"}, "targets": ["127.0.0.2"]}, {"labels": {"k": "vv"}, "targets": ["127.0.0.3"]}]',
      ],
      [
        ['127.0.0.1 {"k":"1"}', '127.0.0.1 {"k":"2"}', '127.0.0.1 {"k":"3"}'],
        ['127.0.0.1 {"k":"1"}'],
        ['127.0.0.2 {"k":"v"}', '127.0.0.3 {"k":"vv"}'],
      ],
    ],
  ])('answers %j give hosts %j', async (bodies, expected) => {
    const sd = source();
    const seen: string[][] = [];
    for (const body of bodies) {
      answer = { status: 200, type: 'application/json', body: `${body}\n` };
      await sd.refresh();
      seen.push(hostsOf(sd));
    }
    expect(seen).toEqual(expected);
  });

  it('leaves out targets it cannot check, names them, and takes the rest', async () => {
    answer = {
      status: 200,
      type: 'application/json',
      body: '[{"targets": ["127.0.0.2:80", "127.0.0.3:0", "http://127.0.0.4"]}]',
    };
    const sd = source();
    await sd.refresh();
    expect(hostsOf(sd)).toEqual(['127.0.0.2 {}']);
    expect(sd.statuses()[0]).toMatchObject({ ok: true, failures: 0, hosts: 1 });
    expect(logs.at(-1)).toMatchObject({
      msg: 'service discovery targets left out: portwatch cannot check them',
      dropped: 2,
    });
    expect(lastError()).toBe(
      'response:1:31: [0].targets[1]: "127.0.0.3:0": the port must be a number 1-65535\nresponse:1:46: ' +
        '[0].targets[2]: "http://127.0.0.4" is a URL; give "host:port" or a host',
    );
  });
});
