// Server-sent events as the stream translators read them: text in, whole events out (`event:` name and the
// joined `data:` lines). Partial events wait for the next piece of text; comments, `id:` and `retry:` lines are
// transport details that neither protocol uses for content.

export interface SseEvent {
  /** The `event:` name ('' when the event has none, as in OpenAI streams). */
  readonly event: string;
  readonly data: string;
}

export class SseReader {
  private tail = '';

  /** Characters held for an event that has not ended yet. */
  get pendingChars(): number {
    return this.tail.length;
  }

  /** Feeds decoded text; returns the events it completed, in order. */
  push(text: string): SseEvent[] {
    let buffer = this.tail + text;
    if (buffer.includes('\r')) {
      // A trailing CR may be the first half of a CRLF split across pieces.
      const keep = buffer.endsWith('\r') ? '\r' : '';
      buffer = buffer.slice(0, buffer.length - keep.length).replace(/\r\n?/g, '\n') + keep;
    }
    const end = buffer.lastIndexOf('\n\n');
    if (end === -1) {
      this.tail = buffer;
      return [];
    }
    this.tail = buffer.slice(end + 2);
    const out: SseEvent[] = [];
    let start = 0;
    while (start <= end) {
      let stop = buffer.indexOf('\n\n', start);
      if (stop === -1 || stop > end) stop = end;
      const parsed = parseEvent(buffer.slice(start, stop));
      if (parsed !== null) out.push(parsed);
      start = stop + 2;
    }
    return out;
  }

  /** An event left unterminated when the stream ended, if any. */
  flush(): SseEvent | null {
    const rest = this.tail;
    this.tail = '';
    return rest.trim() === '' ? null : parseEvent(rest);
  }
}

function parseEvent(block: string): SseEvent | null {
  let event = '';
  let data: string | undefined;
  let from = 0;
  while (from <= block.length) {
    let to = block.indexOf('\n', from);
    if (to === -1) to = block.length;
    const line = block.slice(from, to);
    from = to + 1;
    if (line.startsWith('data:')) {
      const value = line.charCodeAt(5) === 32 ? line.slice(6) : line.slice(5);
      data = data === undefined ? value : `${data}\n${value}`;
    } else if (line.startsWith('event:')) {
      event = line.slice(6).trim();
    }
  }
  return data === undefined && event === '' ? null : { event, data: data ?? '' };
}

/** An event in the wire form: `event:` line when named, then its data. */
export const sseEvent = (event: string, data: string): string => `event: ${event}\ndata: ${data}\n\n`;

export const sseData = (data: string): string => `data: ${data}\n\n`;
