// Worker thread entry: parses one service-discovery text (workerData: text and dialect) and
// posts the outcome.
import { parentPort, workerData } from 'node:worker_threads';
import { parseGroups } from './parse-groups.js';
import type { Dialect } from './target-groups.js';

const { text, dialect } = workerData as { text: string; dialect: Dialect };
parentPort?.postMessage(parseGroups(text, dialect));
