import { describe, it } from 'vitest';
import fc from 'fast-check';
import { mergeContainers, parseContainerSummaries, parseDockerInspect, parseDockerPs } from '../../src/core/parse/docker-containers.js';
import { parseDaemonJson, parseDockerApiVersion, parseDockerVersion, parseIp6tablesChains } from '../../src/core/parse/docker-daemon.js';
import { parseDockerNetworks } from '../../src/core/parse/docker-networks.js';

// Shapes close to Docker's, with any JSON value where a field is expected.
const anyValue = fc.jsonValue();
const inspectLike = fc.array(
  fc.record(
    {
      Id: fc.oneof(fc.stringMatching(/^[0-9a-f]{1,64}$/), anyValue),
      Name: fc.oneof(
        fc.string().map((name) => `/${name}`),
        anyValue,
      ),
      Config: fc.record({ Image: anyValue, ExposedPorts: fc.oneof(fc.dictionary(fc.string(), anyValue), anyValue) }, { requiredKeys: [] }),
      State: fc.record({ Status: anyValue }, { requiredKeys: [] }),
      NetworkSettings: fc.record(
        {
          Networks: fc.oneof(fc.dictionary(fc.string(), fc.record({ GlobalIPv6Address: anyValue, IPAddress: anyValue }, { requiredKeys: [] })), anyValue),
          Ports: fc.oneof(
            fc.dictionary(
              fc.oneof(
                fc.string(),
                fc.integer({ min: 0, max: 70000 }).map((port) => `${port}/tcp`),
              ),
              fc.oneof(fc.constant(null), fc.array(fc.record({ HostIp: anyValue, HostPort: anyValue }, { requiredKeys: [] })), anyValue),
            ),
            anyValue,
          ),
        },
        { requiredKeys: [] },
      ),
    },
    { requiredKeys: [] },
  ),
);
const networkLike = fc.array(
  fc.record(
    {
      Id: anyValue,
      Name: anyValue,
      Driver: anyValue,
      EnableIPv6: anyValue,
      IPAM: fc.oneof(
        fc.record({ Config: fc.oneof(fc.array(fc.record({ Subnet: anyValue }, { requiredKeys: [] })), anyValue) }, { requiredKeys: [] }),
        anyValue,
      ),
      Options: fc.oneof(fc.dictionary(fc.string(), anyValue), anyValue),
    },
    { requiredKeys: [] },
  ),
);
const text = fc.oneof(
  fc.string(),
  fc.json(),
  inspectLike.map((value) => JSON.stringify(value)),
  networkLike.map((value) => JSON.stringify(value)),
);

describe('Docker parsers never throw', () => {
  it('on arbitrary strings and JSON-ish input', () => {
    fc.assert(
      fc.property(text, (input) => {
        const ps = parseDockerPs(input);
        const inspected = parseDockerInspect(input);
        mergeContainers(ps.value, inspected.value);
        parseDockerNetworks(input);
        parseDaemonJson(input);
        parseDockerVersion(input);
        parseIp6tablesChains(input);
      }),
      { numRuns: 300 },
    );
  });

  it("on container lists shaped like the Engine API's GET /containers/json, and every port it lists is a real port", () => {
    const summaryLike = fc.array(
      fc.record(
        {
          Id: fc.oneof(fc.stringMatching(/^[0-9a-f]{1,64}$/), anyValue),
          Names: fc.oneof(
            fc.array(
              fc.oneof(
                fc.string().map((name) => `/${name}`),
                anyValue,
              ),
            ),
            anyValue,
          ),
          Image: anyValue,
          State: anyValue,
          Ports: fc.oneof(
            fc.array(
              fc.record(
                {
                  IP: fc.oneof(fc.constantFrom('0.0.0.0', '::', ''), anyValue),
                  PrivatePort: fc.oneof(fc.integer({ min: -1, max: 70000 }), anyValue),
                  PublicPort: fc.oneof(fc.integer({ min: -1, max: 70000 }), anyValue),
                  Type: fc.oneof(fc.constantFrom('tcp', 'udp', 'sctp'), anyValue),
                },
                { requiredKeys: [] },
              ),
            ),
            anyValue,
          ),
          NetworkSettings: fc.record(
            { Networks: fc.oneof(fc.dictionary(fc.string(), fc.record({ GlobalIPv6Address: anyValue }, { requiredKeys: [] })), anyValue) },
            { requiredKeys: [] },
          ),
        },
        { requiredKeys: [] },
      ),
    );
    fc.assert(
      fc.property(
        fc.oneof(
          text,
          summaryLike.map((value) => JSON.stringify(value)),
        ),
        (input) => {
          for (const container of parseContainerSummaries(input).value) {
            for (const port of container.ports) {
              if (!(port.port >= 1 && port.port <= 65535) || (port.proto !== 'tcp' && port.proto !== 'udp'))
                throw new Error(`bad port ${JSON.stringify(port)}`);
              for (const binding of port.published)
                if (binding.hostPort !== null && !(binding.hostPort >= 1 && binding.hostPort <= 65535))
                  throw new Error(`bad host port ${JSON.stringify(binding)}`);
            }
          }
          parseDockerApiVersion(input);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('on JSON lines like docker ps prints', () => {
    const line = fc.record({ ID: anyValue, Names: anyValue, Image: anyValue, State: anyValue }, { requiredKeys: [] }).map((value) => JSON.stringify(value));
    fc.assert(fc.property(fc.array(line), (lines) => void parseDockerPs(lines.join('\n'))));
  });
});
