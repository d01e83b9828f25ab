import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Facts } from '../../src/core/types/facts.js';
import { buildPlan } from '../../src/core/plan.js';
import { defaultChoices } from '../../src/core/choices.js';
import { EXIT, wizardReducer } from '../../src/ui/reducer.js';
import type { WizardAction } from '../../src/ui/actions.js';
import { initialState, type WizardState } from '../../src/ui/wizard-state.js';
import { checkedSshPorts, currentChoices, currentExposureRows, pickFor, visibleContainers } from '../../src/ui/selectors.js';
import { labFacts, manyContainersFacts, noDockerFacts, notRootFacts } from './facts.js';
import { confirmCheckRows, shortVerdict } from '../../src/ui/confirm-checks.js';
import { reachabilityReport } from '../../src/core/reachability-report.js';
import { labScenarioFacts } from '../support/reachability-facts.js';

function run(state: WizardState, ...actions: WizardAction[]): WizardState {
  return actions.reduce(wizardReducer, state);
}

function loaded(facts: Facts = labFacts()): WizardState {
  return run(initialState(), { type: 'facts-loaded', facts, choices: defaultChoices(facts) });
}

const next: WizardAction = { type: 'next' };
const back: WizardAction = { type: 'back' };
const down: WizardAction = { type: 'move', delta: 1 };
const toggle: WizardAction = { type: 'toggle' };

/** Goes on to the preview and hands it the real plan, as the wizard's effect does. */
function toPreview(state: WizardState): WizardState {
  let current = state;
  for (let guard = 0; current.screen !== 'preview' && guard < 10; guard += 1) current = wizardReducer(current, next);
  return wizardReducer(current, { type: 'plan-built', plan: buildPlan(current.facts as Facts, currentChoices(current)) });
}

