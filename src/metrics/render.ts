import { Readable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { PortStore } from '../state/store.js';
import { ByteWriter } from './byte-writer.js';
import { renderDiscoveryFamilies } from './discovery-families.js';
import { snapshotPortsInPieces, writePortFamilies, writePortFamiliesInPieces } from './port-families.js';
import type { SelfMetrics } from './self.js';

export { PROMETHEUS_CONTENT_TYPE } from './text-format.js';

/** Samples written between two yields to the event loop: short enough not to delay probes and scrapes. */
const SAMPLES_PER_PIECE = 4096;
const PIECE_BYTES = 1 << 19;
/** Pieces a render may be ahead of its fastest scrape. */
const PIECES_AHEAD = 4;

/**
 * One rendering of the exposition, served to every scrape that joined it. Scrapes join
 * while its snapshot is being taken (before its first piece), so ten scrapes arriving
 * together cost one render, not ten in the same turns. A piece is dropped once every
 * scrape that joined has passed it, so memory stays at a few pieces.
 */
interface Render {
  readonly pieces: Array<Buffer | undefined>;
  /** Per piece, how many joined scrapes have still to pass it. */
  readonly left: number[];
  scrapes: number;
  /** Joined scrapes still reading; none left stops the render. */
  reading: number;
  /** The most pieces any scrape has taken: the render keeps at most a few ahead of it. */
  taken: number;
  done: boolean;
  error: unknown;
  readonly waiters: Set<() => void>;
}

/** The render that a scrape arriving now joins, while it has written no piece yet. */
const joinable = new WeakMap<PortStore, Render>();

function startRender(store: PortStore, self: SelfMetrics): Render {
  const r: Render = {
    pieces: [],
    left: [],
    scrapes: 0,
    reading: 0,
    taken: 0,
    done: false,
    error: undefined,
    waiters: new Set(),
  };
  const closeToJoiners = (): void => {
    if (joinable.get(store) === r) joinable.delete(store);
  };
  const push = async (piece: Buffer): Promise<void> => {
    closeToJoiners();
    r.pieces.push(piece);
    r.left.push(r.scrapes);
    wake(r);
    // Paced by the fastest reader, so a slow client does not make the whole document pile up.
    while (r.reading > 0 && r.pieces.length - r.taken > PIECES_AHEAD)
      await new Promise<void>((resolve) => r.waiters.add(resolve));
    if (r.reading === 0) throw new Error('every scrape of this render has gone');
  };
  const render = async (): Promise<void> => {
    const snapshot = snapshotPortsInPieces(store, SAMPLES_PER_PIECE);
    let step = snapshot.next();
    for (; step.done !== true; step = snapshot.next()) await nextTurn();
    const out = new ByteWriter(PIECE_BYTES);
    for (const _ of writePortFamiliesInPieces(step.value, out, SAMPLES_PER_PIECE)) {
      await push(out.take());
      await nextTurn();
    }
    if (out.length > 0) await push(out.take());
    const discovery = renderDiscoveryFamilies(store.discovery);
    if (discovery !== '') await push(Buffer.from(discovery));
    // Collected last, so the event-loop figures include this scrape.
    await push(Buffer.from(await self.registry.metrics()));
  };
  const settle = (err?: unknown): void => {
    closeToJoiners();
    r.error = err;
    r.done = true;
    wake(r);
  };
  // Started on the next turn, so that the scrape which started it has joined first.
  setImmediate(() => void render().then(() => settle(), settle));
  return r;
}

async function* follow(r: Render, leave: () => void): AsyncGenerator<Buffer> {
  try {
    for (let i = 0; ;) {
      if (i < r.pieces.length) {
        const piece = r.pieces[i]!;
        r.left[i]! -= 1;
        if (r.left[i] === 0) r.pieces[i] = undefined;
        i++;
        if (i > r.taken) {
          r.taken = i;
          wake(r);
        }
        yield piece;
      } else if (r.done) {
        // Whatever the render failed with, passed on unchanged.
        // eslint-disable-next-line @typescript-eslint/only-throw-error
        if (r.error !== undefined) throw r.error;
        return;
      } else {
        await new Promise<void>((resolve) => r.waiters.add(resolve));
      }
    }
  } finally {
    leave();
  }
}

function wake(r: Render): void {
  const waiters = [...r.waiters];
  r.waiters.clear();
  for (const w of waiters) w();
}

/**
 * The exposition as a stream: the port families of one snapshot of the store, written a
 * piece at a time with a turn of the event loop in between, so that a scrape of 100k+
 * ports never holds up probes' timers and answers; then portwatch's own metrics,
 * collected last so the event-loop figures include this scrape. Scrapes that come
 * together share one render (see Render); memory stays at a few pieces rather than the
 * whole document.
 */
export function metricsStream(store: PortStore, self: SelfMetrics): Readable {
  let r = joinable.get(store);
  if (r === undefined) {
    r = startRender(store, self);
    joinable.set(store, r);
  }
  const render = r;
  render.scrapes += 1;
  render.reading += 1;
  let left = false;
  // Once, whether the stream ends, fails, or is destroyed before it ever read.
  const leave = (): void => {
    if (left) return;
    left = true;
    render.reading -= 1;
    wake(render);
  };
  const stream = Readable.from(follow(render, leave), { objectMode: false, highWaterMark: 4 * PIECE_BYTES });
  stream.once('close', leave);
  return stream;
}

/** One exposition document as UTF-8 bytes, in one go: for tests and tools. */
export async function renderMetricsBody(store: PortStore, self: SelfMetrics): Promise<Buffer> {
  const out = new ByteWriter();
  writePortFamilies(store, out);
  out.bytes(Buffer.from(renderDiscoveryFamilies(store.discovery)));
  out.bytes(Buffer.from(await self.registry.metrics()));
  return out.result();
}

/** The same document as text. */
export async function renderMetrics(store: PortStore, self: SelfMetrics): Promise<string> {
  return (await renderMetricsBody(store, self)).toString('utf8');
}
