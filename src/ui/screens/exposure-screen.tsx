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

/** Why the current choice works, and why a missing option is missing (with the fix when there is one). */
function Reasons({ row, pick }: { row: ExposureRow | undefined; pick: ExposureOption | undefined }): React.JSX.Element | null {
  if (row === undefined || pick === undefined) return null;
  const { route, publish } = row.support;
  const chosen = pick.exposure === 'route' ? route : pick.exposure === 'publish' ? publish : null;
  const missing = [
    ...(route.works ? [] : [{ label: 'no route', support: route }]),
    ...(publish.works ? [] : [{ label: 'no publish', support: publish }]),
  ];
  return (
    <Box flexDirection="column" marginTop={1}>
      {chosen !== null ? (
        <Hanging prefix="why: ">
          {chosen.why}
          {chosen.fix ? <Text dimColor> ({chosen.fix})</Text> : null}
        </Hanging>
      ) : null}
      {missing.map(({ label, support }) => (
        <Hanging key={label} prefix={`${label}: `}>
          <Text dimColor>
            {support.why}
            {support.fix ? ` To change that: ${support.fix}.` : ''}
          </Text>
        </Hanging>
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
      <Reasons row={current} pick={current === undefined ? undefined : pickFor(state, current)} />
    </ScreenFrame>
  );
}
