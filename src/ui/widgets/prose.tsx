import React, { type ReactNode } from 'react';
import { Text, Transform } from 'ink';

// Ink wraps without trimming, so a line that breaks exactly at a space starts
// the next line with it; drop that one space (after any colour codes).
// eslint-disable-next-line no-control-regex
const LEADING_SPACE = /^((?:\u001B\[[0-9;]*m)*) /;

/** Wrapped text whose continuation lines stay flush with the first. */
export function Prose({ children }: { children: ReactNode }): React.JSX.Element {
  return <Transform transform={(line, index) => (index === 0 ? line : line.replace(LEADING_SPACE, '$1'))}>{children}</Transform>;
}

/** A paragraph of plain text that wraps cleanly. */
export function Para({ children, dim }: { children: ReactNode; dim?: boolean }): React.JSX.Element {
  return (
    <Prose>
      <Text dimColor={dim}>{children}</Text>
    </Prose>
  );
}
