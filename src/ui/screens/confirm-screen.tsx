import React from 'react';
import { keyHints } from '../key-bindings.js';
import { Box, Text } from 'ink';
import type { RollbackDone, WizardState } from '../wizard-state.js';
import { checkedSshPorts, currentExposureRows, pickFor } from '../selectors.js';
import { formatCountdown } from '../countdown.js';
import { outsideTests } from '../outside-test-commands.js';
import { PUBLIC_EGRESS_TARGET, egressCheckArgv, egressCheckContainer } from '../egress-check.js';
import { shellJoin } from '../../core/shell-quote.js';
import { Hanging, ScreenFrame, Warning } from '../widgets/screen-frame.js';
import { Spinner } from '../widgets/spinner.js';
import { ChoiceMenu, type MenuItem } from '../widgets/choice-menu.js';
import type { MenuChoice } from '../actions.js';
import { Tone } from '../theme.js';
import { ConfirmChecksView } from './confirm-checks-view.js';

function Countdown({ deadline, now }: { deadline: string | null; now: number }): React.JSX.Element {
  if (deadline === null) return <Text>No rollback is armed.</Text>;
  const left = Date.parse(deadline) - now;
  return (
    <Text>
      Automatic rollback in{' '}
      <Tone name={left < 60_000 ? 'danger' : 'warn'} bold>
        {formatCountdown(left)}
      </Tone>
      <Text dimColor> (at {new Date(deadline).toISOString().slice(11, 19)} UTC)</Text> unless you confirm.
    </Text>
  );
}

function OutsideTests({ state }: { state: WizardState }): React.JSX.Element | null {
  if (state.facts === null) return null;
  const chosen = currentExposureRows(state).map((row) => ({ row, pick: pickFor(state, row) }));
  const tests = outsideTests(state.facts, chosen);
  if (tests.length === 0) return null;
  return (
    <Box flexDirection="column" marginTop={1}>
      <Text bold>Then test each opening from another machine with IPv6:</Text>
      {tests.map((test) => (
        <Box key={test.label} flexDirection="column">
          <Hanging prefix="  ">{test.label}</Hanging>
          {test.commands.map((command) => (
            <Hanging key={command} prefix="    $ ">
              <Tone name="accent">{command}</Tone>
            </Hanging>
          ))}
        </Box>
      ))}
    </Box>
  );
}

const KEEP_ITEMS: MenuItem<boolean>[] = [
  { key: 'wait', label: 'No: go on waiting for `v6wall confirm` (the rollback stays armed)', value: false },
  { key: 'keep', label: 'Yes: keep the changes without proof (the rollback is disarmed)', value: true },
];

/** Where UFW's routed policy decides what containers send: the check that they still get out. */
function EgressCheck({ state }: { state: WizardState }): React.JSX.Element | null {
  if (state.facts === null) return null;
  const container = egressCheckContainer(state.facts, state.containers.selected);
  if (container === null) return null;
  return (
    <Box flexDirection="column" marginTop={1}>
      <Text bold>On this host, check that containers still connect out (exit status 0: they do):</Text>
      <Hanging prefix="    $ ">
        <Tone name="accent">{shellJoin(egressCheckArgv(container))}</Tone>
      </Hanging>
      <Hanging prefix="  ">
        <Text dimColor>
          {PUBLIC_EGRESS_TARGET.address} is Google Public DNS on port {PUBLIC_EGRESS_TARGET.port}; any IPv6 server of yours does as well.
        </Text>
      </Hanging>
    </Box>
  );
}

