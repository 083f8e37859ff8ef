// Commands are plain functions over an IO record, so tests run them with buffers; main.ts only wires process.

export interface CliIO {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Whether stderr is a terminal (progress lines are drawn only there unless asked for); default false. */
  readonly stderrIsTTY?: boolean;
  /** CPUs this process may run on (`os.availableParallelism()`); unknown when absent. */
  readonly cpus?: number;
  /** Node's own flags (`process.execArgv`); none known when absent. */
  readonly execArgv?: readonly string[];
}

/** Exit codes: 0 ok, 1 policy/test failure, 2 usage or I/O error. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export interface Command {
  readonly name: string;
  /** One line for `switchyard --help`. */
  readonly summary: string;
  /** Full help text for `switchyard <name> --help`. */
  readonly help: string;
  run(argv: readonly string[], io: CliIO): Promise<ExitCode>;
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}
