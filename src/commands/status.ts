import type { Facts, UfwRule } from '../core/types/facts.js';
import { parseRuleComment } from '../core/rule-comment.js';
import { reachabilityReport, type ReachabilityReport } from '../core/reachability-report.js';
import { intendedFromRules, proveIntended, type Proof } from '../core/proof.js';
import { backendOf } from '../core/backend.js';
import { liveV6wallTable } from '../core/nftables/v6wall-table.js';
import { parseSource } from '../core/sources.js';
import { resolveStateDir } from '../apply/paths.js';
import { statusCommand } from '../cli/spec.js';
import { commandEntry } from './command-line.js';

export interface StatusCommandDeps {
  discover: () => Promise<Facts>;
  now: () => Date;
}

interface RuleView {
  route: boolean;
  action: string;
  proto: string;
  port: string;
  to: string;
  /** inet: a rule of v6wall's own nftables table (table inet v6wall). */
  family: 'v4' | 'v6' | 'inet';
  comment: string;
}

interface StatusReport {
  firewall: {
    installed: boolean;
    version: string | null;
    enabled: boolean;
    policies: Facts['ufw']['policies'];
    ipv6: boolean | null;
    installHint: string | null;
  } | null;
  /** Which firewall v6wall drives here; for its own nftables table, whether the table is loaded. */
  backend: { kind: 'ufw' | 'nftables'; why: string; tableLoaded: boolean | null } | null;
  factsError: string | null;
  pending: {
    id: string;
    phase: string;
    deadline: string;
    secondsLeft: number;
    watchdogPid: number | null;
    watchdogRunning: boolean;
    transcriptId: string;
  } | null;
  pendingProblem: string | null;
  rules: { ssh: RuleView[]; containers: Record<string, RuleView[]>; egress?: RuleView[] };
  /** null when the facts could not be read at all. */
  reachability: ReachabilityReport | null;
  /** What v6wall intends held against the live ruleset (for one source with --from); null when the facts could not be read. */
  proof: Proof | null;
  /** The source asked about (--from), or null for anyone on the internet. */
  from: string | null;
  transcripts: { id: string; kind: string; when: string; who: string; outcome: string }[];
  transcriptProblems: string[];
}

const LATEST_TRANSCRIPTS = 5;

function ruleView(rule: UfwRule): RuleView {
  return {
    route: rule.route,
    action: rule.action,
    proto: rule.proto,
    port: rule.dport,
    to: rule.dst,
    family: rule.v6 ? 'v6' : 'v4',
    comment: rule.comment ?? '',
  };
}

function groupRules(views: readonly RuleView[]): StatusReport['rules'] {
  const grouped: StatusReport['rules'] = { ssh: [], containers: {} };
  for (const view of views) {
    const tag = parseRuleComment(view.comment);
    if (tag === null) continue;
    if (tag.kind === 'ssh') grouped.ssh.push(view);
    else if (tag.kind === 'egress') (grouped.egress ??= []).push(view);
    else (grouped.containers[tag.container] ??= []).push(view);
  }
  return grouped;
}

/** v6wall's rules in the firewall it drives: UFW's, or those of its own nftables table (by their comments). */
function rulesInPlace(facts: Facts | null): RuleView[] {
  if (facts === null) return [];
  if (backendOf(facts).kind !== 'nftables') return facts.ufw.rules.map(ruleView);
  const table = liveV6wallTable(facts.docker.nftRuleset);
  const ssh = Object.values(table.chains).flatMap((chain) =>
    chain.comments.flatMap((comment): RuleView[] => {
      const tag = parseRuleComment(comment);
      if (tag?.kind !== 'ssh') return [];
      return [{ route: false, action: 'accept', proto: 'tcp', port: String(tag.port), to: 'any', family: 'inet', comment: comment ?? '' }];
    }),
  );
  const openings = table.rules.map(({ spec }): RuleView => ({
    route: spec.route,
    action: 'accept',
    proto: spec.proto,
    port: String(spec.port),
    to: spec.route ? spec.to : 'any',
    family: 'inet',
    comment: spec.comment ?? '',
  }));
  return [...ssh, ...openings];
}

