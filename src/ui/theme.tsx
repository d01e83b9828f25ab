// Colours are an aid, never the only signal: every warning also says so in words.
import React, { createContext, useContext, type ReactNode } from 'react';
import { Text } from 'ink';
import { DEFAULT_UI_OPTIONS, type UiOptions } from './deps.js';

export const UiContext = createContext<UiOptions>(DEFAULT_UI_OPTIONS);

export function useUi(): UiOptions {
  return useContext(UiContext);
}

export type ToneName = 'accent' | 'ok' | 'warn' | 'danger' | 'muted' | 'plain';

const COLORS: Record<ToneName, string | undefined> = {
  accent: 'cyan',
  ok: 'green',
  warn: 'yellow',
  danger: 'red',
  muted: undefined,
  plain: undefined,
};

export function Tone(props: { name: ToneName; bold?: boolean; inverse?: boolean; children: ReactNode }): React.JSX.Element {
  const { color } = useUi();
  return (
    <Text color={color ? COLORS[props.name] : undefined} dimColor={color && props.name === 'muted'} bold={props.bold} inverse={props.inverse}>
      {props.children}
    </Text>
  );
}
