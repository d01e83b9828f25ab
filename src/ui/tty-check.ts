// Whether this process can run the interactive wizard, decided before Ink is loaded.

export interface TerminalLike {
  stdin: { isTTY?: boolean; setRawMode?: unknown };
  stdout: { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

const inCi = (env: NodeJS.ProcessEnv): boolean => ['CI', 'CONTINUOUS_INTEGRATION'].some((name) => name in env && env[name] !== '0' && env[name] !== 'false');

/** Null when the wizard can run; otherwise the message to print (exit code 2). */
export function wizardRefusal(terminal: TerminalLike): string | null {
  const alternatives = 'Use `v6wall plan` to see the commands, and `v6wall apply --yes` to apply them without the wizard (see `v6wall --help`).';
  // Ink's raw-mode support is exactly this: a TTY stdin with setRawMode.
  const rawMode = terminal.stdin.isTTY === true && typeof terminal.stdin.setRawMode === 'function';
  if (!rawMode || terminal.stdout.isTTY !== true) {
    return `v6wall: the wizard needs an interactive terminal (stdin and stdout are not both a TTY).\n${alternatives}\n`;
  }
  if (inCi(terminal.env)) {
    return `v6wall: the wizard does not run under CI (the CI environment variable is set; CI=false allows it).\n${alternatives}\n`;
  }
  return null;
}
