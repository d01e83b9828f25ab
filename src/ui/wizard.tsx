// The wizard's root: owns the state, turns keys into actions, runs the effects
// the state asks for (discovery, plan, save, apply, polling) and reports the exit code.
import React, { useCallback, useEffect, useReducer, useRef, useState } from 'react';
import { Box, useInput, useStdout, type Key } from 'ink';
import type { WizardDeps, UiOptions } from './deps.js';
import { wizardReducer } from './reducer.js';
import { initialState, type WizardState } from './wizard-state.js';
import { currentChoices, rememberedNow } from './selectors.js';
import { NOTHING_RECALLED, type Recalled } from './remembered.js';
import { loadMenus } from './widgets/choice-menu.js';
import type { MenuChoice } from './actions.js';
import { confirmCheckRows } from './confirm-checks.js';
import { partingWords } from './parting-words.js';
import { reachabilityReport } from '../core/reachability-report.js';
import { intendedFromChoices, proveIntended } from '../core/proof.js';
import { UiContext } from './theme.js';
import { DiscoveryScreen } from './screens/discovery-screen.js';
import { SshScreen } from './screens/ssh-screen.js';
import { DefaultsScreen } from './screens/defaults-screen.js';
import { ContainersScreen } from './screens/containers-screen.js';
import { ExposureScreen } from './screens/exposure-screen.js';
import { PreviewScreen } from './screens/preview-screen.js';
import { ApplyScreen } from './screens/apply-screen.js';
import { ConfirmScreen } from './screens/confirm-screen.js';
import { DoneScreen } from './screens/done-screen.js';
import { HelpOverlay } from './screens/help-overlay.js';
import { QuitOverlay } from './screens/quit-overlay.js';

