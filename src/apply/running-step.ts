// How a watchdog that outlives v6wall knows a command v6wall started is still running.
//
// Apply opens one file per apply and hands it to every step's command as an extra descriptor
// (fd 3). A child has it from the moment it exists, before it can change anything, and keeps it
// until it exits, even when v6wall is killed: so "some process holds the file" is exactly
// "a command v6wall started may still be writing UFW's files". Recording the child's pid after
// it started left a window where v6wall could die with the command running and no pid written
// (the watchdog then restored the files while ufw was still about to write its own).
import { closeSync, openSync, readdirSync, statSync, unlinkSync } from 'node:fs';
import { stateLayout } from './paths.js';

export interface StepHold {
  /** Give this to the runner as `holdOpen` for every step. */
  fd: number;
  /** Closes and removes the file once no step runs any more. */
  release(): void;
}

export function openStepHold(stateDir: string, id: string): StepHold {
  const path = stateLayout.stepHold(stateDir, id);
  const fd = openSync(path, 'w', 0o600);
  return {
    fd,
    release() {
      try {
        closeSync(fd);
      } catch {
        // already closed
      }
      try {
        unlinkSync(path);
      } catch {
        // already gone
      }
    },
  };
}

/** The processes (other than this one) that have the apply's hold file open. */
export function stepHolders(stateDir: string, id: string): number[] {
  let target: { dev: number; ino: number };
  try {
    target = statSync(stateLayout.stepHold(stateDir, id));
  } catch {
    return [];
  }
  const holders: number[] = [];
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name) && Number(name) !== process.pid);
  } catch {
    return [];
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue; // gone, or not ours to read
    }
    for (const fd of fds) {
      try {
        const info = statSync(`/proc/${pid}/fd/${fd}`);
        if (info.ino === target.ino && info.dev === target.dev) {
          holders.push(Number(pid));
          break;
        }
      } catch {
        // closed meanwhile
      }
    }
  }
  return holders;
}
