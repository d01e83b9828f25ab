import React from 'react';
import { Text } from 'ink';

/** "› [x] " – the cursor mark and the checked state, readable without colour. */
export function RowMark(props: { cursor: boolean; checked?: boolean }): React.JSX.Element {
  const box = props.checked === undefined ? '' : props.checked ? '[x] ' : '[ ] ';
  return (
    <Text bold={props.cursor}>
      {props.cursor ? '› ' : '  '}
      {box}
    </Text>
  );
}
