// Runs the built CLI in a pseudo-terminal, as a person would: waits for what
// the screen shows before typing, and reads the screen, not the byte stream.
import { fileURLToPath } from 'node:url';
import { spawn, type IPty } from '@lydell/node-pty';
import { ScreenModel } from './screen-model.js';

export const CLI = fileURLToPath(new URL('../../dist/v6wall.js', import.meta.url));

export interface PtyRun {
  /** The screen as it looks now. */
  screen(): string;
  /** Everything the program wrote, raw. */
  output(): string;
  /** Resolves when the screen shows `marker`; rejects with the screen after `timeoutMs`. */
  waitFor(marker: string | RegExp, timeoutMs?: number): Promise<void>;
  /** Types keys one at a time, letting the program draw in between. */
  press(...keys: string[]): Promise<void>;
  /** Resolves with the exit code. */
  exited: Promise<number>;
  /** The program's process id. */
  pid: number;
  kill(): void;
}

export interface PtyOptions {
  args?: string[];
  columns?: number;
  rows?: number;
  env?: NodeJS.ProcessEnv;
  /** Defaults to node running dist/v6wall.js. */
  file?: string;
  cwd?: string;
}

export function spawnCli(options: PtyOptions = {}): PtyRun {
  const columns = options.columns ?? 100;
  const rows = options.rows ?? 40;
  const model = new ScreenModel(columns, rows);
  let raw = '';
  const waiters: (() => void)[] = [];
  // CI set to anything but 0/false makes Ink non-interactive.
  const env = { ...process.env, CI: 'false', TERM: 'xterm-256color', ...options.env };
  const pty: IPty = spawn(options.file ?? process.execPath, options.file ? (options.args ?? []) : [CLI, ...(options.args ?? [])], {
    name: 'xterm-256color',
    cols: columns,
    rows,
    cwd: options.cwd ?? process.cwd(),
    env: env as Record<string, string>,
  });
  pty.onData((data) => {
    raw += data;
    model.write(data);
    for (const waiter of waiters.splice(0)) waiter();
  });
  let ended = false;
  const exited = new Promise<number>((resolve) =>
    pty.onExit(({ exitCode }) => {
      ended = true;
      for (const waiter of waiters.splice(0)) waiter();
      resolve(exitCode);
    }),
  );
  const matches = (marker: string | RegExp): boolean => (typeof marker === 'string' ? model.text().includes(marker) : marker.test(model.text()));

  return {
    screen: () => model.text(),
    output: () => raw,
    exited,
    pid: pty.pid,
    kill: () => pty.kill(),
    waitFor(marker, timeoutMs = 10_000) {
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${String(marker)}; the screen shows:\n${model.text()}`)), timeoutMs);
        const check = (): void => {
          if (matches(marker)) {
            clearTimeout(timer);
            resolve();
          } else if (ended) {
            clearTimeout(timer);
            reject(new Error(`the program exited before showing ${String(marker)}; the screen shows:\n${model.text()}`));
          } else {
            waiters.push(check);
          }
        };
        check();
      });
    },
    async press(...keys) {
      for (const key of keys) {
        pty.write(key);
        await new Promise((resolve) => setTimeout(resolve, 60));
      }
    },
  };
}
