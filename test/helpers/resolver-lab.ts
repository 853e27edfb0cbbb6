import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { hostSources } from '../../src/resolve/nsswitch.js';
import { parseResolvConf } from '../../src/resolve/resolv-conf.js';
import type { Resolution, Want } from '../../src/resolve/resolve.js';
import type { SystemView } from '../../src/resolve/system-files.js';
import { netnsSkipReason, type Namespaces } from './netns.js';
import { READY_MS } from './ready.js';

// A network namespace set up like a pod or a machine for resolver tests: its own
// resolv.conf, hosts and nsswitch.conf (bind-mounted over /etc by `ip netns exec`), and a
// DNS server of the test's own inside it, either test/helpers/zone-server.mjs (every
// failure mode on demand) or Debian's dnsmasq. Names are resolved only in there, by
// getent (glibc's getaddrinfo) and by portwatch's Resolver from dist/, so the two can be
// compared on the same files, the same server and the same answers.

const ZONE_SERVER = fileURLToPath(new URL('./zone-server.mjs', import.meta.url));
const RESOLVE_JS = fileURLToPath(new URL('../../dist/resolve/resolve.js', import.meta.url));

export interface ZoneEntry {
  A?: string[];
  AAAA?: string[];
  CNAME?: string;
  ttl?: number;
  rcode?: 'NOERROR' | 'NXDOMAIN' | 'SERVFAIL' | 'REFUSED';
  stall?: boolean;
  delayMs?: number;
  dropFirst?: number;
  /** Overrides for queries of one type. */
  types?: Partial<Record<'A' | 'AAAA', Omit<ZoneEntry, 'types'>>>;
}

/** What zone-server.mjs answers: per name, for every server ("*") or one server address. */
export interface ZoneControl {
  listen: string[];
  zones: Record<string, Record<string, ZoneEntry>>;
  /** One entry that a server answers every query with. */
  every?: Record<string, ZoneEntry>;
}

export interface LookupOptions {
  want?: Want;
  env?: Record<string, string>;
  /** For portwatch only: a hosts line (as in nsswitch.conf) it reads instead of the namespace's. */
  hostsLine?: string;
}

export interface EtcFiles {
  resolv: string;
  hosts?: string;
  nsswitch?: string;
}

/** getaddrinfo(name, AF_INET or AF_INET6) through libuv for each name in turn: name -> sorted distinct addresses. */
const GETADDRINFO = `
  const dns = require('node:dns');
  const fs = require('node:fs');
  const [names, family, log] = JSON.parse(process.argv[1]);
  (async () => {
    const out = {};
    for (const name of names) {
      fs.appendFileSync(log, '# ' + name + '\\n');
      const found = await dns.promises.lookup(name, { all: true, family }).catch(() => []);
      out[name] = [...new Set(found.map((a) => a.address))].sort();
    }
    console.log(JSON.stringify(out));
  })();`;

const servers = new Set<ChildProcess>();
// dnsmasq is started here, not by Namespaces: a test file that dies half-way must not leave it running.
process.once('exit', () => {
  for (const s of servers) if (s.exitCode === null) s.kill('SIGKILL');
});

/** Why these tests cannot run here, or undefined (for describeOrSkip in ./skip.ts). */
export function labSkipReason(tools: Array<'dnsmasq' | 'myhostname'> = []): string | undefined {
  return netnsSkipReason() ?? missingTools(tools);
}

function missingTools(tools: Array<'dnsmasq' | 'myhostname'>): string | undefined {
  if (!existsSync('/usr/bin/getent')) return 'getent is missing (Debian package libc-bin)';
  if (tools.includes('dnsmasq') && !existsSync('/usr/sbin/dnsmasq'))
    return 'dnsmasq is missing (Debian package dnsmasq)';
  if (tools.includes('myhostname') && !nssModule('libnss_myhostname.so.2'))
    return 'nss-myhostname is missing (Debian package libnss-myhostname)';
  return undefined;
}

