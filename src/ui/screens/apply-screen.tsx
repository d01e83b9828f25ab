import React from 'react';
import { keyHints } from '../key-bindings.js';
import { Box, Text } from 'ink';
import { shellJoin } from '../../core/shell-quote.js';
import type { StepProgress, WizardState } from '../wizard-state.js';
import { ScreenFrame, Warning } from '../widgets/screen-frame.js';
import { Spinner } from '../widgets/spinner.js';
import { Tone } from '../theme.js';
import { Prose } from '../widgets/prose.js';

function StatusMark({ progress }: { progress: StepProgress }): React.JSX.Element {
  switch (progress.status) {
    case 'running':
      return <Spinner />;
    case 'done':
      return <Tone name="ok">✓</Tone>;
    case 'failed':
      return <Tone name="danger">✗</Tone>;
    case 'skipped':
      return <Text dimColor>=</Text>;
    case 'pending':
      return <Text dimColor>·</Text>;
    default: {
      const unknown: never = progress.status;
      return unknown;
    }
  }
}

/** The last lines a failed command printed: that is where the reason is. */
function tail(text: string, lines: number): string[] {
  return text
    .trimEnd()
    .split('\n')
    .filter((line) => line !== '')
    .slice(-lines);
}

function FailureOutput({ progress }: { progress: StepProgress }): React.JSX.Element | null {
  const record = progress.record;
  if (record === null) return null;
  const output = [...tail(record.stderr, 6), ...tail(record.stdout, 4)];
  return (
    <Box flexDirection="column" marginLeft={4}>
      <Text dimColor>exit code {record.exitCode}</Text>
      {output.map((line, index) => (
        <Text key={`${index}:${line}`}>{line}</Text>
      ))}
    </Box>
  );
}

function Summary({ state }: { state: WizardState }): React.JSX.Element | null {
  const apply = state.apply;
  if (apply.status !== 'finished') return null;
  if (apply.crash !== null) {
    return <Warning loud>The apply stopped with an error: {apply.crash}. Run `v6wall status` to see what is in place.</Warning>;
  }
  const outcome = apply.outcome;
  if (outcome === null) return null;
  if (outcome.ok) return <Tone name="ok">Every command succeeded.</Tone>;
  return (
    <Box flexDirection="column">
      <Warning loud>
        {outcome.failedStep === null
          ? `The apply was refused: ${outcome.error ?? 'no reason given'}`
          : `Step ${outcome.failedStep + 1} failed; nothing after it ran.`}
      </Warning>
      {outcome.rolledBack || apply.rolledBackReason !== null ? (
        <Prose>
          <Tone name="ok">The firewall was rolled back to how it was before{apply.rolledBackReason ? ` (${apply.rolledBackReason})` : ''}.</Tone>
        </Prose>
      ) : null}
      <Text dimColor>Transcript: {outcome.transcriptPath}</Text>
    </Box>
  );
}

export function ApplyScreen({ state }: { state: WizardState }): React.JSX.Element {
  const apply = state.apply;
  const finished = apply.status === 'finished';
  const failed = finished && (apply.crash !== null || apply.outcome?.ok === false);
  const hints = !finished
    ? keyHints('apply', [{ say: 'working…' }, ['quit', 'asks before quitting']])
    : failed
      ? keyHints('apply', [['next', 'summary'], ['back', 'back to the preview'], 'quit'])
      : keyHints('apply', ['next']);
  return (
    <ScreenFrame screen="apply" hints={hints}>
      {apply.status === 'requested' ? (
        <Text>
          <Spinner /> Saving the current firewall and arming the rollback…
        </Text>
      ) : null}
      {apply.steps.map((progress, index) => (
        <Box key={index} flexDirection="column">
          <Box>
            <Box width={2} flexShrink={0}>
              <StatusMark progress={progress} />
            </Box>
            <Box flexShrink={1}>
              <Prose>
                {progress.status === 'skipped' ? (
                  <Text dimColor>{shellJoin(progress.step.argv)} (already in place)</Text>
                ) : (
                  <Text>{shellJoin(progress.step.argv)}</Text>
                )}
              </Prose>
            </Box>
          </Box>
          {progress.status === 'failed' ? <FailureOutput progress={progress} /> : null}
        </Box>
      ))}
      {finished ? (
        <Box marginTop={1}>
          <Summary state={state} />
        </Box>
      ) : null}
    </ScreenFrame>
  );
}
