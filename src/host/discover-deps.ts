import type { CommandResult, Runner } from '../core/types/runner.js';
import type { DockerApiGet } from './docker-api.js';

/** Everything discovery touches on the host, so tests can hand in recorded outputs. */
export interface DiscoverDeps {
  run: Runner;
  /** The file's text, or null when it is missing or unreadable. */
  readFile: (path: string) => Promise<string | null>;
  /** Whether something exists at the path (a program looked for without starting it). */
  exists: (path: string) => Promise<boolean>;
  env: NodeJS.ProcessEnv;
  uid: number;
  /** v6wall's own pid (defaults to process.pid): its ancestors lead to the operator's sshd. */
  pid?: number;
  /**
   * The local Docker daemon's API. When absent, or when the daemon does not answer on it,
   * discovery asks the docker CLI instead (which also explains what is wrong).
   */
  dockerApi?: DockerApiGet;
}

/** What the Docker and host parts need (they look for no program on disk). */
export type PartDeps = Pick<DiscoverDeps, 'run' | 'readFile' | 'uid' | 'dockerApi'>;

/**
 * Runs an admin tool, retrying from /usr/sbin when it is not on PATH
 * (a non-root PATH often lacks it).
 */
export async function runAdminTool(run: Runner, argv: readonly string[]): Promise<CommandResult> {
  const result = await run(argv);
  const [file, ...args] = argv;
  if (!result.notFound || file === undefined || file.includes('/')) return result;
  const retry = await run([`/usr/sbin/${file}`, ...args]);
  return retry.notFound ? result : retry;
}

/** Why a command gave nothing usable, in words a person can act on. */
export function describeFailure(result: CommandResult, uid: number): string {
  const name = result.argv.join(' ');
  if (result.notFound) return `${result.argv[0] ?? 'the command'} is not installed`;
  // Tools print the fatal message last (sshd: "Unable to load host key..." then "no hostkeys available").
  const lines = result.stderr.split('\n').filter((line) => line.trim() !== '');
  const lastLine = lines[lines.length - 1]?.trim() ?? `exit code ${result.exitCode}`;
  const hint = uid === 0 ? '' : ' (run v6wall as root: sudo v6wall)';
  return `${name} failed: ${lastLine}${hint}`;
}
