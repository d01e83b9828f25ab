// v6wall's own table as it stands in the live ruleset (`nft -j list ruleset`): whether it is
// there, and the openings its rule comments name (what an additive plan keeps).
import { type OpeningTag, parseRuleComment } from '../rule-comment.js';
import { V6WALL_FAMILY, V6WALL_TABLE } from './v6wall-script.js';

export interface LiveV6wallTable {
  present: boolean;
  /** One per rule comment that names an opening, in rule order. */
  openings: OpeningTag[];
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Never throws: unreadable JSON reads as no table. */
export function liveV6wallTable(nftJson: string | null | undefined): LiveV6wallTable {
  const none: LiveV6wallTable = { present: false, openings: [] };
  if (nftJson === null || nftJson === undefined) return none;
  let parsed: unknown;
  try {
    parsed = JSON.parse(nftJson);
  } catch {
    return none;
  }
  const items = isObject(parsed) && Array.isArray(parsed['nftables']) ? (parsed['nftables'] as unknown[]) : [];
  const ours = (body: unknown): body is Record<string, unknown> => isObject(body) && body['family'] === V6WALL_FAMILY && body['table'] === V6WALL_TABLE;
  let present = false;
  const openings: OpeningTag[] = [];
  for (const item of items) {
    if (!isObject(item)) continue;
    const table = item['table'];
    if (isObject(table) && table['family'] === V6WALL_FAMILY && table['name'] === V6WALL_TABLE) present = true;
    const rule = item['rule'];
    if (!ours(rule)) continue;
    const comment = typeof rule['comment'] === 'string' ? rule['comment'] : null;
    const tag = parseRuleComment(comment);
    if (tag !== null && (tag.kind === 'route' || tag.kind === 'publish')) openings.push(tag);
  }
  return { present, openings };
}
