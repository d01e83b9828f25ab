/** What a subcommand may touch of the outside world: its output streams and environment. */
export interface CommandIo {
  stdout(s: string): void;
  stderr(s: string): void;
  env: NodeJS.ProcessEnv;
}

/** parseArgs throws on unknown flags; this turns that into the usage error every command prints. */
export function usageError(io: CommandIo, command: string, error: unknown): number {
  io.stderr(`v6wall ${command}: ${error instanceof Error ? error.message : String(error)}\nRun \`v6wall ${command} --help\` for the flags.\n`);
  return 2;
}

/** --confirm-timeout: long enough to open a second SSH session, at most a day. */
export function parseConfirmTimeout(text: string | undefined): number | string {
  if (text === undefined) return 120;
  if (!/^\d+$/.test(text) || Number(text) < 10 || Number(text) > 86_400) return `--confirm-timeout ${text}: expected whole seconds between 10 and 86400`;
  return Number(text);
}

export const stateDirHelp = `  --state-dir DIR           where snapshots, transcripts and state live
                            (default /var/lib/v6wall, or V6WALL_STATE_DIR)`;
