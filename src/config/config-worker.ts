// Worker thread entry: decodes and parses one config file (workerData: its bytes and name)
// and posts the outcome. Problems travel as data; the ConfigError is made again on the main thread.
import { parentPort, workerData } from 'node:worker_threads';
import { configOutcome } from './load.js';

const { bytes, fileName } = workerData as { bytes: Uint8Array; fileName: string };
parentPort?.postMessage(configOutcome(bytes, fileName));
