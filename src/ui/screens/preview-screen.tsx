import React from 'react';
import { keyHints } from '../key-bindings.js';
import { Box, Text } from 'ink';
import type { PlanStep } from '../../core/types/plan.js';
import { shellJoin } from '../../core/shell-quote.js';
import { linesAddedByStep } from '../../core/step-input.js';
import { staleRules } from '../../core/stale-rules.js';
import { tableClosings } from '../../core/nftables/table-closings.js';
import type { WizardState } from '../wizard-state.js';
import { applyBlocker, currentChoices } from '../selectors.js';
import { Hanging, ScreenFrame, Warning } from '../widgets/screen-frame.js';
import { WindowedList } from '../widgets/windowed-list.js';
import { TextField } from '../widgets/text-field.js';
import { Tone } from '../theme.js';

/** Each step's number among those that run (satisfied steps get none). */
function stepNumbers(steps: readonly PlanStep[]): (number | null)[] {
  let count = 0;
  return steps.map((step) => (step.satisfied ? null : (count += 1)));
}

function StepRow(props: { step: PlanStep; number: number | null }): React.JSX.Element {
  const { step, number } = props;
  if (number === null) {
    return (
      <Box flexDirection="column">
        <Hanging prefix="   = ">
          <Text dimColor>already in place, skipped: {step.why}</Text>
        </Hanging>
        <Hanging prefix="     ">
          <Text dimColor>{shellJoin(step.argv)}</Text>
        </Hanging>
      </Box>
    );
  }
  return (
    <Box flexDirection="column">
      <Hanging prefix={`${String(number).padStart(3)}. `}>{step.change === 'close' ? <Tone name="warn">{step.why}</Tone> : step.why}</Hanging>
      <Hanging prefix="     $ ">
        <Tone name="accent">{shellJoin(step.argv)}</Tone>
      </Hanging>
      {step.input === undefined ? null : (
        <>
          <Hanging prefix="     ">
            <Text dimColor>
              {step.argv[0] === 'nft' ? 'the nft script on standard input, exactly:' : 'with the new file on standard input; the lines it adds:'}
            </Text>
          </Hanging>
          {linesAddedByStep(step).map((line, index) => (
            <Hanging key={index} prefix="     + ">
              <Text>{line}</Text>
            </Hanging>
          ))}
        </>
      )}
    </Box>
  );
}

function Footer({ state, pending }: { state: WizardState; pending: number }): React.JSX.Element {
  const preview = state.preview;
  const blocker = applyBlocker(state.facts);
  if (preview.savePath !== null) {
    return (
      <Box flexDirection="column">
        <TextField label="Save the plan as: " value={preview.savePath} focused={!preview.saving} />
        <Text dimColor>{preview.saving ? 'Saving…' : 'enter save · esc cancel'}</Text>
      </Box>
    );
  }
  return (
    <Box flexDirection="column">
      {preview.saveMessage !== null ? <Tone name="ok">{preview.saveMessage}</Tone> : null}
      {blocker !== null ? <Warning loud>Apply is disabled: {blocker}</Warning> : null}
      {blocker === null && pending > 0 && preview.armed ? (
        <Tone name="warn" bold>
          Press enter again to run these {pending} command{pending === 1 ? '' : 's'} now (a rollback is armed first). esc cancels.
        </Tone>
      ) : null}
      {blocker === null && pending === 0 ? <Tone name="ok">Nothing to change: every step is already in place. Enter finishes.</Tone> : null}
    </Box>
  );
}

export function PreviewScreen({ state }: { state: WizardState }): React.JSX.Element {
  const plan = state.preview.plan;
  const blocker = applyBlocker(state.facts);
  if (plan === null)
    return (
      <ScreenFrame screen="preview" hints={keyHints('preview', ['back'])}>
        {<Text>Building the plan…</Text>}
      </ScreenFrame>
    );
  if (!plan.ok) {
    return (
      <ScreenFrame screen="preview" hints={keyHints('preview', [['back', 'back and change your choices'], 'quit'])}>
        <Warning loud>This plan cannot be applied:</Warning>
        {plan.errors.map((error) => (
          <Hanging key={`${error.choice}:${error.message}`} prefix="  • ">
            <Text bold>{error.choice}</Text>: {error.message}
          </Hanging>
        ))}
      </ScreenFrame>
    );
  }
  const steps = plan.value.steps;
  const numbers = stepNumbers(steps);
  const pending = numbers.filter((number) => number !== null).length;
  const closing = steps.filter((step) => !step.satisfied && step.change === 'close').length;
  const stale = state.facts === null ? 0 : staleRules(state.facts).length;
  // The nftables backend writes its table whole: an opening of a container that is gone cannot be kept, it closes.
  const staleInTable = state.facts === null ? 0 : tableClosings(state.facts, currentChoices(state)).filter((closing) => closing.stale).length;
  const hints = keyHints('preview', [
    ...(blocker === null && pending > 0 ? [['next', 'apply'] as const] : []),
    'save',
    ...(stale > 0 ? ['stale' as const] : []),
    ['move', 'scroll'],
    'back',
    'help',
  ]);
  return (
    <ScreenFrame screen="preview" hints={hints}>
      <Text>
        {pending === 0 ? 'Nothing would run' : `${pending} command${pending === 1 ? '' : 's'} would run, in this order`}
        {closing > 0 ? `, ${closing} of them to close ${closing === 1 ? 'an opening' : 'openings'}` : ''}
        {steps.length > pending ? <Text dimColor> ({steps.length - pending} already in place)</Text> : null}
        {pending === 0 ? '.' : ':'}
      </Text>
      <Box marginTop={1} flexDirection="column">
        <WindowedList
          count={steps.length}
          cursor={state.preview.scroll}
          anchor="top"
          height={Math.max(2, Math.floor((state.viewRows - 12) / 3))}
          renderRow={(index) => {
            const step = steps[index];
            return step === undefined ? null : <StepRow step={step} number={numbers[index] ?? null} />;
          }}
        />
      </Box>
      {stale > 0 ? (
        <Tone name="warn">
          {stale} old v6wall rule{stale === 1 ? '' : 's'} still open{stale === 1 ? 's' : ''} addresses of containers that are gone or were recreated:{' '}
          {state.preview.removeStale
            ? `removing ${stale === 1 ? 'it' : 'them'} (r keeps ${stale === 1 ? 'it' : 'them'}).`
            : `keeping ${stale === 1 ? 'it' : 'them'} (r removes ${stale === 1 ? 'it' : 'them'}).`}
        </Tone>
      ) : null}
      {staleInTable > 0 ? (
        <Tone name="warn">
          {staleInTable} old v6wall rule{staleInTable === 1 ? '' : 's'} still open{staleInTable === 1 ? 's' : ''} addresses of containers that are gone or were
          recreated: the new table leaves {staleInTable === 1 ? 'it' : 'them'} out, so {staleInTable === 1 ? 'it closes' : 'they close'} (named below).
        </Tone>
      ) : null}
      {plan.value.notes.map((note) => (
        <Text key={note} dimColor>
          Note: {note}
        </Text>
      ))}
      <Box marginTop={1}>
        <Footer state={state} pending={pending} />
      </Box>
    </ScreenFrame>
  );
}
