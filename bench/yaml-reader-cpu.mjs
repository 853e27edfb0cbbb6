// CPU time of this thread to check a config whose labels mapping has 30,000 keys (the input of
// test/config/large.test.ts), with the build in the directory given (default: dist): the first
// read (code not yet optimised) and the median of ten more. Run it alternately on two builds to
// compare YAML readers: see docs/performance.md.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const KEYS = 30_000;
const dist = resolve(process.argv[2] ?? 'dist');
const { parseConfig } = await import(pathToFileURL(`${dist}/config/load.js`).href);

function threadCpuMs() {
  const stat = readFileSync('/proc/thread-self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

const labels = Array.from({ length: KEYS }, (_, i) => `    k${i}: v\n`).join('');
const text = `defaults:\n  labels:\n${labels}monitors:\n  - name: web\n    hosts: [127.0.0.1]\n    expect_open: [80]\n`;

function timed() {
  const before = threadCpuMs();
  try {
    parseConfig(text, 'big.yaml');
  } catch {
    // The 30,000 labels are refused (more than 32): the test's input, checked to its end.
  }
  return threadCpuMs() - before;
}

const first = timed();
const more = Array.from({ length: 10 }, timed).sort((a, b) => a - b);
console.log(`${dist}: first ${first} ms, median ${more[5]} ms of thread CPU`);
