// Running one command: the only way v6wall runs anything (host/run.ts), injected everywhere else.

export interface CommandResult {
  argv: string[];
  exitCode: number;
  stdout: string;
  stderr: string;
  durationMs: number;
  /** The command could not be started at all (e.g. not installed). */
  notFound: boolean;
}

export interface RunOptions {
  input?: string;
  timeoutMs?: number;
  /** An open descriptor the command gets as its fd 3 and keeps until it exits (apply's step hold, see apply/running-step.ts). */
  holdOpen?: number;
}

/** Runs one command given as an argument array. The only way v6wall runs anything. */
export type Runner = (argv: readonly string[], options?: RunOptions) => Promise<CommandResult>;
