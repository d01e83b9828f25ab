// Where an opening may be reached from: anywhere, or one IPv6 address or network. Sources are
// kept canonical (RFC 5952, host bits cleared, no /128) so rules, comments and choices compare
// as text.
import ipaddr from 'ipaddr.js';

/** An IPv6 address or network in canonical form; `undefined` (where a source is optional) means anywhere. */
export type Source = string;

/** "2001:db8:abcd::/48", "2001:db8::5" or "2001:DB8::5/128" → canonical, or what is wrong with it. */
export function parseSource(text: string): { ok: true; value: Source } | { ok: false; error: string } {
  const trimmed = text.trim();
  const [address = '', prefixText, ...rest] = trimmed.split('/');
  if (rest.length > 0 || !ipaddr.IPv6.isValid(address)) {
    const v4 = ipaddr.IPv4.isValid(address) || ipaddr.IPv4.isValidCIDR(trimmed);
    return {
      ok: false,
      error: v4
        ? `"${text}" is an IPv4 source: v6wall opens IPv6 only, give an IPv6 address or network`
        : `"${text}" is not an IPv6 address or network (e.g. 2001:db8:abcd::/48)`,
    };
  }
  const parsed = ipaddr.IPv6.parse(address);
  if (parsed.isIPv4MappedAddress()) return { ok: false, error: `"${text}" is an IPv4-mapped address: give an IPv6 address or network` };
  if (prefixText === undefined) return { ok: true, value: parsed.toRFC5952String() };
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > 128) return { ok: false, error: `"${text}": /${prefixText} is not a prefix length (0-128)` };
  const prefix = Number(prefixText);
  if (prefix === 0) return { ok: false, error: `"${text}" is every address: leave out @SOURCE to open to anywhere` };
  if (prefix === 128) return { ok: true, value: parsed.toRFC5952String() };
  const network = ipaddr.IPv6.networkAddressFromCIDR(`${address}/${prefix}`);
  return { ok: true, value: `${network.toRFC5952String()}/${prefix}` };
}

/** How a source reads in a sentence. */
export function describeSource(source: Source | undefined): string {
  return source === undefined ? 'anywhere' : source;
}

function cidrOf(source: Source): [ipaddr.IPv6, number] {
  const [address = '', prefix] = source.split('/');
  return [ipaddr.IPv6.parse(address), prefix === undefined ? 128 : Number(prefix)];
}

/** The address is inside the source (anywhere holds every address). */
export function sourceHolds(source: Source | undefined, address: string): boolean {
  if (source === undefined) return true;
  if (!ipaddr.IPv6.isValid(address)) return false;
  return ipaddr.IPv6.parse(address).match(cidrOf(source));
}

/** Every address of `inner` is inside `outer` (anywhere holds every source). */
export function sourceContains(outer: Source | undefined, inner: Source): boolean {
  if (outer === undefined) return true;
  const [outerNet, outerPrefix] = cidrOf(outer);
  const [innerNet, innerPrefix] = cidrOf(inner);
  return innerPrefix >= outerPrefix && innerNet.match(outerNet, outerPrefix);
}

/** One address inside the source, to ask the reachability analysis about (the network's first host). */
export function addressInside(source: Source): string {
  const [network, prefix] = cidrOf(source);
  if (prefix === 128) return network.toRFC5952String();
  const parts = network.toByteArray();
  parts[15] = (parts[15] ?? 0) | 1;
  return ipaddr.fromByteArray(parts).toString();
}

/** UFW writes an IPv6 source as given ("::/0" for anywhere); a single address may carry /128. */
export function sourceOfRule(src: string): Source | undefined | null {
  if (src === '::/0' || src === '0.0.0.0/0' || src === 'any') return undefined;
  const parsed = parseSource(src);
  return parsed.ok ? parsed.value : null;
}
