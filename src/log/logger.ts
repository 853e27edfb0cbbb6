import { pino, type Logger } from 'pino';
import { logfmtStream } from './logfmt.js';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export const LOG_FORMATS = ['json', 'logfmt'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type LogFormat = (typeof LOG_FORMATS)[number];

export function createLogger(level: LogLevel, format: LogFormat): Logger {
  const opts = {
    level,
    base: { app: 'portwatch' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
  };
  return format === 'json' ? pino(opts) : pino(opts, logfmtStream(process.stdout));
}
