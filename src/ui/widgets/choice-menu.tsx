// A single-choice menu: ink-select-input moves (↑↓, j k) and chooses (enter, or an item's number);
// the key table documents those keys as the menu's own (key-bindings.ts, menu-move and menu-choose).
import React, { Suspense, lazy } from 'react';
import { Box, Text } from 'ink';

// ink-select-input (and figures, which it brings) stays out of the first frame: the wizard loads it
// once that frame is drawn (loadMenus), long before any menu shows.
let menus: Promise<typeof import('ink-select-input')> | null = null;
export const loadMenus = (): Promise<typeof import('ink-select-input')> => (menus ??= import('ink-select-input'));
const SelectInput = lazy(loadMenus);
import { Tone } from '../theme.js';

export interface MenuItem<V> {
  /** Unique within the menu (the React key). */
  key: string;
  label: string;
  value: V;
}

// Two columns wide, so a label that wraps stays clear of the cursor mark.
function Indicator({ isSelected = false }: { isSelected?: boolean }): React.JSX.Element {
  return (
    <Box width={2} flexShrink={0}>
      <Text bold>{isSelected ? '›' : ' '}</Text>
    </Box>
  );
}

function Item({ isSelected = false, label }: { isSelected?: boolean; label: string }): React.JSX.Element {
  return isSelected ? (
    <Tone name="accent" bold>
      {label}
    </Tone>
  ) : (
    <Text>{label}</Text>
  );
}

export function ChoiceMenu<V>(props: {
  question: string;
  items: readonly MenuItem<V>[];
  /** The item under the cursor when the menu opens (an index into items). */
  initial: number;
  focused: boolean;
  onChoose: (value: V) => void;
}): React.JSX.Element {
  // Numbered, since a number chooses its item directly.
  const items = props.items.map((item, index) => ({ key: item.key, label: `${index + 1}. ${item.label}`, value: item.value }));
  return (
    <Box flexDirection="column" marginTop={1}>
      <Text bold>{props.question}</Text>
      <Suspense fallback={null}>
        <SelectInput
          items={items}
          initialIndex={Math.max(0, props.initial)}
          isFocused={props.focused}
          indicatorComponent={Indicator}
          itemComponent={Item}
          onSelect={(item) => props.onChoose(item.value as V)}
        />
      </Suspense>
    </Box>
  );
}
