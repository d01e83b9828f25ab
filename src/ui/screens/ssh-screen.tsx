import React from 'react';
import { keyHints } from '../key-bindings.js';
import { Box, Text } from 'ink';
import type { WizardState } from '../wizard-state.js';
import { missingSshPorts } from '../selectors.js';
import { ScreenFrame, Warning } from '../widgets/screen-frame.js';
import { RowMark } from '../widgets/checkbox.js';
import { PortInput } from '../widgets/port-input.js';
import { Tone } from '../theme.js';
import { Para } from '../widgets/prose.js';

function SessionWarning({ state }: { state: WizardState }): React.JSX.Element | null {
  const session = state.facts?.ssh.sessionPort ?? null;
  const missing = missingSshPorts(state);
  const sessionMissing = session !== null && missing.some((required) => required.port === session);
  if (!sessionMissing && session !== null && missing.length === 0) return null;
  if (sessionMissing) {
    return (
      <Box marginTop={1}>
        <Warning loud>
          YOUR CURRENT SESSION USES PORT {session}, AND IT IS NOT CHOSEN. Enabling the firewall like this would lock you out. Tick it (space) or add it.
        </Warning>
      </Box>
    );
  }
  return (
    <Box flexDirection="column" marginTop={1}>
      {session === null ? (
        <Warning loud>v6wall could not tell which port your own SSH session uses. Make sure that port is ticked here, or you may be locked out.</Warning>
      ) : null}
      {missing.map((required) => (
        <Warning key={required.port} loud>
          Port {required.port} is in use ({required.reason}) but not chosen: the plan will refuse until it is.
        </Warning>
      ))}
    </Box>
  );
}

export function SshScreen({ state }: { state: WizardState }): React.JSX.Element {
  const { rows, cursor, draft, error } = state.ssh;
  const session = state.facts?.ssh.sessionPort ?? null;
  return (
    <ScreenFrame screen="ssh" hints={keyHints('ssh', [['toggle', 'tick'], ['next', 'add the typed port, or go on'], 'back', 'help', 'quit'])}>
      <Para>These ports are allowed first, before the firewall is switched on.</Para>
      <Box flexDirection="column" marginTop={1}>
        {rows.length === 0 ? <Tone name="warn">No SSH port was detected. Type the port you log in with.</Tone> : null}
        {rows.map((row, index) => (
          <Box key={row.port} flexDirection="column">
            <Text>
              <RowMark cursor={index === cursor} checked={row.checked} />
              <Text bold>{row.port}/tcp</Text>
              {row.port === session ? <Tone name="ok"> ← your session</Tone> : null}
              {row.sources.length === 0 ? <Text dimColor> added by you</Text> : null}
            </Text>
            {row.sources.map((source) => (
              <Text key={source} dimColor>
                {'      '}
                {source}
              </Text>
            ))}
          </Box>
        ))}
      </Box>
      <Box marginTop={1}>
        <PortInput value={draft} error={error} />
      </Box>
      <SessionWarning state={state} />
    </ScreenFrame>
  );
}
