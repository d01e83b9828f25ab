// The openings of table inet v6wall that a plan leaves out of the new table. Loaded with the
// wizard's first screens (the preview names them), so it needs none of the planner.
import type { Choices } from '../types/choices.js';
import type { Facts } from '../types/facts.js';
import { describeOpening, staleReason } from '../managed-rules.js';
import { openingKey, type OpeningTag } from '../rule-comment.js';
import { liveV6wallTable } from './v6wall-table.js';

/** An opening of the live table that the new table leaves out, and why, in the words of UFW's close steps. */
export interface TableClosing {
  /** "web 80/tcp (route to [2001:db8::10], from anywhere)". */
  what: string;
  reason: string;
  /** Its container is gone, was recreated with another address, or no longer publishes the port. */
  stale: boolean;
}

const sourceKey = (tag: Pick<OpeningTag, 'kind' | 'container' | 'port' | 'proto' | 'hostPort' | 'source'>): string => `${openingKey(tag)} ${tag.source ?? ''}`;

/**
 * The openings in table inet v6wall that a plan with these choices closes. With --exact (the
 * wizard) the table is written from the choices alone, so an opening whose container is gone has
 * no choice left to carry it: it closes, and the operator must be told, as UFW's plan names the
 * rule it deletes. Without --exact the openings kept in place are carried over (those that cannot
 * be say so in the plan's notes).
 */
export function tableClosings(facts: Facts, choices: Choices): TableClosing[] {
  if (choices.scope !== 'exact') return [];
  const kept = new Set(
    choices.exposures
      .filter((choice) => choice.exposure !== 'skip')
      .map((choice) =>
        sourceKey({
          kind: choice.exposure === 'publish' ? 'publish' : 'route',
          container: choice.container,
          port: choice.port,
          proto: choice.proto,
          ...(choice.hostPort === undefined ? {} : { hostPort: choice.hostPort }),
          ...(choice.source === undefined ? {} : { source: choice.source }),
        }),
      ),
  );
  const seen = new Set<string>();
  return liveV6wallTable(facts.docker.nftRuleset).rules.flatMap((managed): TableClosing[] => {
    const tag = managed.tag;
    if (tag.kind === 'egress') return [];
    const key = sourceKey(tag);
    if (kept.has(key) || seen.has(key)) return [];
    seen.add(key);
    const stale = staleReason(facts, managed);
    return [{ what: describeOpening({ ...managed, tag }), reason: stale ?? 'no longer chosen', stale: stale !== null }];
  });
}
