import React, { type ReactNode } from 'react';
import { Box, Text } from 'ink';
import { SCREENS, type Screen } from '../wizard-state.js';
import { Tone } from '../theme.js';
import { Prose } from './prose.js';

const TITLES: Record<Screen, string> = {
  discovery: 'What this host looks like',
  ssh: 'Keep SSH open',
  defaults: 'Default policies',
  containers: 'Containers to make reachable',
  exposure: 'How each port is reached',
  preview: 'The commands, before anything runs',
  apply: 'Applying',
  confirm: 'Prove you can still get in',
  done: 'Done',
};

/** Title line with the step number, the screen, and the keys that work here. */
export function ScreenFrame(props: { screen: Screen; hints: string; children: ReactNode }): React.JSX.Element {
  const step = SCREENS.indexOf(props.screen) + 1;
  return (
    <Box flexDirection="column">
      <Text>
        <Tone name="accent" bold>
          v6wall
        </Tone>
        <Text dimColor>
          {' '}
          · step {step} of {SCREENS.length} ·{' '}
        </Text>
        <Text bold>{TITLES[props.screen]}</Text>
      </Text>
      <Box flexDirection="column" marginTop={1}>
        {props.children}
      </Box>
      <Box marginTop={1}>
        <Prose>
          <Text dimColor>{props.hints}</Text>
        </Prose>
      </Box>
    </Box>
  );
}

/** A label column and its value, wrapping under the value. */
export function Field(props: { label: string; width?: number; children: ReactNode }): React.JSX.Element {
  return (
    <Box>
      <Box width={props.width ?? 9} flexShrink={0}>
        <Text bold>{props.label}</Text>
      </Box>
      <Box flexDirection="column" flexGrow={1} flexShrink={1}>
        {props.children}
      </Box>
    </Box>
  );
}

/** A warning line: the words carry it, the colour only helps. */
export function Warning(props: { children: ReactNode; loud?: boolean }): React.JSX.Element {
  return (
    <Box>
      <Box width={2} flexShrink={0}>
        <Tone name={props.loud ? 'danger' : 'warn'} bold>
          !
        </Tone>
      </Box>
      <Box flexShrink={1}>
        <Prose>
          <Tone name={props.loud ? 'danger' : 'warn'} bold={props.loud}>
            {props.children}
          </Tone>
        </Prose>
      </Box>
    </Box>
  );
}

/** A prefix column and text that wraps under itself, not under the prefix. */
export function Hanging(props: { prefix: string; width?: number; children: ReactNode }): React.JSX.Element {
  return (
    <Box>
      <Box width={props.width ?? props.prefix.length} flexShrink={0}>
        <Text>{props.prefix}</Text>
      </Box>
      <Box flexShrink={1} flexGrow={1}>
        <Prose>
          <Text>{props.children}</Text>
        </Prose>
      </Box>
    </Box>
  );
}
