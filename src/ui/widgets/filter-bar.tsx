import React from 'react';
import { Text } from 'ink';

/** The container filter: what was typed and how many rows match. */
export function FilterBar(props: { filter: string; filtering: boolean; shown: number; total: number }): React.JSX.Element {
  if (!props.filtering && props.filter === '') {
    return <Text dimColor>Type to filter by name or image ({props.total} containers)</Text>;
  }
  return (
    <Text>
      Filter: <Text bold>{props.filter}</Text>
      {props.filtering ? <Text>█</Text> : null}
      <Text dimColor>{`  ${props.shown} of ${props.total} match${props.filtering ? ' · enter ends typing, esc clears' : ' · esc clears'}`}</Text>
    </Text>
  );
}
