import React from 'react';
import { keyHints } from '../key-bindings.js';
import { Box, Text } from 'ink';
import type { WizardState } from '../wizard-state.js';
import { type ExposureOption, type ExposureRow, browseAddress, optionLabel, sameOption } from '../exposure-rows.js';
import { type ExposureListRow, currentForeignRules, exposureListRows, foreignPick, pickFor, sourcesFor } from '../selectors.js';
import { type ForeignRule, foreignOpens } from '../../core/foreign-rules.js';
import { Hanging, ScreenFrame } from '../widgets/screen-frame.js';
import { Para } from '../widgets/prose.js';
import { WindowedList } from '../widgets/windowed-list.js';
import { RowMark } from '../widgets/checkbox.js';
import { TextField } from '../widgets/text-field.js';
import { Tone } from '../theme.js';
import { ChoiceMenu } from '../widgets/choice-menu.js';
import type { MenuChoice } from '../actions.js';

const EXPLAIN: Record<ExposureOption['exposure'], string> = {
  route: "route: a rule to the container's own IPv6 address; people reach the container directly.",
  publish: 'publish: allow the host port Docker publishes; people reach the host, Docker forwards.',
  skip: 'skip: this port is closed to the internet (an opening v6wall made earlier is removed).',
};

/** A kept rule v6wall did not make that opens this port: the port is not closed, whatever is picked here. */
function openedByForeign(state: WizardState, row: ExposureRow): ForeignRule | undefined {
  return currentForeignRules(state).find((rule) => foreignPick(state, rule) === 'keep' && foreignOpens(rule, row.container, row.port, row.proto));
}

function fromWords(sources: readonly string[]): string {
  return sources.length === 0 ? 'from anywhere' : `from ${sources.join(', ')}`;
}

function portNote(row: ExposureRow): string | null {
  if (row.stopped) return 'stopped';
  if (!row.declared) return 'listens, not declared to Docker';
  if (row.listening === false) return 'nothing listens on it';
  return null;
}

function OptionRow(props: { state: WizardState; row: ExposureRow; cursor: boolean }): React.JSX.Element {
  const { state, row } = props;
  const pick = pickFor(state, row);
  const address = browseAddress(row, pick);
  const foreign = pick.exposure === 'skip' ? openedByForeign(state, row) : undefined;
  const note = portNote(row);
  return (
    <Box flexDirection="column">
      <Text wrap="truncate-end">
        <RowMark cursor={props.cursor} />
        <Text bold={props.cursor}>{row.container}</Text> {row.port}/{row.proto}
        {note === null ? null : <Tone name="warn"> ({note})</Tone>}
      </Text>
      <Text>
        {'    '}
        {row.options.map((option) => {
          const active = sameOption(option, pick);
          return (
            <Text key={optionLabel(option)}>
              {active ? (
                <Tone name={option.exposure === 'skip' ? 'plain' : 'accent'} bold>{`‹${optionLabel(option)}›`}</Tone>
              ) : (
                <Text dimColor>{` ${optionLabel(option)} `}</Text>
              )}
            </Text>
          );
        })}
        {pick.exposure === 'skip' ? null : <Text dimColor>{`  ${fromWords(sourcesFor(state, row))}`}</Text>}
      </Text>
      <Hanging prefix="    → ">
        {foreign !== undefined ? (
          <Tone name="warn">stays open: a rule v6wall did not make opens it (below)</Tone>
        ) : address === null ? (
          <Text dimColor>closed</Text>
        ) : (
          <Tone name="ok">{address}</Tone>
        )}
      </Hanging>
    </Box>
  );
}

function ForeignRow(props: { state: WizardState; rule: ForeignRule; cursor: boolean }): React.JSX.Element {
  const { rule } = props;
  const pick = foreignPick(props.state, rule);
  return (
    <Box flexDirection="column">
      <Text wrap="truncate-end">
        <RowMark cursor={props.cursor} />
        <Text bold={props.cursor}>a rule v6wall did not make</Text>
      </Text>
      <Hanging prefix="    ">
        <Text dimColor>{rule.text}</Text>
      </Hanging>
      <Text>
        {'    '}
        {(['keep', 'remove'] as const).map((option) =>
          option === pick ? (
            <Tone key={option} name={option === 'remove' ? 'warn' : 'plain'} bold>{`‹${option}›`}</Tone>
          ) : (
            <Text key={option} dimColor>{` ${option} `}</Text>
          ),
        )}
      </Text>
      <Hanging prefix="    → ">
        <Tone name={pick === 'keep' ? 'warn' : 'plain'}>{pick === 'keep' ? `opens ${rule.opens.join('; ')}` : 'removed'}</Tone>
      </Hanging>
    </Box>
  );
}

