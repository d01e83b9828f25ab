// Every screen in its normal and edge states, rendered to plain-text frames
// and compared with snapshots/<screen>--<state>.txt.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { wizardMemoryPath } from '../../src/apply/wizard-memory.js';
import type { ApplyOutcome } from '../../src/core/types/apply-events.js';
import type { Facts } from '../../src/core/types/facts.js';
import type { UiOptions, WizardDeps } from '../../src/ui/deps.js';
import { KEYS as K } from './ink-harness.js';
import { type Driven, type Step, MENU_SETTLE as MENU, drive, menuUp } from './drive.js';
import { committedFrames, expectFrame } from './snapshot.js';
import {
  capturedLabFacts,
  capturedNftablesRerunBootFacts,
  capturedNftablesRerunFacts,
  capturedNftablesRerunRemovedFacts,
  capturedNftablesRerunStoppedFacts,
} from '../support/captured-facts.js';
import { labScenarioFacts } from '../support/reachability-facts.js';
import { DEADLINE, fakeDeps } from './fake-deps.js';
import {
  dockerBypassFacts,
  ipv6NoFacts,
  labFacts,
  longAddressFacts,
  manyContainersFacts,
  noDockerFacts,
  notRootFacts,
  settledFacts,
  unknownSessionFacts,
  withChanges,
  staleRuleFacts,
  nftablesFacts,
  nftablesDocker28Facts,
  openedBeforeFacts,
  foreignRuleFacts,
  stoppedContainerFacts,
} from './facts.js';

interface Case {
  name: string;
  facts: () => Facts | Promise<Facts>;
  steps: Step[];
  columns?: number;
  rows?: number;
  deps?: (facts: Facts) => WizardDeps;
  ui?: Partial<UiOptions>;
  /** Words the frame must show, checked besides the snapshot. */
  shows?: string[];
  /** The frame is what the wizard prints after it ends (its parting words), with this exit code. */
  exits?: number;
}

const E = K.enter;
const TO_SSH: Step[] = [E];
const TO_DEFAULTS: Step[] = [E, E];
const TO_CONTAINERS: Step[] = [E, E, E];
/** Choose web and api, then the exposure screen. */
const TO_EXPOSURE: Step[] = [...TO_CONTAINERS, K.space, K.down, K.space, E];
const TO_PREVIEW: Step[] = [...TO_EXPOSURE, E, { until: 'would run' }];
/** The confirm step once its checks of the live ruleset are shown (and the fake host probes answered). */
const CHECKED: Step[] = [{ until: 'opening' }, { wait: 20 }];
const APPLY: Step[] = [...TO_PREVIEW, E, E, { until: 'step 8 of 9' }, ...CHECKED];

const REMEMBERED = JSON.stringify({
  exposures: {
    'web|80/tcp': { container: 'web', port: 80, proto: 'tcp', option: { exposure: 'route' }, sources: [] },
    'web|443/tcp': { container: 'web', port: 443, proto: 'tcp', option: { exposure: 'route' }, sources: ['2001:db8:abcd::/48'] },
  },
});

/** A state directory whose wizard memory file holds this text. */
function memoryWith(text: string, dir: string = mkdtempSync(join(tmpdir(), 'v6wall-memory-'))): string {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(wizardMemoryPath(dir), text);
  return dir;
}

/** An apply that runs the first command and hangs on the second: the frame mid-way. */
function hangingApply(facts: Facts): WizardDeps {
  const base = fakeDeps(facts).deps;
  return {
    ...base,
    apply: (plan, _choices, onEvent) =>
      new Promise<ApplyOutcome>(() => {
        onEvent({ type: 'snapshot', snapshotId: 's' });
        onEvent({ type: 'armed', confirmCode: 'K7P2QX', deadline: DEADLINE });
        const [first, second] = plan.steps.map((step, index) => ({ step, index })).filter(({ step }) => !step.satisfied);
        if (first) {
          onEvent({ type: 'step-start', index: first.index, step: first.step });
          onEvent({
            type: 'step-done',
            index: first.index,
            record: { index: first.index, why: first.step.why, argv: first.step.argv, exitCode: 0, stdout: '', stderr: '', durationMs: 170, startedAt: '' },
          });
        }
        if (second) onEvent({ type: 'step-start', index: second.index, step: second.step });
      }),
  };
}

