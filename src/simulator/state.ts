// The mutable state of one simulator instance, shared by the API handlers and the control API.
import { DEFAULT_CONFIG, type SimulatorConfig } from './config.js';
import { FaultQueue, RandomFaults } from './faults.js';
import { StatsRecorder } from './stats.js';

export class SimulatorState {
  #config: SimulatorConfig;
  readonly queue = new FaultQueue();
  readonly random: RandomFaults;
  readonly stats = new StatsRecorder();
  /** Makes ids unique within the instance and deterministic across runs. */
  #seq = 0;

  constructor(config: Partial<SimulatorConfig>) {
    this.#config = Object.freeze({ ...DEFAULT_CONFIG, ...config });
    this.random = new RandomFaults(this.#config.seed);
  }

  get config(): SimulatorConfig {
    return this.#config;
  }

  /** Applies a validated patch; a new `seed` restarts the random fault sequence. */
  configure(patch: Partial<SimulatorConfig>): SimulatorConfig {
    this.#config = Object.freeze({ ...this.#config, ...patch });
    if (patch.seed !== undefined) this.random.reseed(patch.seed);
    return this.#config;
  }

  nextSeq(): number {
    this.#seq += 1;
    return this.#seq;
  }

  /** Clears stats and pending faults, and restarts the random sequence from the configured seed. */
  reset(): void {
    this.stats.reset();
    this.queue.clear();
    this.random.reseed(this.#config.seed);
  }
}
