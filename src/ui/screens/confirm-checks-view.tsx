// The confirm step's check of what the apply opened: the live ruleset's verdict for a NEW
// connection from the internet, and whether the service answers a connection from this host.
import React from 'react';
import { Box, Text } from 'ink';
import type { CheckRow, ConfirmChecks } from '../wizard-state.js';
import { probeWords, shortVerdict } from '../confirm-checks.js';
import { Para } from '../widgets/prose.js';
import { Warning } from '../widgets/screen-frame.js';
import { Spinner } from '../widgets/spinner.js';
import { Tone, type ToneName } from '../theme.js';

const VERDICT_WIDTH = 14;
const PROBE_WIDTH = 11;

function verdictTone(row: CheckRow): ToneName {
  if (row.verdict === 'open') return row.dockerOnly ? 'warn' : 'ok';
  return row.verdict === 'blocked' ? 'danger' : 'muted';
}

function Row({ row }: { row: CheckRow }): React.JSX.Element {
  return (
    <Box>
      <Box width={2} flexShrink={0} />
      <Box width={VERDICT_WIDTH} flexShrink={0}>
        <Tone name={verdictTone(row)}>{shortVerdict(row)}</Tone>
      </Box>
      <Box width={PROBE_WIDTH} flexShrink={0}>
        <Text dimColor={row.probe === 'checking' || row.probe === 'not-probed'}>{probeWords(row.probe)}</Text>
      </Box>
      <Box flexShrink={1}>
        <Text wrap="truncate-middle">{row.label}</Text>
      </Box>
    </Box>
  );
}

/** The choices held against the live ruleset: a match, or every difference before anyone confirms. */
function Differences({ differences }: { differences: string[] | null }): React.JSX.Element | null {
  if (differences === null) return null;
  if (differences.length === 0) {
    return (
      <Box marginBottom={1}>
        <Para>
          <Tone name="ok">The live firewall matches your choices:</Tone> each opening is open from its sources only, every other container port is closed, and
          the containers can start connections out.
        </Para>
      </Box>
    );
  }
  return (
    <Box flexDirection="column" marginBottom={1}>
      <Warning loud>The live firewall differs from your choices. Confirm only if you accept this:</Warning>
      {differences.map((difference) => (
        <Box key={difference} marginLeft={2}>
          <Box width={2} flexShrink={0}>
            <Tone name="danger">•</Tone>
          </Box>
          <Box flexShrink={1}>
            <Para>{difference}</Para>
          </Box>
        </Box>
      ))}
    </Box>
  );
}

export function ConfirmChecksView({ checks }: { checks: ConfirmChecks }): React.JSX.Element | null {
  if (checks.status === 'idle') return null;
  if (checks.status === 'reading') {
    return (
      <Box marginTop={1}>
        <Text>
          <Spinner /> Reading the live firewall again…
        </Text>
      </Box>
    );
  }
  if (checks.status === 'failed') {
    return (
      <Box marginTop={1}>
        <Warning>{checks.error ?? 'Could not read the host again.'}</Warning>
      </Box>
    );
  }
  if (checks.rows.length === 0 && checks.note === null) return null;
  const blockedSsh = checks.rows.filter((row) => row.ssh && row.verdict === 'blocked').map((row) => row.port);
  return (
    <Box flexDirection="column" marginTop={1}>
      <Differences differences={checks.differences} />
      <Text bold>What the live firewall lets in now:</Text>
      {checks.note === null ? null : <Warning>{checks.note}</Warning>}
      {blockedSsh.length === 0 ? null : (
        <Warning loud>
          SSH port {blockedSsh.join(' and ')} is blocked from the internet: a new login there will fail. Log in on an open port, or let the rollback restore the
          old rules.
        </Warning>
      )}
      {checks.rows.length === 0 ? null : (
        <Box flexDirection="column">
          <Box>
            <Box width={2} flexShrink={0} />
            <Box width={VERDICT_WIDTH} flexShrink={0}>
              <Text dimColor>internet</Text>
            </Box>
            <Box width={PROBE_WIDTH} flexShrink={0}>
              <Text dimColor>this host</Text>
            </Box>
            <Text dimColor>opening</Text>
          </Box>
          {checks.rows.map((row) => (
            <Row key={row.key} row={row} />
          ))}
          {checks.rows.some((row) => row.dockerOnly) ? (
            <Box marginLeft={2}>
              <Para dim>open (Docker): open only because of Docker&apos;s own rules; without them it would be blocked.</Para>
            </Box>
          ) : null}
          <Box marginLeft={2}>
            <Para dim>
              internet: a NEW connection from anywhere, judged from the live ruleset. this host: a connection from here shows the service answers, not that
              strangers get in.
            </Para>
          </Box>
        </Box>
      )}
    </Box>
  );
}
