import { spawn } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';

/** What one lab command did; mirrors the fields of the project's CommandResult that the lab needs. */
export interface LabResult {
  argv: string[];
  exitCode: number;
  stdout: string;
  stderr: string;
  durationMs: number;
}

export interface LabRunOptions {
  env?: Record<string, string>;
  input?: string;
  timeoutMs?: number;
  /** Inherit the terminal instead of capturing (interactive runs). */
  inherit?: boolean;
}

/** Translated tools (ufw) must speak English; LANGUAGE wins over LC_ALL. */
export const C_LOCALE = { LANGUAGE: '', LC_ALL: 'C', LANG: 'C' } as const;

/** Runs argv (never a shell string) and resolves with its result; never rejects on a non-zero exit. */
export function run(argv: readonly string[], options: LabRunOptions = {}): Promise<LabResult> {
  const [file, ...args] = argv;
  if (file === undefined) return Promise.reject(new Error('run: empty argv'));
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(file, args, {
      env: { ...process.env, ...C_LOCALE, ...options.env },
      stdio: options.inherit ? 'inherit' : [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    if (options.input !== undefined) child.stdin?.end(options.input);
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            stderr += `\n[lab] timed out after ${options.timeoutMs} ms, killed`;
            child.kill('SIGKILL');
          }, options.timeoutMs);
    const finish = (exitCode: number): void => {
      if (timer) clearTimeout(timer);
      resolve({ argv: [...argv], exitCode, stdout, stderr, durationMs: performance.now() - started });
    };
    child.on('error', (error) => {
      stderr += String(error.message);
      finish(127);
    });
    child.on('close', (code, signal) => finish(code ?? (signal ? 128 : 1)));
  });
}

/** Like run, but a non-zero exit is an error that names the command and its stderr. */
export async function must(argv: readonly string[], options: LabRunOptions = {}): Promise<LabResult> {
  const result = await run(argv, options);
  if (result.exitCode !== 0) {
    throw new Error(`lab command failed (exit ${result.exitCode}): ${argv.join(' ')}\n${result.stderr.trim()}\n${result.stdout.trim()}`.trim());
  }
  return result;
}

/**
 * Starts a long-lived daemon in its own session (setsid) with output to logFile and
 * resolves with its pid (exec chains like nsenter/unshare/sh keep it). It outlives
 * this process; teardown stops it by its pid file.
 */
export function startDetached(argv: readonly string[], logFile: string, env: Record<string, string> = {}): number {
  const fd = openSync(logFile, 'a');
  try {
    const [file, ...args] = argv;
    if (file === undefined) throw new Error('startDetached: empty argv');
    // detached: the child calls setsid(2), so it leaves our session and process group (what setsid(1) does, minus its fork).
    const child = spawn(file, args, {
      env: { ...process.env, ...C_LOCALE, ...env },
      stdio: ['ignore', fd, fd],
      detached: true,
    });
    child.unref();
    return child.pid ?? -1;
  } finally {
    closeSync(fd);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls check() until it returns true or timeoutMs passes. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number, describe?: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`lab: ${what} not ready after ${timeoutMs} ms${describe ? `\n${describe()}` : ''}`);
    await sleep(100);
  }
}
