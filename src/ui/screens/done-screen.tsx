import React from 'react';
import { keyHints } from '../key-bindings.js';
import { Box, Text } from 'ink';
import { shellJoin } from '../../core/shell-quote.js';
import type { WizardState } from '../wizard-state.js';
import { Hanging, ScreenFrame, Warning } from '../widgets/screen-frame.js';
import { Tone } from '../theme.js';
import { Para, Prose } from '../widgets/prose.js';
import { RollbackRestored } from './confirm-screen.js';
import { ChoiceMenu, type MenuItem } from '../widgets/choice-menu.js';
import { doneChoices } from '../selectors.js';
import type { MenuChoice } from '../actions.js';

function Headline({ state }: { state: WizardState }): React.JSX.Element {
  const outcome = state.apply.outcome;
  if (state.apply.crash !== null) return <Warning loud>The apply stopped with an error: {state.apply.crash}</Warning>;
  if (outcome === null) return <Para>Nothing changed: every step was already in place.</Para>;
  if (!outcome.ok) {
    return (
      <Warning loud>
        Nothing changed in the end: {outcome.failedStep === null ? (outcome.error ?? 'the apply was refused') : `step ${outcome.failedStep + 1} failed`}
        {outcome.rolledBack ? ', and the firewall was rolled back.' : '.'}
      </Warning>
    );
  }
  switch (state.confirm.status) {
    case 'confirmed':
      return (
        <Prose>
          <Tone name="ok" bold>
            The firewall is on, and a new SSH login proved you can still get in.
          </Tone>
        </Prose>
      );
    case 'kept':
      return <Warning>The firewall is on, kept without proof that a new SSH login works.</Warning>;
    case 'expired':
      return (
        <Warning loud>No confirmation arrived: the automatic rollback is restoring the firewall as it was (`v6wall history` says when it is done).</Warning>
      );
    case 'rolled-back':
      return <Warning loud>The apply was {state.confirm.rollback?.summary ?? 'rolled back'}. The firewall is as it was before the apply.</Warning>;
    case 'waiting':
    case 'keeping':
      return <Warning>The changes are applied and still await `v6wall confirm`.</Warning>;
    default: {
      const unknown: never = state.confirm.status;
      return unknown;
    }
  }
}

const DONE_ITEMS: Record<'exit' | 'change', MenuItem<'exit' | 'change'>> = {
  exit: { key: 'exit', label: 'Exit', value: 'exit' },
  change: { key: 'change', label: 'Go back and change the choices (the firewall is as it was)', value: 'change' },
};

export function DoneScreen({ state, choose }: { state: WizardState; choose: (choice: MenuChoice) => void }): React.JSX.Element {
  const outcome = state.apply.outcome;
  const choices = doneChoices(state);
  const ran = outcome?.records.filter((record) => record.exitCode === 0) ?? [];
  const kept = outcome?.ok === true && (state.confirm.status === 'confirmed' || state.confirm.status === 'kept');
  return (
    <ScreenFrame
      screen="done"
      hints={choices.length > 1 ? keyHints('done', ['menu-move', 'menu-choose', ['quit', 'exit']]) : keyHints('done', [[['next', 'quit'], 'exit']])}
    >
      <Headline state={state} />
      {state.confirm.status === 'rolled-back' && state.confirm.rollback !== null ? <RollbackRestored rollback={state.confirm.rollback} /> : null}
      {kept && ran.length > 0 ? (
        <Box flexDirection="column" marginTop={1}>
          <Text bold>
            What changed ({ran.length} command{ran.length === 1 ? '' : 's'}):
          </Text>
          {ran.map((record) => (
            <Hanging key={record.index} prefix="  $ ">
              {shellJoin(record.argv)}
            </Hanging>
          ))}
        </Box>
      ) : null}
      {outcome !== null ? (
        <Box flexDirection="column" marginTop={1}>
          <Text>
            Transcript: <Text bold>{outcome.transcriptPath}</Text>
          </Text>
          <Para dim>`v6wall transcript --last` shows it; `--format sh` turns it into a script.</Para>
        </Box>
      ) : null}
      {choices.length > 1 ? (
        <ChoiceMenu
          question="What now?"
          items={choices.map((choice) => DONE_ITEMS[choice])}
          initial={0}
          focused={state.overlay === 'none'}
          onChoose={(then) => choose({ menu: 'done', then })}
        />
      ) : null}
    </ScreenFrame>
  );
}
