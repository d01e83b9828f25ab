// Renders only the rows that fit, so a list of thousands costs what a screenful costs.
import React, { type ReactNode } from 'react';
import { Box, Text } from 'ink';

export interface WindowedListProps {
  count: number;
  cursor: number;
  /** Rows to show at most (the "more" lines are extra). */
  height: number;
  renderRow: (index: number, isCursor: boolean) => ReactNode;
  empty?: ReactNode;
  /** 'top' scrolls like a page (the cursor row first); 'center' keeps the cursor mid-list. */
  anchor?: 'center' | 'top';
}

/** The first index shown: keeps the cursor in view, centred when it can be. */
export function windowStart(count: number, cursor: number, height: number, anchor: 'center' | 'top' = 'center'): number {
  if (count <= height) return 0;
  const start = anchor === 'top' ? cursor : cursor - Math.floor(height / 2);
  return Math.min(Math.max(start, 0), count - height);
}

export function WindowedList(props: WindowedListProps): React.JSX.Element {
  const height = Math.max(1, props.height);
  if (props.count === 0) return <Box>{props.empty ?? <Text>(nothing to show)</Text>}</Box>;
  const start = windowStart(props.count, props.cursor, height, props.anchor);
  const end = Math.min(props.count, start + height);
  const rows: ReactNode[] = [];
  for (let index = start; index < end; index += 1) {
    rows.push(<Box key={index}>{props.renderRow(index, index === props.cursor && props.anchor !== 'top')}</Box>);
  }
  return (
    <Box flexDirection="column">
      {start > 0 ? <Text dimColor>{`  ↑ ${start} more`}</Text> : null}
      {rows}
      {end < props.count ? <Text dimColor>{`  ↓ ${props.count - end} more`}</Text> : null}
    </Box>
  );
}
