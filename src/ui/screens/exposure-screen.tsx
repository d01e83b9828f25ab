import React from 'react';
import { Box, Text } from 'ink';
import type { WizardState } from '../wizard-state.js';
import { type ExposureOption, type ExposureRow, browseAddress, optionLabel, sameOption } from '../exposure-rows.js';
import { currentExposureRows, pickFor } from '../selectors.js';
import { Hanging, ScreenFrame } from '../widgets/screen-frame.js';
import { Para } from '../widgets/prose.js';
import { WindowedList } from '../widgets/windowed-list.js';
import { RowMark } from '../widgets/checkbox.js';
import { Tone } from '../theme.js';

const EXPLAIN: Record<ExposureOption['exposure'], string> = {
  route: 'route: a rule to the container\'s own IPv6 address; people reach the container directly.',
  publish: 'publish: allow the host port Docker publishes; people reach the host, Docker forwards.',
  skip: 'skip: this port stays closed to the internet.',
};

function OptionRow(props: { row: ExposureRow; pick: ExposureOption; cursor: boolean }): React.JSX.Element {
  const { row, pick } = props;
  const address = browseAddress(row, pick);
  return (
    <Box flexDirection="column">
      <Text wrap="truncate-end">
        <RowMark cursor={props.cursor} />
        <Text bold={props.cursor}>{row.container}</Text> {row.port}/{row.proto}
      </Text>
      <Text>
        {'    '}
        {row.options.map((option) => {
          const active = sameOption(option, pick);
          return (
            <Text key={optionLabel(option)}>
              {active ? <Tone name={option.exposure === 'skip' ? 'plain' : 'accent'} bold>{`‹${optionLabel(option)}›`}</Tone> : <Text dimColor>{` ${optionLabel(option)} `}</Text>}
            </Text>
          );
        })}
      </Text>
      <Hanging prefix="    → ">{address === null ? <Text dimColor>stays closed</Text> : <Tone name="ok">{address}</Tone>}</Hanging>
    </Box>
  );
}

function Limits({ row }: { row: ExposureRow | undefined }): React.JSX.Element | null {
  if (row === undefined) return null;
  const notes: string[] = [];
  if (row.addresses.length === 0) notes.push(`${row.container} has no IPv6 address, so route is not offered.`);
  if (row.hostPorts.length === 0) notes.push(`${row.port}/${row.proto} is not published, so publish is not offered.`);
  if (notes.length === 0) return null;
  return (
    <Box flexDirection="column">
      {notes.map((note) => (
        <Text key={note} dimColor>
          {note}
        </Text>
      ))}
    </Box>
  );
}

export function ExposureScreen({ state }: { state: WizardState }): React.JSX.Element {
  const rows = currentExposureRows(state);
  const cursor = state.exposure.cursor;
  const current = rows[cursor];
  return (
    <ScreenFrame screen="exposure" hints="← → or space change · enter preview · esc back · ? help">
      {current === undefined ? null : <Para>{EXPLAIN[pickFor(state, current).exposure]}</Para>}
      {rows.length > 0 ? <Para dim>[host] is this server's address{state.facts?.host.globalIpv6[0] ? `, e.g. ${state.facts.host.globalIpv6[0]}` : ''}.</Para> : null}
      <Box marginTop={1} flexDirection="column">
        <WindowedList
          count={rows.length}
          cursor={cursor}
          height={Math.max(2, Math.floor((state.viewRows - 12) / 3))}
          empty={<Para dim>No ports to expose: no container is chosen, or the chosen ones expose none. Enter goes on with SSH and the defaults only.</Para>}
          renderRow={(index, isCursor) => {
            const row = rows[index];
            return row === undefined ? null : <OptionRow row={row} pick={pickFor(state, row)} cursor={isCursor} />;
          }}
        />
      </Box>
      <Limits row={current} />
    </ScreenFrame>
  );
}
