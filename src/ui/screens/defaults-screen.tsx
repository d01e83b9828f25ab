import React from 'react';
import { keyHints } from '../key-bindings.js';
import { Box, Text } from 'ink';
import type { WizardState } from '../wizard-state.js';
import { Hanging, ScreenFrame } from '../widgets/screen-frame.js';
import { Tone } from '../theme.js';

function Change(props: { what: string; now: string; after: string; why: string; untouched?: boolean }): React.JSX.Element {
  const same = props.now === props.after;
  return (
    <Box flexDirection="column" marginBottom={1}>
      <Text>
        <Text bold>{props.what.padEnd(10)}</Text>
        {props.now.padEnd(9)}→ {same ? <Tone name="ok">{props.after} ({props.untouched ? 'unchanged' : 'already'})</Tone> : <Tone name="accent" bold>{props.after}</Tone>}
      </Text>
      <Hanging prefix="          ">
        <Text dimColor>{props.why}</Text>
      </Hanging>
    </Box>
  );
}

export function DefaultsScreen({ state }: { state: WizardState }): React.JSX.Element {
  const ufw = state.facts?.ufw;
  if (ufw === undefined) return <ScreenFrame screen="defaults" hints={keyHints('defaults', ['back'])}>{null}</ScreenFrame>;
  return (
    <ScreenFrame screen="defaults" hints={keyHints('defaults', ['next', 'back', 'help', 'quit'])}>
      <Text dimColor>{'what'.padEnd(10)}{'now'.padEnd(9)}  after</Text>
      <Change what="incoming" now={ufw.policies.incoming} after="deny" why="New connections to the host need a rule (SSH has one)." />
      <Change what="routed" now={ufw.policies.routed} after="deny" why="New connections to containers need a route rule." />
      <Change what="outgoing" now={ufw.policies.outgoing} after={ufw.policies.outgoing} untouched why="v6wall leaves outgoing traffic alone." />
      <Change what="firewall" now={ufw.enabled ? 'active' : 'inactive'} after="active" why="Switched on last, after SSH and your openings are allowed." />
    </ScreenFrame>
  );
}