/** Why the current choice works, and why a missing option is missing (with the fix when there is one). */
function Reasons({ state, listed }: { state: WizardState; listed: ExposureListRow | undefined }): React.JSX.Element | null {
  if (listed === undefined) return null;
  if (listed.kind === 'foreign') {
    return (
      <Box flexDirection="column" marginTop={1}>
        <Hanging prefix="why: ">
          {rowOpens(listed.rule)} Keep it, or remove it (the preview shows the exact command).
          {listed.rule.spec === null ? <Text dimColor> v6wall cannot name this rule exactly: remove it by hand if you must.</Text> : null}
        </Hanging>
      </Box>
    );
  }
  const row = listed.row;
  const pick = pickFor(state, row);
  const { route, publish } = row.support;
  const chosen = pick.exposure === 'route' ? route : pick.exposure === 'publish' ? publish : null;
  const missing = row.stopped
    ? []
    : [...(route.works ? [] : [{ label: 'no route', support: route }]), ...(publish.works ? [] : [{ label: 'no publish', support: publish }])];
  return (
    <Box flexDirection="column" marginTop={1}>
      {chosen !== null ? (
        <Hanging prefix="why: ">
          {chosen.why}
          {chosen.fix ? <Text dimColor> ({chosen.fix})</Text> : null}
          {!row.declared ? <Text dimColor> Docker does not know this port (no EXPOSE), but something listens on it.</Text> : null}
          {row.listening === false ? <Text dimColor> Nothing listens on it inside the container right now.</Text> : null}
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

function rowOpens(rule: ForeignRule): string {
  return `This rule was not made by v6wall and opens ${rule.opens.join('; ')}.`;
}

function SourcesField({ state }: { state: WizardState }): React.JSX.Element | null {
  const editing = state.exposure.editing;
  if (editing === null) return null;
  return (
    <Box flexDirection="column" marginTop={1}>
      <TextField label="From (IPv6 addresses or networks, empty for anywhere): " value={editing.draft} focused error={editing.error} />
    </Box>
  );
}

/** The menu of the port under the cursor: each way it can be reached, and where that leads. */
function ExposureMenu({ state, row, choose }: { state: WizardState; row: ExposureRow; choose: (choice: MenuChoice) => void }): React.JSX.Element {
  const pick = pickFor(state, row);
  const width = Math.max(...row.options.map((option) => optionLabel(option).length));
  const items = row.options.map((option) => ({
    key: optionLabel(option),
    label: `${optionLabel(option).padEnd(width)}  → ${browseAddress(row, option) ?? 'closed'}`,
    value: option,
  }));
  return (
    <ChoiceMenu
      question={`How may the internet reach ${row.container} ${row.port}/${row.proto}?`}
      items={items}
      initial={row.options.findIndex((option) => sameOption(option, pick))}
      focused={state.overlay === 'none'}
      onChoose={(option) => choose({ menu: 'exposure', key: row.key, option })}
    />
  );
}

export function ExposureScreen({ state, choose }: { state: WizardState; choose: (choice: MenuChoice) => void }): React.JSX.Element {
  const rows = exposureListRows(state);
  const cursor = state.exposure.cursor;
  const current = rows[cursor];
  const menuRow = current?.kind === 'port' && current.row.key === state.exposure.menu ? current.row : null;
  const hints =
    menuRow !== null
      ? keyHints('exposure', ['menu-move', 'menu-choose', ['back', 'cancel']])
      : state.exposure.editing !== null
        ? keyHints('exposure', [
            ['next', 'keep these sources'],
            ['back', 'cancel'],
          ])
        : keyHints('exposure', [
            // A port with one way only (a stopped container keeps what it has) has nothing to change.
            ...(current?.kind === 'port' && current.row.options.length < 2 ? [] : [['cycle', 'change'] as const, ['toggle', 'choose'] as const]),
            ...(current?.kind === 'port' && !current.row.stopped ? ['sources' as const] : []),
            ['next', 'preview'],
            'back',
            'help',
          ]);
  return (
    <ScreenFrame screen="exposure" hints={hints}>
      {current?.kind === 'port' ? <Para>{EXPLAIN[pickFor(state, current.row).exposure]}</Para> : null}
      {rows.some((listed) => listed.kind === 'port') ? (
        <Para dim>[host] is this server's address{state.facts?.host.globalIpv6[0] ? `, e.g. ${state.facts.host.globalIpv6[0]}` : ''}.</Para>
      ) : null}
      <Box marginTop={1} flexDirection="column">
        <WindowedList
          count={rows.length}
          cursor={cursor}
          height={Math.max(2, Math.floor((state.viewRows - 12) / 3))}
          empty={<Para dim>No ports to expose: no container is chosen, or the chosen ones expose none. Enter goes on with SSH and the defaults only.</Para>}
          renderRow={(index, isCursor) => {
            const listed = rows[index];
            if (listed === undefined) return null;
            return listed.kind === 'port' ? (
              <OptionRow state={state} row={listed.row} cursor={isCursor} />
            ) : (
              <ForeignRow state={state} rule={listed.rule} cursor={isCursor} />
            );
          }}
        />
      </Box>
      {menuRow !== null ? <ExposureMenu state={state} row={menuRow} choose={choose} /> : null}
      <SourcesField state={state} />
      <Reasons state={state} listed={current} />
    </ScreenFrame>
  );
}
