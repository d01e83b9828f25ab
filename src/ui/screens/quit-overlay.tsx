import React from 'react';
import { Box, Text } from 'ink';
import type { WizardState } from '../wizard-state.js';
import { Tone } from '../theme.js';
import { confirmCode } from '../selectors.js';
import { keyHints } from '../key-bindings.js';
import { Prose } from '../widgets/prose.js';

export function QuitOverlay({ state }: { state: WizardState }): React.JSX.Element {
  const code = confirmCode(state);
  return (
    <Box flexDirection="column" borderStyle="round" paddingX={1}>
      <Tone name="danger" bold>
        Quit while the changes are not confirmed?
      </Tone>
      <Prose>
        <Text>
          The firewall stays as applied until the armed rollback fires
          {code ? `, unless \`sudo v6wall confirm ${code}\` is run from a NEW SSH session first` : ''}.
        </Text>
      </Prose>
      <Text>{keyHints(state.screen, ['quit-yes', 'quit-no'])}</Text>
    </Box>
  );
}
