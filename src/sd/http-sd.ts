// http_sd: target groups from an HTTP endpoint, fetched every refresh interval as
// Prometheus fetches them. A failed fetch keeps the hosts of the last good one.
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { HttpSdConfig } from '../config/types.js';
import { formatProblem } from '../config/errors.js';
import { formatMiB } from '../config/read-file.js';
import { VERSION } from '../version.js';
import { parseGroupsBytes, SD_LIMIT } from './parse-groups.js';
import { droppedMessage, problem, serialized, type SdSource, type SourceStatus } from './source.js';
import type { DiscoveredHost } from './target-groups.js';

/** Far above any real target list (100k targets are a few MB), far below what would hurt. */
export const MAX_BODY_BYTES = SD_LIMIT.maxBytes;
/**
 * The Content-Type Prometheus takes from an http_sd endpoint (discovery/http: matchContentType,
 * after trimming spaces): JSON, with no parameter but a UTF-8 charset.
 */
const JSON_CONTENT_TYPE = /^application\/json(;[\t\n\f\r ]*charset=("utf-8"|utf-8))?$/i;
const MAX_TIMEOUT_MS = 30_000;

/** An endpoint's hosts of its last good read and when that was (epoch ms): what is kept across a restart. */
export interface LastGoodRead {
  readonly hosts: readonly DiscoveredHost[];
  readonly atMs: number;
}

export interface HttpSdOptions {
  log: Logger;
  onChange: () => void;
  /** The last good read saved by an earlier run, by URL without credentials: its hosts serve until a read succeeds. */
  lastGood?: ((url: string) => LastGoodRead | undefined) | undefined;
}

export class HttpSd implements SdSource {
  /** The URL without user and password: fetch refuses those, and logs and metrics must not show them. */
  readonly #url: string;
  /** Basic credentials from the URL's user:password part, sent as Authorization. */
  readonly #authorization: string | undefined;
  readonly #intervalMs: number;
  readonly #log: Logger;
  readonly #onChange: () => void;
  #hosts: readonly DiscoveredHost[] = [];
  #ok = false;
  #failures = 0;
  #lastSuccessMs: number | undefined;
  /** Hash of the last good answer: the same answer is not parsed again. */
  #lastDigest: string | undefined;
  #timer: NodeJS.Timeout | undefined;
  #inFlight: AbortController | undefined;
  #stopped = false;
  readonly refresh: () => Promise<void>;

