// The server log: pino JSON lines on stdout, level from LOG_LEVEL, credentials redacted wherever headers appear.
import { pino, type DestinationStream, type Logger } from 'pino';
import { LOG_REDACT_PATHS, REDACTED } from '../telemetry/redact.js';

export const REDACTED_PATHS: readonly string[] = LOG_REDACT_PATHS;

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** `destination`: default stdout; `switchyard serve` shares one with an audit log written to `-`. */
export function createProxyLogger(level: string | undefined, destination?: DestinationStream): Logger {
  const wanted = (level ?? 'info').toLowerCase();
  const chosen = (LOG_LEVELS as readonly string[]).includes(wanted) ? wanted : 'info';
  const options = { level: chosen, base: { service: 'switchyard' }, redact: { paths: [...REDACTED_PATHS], censor: REDACTED } };
  return destination === undefined ? pino(options) : pino(options, destination);
}
