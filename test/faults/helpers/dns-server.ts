import { writeFileSync } from 'node:fs';

// A tiny DNS server for tests, run inside a namespace on 127.0.0.1:53 (node -e DNS_SERVER
// <control file>). Each query reads the control file, so a test changes its behaviour by
// rewriting it: per name, answer (A/AAAA records with a TTL), refuse, stall or nxdomain.
// Every query is appended to "<control file>.log" as "<name> <type>".

export interface NameBehaviour {
  mode: 'answer' | 'refuse' | 'stall' | 'nxdomain';
  A?: string[];
  AAAA?: string[];
  ttl?: number;
}

export type DnsControl = Record<string, NameBehaviour>;

export function writeControl(file: string, control: DnsControl): void {
  // A torn read fails to parse, which the server takes as a stall of that one query.
  writeFileSync(file, JSON.stringify(control));
}

/** How many queries the server has seen for `name` (any type). */
export function queriesFor(log: string, name: string): number {
  return log.split('\n').filter((l) => l.startsWith(`${name} `)).length;
}

export const DNS_SERVER = `
const dgram = require('node:dgram');
const fs = require('node:fs');
const file = process.argv[1];
const TYPES = { 1: 'A', 28: 'AAAA' };

function ipv6Bytes(text) {
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

const socket = dgram.createSocket('udp4');
socket.on('message', (msg, rinfo) => {
  if (msg.length < 12) return;
  let off = 12;
  const labels = [];
  while (off < msg.length && msg[off] !== 0) {
    labels.push(msg.subarray(off + 1, off + 1 + msg[off]).toString());
    off += msg[off] + 1;
  }
  off += 1;
  const qtype = msg.readUInt16BE(off);
  const question = msg.subarray(12, off + 4);
  const name = labels.join('.').toLowerCase();
  const type = TYPES[qtype] || String(qtype);
  fs.appendFileSync(file + '.log', name + ' ' + type + '\\n');
  let control = {};
  try { control = JSON.parse(fs.readFileSync(file, 'utf8')); } catch { return; }
  const b = control[name];
  if (b && b.mode === 'stall') return;
  const rcode = !b || b.mode === 'nxdomain' ? 3 : b.mode === 'refuse' ? 5 : 0;
  const records = rcode === 0 ? (b[type] || []) : [];
  const answers = records.map((addr) => {
    const rdata = type === 'A' ? Buffer.from(addr.split('.').map(Number)) : ipv6Bytes(addr);
    const rr = Buffer.alloc(12);
    rr.writeUInt16BE(0xc00c, 0);
    rr.writeUInt16BE(qtype, 2);
    rr.writeUInt16BE(1, 4);
    rr.writeUInt32BE(b.ttl ?? 60, 6);
    rr.writeUInt16BE(rdata.length, 10);
    return Buffer.concat([rr, rdata]);
  });
  const header = Buffer.alloc(12);
  header.writeUInt16BE(msg.readUInt16BE(0), 0);
  header.writeUInt16BE(0x8000 | (msg.readUInt16BE(2) & 0x0100) | 0x0080 | rcode, 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(answers.length, 6);
  socket.send(Buffer.concat([header, question, ...answers]), rinfo.port, rinfo.address);
});
socket.bind(53, '127.0.0.1', () => console.log('ready'));
`;
