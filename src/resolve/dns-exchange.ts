import { randomInt } from 'node:crypto';
import {
  answersQuery,
  decodeResponse,
  DnsNameError,
  encodeQuery,
  RCODE,
  type DnsResponse,
  type RecordType,
} from './dns-message.js';
import type { ResolvConf } from './resolv-conf.js';
import { tcpExchange } from './tcp-exchange.js';
import { UdpLink } from './udp-link.js';

// One name asked of the configured servers the way glibc's res_send does it: A and AAAA
// together on one socket, each server in turn (from a rotating start with `rotate`), for
// `attempts` rounds; a server that answers SERVFAIL, REFUSED or NOTIMP, or not at all
// within its timeout, hands over to the next; a truncated answer is asked again over TCP.

export type ExchangeOptions = Pick<
  ResolvConf,
  'nameservers' | 'timeoutSec' | 'attempts' | 'rotate' | 'edns0' | 'useVc'
>;

export type Exchanged =
  | {
      ok: true;
      /** The replies to read, in the order they came (glibc's first and second answer). */
      replies: ReadonlyArray<{ type: RecordType; response: DnsResponse }>;
      /** Types the server that answered gave no usable reply for, with why. */
      lost: ReadonlyMap<RecordType, string>;
    }
  | {
      ok: false;
      /** ETIMEOUT when some server was reached or timed out; ECONNREFUSED when none could be. */
      code: string;
      /** The rcode of the last reply received (NOERROR when none came): SERVFAIL lets a search go on. */
      lastRcode: number;
    };

interface Query {
  type: RecordType;
  id: number;
  bytes: Buffer;
}

type Turn = Exchanged | 'next' | 'tcp';

/** Lookups under way at once; each holds a socket per server it has asked. */
const MAX_TRANSACTIONS = 128;
let active = 0;
const waiting: Array<() => void> = [];
/** glibc's rotation offset: one count per lookup from a random start, shared by the process. */
let rotation = randomInt(1 << 16);

const LOCAL_SHORTAGE = new Set(['EMFILE', 'ENFILE', 'ENOBUFS', 'ENOMEM']);

/** Asks `name` (absolute) for `types`; never rejects. A name no query can carry fails with EBADNAME. */
export async function exchange(name: string, types: readonly RecordType[], opts: ExchangeOptions): Promise<Exchanged> {
  let queries: Query[];
  try {
    queries = types.map((type) => {
      const id = randomInt(1 << 16);
      return { type, id, bytes: encodeQuery(name, type, id, opts.edns0) };
    });
  } catch (err) {
    if (err instanceof DnsNameError) return { ok: false, code: 'EBADNAME', lastRcode: RCODE.NOERROR };
    throw err;
  }
  if (active < MAX_TRANSACTIONS) active++;
  else await new Promise<void>((resolve) => waiting.push(resolve));
  try {
    return await new Transaction(name, queries, opts).run();
  } finally {
    const next = waiting.shift();
    if (next !== undefined) next();
    else active--;
  }
}

class Transaction {
  readonly #links = new Map<number, UdpLink>();
  #reached = false;
  #lastRcode: number = RCODE.NOERROR;
  #tcpError: string | undefined;

  constructor(
    readonly name: string,
    readonly queries: readonly Query[],
    readonly opts: ExchangeOptions,
  ) {}

