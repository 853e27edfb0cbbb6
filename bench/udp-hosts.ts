import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { NS_ENV, sh } from './netns.js';
import { children } from './proc.js';

// SAFETY: every address here lives in namespaces this bench made: a bridge in the bench's own
// namespace and one namespace per host behind it. Nothing is added to the root namespace.

/** What the hosts' ports do: answer any datagram, drop it, or reject it with ICMP admin-prohibited. */
export interface UdpHostPorts {
  answering: readonly number[];
  dropped: readonly number[];
  rejected: readonly number[];
}

export interface UdpHosts {
  readonly ips: readonly string[];
  close(): void;
}

const BRIDGE = 'pwbr';
const SUBNET = '198.51.100';

// Answers every datagram on the ports given with one byte; says "ready" once all are bound.
const ANSWERER = `
const dgram = require('node:dgram');
const ports = process.argv.slice(1).map(Number);
let bound = 0;
for (const port of ports) {
  const s = dgram.createSocket('udp4');
  s.on('message', (_m, from) => s.send(Buffer.from([1]), from.port, from.address));
  s.bind(port, () => { if (++bound === ports.length) console.log('ready'); });
}`;

/**
 * `count` hosts, each a namespace of its own behind a bridge, so that each has its own ICMP
 * rate limits as separate machines do (loopback is never rate-limited).
 */
export async function startUdpHosts(count: number, ports: UdpHostPorts): Promise<UdpHosts> {
  const bench = process.env[NS_ENV];
  if (bench === undefined) throw new Error(`${NS_ENV} is not set: UDP hosts are made only inside the bench namespace`);
  const made: string[] = [];
  const pids: number[] = [];
  const close = (): void => {
    for (const pid of pids) killQuietly(pid);
    for (const ns of made) run(['netns', 'del', ns]);
    run(['link', 'del', BRIDGE]);
  };
  try {
    sh('ip', ['link', 'add', BRIDGE, 'type', 'bridge']);
    sh('ip', ['addr', 'add', `${SUBNET}.1/24`, 'dev', BRIDGE]);
    sh('ip', ['link', 'set', BRIDGE, 'up']);
    const ips: string[] = [];
    for (let i = 1; i <= count; i++) {
      const ns = `${bench}-h${i}`;
      const ip = `${SUBNET}.${10 + i}`;
      addHost(ns, `pwv${i}`, ip);
      made.push(ns);
      firewall(ns, ports);
      if (ports.answering.length > 0) pids.push(await startAnswerer(ns, ports.answering));
      ips.push(ip);
    }
    return { ips, close };
  } catch (err) {
    close();
    throw err;
  }
}

function addHost(ns: string, veth: string, ip: string): void {
  sh('ip', ['netns', 'add', ns]);
  sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  sh('ip', ['link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
  sh('ip', ['link', 'set', veth, 'master', BRIDGE, 'up']);
  sh('ip', ['-n', ns, 'addr', 'add', `${ip}/24`, 'dev', 'eth0']);
  sh('ip', ['-n', ns, 'link', 'set', 'eth0', 'up']);
}

function firewall(ns: string, ports: UdpHostPorts): void {
  const rule = (port: number, ...target: string[]): void => {
    sh('ip', ['netns', 'exec', ns, 'iptables', '-w', '5', '-A', 'INPUT', '-p', 'udp', '--dport', `${port}`, ...target]);
  };
  for (const port of ports.dropped) rule(port, '-j', 'DROP');
  for (const port of ports.rejected) rule(port, '-j', 'REJECT', '--reject-with', 'icmp-admin-prohibited');
}

async function startAnswerer(ns: string, ports: readonly number[]): Promise<number> {
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', ANSWERER, ...ports.map(String)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.add(child);
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`UDP answerer in ${ns} not ready within 20 s`)), 20_000);
    createInterface({ input: child.stdout }).once('line', () => (clearTimeout(timer), resolve()));
    child.once('exit', (code) => (clearTimeout(timer), reject(new Error(`UDP answerer in ${ns} exited ${code}`))));
  });
  await ready;
  if (child.pid === undefined) throw new Error(`UDP answerer in ${ns} has no pid`);
  return child.pid;
}

function run(args: string[]): void {
  try {
    sh('ip', args, 10_000);
  } catch {
    // Already gone.
  }
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}
