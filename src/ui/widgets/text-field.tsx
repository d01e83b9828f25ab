import React from 'react';
import { Box, Text } from 'ink';
import { Tone } from '../theme.js';
import { Prose } from './prose.js';

export interface TextFieldProps {
  label: string;
  value: string;
  focused: boolean;
  placeholder?: string;
  /** Shown under the field, in words, when the value is refused. */
  error?: string | null;
}

/** A one-line field: the label, what was typed, a block cursor while focused. */
export function TextField(props: TextFieldProps): React.JSX.Element {
  const shown = props.value === '' && !props.focused ? (props.placeholder ?? '') : props.value;
  return (
    <Box flexDirection="column">
      <Text>
        {props.label}
        {props.value === '' && !props.focused ? <Text dimColor>{shown}</Text> : <Text bold>{shown}</Text>}
        {props.focused ? <Text>█</Text> : null}
      </Text>
      {props.error ? (
        <Box>
          <Box width={2} flexShrink={0}>
            <Tone name="danger">✗</Tone>
          </Box>
          <Box flexShrink={1}>
            <Prose>
              <Tone name="danger">{props.error}</Tone>
            </Prose>
          </Box>
        </Box>
      ) : null}
    </Box>
  );
}
