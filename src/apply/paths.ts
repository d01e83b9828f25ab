import { join } from 'node:path';

/** Where UFW keeps what apply can change. Configurable so tests can use temp dirs. */
export interface UfwPaths {
  /** Holds *.rules and ufw.conf (normally /etc/ufw). */
  ufwDir: string;
  /** Holds DEFAULT_*_POLICY and IPV6= (normally /etc/default/ufw). */
  defaultsFile: string;
}

export const DEFAULT_UFW_PATHS: UfwPaths = { ufwDir: '/etc/ufw', defaultsFile: '/etc/default/ufw' };

export const DEFAULT_STATE_DIR = '/var/lib/v6wall';

/** `--state-dir` wins, then V6WALL_STATE_DIR, then /var/lib/v6wall. */
export function resolveStateDir(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  if (flag !== undefined && flag !== '') return flag;
  const fromEnv = env['V6WALL_STATE_DIR'];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  return DEFAULT_STATE_DIR;
}

/** The layout of the state directory, in one place. */
export const stateLayout = {
  snapshots: (stateDir: string) => join(stateDir, 'snapshots'),
  snapshot: (stateDir: string, id: string) => join(stateDir, 'snapshots', id),
  latestSnapshot: (stateDir: string) => join(stateDir, 'snapshots', 'latest'),
  transcripts: (stateDir: string) => join(stateDir, 'transcripts'),
  transcript: (stateDir: string, id: string) => join(stateDir, 'transcripts', `${id}.jsonl`),
  pending: (stateDir: string) => join(stateDir, 'pending.json'),
  /** UFW's files as v6wall last left them (as-left.ts). */
  asLeft: (stateDir: string) => join(stateDir, 'as-left.json'),
  applyLock: (stateDir: string) => join(stateDir, 'apply.lock'),
  watchdogLog: (stateDir: string) => join(stateDir, 'watchdog.log'),
  /** Held open by every command an apply starts, so a watchdog that outlives the apply can wait for them (running-step.ts). */
  stepHold: (stateDir: string, id: string) => join(stateDir, `apply-${id}.running`),
};
