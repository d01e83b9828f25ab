// Discovery's result and the SSH screen: which ports stay open.
import type { Choices } from '../../core/types/choices.js';
import type { Facts } from '../../core/types/facts.js';
import { parsePort } from '../../core/port.js';
import { type ExposureOption, optionFromChoice, portKey } from '../exposure-rows.js';
import { checkedSshPorts } from '../selectors.js';
import type { SshPortRow, WizardState } from '../wizard-state.js';
import { goTo } from './navigation.js';
import { NOTHING_RECALLED, type Recalled, rememberedDefaults } from '../remembered.js';

export function sshRowsFrom(facts: Facts, choices: Choices): SshPortRow[] {
  const ports = [...new Set([...facts.ssh.ports, ...choices.sshPorts, ...(facts.ssh.sessionPort === null ? [] : [facts.ssh.sessionPort])])];
  return ports
    .sort((a, b) => a - b)
    .map((port) => ({
      port,
      checked: choices.sshPorts.includes(port) || port === facts.ssh.sessionPort,
      sources: facts.ssh.evidence.filter((evidence) => evidence.port === port).map((evidence) => `${evidence.source}: ${evidence.detail}`),
    }));
}

export function factsLoaded(state: WizardState, facts: Facts, choices: Choices, recalled: Recalled = NOTHING_RECALLED): WizardState {
  const picks: Record<string, ExposureOption> = {};
  const sources: Record<string, string[]> = {};
  for (const choice of choices.exposures) {
    const key = portKey(choice.container, choice.port, choice.proto);
    picks[key] = optionFromChoice(choice);
    if (choice.source !== undefined) sources[key] = [...new Set([...(sources[key] ?? []), choice.source])];
  }
  // A port also open from anywhere is open to every source.
  for (const choice of choices.exposures) if (choice.source === undefined) delete sources[portKey(choice.container, choice.port, choice.proto)];
  const remembered = rememberedDefaults(
    facts,
    recalled.remembered,
    new Set(choices.exposures.map((choice) => portKey(choice.container, choice.port, choice.proto))),
  );
  Object.assign(picks, remembered.picks);
  Object.assign(sources, remembered.sources);
  const selected = facts.docker.containers
    .map((container) => container.name)
    .filter((name) => choices.exposures.some((choice) => choice.container === name && choice.exposure !== 'skip') || remembered.containers.includes(name));
  return {
    ...state,
    facts,
    discoveryError: null,
    ssh: { ...state.ssh, rows: sshRowsFrom(facts, choices), cursor: 0 },
    containers: { ...state.containers, selected },
    exposure: { ...state.exposure, picks, sources },
    preview: { ...state.preview, removeStale: choices.removeStale ?? false },
    remembered: recalled.remembered,
    rememberNote: recalled.note,
  };
}

export function addSshPort(state: WizardState): WizardState {
  const ssh = state.ssh;
  const port = parsePort(ssh.draft);
  if (port === null) return { ...state, ssh: { ...ssh, error: `"${ssh.draft}" is not a port: type a number from 1 to 65535` } };
  const existing = ssh.rows.findIndex((row) => row.port === port);
  if (existing >= 0) {
    const rows = ssh.rows.map((row, index) => (index === existing ? { ...row, checked: true } : row));
    return { ...state, ssh: { rows, cursor: existing, draft: '', error: null } };
  }
  const rows = [...ssh.rows, { port, checked: true, sources: [] }].sort((a, b) => a.port - b.port);
  return { ...state, ssh: { rows, cursor: rows.findIndex((row) => row.port === port), draft: '', error: null } };
}

export function sshNext(state: WizardState): WizardState {
  if (state.ssh.draft !== '') return addSshPort(state);
  if (checkedSshPorts(state).length === 0) {
    return {
      ...state,
      ssh: { ...state.ssh, error: 'Choose at least one SSH port (space), or type one and press enter: without it the firewall would shut you out.' },
    };
  }
  return goTo({ ...state, ssh: { ...state.ssh, error: null } }, 'defaults');
}

export function sshType(state: WizardState, text: string): WizardState {
  const digits = text.replace(/[^0-9]/g, '');
  if (digits === '') return state;
  return { ...state, ssh: { ...state.ssh, draft: (state.ssh.draft + digits).slice(0, 5), error: null } };
}
