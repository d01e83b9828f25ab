import React from 'react';
import { TextField } from './text-field.js';

/** The field where an SSH port is typed; the reducer validates it when enter is pressed. */
export function PortInput(props: { value: string; error: string | null }): React.JSX.Element {
  return <TextField label="Add a port: " value={props.value} focused placeholder="type digits, then enter" error={props.error} />;
}
