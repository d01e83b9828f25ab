import type { CommandResult, Runner } from '../core/types.js';

/**
 * Tools whose output v6wall parses are translated by gettext; LANGUAGE wins
 * over LC_ALL, so it is emptied too.
 */
export const C_LOCALE_ENV = { LANGUAGE: '', LC_ALL: 'C', LANG: 'C' } as const;

/** The real runner: execa with an argument array, never a shell, C locale forced. */
export const runCommand: Runner = async (argv, options = {}) => {
  const [file, ...args] = argv;
  if (file === undefined) throw new Error('runCommand: empty argv');
  const { execa } = await import('execa');
  const started = performance.now();
  const result = await execa(file, args, {
    reject: false,
    shell: false,
    env: { ...C_LOCALE_ENV },
    extendEnv: true,
    input: options.input,
    stdin: options.input === undefined ? 'ignore' : undefined,
    timeout: options.timeoutMs,
    stripFinalNewline: false,
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
