// A DNS server for resolver tests, run inside a test's network namespace:
//   node zone-server.mjs <control.json>
// It listens on port 53 (UDP and TCP) of every address in the control file's `listen`
// (or on the control file's `port`; 0 picks a free one, printed as "ready <port>")
// and answers from its `zones`, read again at every query so a test changes the answers by
// rewriting the file. A name it does not know is NXDOMAIN, as a cluster DNS answers.
// Every query is appended to "<control.json>.log" as "<server> <udp|tcp> <name> <type>".
//
// control = { listen: ["127.0.0.1", ...], zones: { "*": Zone, "<server address>": Zone },
//             every?: { "<server>": Entry } }
// `every` makes one server answer every query with one entry (a server that only SERVFAILs).
// Zone = { "<name>": { A?, AAAA?, CNAME?, ttl?, rcode?, stall?, delayMs?, dropFirst?, types? } }
// The zone of a server is "*" overlaid with its own. rcode: NOERROR (with no records: NODATA),
// NXDOMAIN, SERVFAIL, REFUSED. stall: never answers. delayMs: answers late. dropFirst: the
// first N queries of each type for the name from each client socket go unanswered (a
// resolver asks again from the same socket; the next lookup comes from a new one). types: { A?: {...}, AAAA?: {...} }
// overrides any of these for queries of one type (an AAAA that SERVFAILs). Answers over 512 bytes (or the
// EDNS size the query offers) go over UDP truncated (TC), whole over TCP.
import dgram from 'node:dgram';
import fs from 'node:fs';
import net from 'node:net';

const file = process.argv[2];
const TYPES = { 1: 'A', 5: 'CNAME', 28: 'AAAA' };
const RCODES = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3, REFUSED: 5 };
const seen = new Map();