  async run(): Promise<Exchanged> {
    const servers = this.opts.nameservers;
    const offset = this.opts.rotate && servers.length > 1 ? rotation++ % servers.length : 0;
    let tcp = this.opts.useVc;
    try {
      for (let round = 0; round < this.opts.attempts; round++) {
        for (let shift = 0; shift < servers.length; shift++) {
          const ns = (shift + offset) % servers.length;
          let turn = tcp ? await this.#tcpTurn(ns) : await this.#udpTurn(ns);
          if (turn === 'tcp') {
            // Truncated: the same server over TCP, then TCP for the rest of this round and no other round.
            tcp = true;
            turn = await this.#tcpTurn(ns);
          }
          if (turn !== 'next') return turn;
        }
        if (tcp) break;
      }
      const code = tcp ? (this.#tcpError ?? 'ETIMEOUT') : this.#reached ? 'ETIMEOUT' : 'ECONNREFUSED';
      return { ok: false, code, lastRcode: this.#lastRcode };
    } finally {
      for (const link of this.#links.values()) link.close();
    }
  }

  /** glibc's wait for server `ns`: the timeout, shifted by the server's index and shared by their count. */
  #waitMs(ns: number): number {
    const n = this.opts.nameservers.length;
    const seconds = ns > 0 ? Math.floor((this.opts.timeoutSec * 2 ** ns) / n) : this.opts.timeoutSec;
    return Math.max(1, seconds) * 1000;
  }

  async #udpTurn(ns: number): Promise<Turn> {
    let link = this.#links.get(ns);
    if (link === undefined) {
      try {
        link = await UdpLink.open(this.opts.nameservers[ns]!);
      } catch (err) {
        // Out of descriptors or buffers ends the lookup, as in glibc; a server that cannot be reached is passed over.
        const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
        return LOCAL_SHORTAGE.has(code) ? { ok: false, code, lastRcode: this.#lastRcode } : 'next';
      }
      this.#links.set(ns, link);
    }
    let timer: NodeJS.Timeout | undefined;
    const turn = await new Promise<Turn | 'error'>((resolve) => {
      const replies = new UdpReplies(this.name, this.queries, (rcode) => (this.#lastRcode = rcode), resolve);
      timer = setTimeout(() => resolve(replies.timedOut()), this.#waitMs(ns));
      link.exchange(
        this.queries.map((q) => q.bytes),
        (msg) => replies.add(msg),
        () => resolve('error'),
      );
    });
    clearTimeout(timer);
    link.stop();
    if (turn !== 'error') {
      this.#reached = true;
      return turn;
    }
    // An ICMP error or a failed send: this socket is done; the server's next turn opens another, as glibc does.
    link.close();
    this.#links.delete(ns);
    return 'next';
  }

  async #tcpTurn(ns: number): Promise<Exchanged | 'next'> {
    const replies: Array<{ type: RecordType; response: DnsResponse }> = [];
    const code = await tcpExchange(
      this.opts.nameservers[ns]!,
      this.queries.map((q) => q.bytes),
      this.#waitMs(ns),
      (msg) => {
        const response = decodeResponse(msg);
        const query =
          response &&
          this.queries.find(
            (q) => answersQuery(response, q.id, this.name, q.type) && !replies.some((r) => r.type === q.type),
          );
        if (response === undefined || query === undefined) return false;
        if (replies.length === 0) this.#lastRcode = response.rcode;
        replies.push({ type: query.type, response });
        return replies.length === this.queries.length;
      },
    );
    if (code === undefined) return { ok: true, replies, lost: new Map() };
    this.#tcpError = code;
    return 'next';
  }
}

/** The replies of one UDP turn, judged as glibc's send_dg judges them. */
class UdpReplies {
  readonly replies: Array<{ type: RecordType; response: DnsResponse }> = [];
  readonly lost = new Map<RecordType, string>();
  #ended = false;

  constructor(
    readonly name: string,
    readonly queries: readonly Query[],
    readonly firstRcode: (rcode: number) => void,
    readonly settle: (turn: Turn) => void,
  ) {}

  add(msg: Buffer): void {
    const response = decodeResponse(msg);
    if (this.#ended || response === undefined) return;
    const query = this.queries.find((q) => answersQuery(response, q.id, this.name, q.type) && !this.#seen(q.type));
    // A stray datagram (another id, another question) is dropped, and the wait goes on.
    if (query === undefined) return;
    if (this.replies.length === 0 && this.lost.size === 0) this.firstRcode(response.rcode);
    if (response.truncated) return this.#end('tcp');
    const bad = unusable(response);
    if (bad === undefined) this.replies.push({ type: query.type, response });
    else this.lost.set(query.type, bad);
    if (this.replies.length + this.lost.size < this.queries.length && (bad === undefined || this.replies.length === 0))
      return;
    this.#end(this.replies.length > 0 ? this.#answered() : 'next');
  }

  /** No reply (or not all) within the server's time: what came is the answer, or the next server is asked. */
  timedOut(): Turn {
    if (this.#ended) return 'next';
    for (const q of this.queries) if (!this.#seen(q.type)) this.lost.set(q.type, 'ETIMEOUT');
    const turn = this.replies.length > 0 ? this.#answered() : 'next';
    this.#end(turn);
    return turn;
  }

  #answered(): Exchanged {
    return { ok: true, replies: this.replies, lost: this.lost };
  }

  #seen(type: RecordType): boolean {
    return this.lost.has(type) || this.replies.some((r) => r.type === type);
  }

  #end(turn: Turn): void {
    if (this.#ended) return;
    this.#ended = true;
    this.settle(turn);
  }
}

/**
 * Why a UDP reply sends the resolver to the next server, or undefined when it is an
 * answer: SERVFAIL, NOTIMP, REFUSED, and a "lame" reply (no answer, not authoritative, no
 * recursion, nothing additional) that a server which cannot help sends.
 */
function unusable(r: DnsResponse): string | undefined {
  if (r.rcode === RCODE.SERVFAIL) return 'ESERVFAIL';
  if (r.rcode === RCODE.NOTIMP) return 'ENOTIMP';
  if (r.rcode === RCODE.REFUSED) return 'EREFUSED';
  const lame =
    r.rcode === RCODE.NOERROR &&
    r.answerCount === 0 &&
    !r.authoritative &&
    !r.recursionAvailable &&
    r.additionalCount === 0;
  return lame ? 'EBADRESP' : undefined;
}
