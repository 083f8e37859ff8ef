// What the simulator has seen, so tests can prove what a proxy forwarded (which key, which body, how often).

export interface SeenRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Parsed JSON when the body was JSON, else the raw text ('' for none). */
  readonly body: unknown;
  /** The body as sent, byte for byte (decoded as UTF-8). */
  readonly text: string;
  /** The API key presented (`authorization: Bearer …` or `x-api-key`), '' when none. */
  readonly apiKey: string;
}

export interface SimulatorStats {
  /** API requests seen (control requests under `/_sim/` are not counted). */
  readonly requests: number;
  /** API requests being answered right now. */
  readonly inFlight: number;
  readonly byPath: Readonly<Record<string, number>>;
  readonly byModel: Readonly<Record<string, number>>;
  /** Keyed by the key itself (`(none)` when absent): the simulator only ever sees test credentials. */
  readonly byApiKey: Readonly<Record<string, number>>;
  /** Keyed by fault label, e.g. `503`, `reset`, `cut`, `first-byte-delay`, `no-usage`, `timeout`. */
  readonly byFault: Readonly<Record<string, number>>;
  /** Streaming responses started. */
  readonly streams: number;
  /** Streams the simulator cut on purpose (`cutAfterChunks`). */
  readonly streamsCut: number;
  /** Streams whose client went away before the final event (e.g. a proxy aborting upstream on disconnect). */
  readonly streamsAborted: number;
  readonly lastRequest: SeenRequest | null;
}

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

export class StatsRecorder {
  requests = 0;
  inFlight = 0;
  streams = 0;
  streamsCut = 0;
  streamsAborted = 0;
  lastRequest: SeenRequest | null = null;
  readonly #byPath = new Map<string, number>();
  readonly #byModel = new Map<string, number>();
  readonly #byApiKey = new Map<string, number>();
  readonly #byFault = new Map<string, number>();

  seen(request: SeenRequest): void {
    this.requests += 1;
    this.lastRequest = request;
    bump(this.#byPath, request.path);
    bump(this.#byApiKey, request.apiKey === '' ? '(none)' : request.apiKey);
  }

  model(model: string): void {
    bump(this.#byModel, model);
  }

  fault(label: string): void {
    bump(this.#byFault, label);
  }

  reset(): void {
    this.requests = 0;
    this.streams = 0;
    this.streamsCut = 0;
    this.streamsAborted = 0;
    this.lastRequest = null;
    this.#byPath.clear();
    this.#byModel.clear();
    this.#byApiKey.clear();
    this.#byFault.clear();
  }

  snapshot(): SimulatorStats {
    return {
      requests: this.requests,
      inFlight: this.inFlight,
      byPath: Object.fromEntries(this.#byPath),
      byModel: Object.fromEntries(this.#byModel),
      byApiKey: Object.fromEntries(this.#byApiKey),
      byFault: Object.fromEntries(this.#byFault),
      streams: this.streams,
      streamsCut: this.streamsCut,
      streamsAborted: this.streamsAborted,
      lastRequest: this.lastRequest,
    };
  }
}
