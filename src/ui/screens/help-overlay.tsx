import React from 'react';
import { Box, Text } from 'ink';
import { KEY_HELP } from '../keys.js';
import { Tone } from '../theme.js';

export function HelpOverlay(): React.JSX.Element {
  return (
    <Box flexDirection="column" borderStyle="round" paddingX={1}>
      <Tone name="accent" bold>Keys</Tone>
      {KEY_HELP.map(([keys, meaning]) => (
        <Text key={keys}>
          <Text bold>{keys.padEnd(22)}</Text>
          {meaning}
        </Text>
      ))}
      <Text dimColor>Nothing changes on the host before you press enter twice on the preview.</Text>
      <Text dimColor>esc or ? closes this help.</Text>
    </Box>
  );
}
