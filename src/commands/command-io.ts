/** What a subcommand may touch of the outside world: its output streams and environment. */
export interface CommandIo {
  stdout(s: string): void;
  stderr(s: string): void;
  env: NodeJS.ProcessEnv;
}