describe('wizard reducer', () => {
  it('starts at discovery and waits for the facts', () => {
    expect(run(initialState(), next).screen).toBe('discovery');
    const state = loaded();
    expect(state.ssh.rows).toEqual([
      { port: 2222, checked: true, sources: ['sshd-config: sshd -T: port 2222', 'listener: sshd pid 812 on [::]:2222', 'session: SSH_CONNECTION'] },
    ]);
    expect(run(state, next).screen).toBe('ssh');
  });

  it('refuses to leave the SSH screen with no port, then accepts a typed one', () => {
    let state = run(loaded(), next, toggle);
    expect(checkedSshPorts(state)).toEqual([]);
    state = run(state, next);
    expect(state.screen).toBe('ssh');
    expect(state.ssh.error).toMatch(/at least one SSH port/);
    state = run(state, { type: 'type', text: '70000' });
    expect(state.ssh.draft).toBe('70000');
    state = run(state, next);
    expect(state.ssh.error).toMatch(/"70000" is not a port/);
    state = run(state, ...Array.from({ length: 5 }, (): WizardAction => ({ type: 'erase' })), { type: 'type', text: '22' }, next);
    expect(state.ssh.rows.map((row) => [row.port, row.checked])).toEqual([
      [22, true],
      [2222, false],
    ]);
    expect(run(state, next).screen).toBe('defaults');
  });

  it('keeps every choice when going back and forth', () => {
    let state = run(loaded(), next, next, next, toggle, down, down, toggle, next, { type: 'cycle', direction: 1 });
    expect(state.screen).toBe('exposure');
    const choices = currentChoices(state);
    state = run(state, back, back, back, back, next, next, next, next);
    expect(state.screen).toBe('exposure');
    expect(currentChoices(state)).toEqual(choices);
  });

  it('offers route only with an IPv6 address and publish only when published', () => {
    const state = run(loaded(), next, next, next, toggle, down, toggle, down, toggle, next);
    const rows = currentExposureRows(state);
    const byKey = Object.fromEntries(rows.map((row) => [row.key, row.options.map((option) => option.exposure)]));
    expect(byKey).toEqual({
      'web|80/tcp': ['route', 'publish', 'skip'],
      'web|443/tcp': ['route', 'skip'],
      'api|8080/tcp': ['publish', 'skip'],
      'db|5432/tcp': ['route', 'skip'],
    });
  });

  it('filters containers by typing and clears the filter on esc before going back', () => {
    let state = run(loaded(manyContainersFacts(300)), next, next, next, { type: 'type', text: 'app-01' });
    expect(state.containers.filtering).toBe(true);
    expect(visibleContainers(state).length).toBe(100);
    state = run(state, { type: 'type', text: '7' }, toggle);
    expect(state.containers.selected).toEqual(['app-0170']);
    state = run(state, back);
    expect(state.screen).toBe('containers');
    expect(state.containers.filter).toBe('');
    expect(run(state, back).screen).toBe('defaults');
  });

  it('arms on the first enter, applies on the second, and asks before quitting unconfirmed changes', () => {
    let state = toPreview(loaded());
    expect(state.preview.plan?.ok).toBe(true);
    state = run(state, next);
    expect(state.preview.armed).toBe(true);
    state = run(state, next);
    expect(state.screen).toBe('apply');
    expect(state.apply.status).toBe('requested');
    state = run(state, { type: 'apply-started' }, { type: 'quit', interrupted: false });
    expect(state.overlay).toBe('quit-confirm');
    expect(run(state, { type: 'cancel-quit' }).overlay).toBe('none');
    expect(run(state, { type: 'quit-anyway' }).exitCode).toBe(EXIT.done);
  });

  it('disables apply when not root, but still previews and saves', () => {
    let state = toPreview(loaded(notRootFacts()));
    expect(state.preview.plan?.ok).toBe(true);
    state = run(state, next, next);
    expect(state.screen).toBe('preview');
    state = run(state, { type: 'start-save' });
    expect(state.preview.savePath).toBe('./v6wall-plan.sh');
    state = run(state, next);
    expect(state.preview.saving).toBe(true);
  });

  it('skips the container screens without Docker', () => {
    const state = run(loaded(noDockerFacts()), next, next, next);
    expect(state.screen).toBe('preview');
    expect(run(state, back).screen).toBe('defaults');
  });

  it('keeps without proof only when the keep menu is answered yes', () => {
    let state = run(toPreview(loaded()), next, next, { type: 'apply-started' });
    state = run(state, {
      type: 'apply-finished',
      outcome: {
        ok: true,
        failedStep: null,
        records: [],
        rolledBack: false,
        confirmCode: 'ABC123',
        deadline: '2026-11-22T19:45:00Z',
        transcriptId: 't',
        transcriptPath: '/t',
        error: null,
      },
    });
    expect(state.screen).toBe('confirm');
    state = run(state, { type: 'start-keep' }, next);
    expect(state.confirm).toMatchObject({ status: 'waiting', askingKeep: true });
    state = run(state, { type: 'menu-chosen', choice: { menu: 'keep', keep: false } });
    expect(state.confirm).toMatchObject({ status: 'waiting', askingKeep: false });
    state = run(state, { type: 'start-keep' }, { type: 'menu-chosen', choice: { menu: 'keep', keep: true } });
    expect(state.confirm).toMatchObject({ status: 'keeping', askingKeep: false });
    state = run(state, { type: 'kept' }, next);
    expect(state.screen).toBe('done');
    expect(run(state, next).exitCode).toBe(EXIT.done);
  });

  it('reads each key against the newest state, so keys typed fast go to the menu they opened', () => {
    const none = {
      upArrow: false,
      downArrow: false,
      leftArrow: false,
      rightArrow: false,
      pageDown: false,
      pageUp: false,
      home: false,
      end: false,
      return: false,
      escape: false,
      ctrl: false,
      shift: false,
      tab: false,
      backspace: false,
      delete: false,
      meta: false,
      super: false,
      hyper: false,
      capsLock: false,
      numLock: false,
    };
    let state = run(toPreview(loaded()), next, next, { type: 'apply-started' });
    state = run(state, {
      type: 'apply-finished',
      outcome: {
        ok: true,
        failedStep: null,
        records: [],
        rolledBack: false,
        confirmCode: 'ABC123',
        deadline: '2026-11-22T19:45:00Z',
        transcriptId: 't',
        transcriptPath: '/t',
        error: null,
      },
    });
    // The first k opens the keep menu; there the next j, k and 2 are the menu's (ink-select-input answers them).
    const asking = run(state, ...['k', 'j', 'k', '2'].map((input): WizardAction => ({ type: 'key', input, key: none })));
    expect(asking.confirm).toMatchObject({ status: 'waiting', askingKeep: true });
    expect(run(asking, { type: 'key', input: '', key: { ...none, escape: true } }).confirm.askingKeep).toBe(false);
  });

  it("keeps the confirm step's checks of the live ruleset through confirmation, one probe result at a time", async () => {
    const { facts } = await labScenarioFacts('docker28-routed-v6wall-block-ufw-active.v6wall-lab.ip6tables-save');
    // SSH 2222 only; choose web (route 80) and nothing else.
    let state = run(loaded(facts), next);
    state = { ...state, ssh: { ...state.ssh, rows: state.ssh.rows.map((row) => ({ ...row, checked: row.port === 2222 })) } };
    state = toPreview(run(state, next, next, toggle, next));
    state = run(state, next, next, { type: 'apply-started' });
    state = run(state, {
      type: 'apply-finished',
      outcome: {
        ok: true,
        failedStep: null,
        records: [],
        rolledBack: false,
        confirmCode: 'ABC123',
        deadline: '2026-11-22T19:45:00Z',
        transcriptId: 't',
        transcriptPath: '/t',
        error: null,
      },
    });
    expect(state.confirm.checks.status).toBe('idle');
    state = run(state, { type: 'checks-started' });
    expect(state.confirm.checks.status).toBe('reading');
    const rows = confirmCheckRows(reachabilityReport(facts), state);
    expect(rows.map((row) => `${row.label} ${shortVerdict(row)} ${row.probe}`)).toEqual(['SSH 2222/tcp open checking', 'web 80/tcp (route) open checking']);
    state = run(state, { type: 'checks-read', rows, note: null, differences: [] }, { type: 'probe-finished', key: rows[1]?.key ?? '', result: 'closed' });
    expect(state.confirm.checks.rows.map((row) => row.probe)).toEqual(['checking', 'closed']);
    state = run(state, { type: 'confirmed' });
    expect(state.confirm.status).toBe('confirmed');
    expect(state.confirm.checks.rows).toHaveLength(2);
  });

  it('shows the rollback done when the transcript says so, after the deadline or before it (by hand), and ends with code 1', () => {
    const armed = run(
      toPreview(loaded()),
      next,
      next,
      { type: 'apply-started' },
      {
        type: 'apply-finished',
        outcome: {
          ok: true,
          failedStep: null,
          records: [],
          rolledBack: false,
          confirmCode: 'ABC123',
          deadline: '2026-11-22T19:45:00Z',
          transcriptId: 't',
          transcriptPath: '/t',
          error: null,
        },
      },
    );
    const rollback = { summary: 'rolled back at 19:45:01: no confirmation by the deadline', restoredFiles: ['/etc/ufw/user6.rules'], commands: [] };
    const expired = run(armed, { type: 'deadline-passed' });
    expect(expired.confirm.status).toBe('expired');
    const done = run(expired, { type: 'rolled-back', rollback });
    expect(done.confirm).toMatchObject({ status: 'rolled-back', rollback });
    expect(run(armed, { type: 'rolled-back', rollback }).confirm.status).toBe('rolled-back');
    // A confirmation seen first stays the truth: a later poll cannot turn it into a rollback.
    expect(run(armed, { type: 'confirmed' }, { type: 'rolled-back', rollback }).confirm.status).toBe('confirmed');
    expect(run(done, next, next).exitCode).toBe(EXIT.failed);
  });

  it('lets a failed apply go back to the preview and ends with code 1', () => {
    let state = run(toPreview(loaded()), next, next, { type: 'apply-started' });
    state = run(state, {
      type: 'apply-finished',
      outcome: {
        ok: false,
        failedStep: 1,
        records: [],
        rolledBack: true,
        confirmCode: null,
        deadline: null,
        transcriptId: 't',
        transcriptPath: '/t',
        error: null,
      },
    });
    expect(state.screen).toBe('apply');
    expect(run(state, back).screen).toBe('preview');
    expect(run(state, next, next).exitCode).toBe(EXIT.failed);
  });
});

