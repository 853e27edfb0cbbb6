// Worker thread entry: decodes and parses one service-discovery file or answer (workerData:
// its bytes and dialect) and posts the outcome.
import { parentPort, workerData } from 'node:worker_threads';
import { groupsOutcome } from './parse-groups.js';
import type { Dialect } from './target-groups.js';

const { bytes, dialect } = workerData as { bytes: Uint8Array; dialect: Dialect };
parentPort?.postMessage(groupsOutcome(bytes, dialect));
