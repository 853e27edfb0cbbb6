import { fileURLToPath } from 'node:url';
import { runTool } from './proc.js';
import { fmtRatio, median, ratio, row, type Row } from './result.js';

const SCRIPT = fileURLToPath(new URL('./probe-floor.js', import.meta.url));

interface FloorOutput {
  ms: number;
  open: number;
  refused: number;
  other: number;
}

/**
 * Scenario 1's sweep on portwatch's connect primitive alone (probe-floor.ts), on so many
 * threads: how fast this Node connects at all, so the table shows what the daemon adds and
 * what a second thread could win. Its answers are counted, not judged port by port.
 */
export class ProbeFloor {
  readonly #times: number[] = [];
  #rss = 0;

  constructor(
    readonly threads: number,
    readonly ip: string,
    readonly last: number,
    readonly open: number,
  ) {}

  async run(failures: string[]): Promise<void> {
    const r = await runTool(process.execPath, [SCRIPT, String(this.threads), String(this.last), this.ip], 60_000);
    let out: FloorOutput | undefined;
    try {
      out = JSON.parse(r.stdout) as FloorOutput;
    } catch {
      out = undefined;
    }
    if (r.code !== 0 || out === undefined) {
      failures.push(`scenario 1 probe floor (${this.threads} threads) exited ${r.code}: ${r.stderr.slice(0, 300)}`);
      return;
    }
    // Self-connects (TCP simultaneous open) are counted apart; every other port must have answered as it is.
    if (out.open !== this.open || out.open + out.refused + out.other !== this.last || out.other > 5)
      failures.push(`scenario 1 probe floor (${this.threads} threads) saw ${JSON.stringify(out)}`);
    this.#times.push(out.ms);
    this.#rss = Math.max(this.#rss, r.peakRssMb);
  }

  row(scenario: string, nmapFastestMs: number | undefined): Row {
    const m = median(this.#times);
    return row({
      scenario,
      tool: `floor: portwatch's connect alone, ${this.threads} thread(s) (ratio to nmap's fastest)`,
      runs: this.#times.length,
      medianMs: m,
      timesMs: this.#times,
      peakRssMb: this.#rss,
      ratio: fmtRatio(ratio(m, nmapFastestMs)),
      notes: ['no scheduler, checks, limiter or store: 64 attempts in flight per thread, answers counted'],
    });
  }
}