// ---------- properties ----------

const keyAction: fc.Arbitrary<WizardAction> = fc.oneof(
  fc.constantFrom<WizardAction>(
    { type: 'move', delta: 1 },
    { type: 'move', delta: -1 },
    { type: 'page', direction: 1 },
    { type: 'move-to', position: 'last' },
    { type: 'toggle' },
    { type: 'cycle', direction: 1 },
    { type: 'cycle', direction: -1 },
    { type: 'next' },
    { type: 'next' },
    { type: 'back' },
    { type: 'erase' },
    { type: 'start-filter' },
    { type: 'toggle-help' },
  ),
  fc.stringMatching(/^[0-9a-z]{1,3}$/).map((text): WizardAction => ({ type: 'type', text })),
);

const factsChoice = fc.constantFrom(labFacts(), manyContainersFacts(40), noDockerFacts(), notRootFacts());

/** Replays actions the way the wizard does, building the plan when the preview asks for it. */
function replay(start: WizardState, actions: readonly WizardAction[], check: (before: WizardState, after: WizardState) => void): WizardState {
  let state = start;
  for (const action of actions) {
    let after = wizardReducer(state, action);
    if (after.screen === 'preview' && after.preview.plan === null && after.facts !== null) {
      after = wizardReducer(after, { type: 'plan-built', plan: buildPlan(after.facts, currentChoices(after)) });
    }
    check(state, after);
    state = after;
  }
  return state;
}

