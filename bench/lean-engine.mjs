// A lean check engine, to measure what the second core could give (docs/performance.md, "A lean
// engine on two threads"): scenario 1's sweep of 127.0.0.1 ports 1-65535 with each thread's
// share of the jobs in typed arrays (due times in a heap of job numbers, results in columns), a
// window of attempts in flight, one timer for all deadlines and each job queued again at its
// slot an hour on. Not portwatch: no confirmation, limits learnt, addresses or names. Run it in
// a network namespace of its own (listeners on the ports to find open), e.g.
//   ip netns exec NS node bench/lean-engine.mjs 2
// with 1 (this thread) or 2 (this one and a worker) as the argument.
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

const { TCP, TCPConnectWrap, constants } = process.binding('tcp_wrap');
const HOUR = 3_600_000;
const WINDOW = 64;
const TIMEOUT_MS = 2000;
const OPEN = 1;
const CLOSED = 2;
const FILTERED = 3;
const ERROR = 4;

function noop() {}

function selfConnected(handle) {
  const local = {};
  const remote = {};
  handle.getsockname(local);
  handle.getpeername(remote);
  return local.port === remote.port && local.address === remote.address;
}

/** Checks ports lo..hi once each; calls done with the open ports when every one has a result. */
function sweep(lo, hi, done) {
  const n = hi - lo + 1;
  const due = new Float64Array(n);
  const heap = new Int32Array(n);
  const state = new Uint8Array(n);
  const checkedAt = new Float64Array(n);
  const changedAt = new Float64Array(n);
  const ranOnce = new Uint8Array(n);
  let size = 0;
  let left = n;
  let inFlight = 0;
  let dispatching = false;
  const before = (a, b) => due[a] < due[b] || (due[a] === due[b] && a < b);
  const push = (job) => {
    let i = size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(job, heap[parent])) break;
      heap[i] = heap[parent];
      i = parent;
    }
    heap[i] = job;
  };
  const pop = () => {
    const top = heap[0];
    const last = heap[--size];
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= size) break;
      if (child + 1 < size && before(heap[child + 1], heap[child])) child++;
      if (!before(heap[child], last)) break;
      heap[i] = heap[child];
      i = child;
    }
    heap[i] = last;
    return top;
  };
  // Requests are reused; the one timer below ends those past their deadline.
  const requests = [];
  const idle = [];
  const release = (req) => {
    req.job = -1;
    inFlight--;
    idle.push(req);
    if (!dispatching) {
      dispatching = true;
      setImmediate(dispatch);
    }
  };
  const finish = (req, job, result) => {
    release(req);
    const now = Date.now();
    if (state[job] !== result) {
      state[job] = result;
      changedAt[job] = now;
    }
    checkedAt[job] = now;
    due[job] = now + HOUR;
    push(job);
    if (ranOnce[job] === 0) {
      ranOnce[job] = 1;
      if (--left === 0) {
        clearInterval(deadlines);
        const open = [];
        for (let j = 0; j < n; j++) if (state[j] === OPEN) open.push(lo + j);
        done(open);
      }
    }
  };
  function onComplete(status) {
    const job = this.job;
    if (job < 0) return;
    const handle = this.handle;
    this.handle = undefined;
    if (status === 0 && selfConnected(handle)) {
      // A free loopback port reached from itself (TCP simultaneous open): no answer, so again.
      handle.close();
      release(this);
      due[job] = Date.now();
      push(job);
      return;
    }
    if (status === 0) handle.reset(noop);
    else handle.close();
    finish(this, job, status === 0 ? OPEN : status === -111 ? CLOSED : ERROR);
  }
  const dispatch = () => {
    dispatching = false;
    const now = Date.now();
    while (inFlight < WINDOW && size > 0 && due[heap[0]] <= now) {
      const job = pop();
      let req = idle.pop();
      if (req === undefined) {
        req = new TCPConnectWrap();
        req.oncomplete = onComplete;
        requests.push(req);
      }
      const handle = new TCP(constants.SOCKET);
      req.handle = handle;
      req.job = job;
      req.deadline = performance.now() + TIMEOUT_MS;
      inFlight++;
      if (handle.connect(req, '127.0.0.1', lo + job) !== 0) {
        handle.close();
        finish(req, job, ERROR);
      }
    }
  };
  const deadlines = setInterval(() => {
    const now = performance.now();
    for (const req of requests) {
      if (req.job < 0 || req.deadline > now) continue;
      req.handle.close();
      finish(req, req.job, FILTERED);
    }
  }, 100);
  const start = Date.now();
  for (let job = 0; job < n; job++) {
    due[job] = start;
    push(job);
  }
  dispatch();
}

if (isMainThread) {
  const threads = Number(process.argv[2] ?? 1);
  const started = performance.now();
  const cpu = process.cpuUsage();
  const shares =
    threads === 1
      ? [[1, 65535]]
      : [
          [1, 32767],
          [32768, 65535],
        ];
  const open = await Promise.all(
    shares.map(([lo, hi], i) =>
      i === 0
        ? new Promise((resolve) => sweep(lo, hi, resolve))
        : new Promise((resolve) => {
            const worker = new Worker(new URL(import.meta.url), { workerData: { lo, hi } });
            worker.once('message', (ports) => void worker.terminate().then(() => resolve(ports)));
          }),
    ),
  );
  const used = process.cpuUsage(cpu);
  const ms = (us) => Math.round(us / 1000);
  console.log(
    JSON.stringify({
      threads,
      ms: Math.round(performance.now() - started),
      userMs: ms(used.user),
      systemMs: ms(used.system),
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      open: open.flat(),
    }),
  );
} else {
  sweep(workerData.lo, workerData.hi, (ports) => parentPort.postMessage(ports));
}