const failing = (facts: Facts): WizardDeps =>
  fakeDeps(facts, { failAt: 2, failOutput: 'ERROR: problem running ufw-init\nip6tables-restore: line 42 failed' }).deps;

const confirming = (facts: Facts): WizardDeps => {
  const control = fakeDeps(facts);
  control.confirmed = true;
  return control.deps;
};

/** The apply's transcript reports the watchdog's rollback done, with what it restored. */
const rolledBack = (facts: Facts): WizardDeps => {
  const control = fakeDeps(facts);
  control.rolledBack = {
    kind: 'rolled-back',
    summary: 'rolled back at 19:45:01: no confirmation by the deadline',
    restoredFiles: ['/etc/ufw/after6.rules', '/etc/ufw/ufw.conf', '/etc/ufw/user.rules', '/etc/ufw/user6.rules', '/etc/default/ufw'],
    commands: [
      "ip6tables-restore --noflush  (Put UFW's IPv6 chains back as they were, in one transaction (ufw6-user-forward, DOCKER-USER); Docker's chains stay as they are)",
    ],
  };
  return control.deps;
};

const activeFacts = (): Facts =>
  withChanges((facts) => {
    facts.ufw.enabled = true;
    facts.ufw.policies = { incoming: 'deny', outgoing: 'allow', routed: 'deny' };
  });

/** Choose every container on the captured lab (4 running), then the exposure screen. */
const ALL_FOUR: Step[] = [...TO_CONTAINERS, K.space, K.down, K.space, K.down, K.space, K.down, K.space, E];