function choiceSnapshot(state: WizardState): unknown {
  return { ssh: state.ssh.rows, selected: state.containers.selected, exposures: currentExposureRows(state).map((row) => [row.key, pickFor(state, row)]) };
}

describe('wizard reducer properties', () => {
  it('never leaves the SSH screen forward with no SSH port', () => {
    fc.assert(
      fc.property(factsChoice, fc.array(keyAction, { maxLength: 60 }), (facts, actions) => {
        replay(loaded(facts), actions, (before, after) => {
          if (before.screen === 'ssh' && after.screen === 'defaults') expect(checkedSshPorts(after).length).toBeGreaterThan(0);
        });
      }),
      { numRuns: 300 },
    );
  });

  it('back then forward (and forward then back) never loses a choice', () => {
    fc.assert(
      fc.property(factsChoice, fc.array(keyAction, { maxLength: 60 }), (facts, actions) => {
        const state = replay(loaded(facts), actions, () => undefined);
        const plain = {
          ...state,
          overlay: 'none' as const,
          ssh: { ...state.ssh, draft: '', error: null },
          containers: { ...state.containers, filter: '', filtering: false },
        };
        if (!['ssh', 'defaults', 'containers', 'exposure'].includes(plain.screen)) return;
        const roundTrip = run(plain, back, next);
        expect(choiceSnapshot(roundTrip)).toEqual(choiceSnapshot(plain));
        const forwardBack = run(plain, next, back);
        expect(choiceSnapshot(forwardBack)).toEqual(choiceSnapshot(plain));
      }),
      { numRuns: 300 },
    );
  });

  it('keeps every cursor inside its list', () => {
    fc.assert(
      fc.property(factsChoice, fc.array(keyAction, { maxLength: 80 }), (facts, actions) => {
        replay(loaded(facts), actions, (_before, after) => {
          expect(after.ssh.cursor).toBeLessThanOrEqual(Math.max(0, after.ssh.rows.length - 1));
          expect(after.containers.cursor).toBeLessThanOrEqual(Math.max(0, visibleContainers(after).length - 1));
          expect(after.exposure.cursor).toBeGreaterThanOrEqual(0);
        });
      }),
      { numRuns: 300 },
    );
  });

  it('never applies without root', () => {
    fc.assert(
      fc.property(fc.array(keyAction, { maxLength: 80 }), (actions) => {
        replay(loaded(notRootFacts()), actions, (_before, after) => expect(after.screen).not.toBe('apply'));
      }),
      { numRuns: 200 },
    );
  });
});

describe('old v6wall rules on a re-run (r in the preview)', () => {
  it('starts by removing them, and r switches to keeping them with a fresh plan', async () => {
    const { staleRuleFacts } = await import('./facts.js');
    const preview = toPreview(loaded(staleRuleFacts()));
    expect(currentChoices(preview).removeStale).toBe(true);
    const kept = run(preview, { type: 'toggle-stale' });
    expect(kept.preview.removeStale).toBe(false);
    expect(kept.preview.plan).toBeNull(); // rebuilt by the wizard's effect
    expect(currentChoices(kept).removeStale).toBe(false);
  });

  it('ignores r when there is nothing old to remove', () => {
    const preview = toPreview(loaded());
    expect(run(preview, { type: 'toggle-stale' })).toBe(preview);
  });
});