function control() {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

function parseQuery(msg) {
  if (msg.length < 12) return undefined;
  let off = 12;
  const labels = [];
  while (off < msg.length && msg[off] !== 0) {
    labels.push(msg.subarray(off + 1, off + 1 + msg[off]).toString('latin1'));
    off += msg[off] + 1;
  }
  off += 1;
  if (off + 4 > msg.length) return undefined;
  const qtype = msg.readUInt16BE(off);
  const question = msg.subarray(12, off + 4);
  // An OPT record in the additional section offers a larger UDP size.
  let udpSize = 512;
  const arcount = msg.readUInt16BE(10);
  if (arcount > 0 && off + 4 + 11 <= msg.length && msg[off + 4] === 0 && msg.readUInt16BE(off + 5) === 41) {
    udpSize = Math.max(512, msg.readUInt16BE(off + 7));
  }
  return {
    id: msg.readUInt16BE(0),
    flags: msg.readUInt16BE(2),
    qtype,
    question,
    name: labels.join('.').toLowerCase(),
    udpSize,
  };
}

function encodeName(name) {
  const parts = name.split('.').filter((p) => p !== '');
  return Buffer.concat([
    ...parts.map((p) => Buffer.concat([Buffer.from([p.length]), Buffer.from(p, 'latin1')])),
    Buffer.from([0]),
  ]);
}

function ipv6Bytes(text) {
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

function record(owner, type, ttl, rdata) {
  const fixed = Buffer.alloc(10);
  fixed.writeUInt16BE(type, 0);
  fixed.writeUInt16BE(1, 2);
  fixed.writeUInt32BE(ttl, 4);
  fixed.writeUInt16BE(rdata.length, 8);
  // The question's name is at offset 12: a compression pointer to it, as servers write it.
  return Buffer.concat([owner === null ? Buffer.from([0xc0, 0x0c]) : encodeName(owner), fixed, rdata]);
}

/** The answer records for `name`, following CNAMEs the zone knows, and the rcode. */
function answer(zone, name, type) {
  const records = [];
  let owner = null;
  let current = name;
  for (let hops = 0; hops < 8; hops++) {
    const entry = zone[current];
    if (entry === undefined) return { rcode: hops === 0 ? RCODES.NXDOMAIN : 0, records };
    if (entry.rcode !== undefined && entry.rcode !== 'NOERROR') return { rcode: RCODES[entry.rcode], records };
    const ttl = entry.ttl ?? 60;
    if (entry.CNAME !== undefined && type !== 5) {
      records.push(record(owner, 5, ttl, encodeName(entry.CNAME)));
      owner = entry.CNAME;
      current = entry.CNAME.toLowerCase();
      continue;
    }
    const list = type === 1 ? entry.A : type === 28 ? entry.AAAA : undefined;
    for (const a of list ?? [])
      records.push(record(owner, type, ttl, type === 1 ? Buffer.from(a.split('.').map(Number)) : ipv6Bytes(a)));
    return { rcode: 0, records };
  }
  return { rcode: RCODES.SERVFAIL, records: [] };
}

function respond(server, proto, msg, send, client) {
  const q = parseQuery(msg);
  if (q === undefined) return;
  const type = TYPES[q.qtype] ?? String(q.qtype);
  fs.appendFileSync(`${file}.log`, `${server} ${proto} ${q.name} ${type}\n`);
  const c = control();
  if (c === undefined) return;
  const zone = { ...(c.zones?.['*'] ?? {}), ...(c.zones?.[server] ?? {}) };
  if (c.every?.[server] !== undefined) zone[q.name] = c.every[server];
  const own = zone[q.name];
  const entry = own?.types?.[type] === undefined ? own : { ...own, ...own.types[type] };
  if (entry !== own) zone[q.name] = entry;
  if (entry?.stall) return;
  const key = `${server} ${client} ${q.name} ${type}`;
  seen.set(key, (seen.get(key) ?? 0) + 1);
  if (entry?.dropFirst !== undefined && seen.get(key) <= entry.dropFirst) return;
  const { rcode, records } = answer(zone, q.name, q.qtype);
  const header = Buffer.alloc(12);
  header.writeUInt16BE(q.id, 0);
  // QR, the query's opcode and RD, AA and RA, the rcode.
  header.writeUInt16BE(0x8000 | (q.flags & 0x7900) | 0x0400 | 0x0080 | rcode, 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(records.length, 6);
  let reply = Buffer.concat([header, q.question, ...records]);
  if (proto === 'udp' && reply.length > q.udpSize) {
    header.writeUInt16BE(header.readUInt16BE(2) | 0x0200, 2);
    header.writeUInt16BE(0, 6);
    reply = Buffer.concat([header, q.question]);
  }
  if (entry?.delayMs) setTimeout(() => send(reply), entry.delayMs);
  else send(reply);
}

function serveUdp(address, port) {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket(net.isIPv6(address) ? 'udp6' : 'udp4');
    socket.on('message', (msg, rinfo) =>
      respond(
        address,
        'udp',
        msg,
        (reply) => socket.send(reply, rinfo.port, rinfo.address),
        `${rinfo.address}:${rinfo.port}`,
      ),
    );
    socket.once('error', reject);
    socket.bind(port, address, () => resolve(socket.address().port));
  });
}

function serveTcp(address, port) {
  const server = net.createServer((conn) => {
    conn.on('error', () => {});
    let buffered = Buffer.alloc(0);
    conn.on('data', (data) => {
      buffered = Buffer.concat([buffered, data]);
      while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
        const msg = buffered.subarray(2, 2 + buffered.readUInt16BE(0));
        buffered = buffered.subarray(2 + msg.length);
        respond(
          address,
          'tcp',
          msg,
          (reply) => {
            const len = Buffer.alloc(2);
            len.writeUInt16BE(reply.length);
            if (!conn.destroyed) conn.write(Buffer.concat([len, reply]));
          },
          `${conn.remoteAddress}:${conn.remotePort}`,
        );
      }
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, address, resolve);
  });
}

const listen = control()?.listen ?? ['127.0.0.1'];
const wanted = control()?.port ?? 53;
// TCP on the port UDP got, so a truncated answer can be asked again where it came from.
const ports = await Promise.all(
  listen.map(async (a) => {
    const port = await serveUdp(a, wanted);
    await serveTcp(a, port);
    return port;
  }),
);
console.log(wanted === 0 ? `ready ${ports[0]}` : 'ready');
