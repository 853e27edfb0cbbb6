// Worker thread entry: parses one config text (workerData: text and file name) and posts
// the outcome. Problems travel as data; the ConfigError is made again on the main thread.
import { parentPort, workerData } from 'node:worker_threads';
import { ConfigError } from './errors.js';
import { parseConfig, type ConfigOutcome } from './load.js';

const { text, fileName } = workerData as { text: string; fileName: string };
let outcome: ConfigOutcome;
try {
  outcome = { ok: true, config: parseConfig(text, fileName) };
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  outcome = { ok: false, problems: [...err.problems] };
}
parentPort?.postMessage(outcome);
