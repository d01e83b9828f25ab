// The wizard's memory of the last run: per container port, the exposure chosen and the sources
// typed. Offered as the default where the host itself says nothing about the port (an opening in
// place always wins), and only while that choice is still possible.
import type { Facts, Proto } from '../core/types/facts.js';
import { parseSource } from '../core/sources.js';
import { type ExposureOption, exposureRows, sameOption } from './exposure-rows.js';

export interface RememberedPort {
  container: string;
  port: number;
  proto: Proto;
  option: ExposureOption;
  /** Canonical IPv6 addresses or networks; empty for anywhere. */
  sources: string[];
}

/** By portKey. */
export interface Remembered {
  exposures: Record<string, RememberedPort>;
}

/** What the store gave back: its memory, and a note for the operator when it could not be read. */
export interface Recalled {
  remembered: Remembered;
  note: string | null;
}

export const NOTHING_RECALLED: Recalled = { remembered: { exposures: {} }, note: null };

export interface RememberedDefaults {
  picks: Record<string, ExposureOption>;
  sources: Record<string, string[]>;
  /** Containers a remembered opening ticks. */
  containers: string[];
}

function validSources(sources: readonly string[]): string[] | null {
  const parsed = sources.map((source) => parseSource(source));
  return parsed.every((result) => result.ok) ? parsed.map((result) => (result.ok ? result.value : '')) : null;
}

/** The remembered choices for ports the host's own openings do not decide (`decided`: their portKeys). */
export function rememberedDefaults(facts: Facts, remembered: Remembered, decided: ReadonlySet<string>): RememberedDefaults {
  const defaults: RememberedDefaults = { picks: {}, sources: {}, containers: [] };
  const rows = exposureRows(
    facts,
    facts.docker.containers.map((container) => container.name),
  );
  for (const row of rows) {
    const memory = remembered.exposures[row.key];
    if (memory === undefined || decided.has(row.key) || row.stopped) continue;
    const option = row.options.find((candidate) => sameOption(candidate, memory.option));
    const sources = validSources(memory.sources);
    if (option === undefined || sources === null) continue;
    defaults.picks[row.key] = option;
    if (sources.length > 0) defaults.sources[row.key] = sources;
    if (option.exposure !== 'skip' && !defaults.containers.includes(row.container)) defaults.containers.push(row.container);
  }
  return defaults;
}

/**
 * The memory to keep after this run: the choices for the ports of the chosen containers; containers
 * on this host that are not chosen are forgotten (not choosing closes them); others stay as they were.
 */
export function rememberChoices(
  previous: Remembered,
  facts: Facts,
  chosen: readonly { key: string; container: string; port: number; proto: Proto; option: ExposureOption; sources: string[] }[],
): Remembered {
  const here = new Set(facts.docker.containers.map((container) => container.name));
  const exposures: Record<string, RememberedPort> = {};
  for (const [key, memory] of Object.entries(previous.exposures)) if (!here.has(memory.container)) exposures[key] = memory;
  for (const { key, container, port, proto, option, sources } of chosen) exposures[key] = { container, port, proto, option, sources };
  return { exposures };
}
