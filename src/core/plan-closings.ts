// Which of v6wall's openings in place a plan closes, and the reason a person reads for it.
import type { Choices, CloseChoice, ExposureChoice } from './types/choices.js';
import { openingKey, type OpeningTag } from './rule-comment.js';
import { openingTagOf } from './plan-openings.js';

function closedBy(close: CloseChoice, tag: OpeningTag): boolean {
  if (close.container !== tag.container) return false;
  if (close.proto !== undefined && close.proto !== tag.proto) return false;
  if (close.source !== undefined && close.source !== tag.source) return false;
  return close.port === tag.port || (tag.kind === 'publish' && close.port === tag.hostPort);
}

export function closeLabel(close: CloseChoice): string {
  return `--close ${close.container}:${close.port}${close.proto === undefined ? '' : `/${close.proto}`}${close.source === undefined ? '' : `@${close.source}`}`;
}

const chosen = (choices: Choices): ExposureChoice[] => choices.exposures.filter((choice) => choice.exposure !== 'skip');

/**
 * Why this opening of v6wall's is closed, or null when it stays. `stale` says how it no longer
 * fits its container; a stale rule stays unless removeStale asks otherwise or (additive) the
 * operator named the opening again, which moves it.
 */
export function closingReason(choices: Choices, tag: OpeningTag, stale: string | null): string | null {
  const close = (choices.close ?? []).find((candidate) => closedBy(candidate, tag));
  if (close !== undefined) return `closed with ${closeLabel(close)}`;
  const sameOpening = chosen(choices).filter((choice) => openingKey(openingTagOf(choice)) === openingKey(tag));
  if (stale !== null) {
    if (sameOpening.length > 0 && choices.removeStale !== false) return `${stale}; the opening moves with it`;
    return choices.removeStale === true ? stale : null;
  }
  if (sameOpening.length > 0) {
    if (sameOpening.some((choice) => choice.source === tag.source)) return 'replaced by the rule this opening needs now (below)';
    return `it is now open only from ${sameOpening.map((choice) => choice.source ?? 'anywhere').join(', ')}`;
  }
  if (choices.scope === 'exact') return 'no longer chosen';
  return null;
}