function nssModule(file: string): boolean {
  for (const dir of ['/lib', '/usr/lib', '/lib64', '/usr/lib64']) {
    if (existsSync(join(dir, file))) return true;
    if (!existsSync(dir)) continue;
    for (const sub of readdirSync(dir)) if (existsSync(join(dir, sub, file))) return true;
  }
  return false;
}

/** The sorted addresses of an answer, [] for a failure: getent and portwatch compared on the same footing. */
export function addressesOf(r: Resolution | string[]): string[] {
  return Array.isArray(r) ? [...r].sort() : 'addresses' in r ? [...r.addresses].sort() : [];
}

export class ResolverLab {
  readonly ns: string;
  readonly #spaces: Namespaces;
  readonly #dir: string;
  readonly #control: string;
  #server: ChildProcess | undefined;

  constructor(spaces: Namespaces, files: EtcFiles) {
    this.#spaces = spaces;
    this.ns = spaces.create();
    // Addresses of both families besides loopback, so getaddrinfo's AI_ADDRCONFIG (getent sets it) asks for both.
    // A veth pair with both ends inside: this kernel may have no dummy interfaces.
    spaces.ip(this.ns, 'link', 'add', 'pwlab0', 'type', 'veth', 'peer', 'name', 'pwlab1');
    spaces.ip(this.ns, 'addr', 'add', '198.51.100.100/24', 'dev', 'pwlab0');
    spaces.ip(this.ns, 'addr', 'add', '2001:db8:ffff::100/64', 'dev', 'pwlab0', 'nodad');
    for (const dev of ['pwlab0', 'pwlab1']) spaces.ip(this.ns, 'link', 'set', dev, 'up');
    this.#dir = mkdtempSync(join(tmpdir(), 'pwlab-'));
    this.#control = join(this.#dir, 'zone.json');
    this.setFiles(files);
  }

  /** Rewrites the namespace's files in place (the bind mount keeps the inode, so both resolvers see the change). */
  setFiles(files: EtcFiles): void {
    this.#spaces.etcFile(this.ns, 'resolv.conf', files.resolv);
    this.#spaces.etcFile(this.ns, 'hosts', files.hosts ?? '127.0.0.1 localhost\n::1 localhost\n');
    this.#spaces.etcFile(this.ns, 'nsswitch.conf', files.nsswitch ?? 'hosts: files dns\n');
  }

