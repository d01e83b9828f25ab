import { parseDpkgStatusVersion } from '../core/parse/dpkg-query.js';
import { parseOsRelease, ufwInstallHint } from '../core/parse/os-release.js';
import { parseUfwConf, parseUfwDefaults, parseUfwVersion } from '../core/parse/ufw-config.js';
import { parseUfwRules } from '../core/parse/ufw-rules.js';
import type { UfwFacts, UfwPolicies, UfwRule } from '../core/types/facts.js';
import { type DiscoverDeps, describeFailure, runAdminTool } from './discover-deps.js';

/** What a fresh ufw package starts with (DROP in, ACCEPT out, DROP forward). */
const PACKAGE_DEFAULT_POLICIES: UfwPolicies = { incoming: 'deny', outgoing: 'allow', routed: 'deny' };

/** ufw 0.36 keeps user rules in /etc/ufw; older releases kept them in /lib/ufw. */
async function readRulesFile(deps: DiscoverDeps, name: string): Promise<{ path: string; text: string | null }> {
  const current = await deps.readFile(`/etc/ufw/${name}`);
  if (current !== null) return { path: `/etc/ufw/${name}`, text: current };
  const legacy = await deps.readFile(`/lib/ufw/${name}`);
  return { path: `/etc/ufw/${name}`, text: legacy };
}

/** Where a ufw program may be: PATH, plus the sbin folders a non-root PATH often lacks. */
async function ufwOnDisk(deps: DiscoverDeps): Promise<boolean> {
  const dirs = [...(deps.env.PATH ?? '').split(':').filter((dir) => dir.startsWith('/')), '/usr/sbin', '/sbin'];
  const found = await Promise.all([...new Set(dirs)].map((dir) => deps.exists(`${dir}/ufw`)));
  return found.includes(true);
}

type UfwVersionReading = { installed: false } | { installed: true; version: string | null; warning: string | null };

/**
 * ufw's version without starting Python (`ufw version` costs ~50 ms of CPU): dpkg knows it on
 * Debian and Ubuntu. ufw itself is asked only when dpkg does not have it installed (a ufw from
 * elsewhere) or there is no dpkg-query.
 */
async function readUfwVersion(deps: DiscoverDeps): Promise<UfwVersionReading> {
  if (!(await ufwOnDisk(deps))) return { installed: false };
  const dpkg = await deps.run(['dpkg-query', '-W', '-f=${Status} ${Version}', 'ufw']);
  if (!dpkg.notFound && dpkg.exitCode === 0) {
    const ufwPackage = parseDpkgStatusVersion(dpkg.stdout);
    if (ufwPackage.installed && ufwPackage.upstreamVersion !== null) return { installed: true, version: ufwPackage.upstreamVersion, warning: null };
  }
  const version = await runAdminTool(deps.run, ['ufw', 'version']);
  if (version.notFound) return { installed: false };
  return { installed: true, version: parseUfwVersion(version.stdout), warning: version.exitCode === 0 ? null : describeFailure(version, deps.uid) };
}

export async function discoverUfw(deps: DiscoverDeps): Promise<UfwFacts> {
  const [version, defaultsText, confText, rules4, rules6, osRelease, after6Rules] = await Promise.all([
    readUfwVersion(deps),
    deps.readFile('/etc/default/ufw'),
    deps.readFile('/etc/ufw/ufw.conf'),
    readRulesFile(deps, 'user.rules'),
    readRulesFile(deps, 'user6.rules'),
    deps.readFile('/etc/os-release'),
    deps.readFile('/etc/ufw/after6.rules'),
  ]);

  if (!version.installed) {
    return {
      installed: false,
      version: null,
      enabled: false,
      policies: PACKAGE_DEFAULT_POLICIES,
      ipv6: null,
      rules: [],
      after6Rules: null,
      installHint: ufwInstallHint(parseOsRelease(osRelease ?? '')),
      warnings: [],
    };
  }

  const warnings: string[] = [];
  if (version.warning !== null) warnings.push(version.warning);
  const notRoot = deps.uid === 0 ? '' : ' (run v6wall as root: sudo v6wall)';

  let policies = PACKAGE_DEFAULT_POLICIES;
  let ipv6: boolean | null = null;
  if (defaultsText === null) {
    warnings.push(`Could not read /etc/default/ufw${notRoot}; the default policies shown are ufw's package defaults.`);
  } else {
    const defaults = parseUfwDefaults(defaultsText);
    ({ policies, ipv6 } = defaults.value);
    warnings.push(...defaults.warnings);
  }
  if (confText === null) warnings.push(`Could not read /etc/ufw/ufw.conf${notRoot}; the firewall is taken as not enabled.`);

  const rules: UfwRule[] = [];
  for (const [file, v6] of [
    [rules4, false],
    [rules6, true],
  ] as const) {
    if (file.text === null) {
      warnings.push(`Could not read ${file.path}${notRoot}: existing ${v6 ? 'IPv6' : 'IPv4'} rules are unknown.`);
      continue;
    }
    const parsed = parseUfwRules(file.text, v6);
    rules.push(...parsed.value);
    warnings.push(...parsed.warnings);
  }

  return {
    installed: true,
    version: version.version,
    enabled: confText === null ? false : parseUfwConf(confText),
    policies,
    ipv6,
    rules,
    after6Rules,
    installHint: null,
    warnings,
  };
}
