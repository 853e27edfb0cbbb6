// Runs UDP probes from inside a network namespace (started with `ip netns exec`) and prints
// one JSON line per probe. argv[2] is a JSON job:
//   { "dist": "<path of dist/>", "mode": "capacity" | "unpaced" | "empty", "timeoutMs": n,
//     "targets": [["198.51.100.10", 53], ...] }
// capacity: ProbeCapacity.probe('udp') (pacing and retransmission as the daemon has them);
// unpaced: every probeUdp at once, no pacing; empty: one empty datagram per port, to show
// that a daemon ignores what is not a request of its protocol.
import dgram from 'node:dgram';
import net from 'node:net';
import { performance } from 'node:perf_hooks';

const job = JSON.parse(process.argv[2]);
const { ProbeCapacity } = await import(`${job.dist}/probe/capacity.js`);
const { probeUdp } = await import(`${job.dist}/probe/udp.js`);

function emptyDatagram(address, port, timeoutMs) {
  return new Promise((resolve) => {
    const socket = dgram.createSocket(net.isIP(address) === 6 ? 'udp6' : 'udp4');
    const end = (state) => {
      clearTimeout(timer);
      socket.close();
      resolve({ state });
    };
    const timer = setTimeout(() => end('open|filtered'), timeoutMs);
    socket.on('message', () => end('open'));
    socket.on('error', (err) => end(err.code === 'ECONNREFUSED' ? 'closed' : `error ${err.code}`));
    socket.connect(port, address, () => socket.send(Buffer.alloc(0)));
  });
}

const capacity = new ProbeCapacity({ concurrency: 256 });
const started = performance.now();
const probe = {
  capacity: (a, p) => capacity.probe('udp', a, p, job.timeoutMs),
  unpaced: (a, p) => probeUdp(a, p, job.timeoutMs),
  empty: (a, p) => emptyDatagram(a, p, job.timeoutMs),
}[job.mode];
const results = await Promise.all(job.targets.map(([address, port]) => probe(address, port)));
const elapsedSeconds = (performance.now() - started) / 1000;
job.targets.forEach(([address, port], i) => {
  process.stdout.write(`${JSON.stringify({ address, port, ...results[i], elapsedSeconds })}\n`);
});
