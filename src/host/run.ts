import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CommandResult, Runner } from '../core/types/runner.js';

/**
 * Tools whose output v6wall parses are translated by gettext; LANGUAGE wins
 * over LC_ALL, so it is emptied too.
 */
export const C_LOCALE_ENV = { LANGUAGE: '', LC_ALL: 'C', LANG: 'C' } as const;

/**
 * Standard input as an open regular file, removed afterwards. Node hands a child a socket for
 * piped stdin, and opening /dev/stdin on a socket fails (ENXIO), so `cp /dev/stdin FILE` needs this.
 */
async function withInputFile<T>(input: string | undefined, use: (fd: number | 'ignore') => Promise<T>): Promise<T> {
  if (input === undefined) return use('ignore');
  const dir = await mkdtemp(join(tmpdir(), 'v6wall-stdin-'));
  try {
    const path = join(dir, 'stdin');
    await writeFile(path, input, { mode: 0o600 });
    const handle = await open(path, 'r');
    try {
      return await use(handle.fd);
    } finally {
      await handle.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The real runner: execa with an argument array, never a shell, C locale forced. */
export const runCommand: Runner = async (argv, options = {}) => {
  const [file, ...args] = argv;
  if (file === undefined) throw new Error('runCommand: empty argv');
  const { execa } = await import('execa');
  const started = performance.now();
  const result = await withInputFile(options.input, (stdin) => {
    const child = execa(file, args, {
      reject: false,
      shell: false,
      env: { ...C_LOCALE_ENV },
      extendEnv: true,
      // execa hands any descriptor number to the child as is; its types only list 0 and 3-9.
      stdio: [stdin as 'ignore' | 0, 'pipe', 'pipe', ...(options.holdOpen === undefined ? [] : [options.holdOpen as 3])],
      timeout: options.timeoutMs,
      stripFinalNewline: false,
    });
    return child;
  });
  const notFound = (result as { code?: string }).code === 'ENOENT';
  return {
    argv: [...argv],
    exitCode: result.exitCode ?? (notFound ? 127 : 1),
    stdout: typeof result.stdout === 'string' ? result.stdout : '',
    stderr: notFound ? `${file}: command not found` : typeof result.stderr === 'string' ? result.stderr : '',
    durationMs: performance.now() - started,
    notFound,
  } satisfies CommandResult;
};
