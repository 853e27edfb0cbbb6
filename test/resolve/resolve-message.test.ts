import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addressesOf, answersQuery, decodeResponse, DnsNameError, encodeQuery } from '../../src/resolve/dns-message.js';

// DNS messages as portwatch writes and reads them (RFC 1035 section 4). Replies from real
// servers (dnsmasq, zone-server.mjs) are read in the resolve-*.test.ts namespace tests;
// here, the replies no server sends: hostile, broken, unusual.

function name(n: string): Buffer {
  return Buffer.concat([
    ...n
      .split('.')
      .filter(Boolean)
      .map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])),
    Buffer.from([0]),
  ]);
}

function rr(owner: Buffer, type: number, ttl: number, rdata: Buffer, rclass = 1): Buffer {
  const fixed = Buffer.alloc(10);
  fixed.writeUInt16BE(type, 0);
  fixed.writeUInt16BE(rclass, 2);
  fixed.writeUInt32BE(ttl, 4);
  fixed.writeUInt16BE(rdata.length, 8);
  return Buffer.concat([owner, fixed, rdata]);
}

/** A reply to "qname A" with id 7 and the given answer records. */
function reply(qname: string, answers: Buffer[], flags = 0x8180): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(7, 0);
  header.writeUInt16BE(flags, 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(answers.length, 6);
  return Buffer.concat([header, name(qname), Buffer.from([0, 1, 0, 1]), ...answers]);
}

const POINTER_TO_QNAME = Buffer.from([0xc0, 0x0c]);

describe('DNS messages', () => {
  it('writes a query glibc would write: RD set, one question, an OPT record with edns0', () => {
    const q = encodeQuery('Web.Example.', 'AAAA', 0x1234, false);
    expect(q.toString('hex')).toBe(`123401000001000000000000${name('Web.Example').toString('hex')}001c0001`);
    const edns = encodeQuery('web.example', 'A', 1, true);
    expect(edns.readUInt16BE(10)).toBe(1);
    // Root name, type OPT (41), a UDP payload of 1200 bytes, no extended flags, no options.
    expect(edns.subarray(-11).toString('hex')).toBe(['00', '0029', '04b0', '00000000', '0000'].join(''));
  });

  it('refuses names no query can carry', () => {
    expect(() => encodeQuery('a..b', 'A', 1, false)).toThrow(DnsNameError);
    expect(() => encodeQuery(`${'x'.repeat(64)}.example`, 'A', 1, false)).toThrow(DnsNameError);
    expect(() => encodeQuery(Array.from({ length: 130 }, () => 'ab').join('.'), 'A', 1, false)).toThrow(DnsNameError);
  });

  it('reads the records of the name and of its CNAME chain, with the lowest TTL, not those of others', () => {
    const msg = reply('www.example', [
      rr(POINTER_TO_QNAME, 5, 300, name('edge.example')),
      rr(name('edge.example'), 1, 30, Buffer.from([192, 0, 2, 1])),
      rr(name('other.example'), 1, 5, Buffer.from([192, 0, 2, 66])),
      rr(name('edge.example'), 28, 60, Buffer.from('20010db8000000000000000000000001', 'hex')),
      rr(name('edge.example'), 1, 3600, Buffer.from([192, 0, 2, 2]), 3),
    ]);
    const response = decodeResponse(msg)!;
    expect(answersQuery(response, 7, 'WWW.example.', 'A')).toBe(true);
    expect(answersQuery(response, 8, 'www.example', 'A')).toBe(false);
    expect(addressesOf(response, 'www.example', 'A')).toEqual({ addresses: ['192.0.2.1'], ttl: 30 });
    expect(addressesOf(response, 'www.example', 'AAAA')).toEqual({ addresses: ['2001:db8::1'], ttl: 60 });
    expect(addressesOf(response, 'edge.example', 'A')).toEqual({ addresses: ['192.0.2.1'], ttl: 30 });
  });

  it.each<[string, Buffer]>([
    ['a query, not a reply', reply('a.example', [], 0x0100)],
    [
      'a question whose name points at itself',
      Buffer.concat([reply('a.example', []).subarray(0, 12), POINTER_TO_QNAME, Buffer.from([0, 1, 0, 1])]),
    ],
    [
      'a record running past the end',
      reply('a.example', [rr(POINTER_TO_QNAME, 1, 1, Buffer.from([192, 0, 2, 1])).subarray(0, 13)]),
    ],
    ['a header alone, shorter than 12 bytes', Buffer.from([0, 7, 0x81, 0x80])],
  ])('reads %s as no reply', (_, msg) => {
    expect(decodeResponse(msg)).toBeUndefined();
  });

  it('never throws on arbitrary bytes', () => {
    const valid = reply('a.example', [rr(POINTER_TO_QNAME, 1, 1, Buffer.from([192, 0, 2, 1]))]);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.nat(valid.length), (bytes, cut) => {
        decodeResponse(Buffer.from(bytes));
        // A real reply cut short or with bytes flipped: still no exception.
        const mangled = Buffer.concat([valid.subarray(0, cut), Buffer.from(bytes.subarray(0, 8))]);
        decodeResponse(mangled);
      }),
      { numRuns: 3000 },
    );
  });
});
