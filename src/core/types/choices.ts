// What the operator picks: the SSH ports to keep, how each container port is reached, what to close.
import type { Proto } from './facts.js';

export type Exposure = 'route' | 'publish' | 'skip';

/** The operator's choice for one container port, from one source. */
export interface ExposureChoice {
  container: string;
  port: number;
  proto: Proto;
  exposure: Exposure;
  /** For 'publish': the host port to allow. */
  hostPort?: number;
  /** Only this IPv6 address or network (canonical, see core/sources) may connect; absent: anywhere. */
  source?: string;
}

/** `--close NAME:PORT[/PROTO][@SOURCE]`: v6wall's openings of that port (route or publish) to close. */
export interface CloseChoice {
  container: string;
  /** The container port, or the host port of a publish opening. */
  port: number;
  /** Absent: tcp and udp. */
  proto?: Proto;
  /** Absent: every source. */
  source?: string;
}

/**
 * How the chosen exposures relate to v6wall's openings already in place:
 * 'exact' (the wizard, `--exact`): they become exactly the chosen ones, the rest are closed;
 * 'additive' (the default of plan and apply): openings not named are left as they are, a named
 * opening gets exactly the addresses and sources given.
 */
export type ChoiceScope = 'exact' | 'additive';

export interface Choices {
  sshPorts: number[];
  exposures: ExposureChoice[];
  /** Absent: additive. */
  scope?: ChoiceScope;
  close?: CloseChoice[];
  /** Remove v6wall's rules whose container is gone or has a new address. */
  removeStale?: boolean;
  /** Rules v6wall did not make that open containers, which the operator chose to remove (their lines as ufw wrote them). */
  removeForeign?: string[];
}

/** An error a person can act on, naming what they chose. */
export interface ChoiceError {
  choice: string;
  message: string;
}
