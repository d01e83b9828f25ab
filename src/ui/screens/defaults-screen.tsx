import React from 'react';
import { keyHints } from '../key-bindings.js';
import { Box, Text } from 'ink';
import type { WizardState } from '../wizard-state.js';
import { Hanging, ScreenFrame } from '../widgets/screen-frame.js';
import { Tone } from '../theme.js';
import { backendOf } from '../../core/backend.js';
import { liveV6wallTable } from '../../core/nftables/v6wall-table.js';
import type { Facts } from '../../core/types/facts.js';

function Change(props: { what: string; now: string; after: string; why: string; untouched?: boolean }): React.JSX.Element {
  const same = props.now === props.after;
  return (
    <Box flexDirection="column" marginBottom={1}>
      <Text>
        <Text bold>{props.what.padEnd(10)}</Text>
        {props.now.padEnd(9)}→{' '}
        {same ? (
          <Tone name="ok">
            {props.after} ({props.untouched ? 'unchanged' : 'already'})
          </Tone>
        ) : (
          <Tone name="accent" bold>
            {props.after}
          </Tone>
        )}
      </Text>
      <Hanging prefix="          ">
        <Text dimColor>{props.why}</Text>
      </Hanging>
    </Box>
  );
}

/** v6wall's own nftables table: what its chains do by default (UFW's policies are not involved). */
function OwnTableDefaults({ facts }: { facts: Facts }): React.JSX.Element {
  const present = liveV6wallTable(facts.docker.nftRuleset).present;
  const now = present ? 'drop' : 'no table';
  return (
    <ScreenFrame screen="defaults" hints={keyHints('defaults', ['next', 'back', 'help', 'quit'])}>
      <Text dimColor>{`${'what'.padEnd(10)}${'now'.padEnd(9)}  after (v6wall's table inet v6wall)`}</Text>
      <Change
        what="incoming"
        now={now}
        after="drop"
        why="New connections to the host are dropped unless an opening allows them (SSH has one); ICMPv6 that IPv6 needs stays allowed."
      />
      <Change
        what="forwarded"
        now={now}
        after="drop"
        why="New connections to the containers' IPv6 subnets are dropped unless an opening to a container's address and port allows them."
      />
      <Change what="outgoing" now="allow" after="allow" untouched why="v6wall leaves outgoing traffic and the containers' own connections alone." />
      <Change
        what="table"
        now={present ? 'loaded' : 'absent'}
        after="loaded"
        why="Checked with nft -c, then replaced in one transaction, SSH first; no other table (Docker's, UFW's) is touched."
      />
    </ScreenFrame>
  );
}

export function DefaultsScreen({ state }: { state: WizardState }): React.JSX.Element {
  const ufw = state.facts?.ufw;
  if (ufw === undefined || state.facts === null)
    return (
      <ScreenFrame screen="defaults" hints={keyHints('defaults', ['back'])}>
        {null}
      </ScreenFrame>
    );
  if (backendOf(state.facts).kind === 'nftables') return <OwnTableDefaults facts={state.facts} />;
  return (
    <ScreenFrame screen="defaults" hints={keyHints('defaults', ['next', 'back', 'help', 'quit'])}>
      <Text dimColor>{`${'what'.padEnd(10)}${'now'.padEnd(9)}  after`}</Text>
      <Change what="incoming" now={ufw.policies.incoming} after="deny" why="New connections to the host need a rule (SSH has one)." />
      <Change what="routed" now={ufw.policies.routed} after="deny" why="New connections to containers need a route rule." />
      <Change what="outgoing" now={ufw.policies.outgoing} after={ufw.policies.outgoing} untouched why="v6wall leaves outgoing traffic alone." />
      <Change what="firewall" now={ufw.enabled ? 'active' : 'inactive'} after="active" why="Switched on last, after SSH and your openings are allowed." />
    </ScreenFrame>
  );
}