  constructor(config: HttpSdConfig, opts: HttpSdOptions) {
    const url = new URL(config.url);
    if (url.username !== '' || url.password !== '') {
      const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
      this.#authorization = `Basic ${Buffer.from(credentials).toString('base64')}`;
      url.username = '';
      url.password = '';
    }
    this.#url = url.toString();
    this.#intervalMs = config.refreshIntervalMs;
    this.#log = opts.log;
    this.#onChange = opts.onChange;
    this.refresh = serialized(() => this.#fetch());
    const saved = opts.lastGood?.(this.#url);
    if (saved !== undefined) {
      this.#hosts = saved.hosts;
      this.#lastSuccessMs = saved.atMs;
    }
  }

  /** The URL without credentials, as logs and metrics show it. */
  get url(): string {
    return this.#url;
  }

  /** The hosts of the last good read (this run's, or the one saved), or undefined when there was none. */
  lastGood(): LastGoodRead | undefined {
    return this.#lastSuccessMs === undefined ? undefined : { hosts: this.#hosts, atMs: this.#lastSuccessMs };
  }

  start(): void {
    this.#arm();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#inFlight?.abort(new Error('service discovery stopped'));
  }

  hosts(): readonly DiscoveredHost[] {
    return this.#hosts;
  }

  statuses(): SourceStatus[] {
    return [
      {
        mechanism: 'http',
        source: this.#url,
        hosts: this.#hosts.length,
        ok: this.#ok,
        failures: this.#failures,
        lastSuccessMs: this.#lastSuccessMs,
      },
    ];
  }

  async #fetch(): Promise<void> {
    let body: Buffer;
    const ctl = new AbortController();
    this.#inFlight = ctl;
    const timeoutMs = Math.min(this.#intervalMs, MAX_TIMEOUT_MS);
    const timer = setTimeout(() => ctl.abort(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
    try {
      body = await this.#get(ctl.signal);
    } catch (err) {
      if (this.#stopped) return;
      return this.#failed(describeFailure(err));
    } finally {
      clearTimeout(timer);
    }
    const now = Date.now();
    const digest = createHash('sha1').update(body).digest('hex');
    if (this.#ok && this.#lastDigest === digest) {
      this.#lastSuccessMs = now;
      return;
    }
    const parsed = await parseGroupsBytes(body, 'json');
    if (this.#stopped) return;
    if (!parsed.ok) return this.#failed(parsed.problems.map((p) => formatProblem('response', p)).join('\n'));
    const read = parsed.value;
    if (read.droppedCount > 0) {
      const err = problem(droppedMessage('response', read.dropped, read.droppedCount));
      this.#log.error(
        { url: this.#url, dropped: read.droppedCount, err },
        'service discovery targets left out: portwatch cannot check them',
      );
    }
    this.#lastDigest = digest;
    this.#ok = true;
    this.#lastSuccessMs = now;
    const changed = !sameHosts(this.#hosts, read.hosts);
    this.#hosts = read.hosts;
    if (changed) this.#onChange();
  }

  async #get(signal: AbortSignal): Promise<Buffer> {
    const res = await fetch(this.#url, {
      signal,
      redirect: 'follow',
      headers: {
        ...(this.#authorization && { authorization: this.#authorization }),
        accept: 'application/json',
        'user-agent': `portwatch/${VERSION}`,
        // Prometheus sends it, and some endpoints read it.
        'x-prometheus-refresh-interval-seconds': String(this.#intervalMs / 1000),
      },
    });
    if (res.status !== 200) {
      await res.body?.cancel();
      throw new Error(`the endpoint answered ${res.status} ${res.statusText}`.trim());
    }
    const type = res.headers.get('content-type') ?? '';
    if (!isTargetGroupsType(type)) {
      await res.body?.cancel();
      throw new Error(
        `the endpoint answered Content-Type ${JSON.stringify(type)}; ` +
          'http_sd needs application/json (charset utf-8, if any)',
      );
    }
    return readLimited(res, MAX_BODY_BYTES);
  }

  #failed(message: string): void {
    this.#ok = false;
    this.#failures += 1;
    this.#log.error(
      { url: this.#url, err: problem(message) },
      'service discovery endpoint failed, keeping its last good targets',
    );
  }

  #arm(): void {
    this.#timer = setTimeout(() => {
      void this.refresh().finally(() => {
        if (!this.#stopped) this.#arm();
      });
    }, this.#intervalMs).unref();
  }
}

/** Whether an answer's Content-Type is one Prometheus reads target groups from. */
export function isTargetGroupsType(contentType: string): boolean {
  return JSON_CONTENT_TYPE.test(contentType.trim());
}

async function readLimited(res: Response, max: number): Promise<Buffer> {
  const length = Number(res.headers.get('content-length') ?? Number.NaN);
  if (length > max) {
    await res.body?.cancel();
    throw new Error(
      `the response is ${length.toLocaleString('en-US')} bytes; ` +
        `portwatch reads ${SD_LIMIT.what} of at most ${formatMiB(max)}`,
    );
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body ?? []) {
    size += (chunk as Uint8Array).byteLength;
    if (size > max)
      throw new Error(`the response is more than ${formatMiB(max)}; portwatch reads ${SD_LIMIT.what} of at most that`);
    chunks.push(chunk as Uint8Array);
  }
  return Buffer.concat(chunks);
}

/** fetch says only "fetch failed"; the reason (ECONNREFUSED, a bad certificate) is in its cause. */
function describeFailure(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? err.cause.message : undefined;
  return cause ? `${err.message}: ${cause}` : err.message;
}

function sameHosts(a: readonly DiscoveredHost[], b: readonly DiscoveredHost[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (a[i]!.host !== b[i]!.host || JSON.stringify(a[i]!.labels) !== JSON.stringify(b[i]!.labels)) return false;
  }
  return true;
}