async function gather(stateDir: string, deps: StatusCommandDeps, from: string | null): Promise<StatusReport> {
  const [{ readPending, isProcessAlive }, { listTranscripts }] = await Promise.all([import('../apply/pending.js'), import('../apply/transcript.js')]);
  let facts: Facts | null = null;
  let factsError: string | null = null;
  try {
    facts = await deps.discover();
  } catch (error) {
    factsError = `could not read the host's firewall: ${(error as Error).message}`;
  }
  const pendingRead = await readPending(stateDir);
  const now = deps.now().getTime();
  const pending =
    pendingRead.kind === 'pending'
      ? {
          id: pendingRead.pending.id,
          phase: pendingRead.pending.phase,
          deadline: pendingRead.pending.deadline,
          secondsLeft: Math.max(0, Math.round((Date.parse(pendingRead.pending.deadline) - now) / 1000)),
          watchdogPid: pendingRead.pending.watchdogPid,
          watchdogRunning: isProcessAlive(pendingRead.pending.watchdogPid),
          transcriptId: pendingRead.pending.transcriptId,
        }
      : null;
  const listing = await listTranscripts(stateDir);
  return {
    firewall:
      facts === null
        ? null
        : {
            installed: facts.ufw.installed,
            version: facts.ufw.version,
            enabled: facts.ufw.enabled,
            policies: facts.ufw.policies,
            ipv6: facts.ufw.ipv6,
            installHint: facts.ufw.installHint,
          },
    backend:
      facts === null
        ? null
        : {
            kind: backendOf(facts).kind,
            why: backendOf(facts).why,
            tableLoaded: backendOf(facts).kind === 'nftables' ? liveV6wallTable(facts.docker.nftRuleset).present : null,
          },
    factsError,
    pending,
    pendingProblem: pendingRead.kind === 'corrupted' ? pendingRead.message : null,
    rules: groupRules(rulesInPlace(facts)),
    reachability: facts === null || from !== null ? null : reachabilityReport(facts),
    proof: facts === null ? null : proveIntended(facts, facts.ssh.ports, intendedFromRules(facts), from === null ? {} : { from }),
    from,
    transcripts: listing.transcripts
      .slice(-LATEST_TRANSCRIPTS)
      .reverse()
      .map((t) => ({ id: t.id, kind: t.start.kind, when: t.start.when, who: t.start.who, outcome: t.outcome })),
    transcriptProblems: listing.problems,
  };
}

function ruleLine(r: RuleView): string {
  const what = `${r.route ? 'route ' : ''}${r.action} ${r.proto === 'any' ? '' : `${r.proto} `}port ${r.port} to ${r.to}`;
  return `    ${what} (${r.family})  # ${r.comment}`;
}

function reachabilityLines(reach: ReachabilityReport | null): string[] {
  const lines = ['Reachability from the internet (from the live ruleset):'];
  if (reach === null) return [...lines, '  unknown: the host could not be read'];
  if (reach.note !== null) lines.push(`  note: ${reach.note}`);
  if (reach.rows.length === 0) lines.push('  nothing to check (no SSH port, no container port with an IPv6 address)');
  for (const row of reach.rows) lines.push(`  ${row.label}: ${row.words}`);
  return lines;
}

function proofLines(report: StatusReport): string[] {
  const proof = report.proof;
  const lines = [`What v6wall intends, against the live firewall${report.from === null ? '' : ` (for connections from ${report.from})`}:`];
  if (proof === null) return [...lines, '  unknown: the host could not be read'];
  if (proof.note !== null) lines.push(`  note: ${proof.note}`);
  if (proof.rows.length === 0 && proof.note === null) return [...lines, '  nothing to check (no SSH port, no container port with an IPv6 address)'];
  if (proof.differences.length === 0) {
    lines.push(
      report.from === null
        ? "  no difference: each of v6wall's openings is open from its sources only, every other container port is closed, and the containers can start connections out"
        : `  no difference: ${report.from} reaches exactly what v6wall opened for it`,
    );
  }
  for (const difference of proof.differences) lines.push(`  DIFFERENCE: ${difference}`);
  return lines;
}

/** With --from: each port as that source sees it. */
function fromLines(report: StatusReport): string[] {
  if (report.from === null || report.proof === null) return [];
  const lines = [`Reachability from ${report.from} (from the live ruleset):`];
  for (const row of report.proof.rows.filter((r) => r.kind !== 'egress')) {
    const live = row.live[0];
    const words =
      live === undefined
        ? 'not checked'
        : live.verdict === 'open'
          ? live.dockerOnly
            ? "open only because of Docker's own rules"
            : 'open'
          : live.verdict === 'blocked'
            ? 'blocked'
            : 'cannot judge';
    lines.push(`  ${row.label}: ${words}`);
  }
  return lines;
}

