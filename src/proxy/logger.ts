// The server log: pino JSON lines on stdout, level from LOG_LEVEL, credentials redacted wherever headers appear.
import { pino, type Logger } from 'pino';

export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'headers.authorization',
  'headers["x-api-key"]',
];

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export function createProxyLogger(level: string | undefined): Logger {
  const wanted = (level ?? 'info').toLowerCase();
  const chosen = (LOG_LEVELS as readonly string[]).includes(wanted) ? wanted : 'info';
  return pino({ level: chosen, base: { service: 'switchyard' }, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } });
}
