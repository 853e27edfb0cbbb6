import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import type { Row } from './result.js';

export interface Machine {
  cpus: number;
  model: string;
  memoryGb: number;
  node: string;
  kernel: string;
}

export function machine(): Machine {
  let model = os.cpus()[0]?.model ?? 'unknown';
  try {
    model = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? model;
  } catch {
    // keep os.cpus()'s
  }
  return {
    cpus: os.availableParallelism(),
    model,
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    kernel: os.release(),
  };
}

const ms = (v: number | undefined): string =>
  v === undefined
    ? 'unfinished'
    : v >= 10_000
      ? `${(v / 1000).toFixed(1)} s`
      : v >= 1000
        ? `${(v / 1000).toFixed(2)} s`
        : `${v.toFixed(0)} ms`;
const mb = (v: number | undefined): string => (v === undefined || Number.isNaN(v) ? '' : `${v.toFixed(0)} MB`);
const verdicts = (r: Row): string => (r.right === undefined ? '' : `${r.right} / ${r.wrong}`);

/** The table as Markdown, printed and put in the README as it is. */
export function table(rows: readonly Row[]): string {
  const lines = [
    '| scenario | tool | runs | median | peak RSS | right / wrong | ratio | goal |',
    '|---|---|---:|---:|---:|---:|---:|---|',
  ];
  for (const r of rows) {
    const notes = r.notes.length ? ` (${r.notes.join('; ')})` : '';
    lines.push(
      `| ${r.scenario} | ${r.tool}${notes} | ${r.runs} | ${ms(r.medianMs)} | ${mb(r.peakRssMb)} | ` +
        `${verdicts(r)} | ${r.ratio} | ${r.goal} |`,
    );
  }
  return lines.join('\n');
}

export function machineLine(m: Machine, date: string): string {
  return `Measured ${date} on ${m.cpus} CPUs (${m.model}), ${m.memoryGb} GB, Node ${m.node}, Linux ${m.kernel}.`;
}

const BEGIN = '<!-- bench:begin -->';
const END = '<!-- bench:end -->';

/** Replaces what lies between the bench markers of the README's Performance section. */
export function refreshReadme(file: string, body: string): boolean {
  const text = readFileSync(file, 'utf8');
  const a = text.indexOf(BEGIN);
  const b = text.indexOf(END);
  if (a < 0 || b < a) return false;
  writeFileSync(file, `${text.slice(0, a + BEGIN.length)}\n${body}\n${text.slice(b)}`);
  return true;
}
