// Renders an Ink tree into memory at a chosen terminal size, and types into it
// the way a person would: one key at a time, letting Ink settle in between.
import { EventEmitter } from 'node:events';
import type { ReactElement } from 'react';
import { render as inkRender, type Instance } from 'ink';

class FakeStdout extends EventEmitter {
  readonly isTTY = true;
  frames: string[] = [];
  constructor(
    readonly columns: number,
    readonly rows: number,
  ) {
    super();
  }
  write = (frame: string): boolean => {
    // Outside debug mode Ink also writes bare control sequences (synchronised-output markers, erases).
    if (stripAnsi(frame).trim() === '') return true;
    this.frames.push(frame);
    this.emit('frame', frame);
    return true;
  };
}

class FakeStdin extends EventEmitter {
  readonly isTTY = true;
  private pending: string | null = null;
  write(data: string): void {
    this.pending = data;
    this.emit('readable');
    this.emit('data', data);
  }
  read = (): string | null => {
    const data = this.pending;
    this.pending = null;
    return data;
  };
  setEncoding(): void {}
  setRawMode(): void {}
  resume(): void {}
  pause(): void {}
  ref(): void {}
  unref(): void {}
}

export const KEYS = {
  up: '\u001B[A',
  down: '\u001B[B',
  right: '\u001B[C',
  left: '\u001B[D',
  enter: '\r',
  escape: '\u001B',
  space: ' ',
  backspace: '\u007F',
  pageDown: '\u001B[6~',
  pageUp: '\u001B[5~',
  home: '\u001B[H',
  end: '\u001B[F',
} as const;

export interface Rendered {
  lastFrame(): string;
  press(...keys: string[]): Promise<void>;
  type(text: string): Promise<void>;
  settle(ms?: number): Promise<void>;
  unmount(): void;
  instance: Instance;
  /** Resolves at the next frame Ink writes. */
  nextFrame(): Promise<string>;
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001B\[[0-9;?]*[A-Za-z]/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

export const tick = (ms = 0): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function renderAt(tree: ReactElement, size: { columns?: number; rows?: number; debug?: boolean } = {}): Rendered {
  const stdout = new FakeStdout(size.columns ?? 80, size.rows ?? 30);
  const stdin = new FakeStdin();
  const instance = inkRender(tree, {
    stdout: stdout as unknown as NodeJS.WriteStream,
    stderr: new FakeStdout(80, 24) as unknown as NodeJS.WriteStream,
    stdin: stdin as unknown as NodeJS.ReadStream,
    // debug renders every update at once (no 30 fps throttle), one whole frame per write.
    debug: size.debug ?? true,
    exitOnCtrlC: false,
    patchConsole: false,
  });
  const settle = (ms = 0): Promise<void> => tick(ms);
  return {
    lastFrame: () => stripAnsi(stdout.frames.at(-1) ?? ''),
    async press(...keys: string[]) {
      for (const key of keys) {
        stdin.write(key);
        await tick(5);
      }
    },
    async type(text: string) {
      for (const char of text) {
        stdin.write(char);
        await tick(5);
      }
    },
    settle,
    nextFrame: () => new Promise<string>((resolve) => stdout.once('frame', resolve)),
    unmount: () => {
      instance.unmount();
      instance.cleanup();
    },
    instance,
  };
}
