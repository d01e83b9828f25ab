import React from 'react';
import { keyHints } from '../key-bindings.js';
import { Box, Text } from 'ink';
import type { Container, ContainerPort } from '../../core/types/facts.js';
import type { WizardState } from '../wizard-state.js';
import { containerIpv6Addresses } from '../../core/container-addresses.js';
import { isUnpublished, publishedHostPorts } from '../exposure-rows.js';
import { containerListHeight, visibleContainers } from '../selectors.js';
import { Hanging, ScreenFrame } from '../widgets/screen-frame.js';
import { Para } from '../widgets/prose.js';
import { WindowedList } from '../widgets/windowed-list.js';
import { FilterBar } from '../widgets/filter-bar.js';
import { RowMark } from '../widgets/checkbox.js';
import { Tone } from '../theme.js';

function portText(port: ContainerPort): string {
  const hostPorts = publishedHostPorts(port);
  const base = `${port.port}/${port.proto}`;
  if (port.declared === false) return `${base}!`;
  return hostPorts.length === 0 ? `${base}*` : `${base}→${hostPorts.map((hostPort) => `:${hostPort}`).join(',')}`;
}

const isStopped = (container: Container): boolean => container.state !== 'running';

function ContainerRow(props: { container: Container; cursor: boolean; checked: boolean }): React.JSX.Element {
  const { container } = props;
  const addresses = containerIpv6Addresses(container);
  const ports = container.ports.length === 0 ? 'no ports' : container.ports.map(portText).join(' ');
  return (
    <Box flexDirection="column">
      <Text wrap="truncate-end">
        <RowMark cursor={props.cursor} checked={props.checked} />
        <Text bold={props.cursor}>{container.name}</Text>
        {isStopped(container) ? <Tone name="warn"> ({container.state || 'stopped'})</Tone> : null}
        <Text dimColor>{`  ${container.image}`}</Text>
      </Text>
      <Text wrap="truncate-end">
        {'      '}
        {isStopped(container) ? (
          <Text dimColor>not running: no address or ports until it starts</Text>
        ) : (
          <>
            {addresses[0] ?? <Tone name="warn">no IPv6 address</Tone>}
            {addresses.length > 1 ? ` +${addresses.length - 1}` : ''}
            {'  '}
            {ports}
          </>
        )}
      </Text>
    </Box>
  );
}

function portMeaning(port: ContainerPort, routable: boolean): string {
  const hostPorts = publishedHostPorts(port);
  const quiet = port.listening === false ? '; nothing listens on it' : '';
  if (port.declared === false)
    return routable ? 'listens, though Docker does not know it (no EXPOSE): reachable by route' : 'listens, though Docker does not know it (no EXPOSE)';
  if (hostPorts.length > 0) return `published on host port ${hostPorts.join(', ')}${quiet}`;
  return routable ? `reachable by route though not published${quiet}` : `not published, and no IPv6 address to route to${quiet}`;
}

/** The full story of the container under the cursor: addresses in full, what each port means. */
function Detail({ container }: { container: Container | undefined }): React.JSX.Element | null {
  if (container === undefined) return null;
  const addresses = containerIpv6Addresses(container);
  return (
    <Box flexDirection="column" marginTop={1}>
      <Text>
        <Text bold>{container.name}</Text>
        <Text dimColor> {container.state}</Text>
      </Text>
      {isStopped(container) ? (
        <Text dimColor>Stopped: v6wall keeps its openings as they are; they work again when it starts. Untick it to close them.</Text>
      ) : addresses.length === 0 ? (
        <Text dimColor>No global IPv6 address: its ports can only be reached through published host ports.</Text>
      ) : (
        addresses.map((address) => <Text key={address}>{address}</Text>)
      )}
      {container.ports.map((port) => (
        <Hanging key={`${port.port}/${port.proto}`} prefix={`  ${`${port.port}/${port.proto}`.padEnd(10)} `}>
          {(isUnpublished(port) && addresses.length > 0) || port.declared === false ? (
            <Tone name="warn">{portMeaning(port, addresses.length > 0)}</Tone>
          ) : (
            portMeaning(port, addresses.length > 0)
          )}
        </Hanging>
      ))}
    </Box>
  );
}

export function ContainersScreen({ state }: { state: WizardState }): React.JSX.Element {
  const all = state.facts?.docker.containers ?? [];
  const shown = visibleContainers(state);
  const selected = new Set(state.containers.selected);
  const { cursor, filter, filtering } = state.containers;
  return (
    <ScreenFrame screen="containers" hints={keyHints('containers', [['toggle', 'choose'], { say: 'type to filter' }, 'next', 'back', 'help', 'quit'])}>
      <Para>
        Choose the containers people must reach from the internet ({selected.size} chosen). The rest are closed: openings v6wall made for them earlier are
        removed.
      </Para>
      <FilterBar filter={filter} filtering={filtering} shown={shown.length} total={all.length} />
      <Box marginTop={1} flexDirection="column">
        <WindowedList
          count={shown.length}
          cursor={cursor}
          height={containerListHeight(state.viewRows)}
          empty={<Text dimColor>{all.length === 0 ? 'No containers on this host.' : 'No container matches the filter.'}</Text>}
          renderRow={(index, isCursor) => {
            const container = shown[index];
            return container === undefined ? null : <ContainerRow container={container} cursor={isCursor} checked={selected.has(container.name)} />;
          }}
        />
      </Box>
      <Detail container={shown[cursor]} />
      {shown.length > 0 ? <Text dimColor>→:N published on host port N · * exposed, not published · ! listens, not declared</Text> : null}
    </ScreenFrame>
  );
}
