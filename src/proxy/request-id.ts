// Request ids: UUID version 7 (RFC 9562) — 48 bits of Unix milliseconds, then random bits. Ids of the same
// moment sort together, so the ledger's reservations (keyed by request id) go in at the end of their index
// instead of at a random page of it, and logs and audit records sort by time on their id alone.
import { randomUUID } from 'node:crypto';

// The time part of the last millisecond an id was made in: requests of the same millisecond share it.
let prefixMs = -1;
let prefix = '';

/** A fresh UUIDv7: node's pooled random UUIDv4 with its first 48 bits replaced by the time and version 7. */
export function newRequestId(now = Date.now()): string {
  if (now !== prefixMs) {
    const time = now.toString(16).padStart(12, '0');
    prefix = `${time.slice(0, 8)}-${time.slice(8, 12)}-7`;
    prefixMs = now;
  }
  // random: xxxxxxxx-xxxx-4xxx-Nxxx-xxxxxxxxxxxx; the variant bits (N) are already RFC 9562's.
  return prefix + randomUUID().slice(15);
}