function renderText(report: StatusReport): string {
  const lines: string[] = [];
  const fw = report.firewall;
  if (fw === null) lines.push(`Firewall: unknown (${report.factsError ?? 'not read'})`);
  else if (report.backend?.kind === 'nftables') {
    lines.push(`Firewall: v6wall's own nftables table (table inet v6wall), ${report.backend.tableLoaded === true ? 'loaded' : 'not loaded'}`);
    if (fw.installed)
      lines.push(`UFW ${fw.version ?? ''} is installed too, ${fw.enabled ? 'active: a packet must pass both' : 'inactive'}`.replace(/\s+/g, ' '));
  } else if (!fw.installed) lines.push(`Firewall: UFW is not installed (${fw.installHint ?? 'install the ufw package'})`);
  else {
    lines.push(`Firewall: UFW ${fw.version ?? ''} ${fw.enabled ? 'active' : 'inactive'}`.replace(/\s+/g, ' '));
    lines.push(`Policies: incoming ${fw.policies.incoming}, outgoing ${fw.policies.outgoing}, routed ${fw.policies.routed}`);
    if (fw.ipv6 === false) lines.push('WARNING: IPV6=no in /etc/default/ufw: UFW ignores every IPv6 rule');
  }
  lines.push('');
  if (report.pendingProblem !== null) lines.push(`Pending apply: ${report.pendingProblem}`);
  else if (report.pending === null) lines.push('Pending confirmation: none');
  else {
    const p = report.pending;
    lines.push(
      p.phase === 'applying'
        ? `Pending apply ${p.id}: still running its commands`
        : `Pending confirmation: apply ${p.id} rolls back in ${p.secondsLeft} s (at ${p.deadline}) unless \`v6wall confirm CODE\` runs first`,
    );
    lines.push(
      p.watchdogRunning
        ? `  rollback watchdog running (pid ${p.watchdogPid ?? '?'})`
        : `  WARNING: the rollback watchdog (pid ${p.watchdogPid ?? '?'}) is not running: run \`v6wall rollback\` or \`v6wall confirm CODE\``,
    );
  }
  lines.push('');
  const containers = Object.keys(report.rules.containers).sort();
  if (report.rules.ssh.length === 0 && containers.length === 0 && report.rules.egress === undefined) lines.push("v6wall's rules: none");
  else {
    lines.push("v6wall's rules:");
    if (report.rules.ssh.length > 0) lines.push('  SSH', ...report.rules.ssh.map(ruleLine));
    for (const name of containers) lines.push(`  ${name}`, ...(report.rules.containers[name] ?? []).map(ruleLine));
  }
  if (report.rules.egress !== undefined) lines.push('  egress (containers starting connections out)', ...report.rules.egress.map(ruleLine));
  lines.push('');
  lines.push(...(report.from === null ? reachabilityLines(report.reachability) : fromLines(report)));
  lines.push('');
  lines.push(...proofLines(report));
  lines.push('');
  if (report.transcripts.length === 0) lines.push('Transcripts: none');
  else {
    lines.push('Latest transcripts (v6wall transcript ID):');
    for (const t of report.transcripts) lines.push(`  ${t.id}  ${t.kind.padEnd(8)} ${t.outcome.padEnd(18)} ${t.who}`);
  }
  for (const problem of report.transcriptProblems) lines.push(`  warning: ${problem}`);
  return `${lines.join('\n')}\n`;
}

export const run = commandEntry(statusCommand, async ({ values, usage, io }, deps?: Partial<StatusCommandDeps>): Promise<number> => {
  let from: string | null = null;
  if (values.from !== undefined) {
    const source = parseSource(values.from);
    if (!source.ok || source.value.includes('/')) return usage(`--from ${values.from}: ${source.ok ? 'give one address, not a network' : source.error}`);
    from = source.value;
  }
  const discover = deps?.discover ?? (async () => (await import('../host/discover.js')).discoverHostFacts());
  const report = await gather(resolveStateDir(values['state-dir'], io.env), { discover, now: deps?.now ?? (() => new Date()) }, from);
  io.stdout(values.json ? `${JSON.stringify(report, null, 2)}\n` : renderText(report));
  return 0;
});