export interface WizardProps {
  deps: WizardDeps;
  options: UiOptions;
  /** How the wizard ended, and what to print once its frames are gone (null: nothing). */
  onExit: (code: number, parting: string | null) => void;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function CurrentScreen({
  state,
  now,
  confirmCommand,
  choose,
}: {
  state: WizardState;
  now: number;
  confirmCommand: (code: string) => string;
  choose: (choice: MenuChoice) => void;
}): React.JSX.Element {
  if (state.overlay === 'help') return <HelpOverlay />;
  switch (state.screen) {
    case 'discovery':
      return <DiscoveryScreen state={state} />;
    case 'ssh':
      return <SshScreen state={state} />;
    case 'defaults':
      return <DefaultsScreen state={state} />;
    case 'containers':
      return <ContainersScreen state={state} />;
    case 'exposure':
      return <ExposureScreen state={state} choose={choose} />;
    case 'preview':
      return <PreviewScreen state={state} />;
    case 'apply':
      return <ApplyScreen state={state} />;
    case 'confirm':
      return <ConfirmScreen state={state} now={now} confirmCommand={confirmCommand} choose={choose} />;
    case 'done':
      return <DoneScreen state={state} choose={choose} />;
    default: {
      const unknown: never = state.screen;
      return unknown;
    }
  }
}

export function Wizard({ deps, options, onExit }: WizardProps): React.JSX.Element {
  const { stdout } = useStdout();
  const [state, dispatch] = useReducer(wizardReducer, initialState({ viewRows: stdout.rows ?? 24, defaultScriptPath: options.defaultScriptPath }));
  const [now, setNow] = useState(() => options.now());
  const stateRef = useRef(state);
  stateRef.current = state;

  // Registered once, before any menu mounts, so the wizard reads each key before a menu does: an enter
  // that a menu answers is read while the menu is still open, not as "go on" once its choice closed it.
  useInput(useCallback((input: string, key: Key) => dispatch({ type: 'key', input, key }), []));
  const choose = useCallback((choice: MenuChoice) => dispatch({ type: 'menu-chosen', choice }), []);

  useEffect(() => {
    // Effects run once the first frame is drawn: the store (and its ~90 ms import) never delays it,
    // nor do the menus.
    void loadMenus();
    const recalled = deps.recall().catch((error: unknown): Recalled => ({ ...NOTHING_RECALLED, note: message(error) }));
    deps.discover().then(
      async (facts) => dispatch({ type: 'facts-loaded', facts, choices: deps.defaultChoices(facts), recalled: await recalled }),
      (error: unknown) => dispatch({ type: 'discovery-failed', message: message(error) }),
    );
  }, [deps]);

  useEffect(() => {
    const onResize = (): void => dispatch({ type: 'resize', viewRows: stdout.rows ?? 24 });
    stdout.on('resize', onResize);
    return () => void stdout.off('resize', onResize);
  }, [stdout]);

  const { facts } = state;
  useEffect(() => {
    if (state.screen === 'preview' && state.preview.plan === null && facts !== null) {
      dispatch({ type: 'plan-built', plan: deps.buildPlan(facts, currentChoices(stateRef.current)) });
    }
  }, [state.screen, state.preview.plan, facts, deps]);

  // Reaching the preview is when the choices are made: remember them for the next run.
  useEffect(() => {
    if (state.screen === 'preview' && stateRef.current.facts !== null) void deps.remember(rememberedNow(stateRef.current)).catch(() => undefined);
  }, [state.screen, deps]);

  const { saving, savePath, plan } = state.preview;
  useEffect(() => {
    if (!saving || savePath === null || plan === null || !plan.ok) return;
    deps.savePlanScript(plan.value, savePath).then(
      (written) => dispatch({ type: 'save-finished', message: `Saved the plan as ${written}. Nothing was applied.` }),
      (error: unknown) => dispatch({ type: 'save-finished', message: `Could not save the script: ${message(error)}` }),
    );
  }, [saving, savePath, plan, deps]);

  useEffect(() => {
    if (state.apply.status !== 'requested' || plan === null || !plan.ok) return;
    dispatch({ type: 'apply-started' });
    deps
      .apply(plan.value, currentChoices(stateRef.current), (event) => dispatch({ type: 'apply-event', event }))
      .then(
        (outcome) => dispatch({ type: 'apply-finished', outcome }),
        (error: unknown) => dispatch({ type: 'apply-crashed', message: message(error) }),
      );
  }, [state.apply.status, plan, deps]);

  // Watched until the transcript says how it ended: confirmed here or elsewhere, or rolled back
  // (at the deadline, or by hand from another session), so the screen says so by itself.
  const watching = state.screen === 'confirm' && (state.confirm.status === 'waiting' || state.confirm.status === 'expired');
  const deadline = state.apply.outcome?.deadline ?? null;
  useEffect(() => {
    if (!watching) return undefined;
    let busy = false;
    const tick = (): void => {
      const time = options.now();
      setNow(time);
      if (deadline !== null && time >= Date.parse(deadline)) dispatch({ type: 'deadline-passed' });
      if (busy) return;
      busy = true;
      deps.pollOutcome().then(
        (fate) => {
          busy = false;
          if (fate.kind === 'confirmed') dispatch({ type: 'confirmed' });
          if (fate.kind === 'rolled-back')
            dispatch({ type: 'rolled-back', rollback: { summary: fate.summary, restoredFiles: fate.restoredFiles, commands: fate.commands } });
        },
        () => {
          busy = false;
        },
      );
    };
    tick();
    const timer = setInterval(tick, options.pollIntervalMs);
    return () => clearInterval(timer);
  }, [watching, deadline, deps, options]);

  // After a successful apply: read the host again, judge the live ruleset, then probe each row from the host.
  const checksIdle = state.screen === 'confirm' && state.confirm.checks.status === 'idle' && state.apply.outcome?.ok === true;
  useEffect(() => {
    if (!checksIdle) return;
    dispatch({ type: 'checks-started' });
    deps.discover().then(
      (after) => {
        const report = reachabilityReport(after);
        const rows = confirmCheckRows(report, stateRef.current);
        const choices = currentChoices(stateRef.current);
        const proof = proveIntended(after, choices.sshPorts, intendedFromChoices(choices));
        dispatch({ type: 'checks-read', rows, note: report.note, differences: proof.note === null ? proof.differences : null });
        for (const row of rows) {
          if (row.probe !== 'checking') continue;
          deps.probe(row.address, row.port, row.proto).then(
            (result) => dispatch({ type: 'probe-finished', key: row.key, result }),
            () => dispatch({ type: 'probe-finished', key: row.key, result: 'closed' }),
          );
        }
      },
      (error: unknown) => dispatch({ type: 'checks-failed', message: `Could not read the host again: ${message(error)}` }),
    );
  }, [checksIdle, deps]);

  useEffect(() => {
    if (state.confirm.status !== 'keeping') return;
    deps.keepWithoutProof().then(
      () => dispatch({ type: 'kept' }),
      (error: unknown) => dispatch({ type: 'keep-failed', message: `Could not keep the changes: ${message(error)}` }),
    );
  }, [state.confirm.status, deps]);

  useEffect(() => {
    if (state.exitCode !== null) onExit(state.exitCode, partingWords(stateRef.current, options.now(), deps.confirmCommand));
  }, [state.exitCode, onExit, options, deps]);

  return (
    <UiContext.Provider value={options}>
      <Box flexDirection="column" width={Math.max(40, stdout.columns ?? 80)}>
        <CurrentScreen state={state} now={now} confirmCommand={deps.confirmCommand} choose={choose} />
        {state.overlay === 'quit-confirm' ? <QuitOverlay state={state} /> : null}
      </Box>
    </UiContext.Provider>
  );
}