function KeepQuestion({ state, choose }: { state: WizardState; choose: (choice: MenuChoice) => void }): React.JSX.Element | null {
  const { askingKeep, keepError, status } = state.confirm;
  if (status === 'keeping')
    return (
      <Text>
        <Spinner /> Keeping the changes…
      </Text>
    );
  if (!askingKeep) return keepError === null ? null : <Tone name="danger">{keepError}</Tone>;
  return (
    <Box flexDirection="column">
      <Warning loud>Keeping without proof means nobody checked that a NEW SSH login still works. If it does not, you are locked out.</Warning>
      <ChoiceMenu
        question="Keep the changes without proof?"
        items={KEEP_ITEMS}
        initial={0}
        focused={state.overlay === 'none'}
        onChoose={(keep) => choose({ menu: 'keep', keep })}
      />
    </Box>
  );
}

/** What the rollback put back, as its transcript says. */
export function RollbackRestored({ rollback }: { rollback: RollbackDone }): React.JSX.Element {
  return (
    <Box flexDirection="column" marginTop={1}>
      {rollback.restoredFiles.length > 0 ? <Text bold>Restored as they were before the apply:</Text> : null}
      {rollback.restoredFiles.map((file) => (
        <Hanging key={file} prefix="  ">
          {file}
        </Hanging>
      ))}
      {rollback.commands.map((command) => (
        <Hanging key={command} prefix="  $ ">
          {command}
        </Hanging>
      ))}
    </Box>
  );
}

export function ConfirmScreen({
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
  const outcome = state.apply.outcome;
  const code = outcome?.confirmCode ?? '??????';
  const status = state.confirm.status;
  if (status === 'expired') {
    return (
      <ScreenFrame screen="confirm" hints={keyHints('confirm', ['next', 'quit'])}>
        <Warning loud>No confirmation arrived in time: the automatic rollback is restoring the firewall as it was before.</Warning>
        <Text>
          <Spinner /> Waiting for the rollback to finish…
        </Text>
      </ScreenFrame>
    );
  }
  const rollback = state.confirm.rollback;
  if (status === 'rolled-back' && rollback !== null) {
    return (
      <ScreenFrame screen="confirm" hints={keyHints('confirm', ['next', 'quit'])}>
        <Warning loud>The apply was {rollback.summary}. The firewall is as it was before the apply.</Warning>
        <RollbackRestored rollback={rollback} />
      </ScreenFrame>
    );
  }
  const hints = state.confirm.askingKeep
    ? keyHints('confirm', ['menu-move', 'menu-choose', ['back', 'go on waiting']])
    : status === 'waiting'
      ? keyHints('confirm', ['keep', ['quit', 'quit (asks first)'], 'help'])
      : keyHints('confirm', ['next']);
  const ports = checkedSshPorts(state);
  return (
    <ScreenFrame screen="confirm" hints={hints}>
      <Tone name="ok">The changes are applied.</Tone>
      {status === 'waiting' || status === 'keeping' ? <Countdown deadline={outcome?.deadline ?? null} now={now} /> : null}
      <Box flexDirection="column" marginTop={1}>
        <Hanging prefix="1. ">Open a NEW terminal and log in again over SSH{ports.length > 0 ? ` (port ${ports.join(' or ')})` : ''}.</Hanging>
        <Hanging prefix="2. ">
          In that new session run:{' '}
          <Tone name="accent" bold>
            {confirmCommand(code)}
          </Tone>
        </Hanging>
        <Hanging prefix="   ">
          <Text dimColor>This session proves nothing: the firewall lets connections that already exist through.</Text>
        </Hanging>
      </Box>
      <ConfirmChecksView checks={state.confirm.checks} />
      <OutsideTests state={state} />
      <EgressCheck state={state} />
      <Box marginTop={1} flexDirection="column">
        {status === 'waiting' && !state.confirm.askingKeep ? (
          <Text>
            <Spinner /> Waiting for the confirmation…
          </Text>
        ) : null}
        {status === 'confirmed' ? (
          <Tone name="ok" bold>
            Confirmed from a new session. The rollback is disarmed.
          </Tone>
        ) : null}
        {status === 'kept' ? <Tone name="warn">Kept without proof. The rollback is disarmed.</Tone> : null}
        <KeepQuestion state={state} choose={choose} />
      </Box>
    </ScreenFrame>
  );
}
