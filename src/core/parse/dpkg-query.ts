/** What dpkg knows of one package. */
export interface DpkgPackage {
  /** dpkg's Status says "installed" (not removed, not left with config files only). */
  installed: boolean;
  /** The upstream part of the version ("0.36.2" of "0.36.2-1"), null when dpkg has none. */
  upstreamVersion: string | null;
}

/** `dpkg-query -W -f='${Status} ${Version}' PKG`, e.g. "install ok installed 0.36.2-1". */
export function parseDpkgStatusVersion(stdout: string): DpkgPackage {
  const [, , state, version] = stdout.trim().split(/\s+/);
  return { installed: state === 'installed', upstreamVersion: version === undefined || version === '' ? null : upstreamVersion(version) };
}

/** Debian version [epoch:]upstream[-revision] → upstream. */
function upstreamVersion(version: string): string {
  const withoutEpoch = version.replace(/^\d+:/, '');
  const dash = withoutEpoch.lastIndexOf('-');
  return dash > 0 ? withoutEpoch.slice(0, dash) : withoutEpoch;
}
