import React, { useEffect, useState } from 'react';
import { Text } from 'ink';
import { useUi } from '../theme.js';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** A one-character spinner; still (first frame) when animation is off. */
export function Spinner(): React.JSX.Element {
  const { animate } = useUi();
  const [frame, setFrame] = useState(0);
  useEffect(() => {
    if (!animate) return undefined;
    const timer = setInterval(() => setFrame((value) => (value + 1) % FRAMES.length), 80);
    return () => clearInterval(timer);
  }, [animate]);
  return <Text>{FRAMES[frame]}</Text>;
}