const CASES: Case[] = [
  // From the outputs captured in the lab (Docker 28.5.2, sshd on 2222, fresh ufw).
  { name: 'discovery--captured-lab', facts: capturedLabFacts, steps: [], shows: ['28.5.2', 'port 2222'] },
  { name: 'ssh--captured-lab', facts: capturedLabFacts, steps: TO_SSH, shows: ['SSH_CONNECTION'] },
  {
    name: 'containers--captured-lab',
    facts: capturedLabFacts,
    steps: [...TO_CONTAINERS, K.down],
    shows: ['routed-web', 'reachable by route though not published'],
  },
  { name: 'exposure--captured-lab', facts: capturedLabFacts, steps: ALL_FOUR, shows: ['web6'] },
  { name: 'preview--captured-lab', facts: capturedLabFacts, steps: [...ALL_FOUR, E, { until: 'would run' }] },
  {
    name: 'confirm--captured-lab',
    facts: capturedLabFacts,
    steps: [...ALL_FOUR, E, { until: 'would run' }, E, E, { until: 'step 8 of 9' }, ...CHECKED],
    shows: ['sudo v6wall confirm'],
  },
  // A ruleset captured in the lab (Docker 28 routed, v6wall's DOCKER-USER block, route rules to web:80 and plain:9000,
  // sshd also on 2223 which UFW does not allow) read again after the apply; plain 80 skipped; plain's service does
  // not answer the host probe.
  {
    name: 'confirm--live-ruleset',
    facts: async () => (await labScenarioFacts('docker28-routed-v6wall-block-ufw-active.v6wall-lab.ip6tables-save')).facts,
    steps: [
      ...TO_CONTAINERS,
      K.space,
      K.down,
      K.space,
      E,
      K.down,
      K.space,
      ...menuUp('route'),
      K.down,
      MENU,
      E,
      E,
      { until: 'would run' },
      E,
      E,
      { until: 'step 8 of 9' },
      ...CHECKED,
    ],
    deps: (facts) => fakeDeps(facts, { probe: (address) => (address.endsWith('ab54') ? 'closed' : 'open') }).deps,
    shows: ['open          answers    web 80/tcp (route)', 'no answer  plain 9000/tcp (route)', 'SSH port 2223 is blocked from the internet'],
  },
  // Docker 20.10 with ip6tables on (captured in the lab): Docker's own rules accept other's published port 8082.
  {
    name: 'confirm--docker-only',
    facts: async () => (await labScenarioFacts('docker20.10-ip6tables-on-ufw-active.v6wall-lab.ip6tables-save')).facts,
    steps: [...TO_CONTAINERS, K.down, K.down, K.space, E, E, { until: 'would run' }, E, E, { until: 'step 8 of 9' }, ...CHECKED],
    shows: ['open (Docker)', "open only because of Docker's own rules"],
  },
  {
    name: 'confirm--checks-reading',
    facts: labFacts,
    steps: [...TO_PREVIEW, E, E, { until: 'Reading the live firewall again' }],
    deps: (facts) => fakeDeps(facts, { afterApply: 'hang' }).deps,
    shows: ['Reading the live firewall again'],
  },
  {
    name: 'confirm--checks-failed',
    facts: labFacts,
    steps: [...TO_PREVIEW, E, E, { until: 'Could not read the host again' }],
    deps: (facts) => fakeDeps(facts, { afterApply: { error: 'docker ps: Cannot connect to the Docker daemon' } }).deps,
    shows: ['Could not read the host again: docker ps: Cannot connect to the Docker daemon'],
  },

  {
    name: 'discovery--loading',
    facts: labFacts,
    steps: [],
    deps: (facts) => ({ ...fakeDeps(facts).deps, discover: () => new Promise<Facts>(() => undefined) }),
    shows: ['Reading the firewall'],
  },
  { name: 'discovery--normal', facts: labFacts, steps: [], shows: ['IPV6=yes', '20.10.24', 'port 2222'] },
  { name: 'discovery--no-docker', facts: noDockerFacts, steps: [], shows: ['No Docker: docker: command not found.'] },
  { name: 'discovery--not-root', facts: notRootFacts, steps: [], shows: ['You are not root'] },
  { name: 'discovery--docker-bypasses-ufw', facts: dockerBypassFacts, steps: [], shows: ['UFW cannot close published ports'] },
  {
    name: 'discovery--ufw-missing',
    facts: () =>
      withChanges((facts) => {
        facts.ufw = { ...facts.ufw, installed: false, version: null, ipv6: null, installHint: 'apt-get install ufw' };
      }),
    steps: [],
    shows: ['UFW is not installed, and nft cannot read'],
  },
  {
    name: 'discovery--nftables-backend',
    facts: () =>
      withChanges((facts) => {
        facts.ufw = { ...facts.ufw, installed: false, version: null, ipv6: null, installHint: 'apt-get install ufw' };
        facts.docker = { ...facts.docker, nftRuleset: '{"nftables": []}' };
      }),
    steps: [],
    shows: ['nftables (table inet v6wall)', 'UFW is not installed, so v6wall keeps its rules'],
  },
  {
    name: 'discovery--docker29-nftables-backend',
    facts: () =>
      withChanges((facts) => {
        facts.docker = {
          ...facts.docker,
          serverVersion: '29.1.2',
          daemonConfig: { ipv6: true, fixedCidrV6: '2001:db8:1:2::/80', firewallBackend: 'nftables' },
          firewallBackendInfo: 'nftables',
        };
      }),
    steps: [],
    shows: ['FirewallBackend "nftables" in the Engine API', 'nftables backend'],
  },
  { name: 'discovery--nftables-backend-docker28', facts: nftablesDocker28Facts, steps: [], shows: ["v6wall's table runs before them"] },
  { name: 'defaults--nftables-backend', facts: nftablesFacts, steps: TO_DEFAULTS },
  { name: 'containers--nftables-backend', facts: nftablesFacts, steps: TO_CONTAINERS },
  { name: 'exposure--nftables-backend', facts: nftablesFacts, steps: TO_EXPOSURE },
  { name: 'exposure--nftables-backend-route-chosen', facts: nftablesFacts, steps: [...TO_EXPOSURE, K.left] },
  { name: 'exposure--nftables-backend-docker28', facts: nftablesDocker28Facts, steps: TO_EXPOSURE },
  { name: 'preview--nftables-backend', facts: nftablesFacts, steps: TO_PREVIEW },
  { name: 'confirm--nftables-backend', facts: nftablesFacts, steps: APPLY },
  { name: 'done--nftables-backend-confirmed', facts: nftablesFacts, steps: [...APPLY, { until: 'Confirmed from' }, E], deps: confirming },
  { name: 'discovery--ipv6-no', facts: ipv6NoFacts, steps: [], shows: ['IPV6=no'] },
  {
    name: 'discovery--error',
    facts: labFacts,
    steps: [],
    deps: (facts) => fakeDeps(facts, { discoverError: 'ufw status: permission denied' }).deps,
    shows: ['Could not read this host'],
  },
  { name: 'discovery--60-columns', facts: labFacts, steps: [], columns: 60 },

  { name: 'ssh--normal', facts: labFacts, steps: TO_SSH, shows: ['2222/tcp', 'your session'] },
  { name: 'ssh--session-port-unchecked', facts: labFacts, steps: [...TO_SSH, K.space], shows: ['YOUR CURRENT SESSION USES PORT 2222'] },
  { name: 'ssh--session-port-unknown', facts: unknownSessionFacts, steps: TO_SSH, shows: ['could not tell which port'] },
  { name: 'ssh--invalid-port', facts: labFacts, steps: [...TO_SSH, '7', '0', '0', '0', '0', E], shows: ['"70000" is not a port'] },
  { name: 'ssh--port-added', facts: labFacts, steps: [...TO_SSH, '2', '2', E], shows: ['22/tcp added by you'] },
  { name: 'ssh--no-port-chosen', facts: labFacts, steps: [...TO_SSH, K.space, E], shows: ['Choose at least one SSH port'] },
  { name: 'ssh--60-columns', facts: labFacts, steps: [...TO_SSH, K.space], columns: 60 },

  { name: 'defaults--normal', facts: labFacts, steps: TO_DEFAULTS, shows: ['disabled → deny'] },
  { name: 'defaults--already-active', facts: activeFacts, steps: TO_DEFAULTS, shows: ['active   → active (already)'] },

  { name: 'containers--normal', facts: labFacts, steps: TO_CONTAINERS, shows: ['reachable by route though not published'] },
  { name: 'containers--no-ipv6', facts: labFacts, steps: [...TO_CONTAINERS, K.down, K.space], shows: ['no IPv6 address'] },
  { name: 'containers--300', facts: () => manyContainersFacts(300), steps: [...TO_CONTAINERS, K.down, K.down, K.space, K.pageDown], shows: ['300 containers'] },
  {
    name: 'containers--300-filtered',
    facts: () => manyContainersFacts(300),
    steps: [...TO_CONTAINERS, 'a', 'p', 'p', '-', '0', '2', '9'],
    shows: ['10 of 300 match'],
  },
  { name: 'containers--1000-end', facts: () => manyContainersFacts(1000), steps: [...TO_CONTAINERS, K.end, K.space], rows: 24, shows: ['[x] app-0999'] },
  { name: 'containers--typed-q-filters', facts: labFacts, steps: [...TO_CONTAINERS, 'q'], shows: ['ctrl+c quit'], exits: undefined },
  { name: 'containers--none-match', facts: () => manyContainersFacts(300), steps: [...TO_CONTAINERS, 'z', 'z', 'z'], shows: ['No container matches'] },
  {
    name: 'containers--long-addresses-60-columns',
    facts: longAddressFacts,
    steps: TO_CONTAINERS,
    columns: 60,
    shows: ['2001:db8:ffff:ffff:ffff:ffff:ffff:fffe'],
  },
  {
    name: 'containers--docker-without-containers',
    facts: () => withChanges((facts) => void (facts.docker.containers = [])),
    steps: TO_CONTAINERS,
    shows: ['No containers on this host'],
  },

  { name: 'exposure--normal', facts: labFacts, steps: TO_EXPOSURE, shows: ['http://[host]:8081/'] },
  { name: 'exposure--route-chosen', facts: labFacts, steps: [...TO_EXPOSURE, K.left], shows: ['http://[2001:db8:1:1::10]/'] },
  // The last run chose web 80 by route and web 443 from one network only (the wizard's store, as it writes it).
  {
    name: 'exposure--remembered',
    facts: labFacts,
    steps: [...TO_CONTAINERS, E],
    deps: (facts) => fakeDeps(facts, { memoryDir: memoryWith(REMEMBERED) }).deps,
    shows: ['‹route› publish :8081', 'from 2001:db8:abcd::/48'],
  },
  // A fixed folder: the note names the file.
  {
    name: 'discovery--memory-unreadable',
    facts: labFacts,
    steps: [],
    deps: (facts) => fakeDeps(facts, { memoryDir: memoryWith('{"exposures": {', '/tmp/v6wall-memory-unreadable') }).deps,
    shows: ['The choices remembered from the last run were ignored'],
  },
  // Space opens the port's menu of exposures, on the current one; a number (or enter) chooses and closes it.
  {
    name: 'exposure--menu',
    facts: labFacts,
    steps: [...TO_EXPOSURE, K.space, ...menuUp('route')],
    shows: ['How may the internet reach web 80/tcp?', '› 2. publish :8081  → http://[host]:8081/', '3. skip', '↑↓ move · enter choose'],
  },
  {
    name: 'exposure--menu-chosen',
    facts: labFacts,
    steps: [...TO_EXPOSURE, K.space, ...menuUp('route'), '1'],
    shows: ['‹route›', 'http://[2001:db8:1:1::10]/'],
  },
  { name: 'exposure--no-ipv6', facts: labFacts, steps: [...TO_EXPOSURE, K.down, K.down], shows: ['api has no global IPv6 address'] },
  { name: 'exposure--long-addresses-60-columns', facts: longAddressFacts, steps: [...TO_CONTAINERS, K.space, E, K.left], columns: 60 },
  { name: 'exposure--nothing-chosen', facts: labFacts, steps: [...TO_CONTAINERS, E], shows: ['No ports to expose'] },

  { name: 'preview--normal', facts: labFacts, steps: TO_PREVIEW, shows: ['already in place, skipped'] },
  { name: 'preview--scrolled', facts: labFacts, steps: [...TO_PREVIEW, K.down, K.down, K.down], rows: 24 },
  { name: 'preview--armed', facts: labFacts, steps: [...TO_PREVIEW, E], shows: ['Press enter again'] },
  {
    name: 'preview--stale-rules',
    facts: staleRuleFacts,
    steps: [...TO_PREVIEW, { until: 'would run' }],
    shows: ['Close old-blog 80/tcp', '1 of them to close an opening', 'removing it (r keeps it)'],
  },
  {
    name: 'preview--stale-rules-kept',
    facts: staleRuleFacts,
    steps: [...TO_PREVIEW, { until: 'would run' }, 'r', { until: 'keeping it' }],
    shows: ['keeping it (r removes it)', 'add --remove-stale'],
  },
  { name: 'preview--save-path', facts: labFacts, steps: [...TO_PREVIEW, 's'], shows: ['Save the plan as: ./v6wall-plan.sh'] },
  { name: 'preview--saved', facts: labFacts, steps: [...TO_PREVIEW, 's', E, { until: 'Nothing was applied' }], shows: ['Nothing was applied'] },
  { name: 'preview--not-root', facts: notRootFacts, steps: TO_PREVIEW, shows: ['Apply is disabled'] },
  { name: 'preview--plan-refused-ipv6-no', facts: ipv6NoFacts, steps: [...TO_EXPOSURE, E, { until: 'cannot be applied' }], shows: ['cannot be applied'] },
  { name: 'preview--no-docker', facts: noDockerFacts, steps: [E, E, E, { until: 'would run' }] },
  { name: 'preview--nothing-to-do', facts: settledFacts, steps: [...TO_CONTAINERS, E, E, { until: 'Nothing would run' }], shows: ['Nothing to change'] },
  { name: 'preview--60-columns', facts: labFacts, steps: TO_PREVIEW, columns: 60 },

  { name: 'apply--running', facts: labFacts, steps: [...TO_PREVIEW, E, E, { until: '✓' }], deps: hangingApply, shows: ['✓ ufw allow'] },
  {
    name: 'apply--quit-question',
    facts: labFacts,
    steps: [...TO_PREVIEW, E, E, { until: '✓' }, 'q'],
    deps: hangingApply,
    shows: ['Quit while the changes are not confirmed?'],
  },
  {
    name: 'apply--failure',
    facts: labFacts,
    steps: [...TO_PREVIEW, E, E, { until: 'Transcript' }],
    deps: failing,
    shows: ['Step 3 failed', 'rolled back', 'ip6tables-restore: line 42 failed'],
  },

  {
    name: 'confirm--waiting',
    facts: labFacts,
    steps: APPLY,
    shows: ['sudo v6wall confirm K7P2QX', 'curl -6 -m5 http://[2001:db8::1]:8081/', 'nc -6 -vz 2001:db8::1 8081', 'Automatic rollback in 5:00'],
  },
  {
    name: 'confirm--route-tests',
    facts: labFacts,
    steps: [...TO_EXPOSURE, K.left, E, { until: 'would run' }, E, E, { until: 'step 8 of 9' }, ...CHECKED],
    shows: ['curl -6 -m5 http://[2001:db8:1:1::10]:80/'],
  },
  {
    name: 'confirm--keep-question',
    facts: labFacts,
    steps: [...APPLY, 'k', ...menuUp('No:')],
    shows: ['Keep the changes without proof?', '› 1. No: go on waiting'],
  },
  // Enter on the question's first answer goes on waiting: keeping takes a move to "Yes" first.
  {
    name: 'confirm--keep-question-no',
    facts: labFacts,
    steps: [...APPLY, 'k', ...menuUp('No:'), E],
    shows: ['Waiting for the confirmation', 'k keep without proof'],
  },
  {
    name: 'confirm--confirmed',
    facts: labFacts,
    steps: [...APPLY, { until: 'Confirmed from' }, ...CHECKED],
    deps: confirming,
    shows: ['Confirmed from a new session'],
  },
  {
    name: 'confirm--expired',
    facts: labFacts,
    steps: [...TO_PREVIEW, E, E, { until: 'No confirmation arrived' }],
    ui: { now: () => Date.parse(DEADLINE) + 1000 },
    shows: ['No confirmation arrived in time'],
  },
  {
    name: 'confirm--rolled-back',
    facts: labFacts,
    steps: [...TO_PREVIEW, E, E, { until: 'The apply was rolled back' }],
    deps: rolledBack,
    shows: ['rolled back at 19:45:01: no confirmation by the deadline', '/etc/ufw/user6.rules'],
  },
  { name: 'confirm--quit-question', facts: labFacts, steps: [...APPLY, 'q'], shows: ['Quit while the changes are not confirmed?'] },
  { name: 'confirm--quit-question-60-columns', facts: labFacts, steps: [...APPLY, 'q'], columns: 60, shows: ['Quit while the changes are not confirmed?'] },
  {
    name: 'confirm--quit-anyway-parting-words',
    facts: labFacts,
    steps: [...APPLY, 'q', 'y'],
    exits: 0,
    shows: ['sudo v6wall confirm K7P2QX', 'before 19:45:00 UTC'],
  },
  { name: 'confirm--ctrl-c-quit-anyway-parting-words', facts: labFacts, steps: [...APPLY, '\u0003', 'y'], exits: 130, shows: ['sudo v6wall confirm K7P2QX'] },
  {
    name: 'apply--quit-anyway-parting-words',
    facts: labFacts,
    steps: [...TO_PREVIEW, E, E, { until: '✓' }, 'q', 'y'],
    deps: hangingApply,
    exits: 0,
    shows: ['nothing will confirm these changes'],
  },
  {
    name: 'confirm--60-columns',
    facts: longAddressFacts,
    steps: [...TO_CONTAINERS, K.space, E, K.left, K.down, E, { until: 'would run' }, E, E, { until: 'step 8 of 9' }, ...CHECKED],
    columns: 60,
  },

  {
    name: 'done--rolled-back',
    facts: labFacts,
    steps: [...TO_PREVIEW, E, E, { until: 'The apply was rolled back' }, E],
    deps: rolledBack,
    shows: ['rolled back at 19:45:01', 'Restored as they were before the apply'],
  },
  { name: 'done--confirmed', facts: labFacts, steps: [...APPLY, { until: 'Confirmed from' }, E], deps: confirming, shows: ['What changed'] },
  {
    name: 'done--kept-without-proof',
    facts: labFacts,
    steps: [...APPLY, 'k', ...menuUp('No:'), K.down, MENU, E, { until: 'Kept without proof' }, E],
    shows: ['kept without proof'],
  },
  { name: 'done--apply-failed', facts: labFacts, steps: [...TO_PREVIEW, E, E, { until: 'Transcript' }, E], deps: failing, shows: ['rolled back', '› 1. Exit'] },
  // The firewall is as it was: the done screen's menu goes back to the choices, and the next apply starts afresh.
  {
    name: 'done--change-choices',
    facts: labFacts,
    steps: [...TO_PREVIEW, E, E, { until: 'Transcript' }, E, ...menuUp('Exit'), K.down, MENU, E],
    deps: failing,
    shows: ['step 5 of 9', '‹publish :8081›'],
  },
  { name: 'done--nothing-to-do', facts: settledFacts, steps: [...TO_CONTAINERS, E, E, { until: 'Nothing would run' }, E], shows: ['Nothing changed'] },

  { name: 'defaults--60-columns', facts: labFacts, steps: TO_DEFAULTS, columns: 60 },
  {
    name: 'apply--failure-60-columns',
    facts: longAddressFacts,
    steps: [...TO_CONTAINERS, K.space, E, K.left, E, { until: 'would run' }, E, E, { until: 'Transcript' }],
    deps: (facts) => fakeDeps(facts, { failAt: 1, failOutput: 'ERROR: Could not load logging rules' }).deps,
    columns: 60,
    shows: ['Step 2 failed'],
  },
  {
    name: 'preview--long-addresses-60-columns',
    facts: longAddressFacts,
    steps: [...TO_CONTAINERS, K.space, E, K.left, E, { until: 'would run' }],
    columns: 60,
  },
  {
    name: 'done--confirmed-60-columns',
    facts: longAddressFacts,
    steps: [...TO_CONTAINERS, K.space, E, K.left, E, { until: 'would run' }, E, E, { until: 'Confirmed from' }, E],
    deps: confirming,
    columns: 60,
    shows: ['What changed'],
  },
  { name: 'help--overlay', facts: labFacts, steps: ['?'], shows: ['esc or ? closes this help'] },
  // Desired state: what an earlier apply opened, unticked here, is closed; what v6wall did not make is shown as what it is.
  {
    name: 'preview--untick-closes',
    facts: openedBeforeFacts,
    steps: [...TO_CONTAINERS, K.space, E, E, { until: 'would run' }],
    shows: ['Close web 443/tcp (route to [2001:db8:1:1::10], from anywhere)'],
  },
  {
    name: 'exposure--foreign-rule',
    facts: foreignRuleFacts,
    steps: [...TO_CONTAINERS, K.space, E],
    shows: ['a rule v6wall did not make', 'opens db port 5432/tcp'],
  },
  { name: 'preview--foreign-rule-removed', facts: foreignRuleFacts, steps: [...TO_CONTAINERS, K.space, E, K.end, K.right, E, { until: 'would run' }] },
  { name: 'containers--stopped', facts: stoppedContainerFacts, steps: TO_CONTAINERS, shows: ['web (exited)', 'v6wall keeps its openings'] },
  { name: 'exposure--stopped', facts: stoppedContainerFacts, steps: [...TO_CONTAINERS, E], shows: ['kept while the container is stopped'] },
  // A re-run on the captured lab host after `apply --backend nftables` (live table from nft -j; UFW installed, unused):
  // the openings come from table inet v6wall, and choosing them again changes nothing.
  {
    name: 'discovery--nftables-rerun-captured-lab',
    facts: capturedNftablesRerunFacts,
    steps: [],
    shows: ['nftables (table inet v6wall)', 'keeps driving it'],
  },
  {
    name: 'exposure--nftables-rerun-captured-lab',
    facts: capturedNftablesRerunFacts,
    steps: [...TO_CONTAINERS, E],
    shows: ['routed-web', '2001:db8:abcd::/48', 'publish :8081'],
  },
  {
    name: 'exposure--nftables-rerun-stopped',
    facts: capturedNftablesRerunStoppedFacts,
    steps: [...TO_CONTAINERS, E],
    shows: ['routed-web', 'kept while the container is stopped'],
  },
  {
    name: 'preview--nftables-rerun-nothing-to-do',
    facts: capturedNftablesRerunBootFacts,
    steps: [...TO_CONTAINERS, E, E, { until: 'would run' }],
    shows: ['Nothing would run'],
  },
  // routed-web removed since: v6wall writes its table whole, so its opening closes, and the preview says so.
  {
    name: 'preview--nftables-rerun-removed',
    facts: capturedNftablesRerunRemovedFacts,
    steps: [...TO_CONTAINERS, E, E, { until: 'would run' }],
    shows: ['container routed-web is gone', 'the new table leaves it out'],
  },
];

let current: Driven | null = null;
afterEach(() => {
  current?.app.unmount();
  current = null;
});

describe('screens', () => {
  it('every frame under snapshots/ belongs to a case (a renamed case leaves none behind)', () => {
    const cases = new Set(CASES.map((c) => c.name));
    expect(cases.size).toBe(CASES.length);
    expect(committedFrames().filter((name) => !cases.has(name))).toEqual([]);
  });

  for (const testCase of CASES) {
    it(testCase.name, async () => {
      const facts = await testCase.facts();
      current = await drive(facts, testCase.steps, {
        columns: testCase.columns,
        rows: testCase.rows,
        deps: testCase.deps?.(facts),
        ui: testCase.ui,
      });
      const frame = testCase.exits === undefined ? current.app.lastFrame() : (current.parting() ?? '(nothing printed)');
      if (testCase.exits !== undefined) expect(current.exitCode()).toBe(testCase.exits);
      for (const words of testCase.shows ?? []) expect(frame).toContain(words);
      expectFrame(testCase.name, frame);
    });
  }
});