  /** Starts zone-server.mjs on the control's addresses (added to lo first when outside 127/8). */
  async startZone(control: ZoneControl): Promise<void> {
    for (const a of control.listen)
      if (!a.startsWith('127.'))
        this.#spaces.ip(
          this.ns,
          'addr',
          'add',
          a.includes(':') ? `${a}/128` : `${a}/32`,
          'dev',
          'lo',
          ...(a.includes(':') ? ['nodad'] : []),
        );
    this.setZone(control);
    this.#server = await this.#spaces.start(this.ns, process.execPath, [ZONE_SERVER, this.#control], 'ready');
  }

  setZone(control: ZoneControl): void {
    writeFileSync(this.#control, JSON.stringify(control));
  }

  /** Starts Debian's dnsmasq on 127.0.0.1:53 with only `args` as its data (no upstream, no /etc/hosts). */
  async startDnsmasq(args: string[]): Promise<void> {
    const child = spawn(
      'ip',
      [
        'netns',
        'exec',
        this.ns,
        '/usr/sbin/dnsmasq',
        '--conf-file=/dev/null',
        '--keep-in-foreground',
        '--no-resolv',
        '--no-hosts',
        '--no-poll',
        '--listen-address=127.0.0.1',
        '--bind-interfaces',
        '--pid-file=',
        '--log-facility=-',
        '--log-queries',
        ...args,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    this.#server = child;
    servers.add(child);
    child.once('exit', () => servers.delete(child));
    let log = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`dnsmasq did not start: ${log}`)), READY_MS);
      child.stderr.on('data', (d: Buffer) => {
        log += d.toString();
        appendFileSync(`${this.#control}.dnsmasq`, d);
        if (!log.includes('started, version')) return;
        clearTimeout(timer);
        resolve();
      });
      child.once('exit', (code) => (clearTimeout(timer), reject(new Error(`dnsmasq exited with ${code}: ${log}`))));
    });
  }

  /**
   * What glibc's getaddrinfo gives each name: its distinct addresses, sorted. Both families
   * as `getent ahosts` prints them; one family through getaddrinfo with AF_INET or AF_INET6
   * and no flags (dns.lookup), since getent ahostsv6 maps IPv4 answers into IPv6 ones.
   */
  async getent(
    names: string[],
    opts: { want?: Want; env?: Record<string, string> } = {},
  ): Promise<Record<string, string[]>> {
    const family = opts.want === undefined || (opts.want.ipv4 && opts.want.ipv6) ? 0 : opts.want.ipv4 ? 4 : 6;
    if (family !== 0) {
      const args = JSON.stringify([names, family, `${this.#control}.log`]);
      const r = await this.#spaces.run(
        this.ns,
        'env',
        [...envArgs(opts.env), process.execPath, '-e', GETADDRINFO, args],
        120_000,
      );
      return JSON.parse(r.stdout) as Record<string, string[]>;
    }
    const out: Record<string, string[]> = {};
    for (const name of names) {
      this.mark(name);
      const r = await this.#spaces.run(this.ns, 'env', [...envArgs(opts.env), 'getent', 'ahosts', name], 60_000);
      out[name] = [
        ...new Set(
          r.stdout
            .split('\n')
            .filter(Boolean)
            .map((l) => l.split(/\s+/)[0]!),
        ),
      ].sort();
    }
    return out;
  }

  /** What portwatch's Resolver gives each name, in one process (so its cache is shared between them). */
  async ours(names: string[], opts: LookupOptions = {}): Promise<Record<string, Resolution>> {
    const results = await this.oursInTurn(names, opts);
    return Object.fromEntries(names.map((n, i) => [n, results[i]!]));
  }

  /** The same for a sequence of names and pauses, one Resolver throughout: the results in order. */
  async oursInTurn(steps: Array<string | { pauseMs: number }>, opts: LookupOptions = {}): Promise<Resolution[]> {
    const script = `
      const { appendFileSync } = await import('node:fs');
      const { Resolver } = await import(${JSON.stringify(RESOLVE_JS)});
      const { SystemFiles } = await import(${JSON.stringify(RESOLVE_JS.replace(/resolve\.js$/, 'system-files.js'))});
      const { hostSources } = await import(${JSON.stringify(RESOLVE_JS.replace(/resolve\.js$/, 'nsswitch.js'))});
      const [steps, want, log, hostsLine] = JSON.parse(process.argv[1]);
      const files = new SystemFiles();
      // A hosts line of the test's own for portwatch, while getaddrinfo still reads the namespace's file.
      const system = hostsLine === null
        ? files
        : { current: () => ({ ...files.current(), sources: hostSources(hostsLine) }) };
      const resolver = new Resolver({ system });
      const out = [];
      for (const step of steps) {
        if (typeof step !== 'string') {
          await new Promise((r) => setTimeout(r, step.pauseMs));
          continue;
        }
        appendFileSync(log, '# ' + step + '\\n');
        out.push(await resolver.resolve(step, want ?? undefined));
      }
      console.log(JSON.stringify(out));`;
    const args = JSON.stringify([steps, opts.want ?? null, `${this.#control}.log`, opts.hostsLine ?? null]);
    const r = await this.#spaces.run(
      this.ns,
      'env',
      [...envArgs(opts.env), process.execPath, '--input-type=module', '-e', script, args],
      120_000,
    );
    if (r.code !== 0) throw new Error(`resolver script failed (${r.code}): ${r.stderr}`);
    return JSON.parse(r.stdout) as Resolution[];
  }

  /** The transports (udp, tcp) of the A queries for `name` since the last clear, in order. */
  transports(name: string): string[] {
    const file = `${this.#control}.log`;
    const lines = existsSync(file) ? readFileSync(file, 'utf8').split('\n') : [];
    return lines
      .map((l) => l.split(' '))
      .filter((p) => p[2] === name && p[3] === 'A')
      .map((p) => p[1]!);
  }

  /** Separates the queries of one lookup from the next in the server's log. */
  mark(name: string): void {
    appendFileSync(`${this.#control}.log`, `# ${name}\n`);
  }

  /** The names asked of the servers for each marked lookup since the last clear, first asks only, as "server name". */
  asked(): Array<{ lookup: string; asked: string[] }> {
    const file = `${this.#control}.log`;
    const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
    const lookups: Array<{ lookup: string; asked: string[] }> = [];
    for (const line of text.split('\n').filter(Boolean)) {
      if (line.startsWith('# ')) lookups.push({ lookup: line.slice(2), asked: [] });
      else {
        const [server, , name] = line.split(' ');
        const current = lookups.at(-1);
        const key = `${server} ${name}`;
        if (current !== undefined && !current.asked.includes(key)) current.asked.push(key);
      }
    }
    return lookups;
  }

  clearLog(): void {
    writeFileSync(`${this.#control}.log`, '');
  }

  stop(): void {
    if (this.#server?.exitCode === null) this.#server.kill('SIGKILL');
    rmSync(this.#dir, { recursive: true, force: true });
  }
}

function envArgs(env: Record<string, string> | undefined): string[] {
  return Object.entries(env ?? {}).map(([k, v]) => `${k}=${v}`);
}

export interface LoopbackZone {
  readonly port: number;
  setZone(zone: Record<string, ZoneEntry>): void;
  /** The queries the server saw, as "name type" (udp and tcp alike). */
  queries(): string[];
  /** The same with the transport: "udp name type". */
  log(): string[];
  /** What the Resolver is told the system says: this server as its only name server, DNS as the only source. */
  view(options?: string): SystemView;
  stop(): void;
}

/**
 * zone-server.mjs on 127.0.0.1 and a free port, for tests of the Resolver in this process.
 * It is told the system view explicitly, so no lookup reaches the machine's own resolver.
 */
export async function startLoopbackZone(zone: Record<string, ZoneEntry>): Promise<LoopbackZone> {
  const dir = mkdtempSync(join(tmpdir(), 'pwzone-'));
  const control = join(dir, 'zone.json');
  const write = (z: Record<string, ZoneEntry>): void =>
    writeFileSync(control, JSON.stringify({ listen: ['127.0.0.1'], port: 0, zones: { '*': z } }));
  write(zone);
  const child = spawn(process.execPath, [ZONE_SERVER, control], { stdio: ['ignore', 'pipe', 'pipe'] });
  servers.add(child);
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    const fail = (why: string): void => {
      clearTimeout(timer);
      reject(new Error(`zone server ${why}: ${stderr}`));
    };
    const timer = setTimeout(() => fail(`not ready in ${READY_MS} ms`), READY_MS);
    child.once('exit', (code) => fail(`exited with ${String(code)}`));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const m = /^ready (\d+)$/.exec(line);
      if (m !== null) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
  });
  const logLines = (): string[] =>
    (existsSync(`${control}.log`) ? readFileSync(`${control}.log`, 'utf8') : '').split('\n').filter(Boolean);
  return {
    port,
    setZone: write,
    queries: () => logLines().map((l) => l.split(' ').slice(2).join(' ')),
    log: () => logLines().map((l) => l.split(' ').slice(1).join(' ')),
    view: (options = 'options timeout:1 attempts:1') => {
      const resolv = {
        ...parseResolvConf({ text: `${options}\n`, hostname: 'lab' }),
        nameservers: [{ address: '127.0.0.1', port }],
      };
      return { resolv, hostsNames: new Set<string>(), sources: hostSources('hosts: dns'), hostname: 'lab' };
    },
    stop: () => {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
