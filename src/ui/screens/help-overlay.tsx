import React from 'react';
import { Box, Text } from 'ink';
import { keyHelp } from '../key-bindings.js';
import { Tone } from '../theme.js';

export function HelpOverlay(): React.JSX.Element {
  return (
    <Box flexDirection="column" borderStyle="round" paddingX={1}>
      <Tone name="accent" bold>
        Keys
      </Tone>
      {keyHelp().map(([keys, meaning]) => (
        <Box key={`${keys} ${meaning}`}>
          <Box width={22} flexShrink={0}>
            <Text bold>{keys}</Text>
          </Box>
          <Box flexShrink={1}>
            <Text>{meaning}</Text>
          </Box>
        </Box>
      ))}
      <Text dimColor>Nothing changes on the host before you press enter twice on the preview.</Text>
      <Text dimColor>esc or ? closes this help.</Text>
    </Box>
  );
}
