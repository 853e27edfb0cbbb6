import { SocketAddress } from 'node:net';

// DNS messages as a stub resolver writes and reads them (RFC 1035 section 4): one question
// per query, answers read for A, AAAA and the CNAMEs leading to them.

export type RecordType = 'A' | 'AAAA';

export const TYPE_CODE: Readonly<Record<RecordType, number>> = { A: 1, AAAA: 28 };
const CNAME = 5;
const OPT = 41;
const CLASS_IN = 1;
/** The UDP payload glibc offers with `options edns0`. */
const EDNS_SIZE = 1200;
const MAX_POINTER_HOPS = 64;

export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;

const RCODE_CODES = ['', 'EFORMERR', 'ESERVFAIL', 'ENOTFOUND', 'ENOTIMP', 'EREFUSED'];

/** The error code portwatch reports for a reply's rcode, in c-ares' spelling. */
export function rcodeCode(rcode: number): string {
  return RCODE_CODES[rcode] || `ERCODE${rcode}`;
}

export interface ResourceRecord {
  name: string;
  type: number;
  ttl: number;
  /** The address of an A or AAAA record, the target of a CNAME; "" for other types. */
  data: string;
}

export interface DnsResponse {
  id: number;
  rcode: number;
  truncated: boolean;
  authoritative: boolean;
  recursionAvailable: boolean;
  answerCount: number;
  additionalCount: number;
  question: { name: string; type: number; class: number } | undefined;
  answers: ResourceRecord[];
}

/** A name that cannot be written as a query (a label over 63 bytes, an empty label, over 255 bytes). */
export class DnsNameError extends Error {}

/** A query for `name` (absolute, with or without its trailing dot), recursion desired. */
export function encodeQuery(name: string, type: RecordType, id: number, edns: boolean): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(0x0100, 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(edns ? 1 : 0, 10);
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(TYPE_CODE[type], 0);
  tail.writeUInt16BE(CLASS_IN, 2);
  const parts = [header, encodeName(name), tail];
  if (edns) {
    const opt = Buffer.alloc(11);
    opt.writeUInt16BE(OPT, 1);
    opt.writeUInt16BE(EDNS_SIZE, 3);
    parts.push(opt);
  }
  return Buffer.concat(parts);
}

function encodeName(name: string): Buffer {
  const bare = name.endsWith('.') ? name.slice(0, -1) : name;
  if (bare === '') return Buffer.from([0]);
  const labels = bare.split('.').map((l) => Buffer.from(l, 'latin1'));
  if (labels.some((l) => l.length === 0 || l.length > 63))
    throw new DnsNameError(`${name} has an empty or too long label`);
  const out = Buffer.concat([...labels.flatMap((l) => [Buffer.from([l.length]), l]), Buffer.from([0])]);
  if (out.length > 255) throw new DnsNameError(`${name} is longer than 255 bytes`);
  return out;
}

/** The parts of a response a stub resolver reads, or undefined when it is not a well-formed response. */
export function decodeResponse(msg: Buffer): DnsResponse | undefined {
  try {
    return decode(msg);
  } catch (err) {
    if (err instanceof RangeError) return undefined;
    throw err;
  }
}

function decode(msg: Buffer): DnsResponse | undefined {
  if (msg.length < 12) return undefined;
  const flags = msg.readUInt16BE(2);
  if ((flags & 0x8000) === 0) return undefined;
  const qdcount = msg.readUInt16BE(4);
  const answerCount = msg.readUInt16BE(6);
  let off = 12;
  let question: DnsResponse['question'];
  for (let i = 0; i < qdcount; i++) {
    const [name, next] = readName(msg, off);
    question ??= { name, type: msg.readUInt16BE(next), class: msg.readUInt16BE(next + 2) };
    off = next + 4;
  }
  const answers: ResourceRecord[] = [];
  for (let i = 0; i < answerCount; i++) {
    const [name, next] = readName(msg, off);
    const type = msg.readUInt16BE(next);
    const rclass = msg.readUInt16BE(next + 2);
    const ttl = msg.readUInt32BE(next + 4);
    const length = msg.readUInt16BE(next + 8);
    const start = next + 10;
    if (start + length > msg.length) throw new RangeError('record past the end of the message');
    if (rclass === CLASS_IN) answers.push({ name, type, ttl, data: recordData(msg, type, start, length) });
    off = start + length;
  }
  return {
    id: msg.readUInt16BE(0),
    rcode: flags & 0x000f,
    truncated: (flags & 0x0200) !== 0,
    authoritative: (flags & 0x0400) !== 0,
    recursionAvailable: (flags & 0x0080) !== 0,
    answerCount,
    additionalCount: msg.readUInt16BE(10),
    question,
    answers,
  };
}

function recordData(msg: Buffer, type: number, start: number, length: number): string {
  if (type === TYPE_CODE.A && length === 4) return [...msg.subarray(start, start + 4)].join('.');
  if (type === TYPE_CODE.AAAA && length === 16) {
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(msg.readUInt16BE(start + i).toString(16));
    // SocketAddress writes the canonical (RFC 5952) form, as inet_ntop does.
    return new SocketAddress({ address: groups.join(':'), family: 'ipv6' }).address;
  }
  if (type === CNAME) return readName(msg, start)[0];
  return '';
}

/** The name at `off` (lower case, no trailing dot) and the offset after it, following compression pointers. */
function readName(msg: Buffer, off: number): [string, number] {
  const labels: string[] = [];
  let pos = off;
  let end: number | undefined;
  for (let hops = 0; ;) {
    const len = msg.readUInt8(pos);
    if (len === 0) return [labels.join('.').toLowerCase(), end ?? pos + 1];
    if ((len & 0xc0) === 0xc0) {
      if (++hops > MAX_POINTER_HOPS) throw new RangeError('compression pointer loop');
      end ??= pos + 2;
      pos = msg.readUInt16BE(pos) & 0x3fff;
      continue;
    }
    if (len > 63 || pos + 1 + len > msg.length) throw new RangeError('bad label');
    labels.push(msg.toString('latin1', pos + 1, pos + 1 + len));
    pos += 1 + len;
  }
}

/** Whether `response` answers `query`: same id and the same question (names compared without case). */
export function answersQuery(response: DnsResponse, id: number, name: string, type: RecordType): boolean {
  const q = response.question;
  return (
    response.id === id &&
    q !== undefined &&
    q.type === TYPE_CODE[type] &&
    q.class === CLASS_IN &&
    q.name === bareName(name)
  );
}

/**
 * The addresses of `type` a response gives for `name`: records owned by the name or by
 * the CNAME chain that starts at it, as glibc reads an answer section, with the lowest TTL
 * among the records used (undefined when there are none).
 */
export function addressesOf(
  response: DnsResponse,
  name: string,
  type: RecordType,
): { addresses: string[]; ttl: number | undefined } {
  let owner = bareName(name);
  let ttl: number | undefined;
  const addresses: string[] = [];
  for (const rr of response.answers) {
    if (rr.name !== owner) continue;
    if (rr.type === CNAME) {
      owner = rr.data;
      ttl = Math.min(ttl ?? rr.ttl, rr.ttl);
    } else if (rr.type === TYPE_CODE[type] && rr.data !== '') {
      addresses.push(rr.data);
      ttl = Math.min(ttl ?? rr.ttl, rr.ttl);
    }
  }
  return { addresses, ttl: addresses.length > 0 ? ttl : undefined };
}

function bareName(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}
