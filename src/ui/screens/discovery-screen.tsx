import React from 'react';
import { keyHints } from '../key-bindings.js';
import { Box, Text } from 'ink';
import type { Facts } from '../../core/types/facts.js';
import { backendOf } from '../../core/backend.js';
import type { WizardState } from '../wizard-state.js';
import { discoveryWarnings } from '../discovery-warnings.js';
import { type DockerFirewallModeKind, dockerFirewallMode } from '../../core/docker-mode.js';
import { Field, Hanging, ScreenFrame, Warning } from '../widgets/screen-frame.js';
import { Spinner } from '../widgets/spinner.js';
import { Tone } from '../theme.js';

function UfwSummary({ facts }: { facts: Facts }): React.JSX.Element {
  const ufw = facts.ufw;
  if (!ufw.installed) return backendOf(facts).kind === 'nftables' ? <Text dimColor>not installed</Text> : <Tone name="danger">not installed</Tone>;
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

const MODE_LABELS: Record<DockerFirewallModeKind, string> = {
  'docker-absent': 'not available',
  'ip6tables-off': 'writes no IPv6 rules',
  'ip6tables-on-no-docker-user': 'own IPv6 rules, no DOCKER-USER',
  'ip6tables-on-docker-user': 'own IPv6 rules, DOCKER-USER present',
  nftables: 'nftables backend',
};

function DockerSummary({ facts }: { facts: Facts }): React.JSX.Element {
  const docker = facts.docker;
  if (!docker.available) return <Tone name="warn">not available (see below)</Tone>;
  const mode = dockerFirewallMode(docker, backendOf(facts).kind);
  return (
    <>
      <Text>
        {docker.serverVersion ?? 'version unknown'} · {MODE_LABELS[mode.kind]} · {docker.containers.length} container{docker.containers.length === 1 ? '' : 's'}
      </Text>
      {mode.explanation.map((line) => (
        <Hanging key={line} prefix="· ">
          <Text dimColor>{line}</Text>
        </Hanging>
      ))}
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
      <ScreenFrame screen="discovery" hints={keyHints('discovery', ['quit'])}>
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
    <ScreenFrame screen="discovery" hints={keyHints('discovery', ['next', 'help', 'quit'])}>
      <Field label="Firewall">
        <Text>{backendOf(facts).kind === 'nftables' ? 'nftables (table inet v6wall)' : 'UFW'}</Text>
        <Text dimColor>{backendOf(facts).why}</Text>
      </Field>
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
      {state.rememberNote !== null ? (
        <Box marginTop={1}>
          <Warning>{state.rememberNote}</Warning>
        </Box>
      ) : null}
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
