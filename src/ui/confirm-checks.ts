// What the confirm step checks after the apply: for each SSH port kept open and each opening
// chosen, the live ruleset's verdict (reachability report) and, later, a probe from the host.
import type { ReachabilityReport, ReachabilityRow } from '../core/reachability-report.js';
import { checkedSshPorts, currentExposureRows, pickFor } from './selectors.js';
import type { CheckRow, HostProbe, WizardState } from './wizard-state.js';

function checkRow(row: ReachabilityRow, label: string): CheckRow {
  // A TCP connect says nothing about UDP.
  const probe: HostProbe = row.proto === 'tcp' ? 'checking' : 'not-probed';
  return {
    key: `${row.address}|${row.port}/${row.proto}`,
    label,
    ssh: row.kind === 'ssh',
    address: row.address,
    port: row.port,
    proto: row.proto,
    verdict: row.verdict,
    dockerOnly: row.dockerOnly,
    probe,
  };
}

/** The report's rows for the SSH ports and exposures chosen in this wizard, in that order. */
export function confirmCheckRows(report: ReachabilityReport, state: WizardState): CheckRow[] {
  const rows: CheckRow[] = [];
  for (const port of checkedSshPorts(state)) {
    for (const found of report.rows.filter((r) => r.kind === 'ssh' && r.port === port)) rows.push(checkRow(found, `SSH ${port}/tcp`));
  }
  for (const exposure of currentExposureRows(state)) {
    const pick = pickFor(state, exposure);
    if (pick.exposure === 'skip') continue;
    const name = `${exposure.container} ${exposure.port}/${exposure.proto}`;
    const matches = report.rows.filter(
      (r) =>
        r.container === exposure.container &&
        r.proto === exposure.proto &&
        (pick.exposure === 'route' ? r.kind === 'container' && r.port === exposure.port : r.kind === 'published' && r.port === pick.hostPort),
    );
    const label = pick.exposure === 'route' ? `${name} (route)` : `${name} (port ${pick.hostPort})`;
    for (const found of matches) rows.push(checkRow(found, label));
  }
  // One row per address and port: a port may be both SSH and chosen again.
  return rows.filter((row, index) => rows.findIndex((other) => other.key === row.key) === index);
}

/** The verdict in at most 13 characters, so a row fits 60 columns. */
export function shortVerdict(row: CheckRow): string {
  if (row.verdict === 'open') return row.dockerOnly ? 'open (Docker)' : 'open';
  return row.verdict === 'blocked' ? 'blocked' : 'cannot judge';
}

export function probeWords(probe: HostProbe): string {
  switch (probe) {
    case 'checking':
      return 'checking…';
    case 'open':
      return 'answers';
    case 'closed':
      return 'no answer';
    case 'not-probed':
      return 'not tried';
    default: {
      const unknown: never = probe;
      return unknown;
    }
  }
}
