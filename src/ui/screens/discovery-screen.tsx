import React from 'react';
import { Box, Text } from 'ink';
import type { Facts } from '../../core/types.js';
import type { WizardState } from '../wizard-state.js';
import { discoveryWarnings } from '../discovery-warnings.js';
import { Field, ScreenFrame, Warning } from '../widgets/screen-frame.js';
import { Spinner } from '../widgets/spinner.js';
import { Tone } from '../theme.js';

function UfwSummary({ facts }: { facts: Facts }): React.JSX.Element {
  const ufw = facts.ufw;
  if (!ufw.installed) return <Tone name="danger">not installed</Tone>;
  const ipv6 = ufw.ipv6 === null ? 'IPV6= unknown' : `IPV6=${ufw.ipv6 ? 'yes' : 'no'}`;
  return (
    <>
      <Text>
        {ufw.version ?? 'version unknown'}, {ufw.enabled ? <Tone name="ok">active</Tone> : <Tone name="warn">inactive</Tone>}, {ipv6}
      </Text>
      <Text>
        incoming {ufw.policies.incoming} · outgoing {ufw.policies.outgoing} · routed {ufw.policies.routed}
      </Text>
      <Text dimColor>{ufw.rules.length === 0 ? 'no rules yet' : `${ufw.rules.length} rule${ufw.rules.length === 1 ? '' : 's'} in place`}</Text>
    </>
  );
}

function dockerFirewall(facts: Facts): string {
  const docker = facts.docker;
  const parts: string[] = [];
  if (docker.daemonConfig.firewallBackend) parts.push(`firewall-backend ${docker.daemonConfig.firewallBackend}`);
  parts.push(`ip6tables ${docker.daemonConfig.ip6tables === undefined ? 'default' : docker.daemonConfig.ip6tables ? 'on' : 'off'}`);
  parts.push(docker.ip6tablesChainsLive ? 'IPv6 chains live' : 'no IPv6 chains');
  if (docker.ip6DockerUserChain) parts.push('DOCKER-USER (v6) present');
  return parts.join(' · ');
}

function DockerSummary({ facts }: { facts: Facts }): React.JSX.Element {
  const docker = facts.docker;
  if (!docker.available) return <Tone name="warn">not available (see below)</Tone>;
  const v6Networks = docker.networks.filter((network) => network.ipv6);
  return (
    <>
      <Text>{docker.serverVersion ?? 'version unknown'} · {dockerFirewall(facts)}</Text>
      <Text>
        {docker.containers.length} container{docker.containers.length === 1 ? '' : 's'} · {v6Networks.length} IPv6 network{v6Networks.length === 1 ? '' : 's'}
        {v6Networks.length > 0 ? ` (${v6Networks.slice(0, 4).map((network) => `${network.name}: ${network.gatewayModeIpv6}`).join(', ')}${v6Networks.length > 4 ? ', …' : ''})` : ''}
      </Text>
    </>
  );
}

function SshSummary({ facts }: { facts: Facts }): React.JSX.Element {
  const ssh = facts.ssh;
  if (ssh.ports.length === 0) return <Tone name="danger">no SSH port found: you will type it on the next screen</Tone>;
  return (
    <>
      {ssh.ports.map((port) => (
        <Text key={port}>
          port {port}
          {port === ssh.sessionPort ? <Tone name="ok"> (your session)</Tone> : null}
          <Text dimColor>
            {' '}
            from {[...new Set(ssh.evidence.filter((evidence) => evidence.port === port).map((evidence) => evidence.source))].join(', ') || 'nowhere'}
          </Text>
        </Text>
      ))}
    </>
  );
}

export function DiscoveryScreen({ state }: { state: WizardState }): React.JSX.Element {
  const facts = state.facts;
  if (facts === null) {
    return (
      <ScreenFrame screen="discovery" hints="q quit">
        {state.discoveryError === null ? (
          <Text>
            <Spinner /> Reading the firewall, Docker and sshd…
          </Text>
        ) : (
          <Warning loud>Could not read this host: {state.discoveryError}</Warning>
        )}
      </ScreenFrame>
    );
  }
  const warnings = discoveryWarnings(facts);
  const host = facts.host;
  return (
    <ScreenFrame screen="discovery" hints="enter go on · ? help · q quit">
      <Field label="UFW">
        <UfwSummary facts={facts} />
      </Field>
      <Field label="Docker">
        <DockerSummary facts={facts} />
      </Field>
      <Field label="SSH">
        <SshSummary facts={facts} />
      </Field>
      <Field label="Host">
        <Text>
          {host.hostname} · {host.root ? 'root' : 'not root'} · {host.hasIpv4 ? 'IPv4 and IPv6' : 'IPv6 only'} · forwarding {host.ipv6Forwarding ? 'on' : 'off'}
        </Text>
        {host.globalIpv6.length > 0 ? <Text dimColor>{host.globalIpv6.slice(0, 3).join(', ')}</Text> : null}
      </Field>
      {warnings.length > 0 ? (
        <Box flexDirection="column" marginTop={1}>
          {warnings.map((warning) => (
            <Warning key={warning.text} loud={warning.loud}>
              {warning.text}
            </Warning>
          ))}
        </Box>
      ) : (
        <Box marginTop={1}>
          <Tone name="ok">Nothing alarming found.</Tone>
        </Box>
      )}
    </ScreenFrame>
  );
}
