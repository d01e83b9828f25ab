import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseUfwConf, parseUfwDefaults, parseUfwVersion } from '../../src/core/parse/ufw-config.js';
import { parseOsRelease, ufwInstallHint } from '../../src/core/parse/os-release.js';
import { parseDpkgStatusVersion } from '../../src/core/parse/dpkg-query.js';

const fixture = (path: string): string => readFileSync(new URL(`../fixtures/${path}`, import.meta.url), 'utf8');

describe('parseUfwDefaults', () => {
  it("reads the package's /etc/default/ufw: deny in, allow out, deny routed, IPv6 on", () => {
    const parsed = parseUfwDefaults(fixture('discovery/ufw/etc-default-ufw-package.txt'));
    expect(parsed.value).toEqual({ policies: { incoming: 'deny', outgoing: 'allow', routed: 'deny' }, ipv6: true });
    expect(parsed.warnings).toEqual([]);
  });

  it('flags IPV6=no loudly', () => {
    const parsed = parseUfwDefaults(fixture('ufw/ipv6-no/default-ufw'));
    expect(parsed.value.ipv6).toBe(false);
    expect(parsed.warnings.join(' ')).toMatch(/IPV6=no.*flushes ip6tables/);
  });

  it('reads quoted and unquoted policies, REJECT included', () => {
    const text = 'DEFAULT_INPUT_POLICY=REJECT\nDEFAULT_OUTPUT_POLICY="ACCEPT"\nDEFAULT_FORWARD_POLICY=\'DROP\'\nIPV6=yes\n';
    expect(parseUfwDefaults(text).value.policies).toEqual({ incoming: 'reject', outgoing: 'allow', routed: 'deny' });
  });

  it('reports a missing or unknown policy instead of guessing silently', () => {
    const parsed = parseUfwDefaults('DEFAULT_INPUT_POLICY="constructor"\nIPV6=yes');
    expect(parsed.value.policies.incoming).toBe('deny');
    expect(parsed.warnings).toHaveLength(3);
  });

  it('never throws', () => {
    fc.assert(fc.property(fc.string(), (text) => void parseUfwDefaults(text)));
  });
});

describe('parseUfwConf and parseUfwVersion', () => {
  it('reads ENABLED from ufw.conf', () => {
    expect(parseUfwConf(fixture('discovery/ufw/ufw.conf-disabled.txt'))).toBe(false);
    expect(parseUfwConf(fixture('ufw/rules-active/ufw.conf'))).toBe(true);
  });

  it('reads the version from `ufw version`', () => {
    expect(parseUfwVersion(fixture('discovery/ufw/ufw-version-0.36.2.txt'))).toBe('0.36.2');
    expect(parseUfwVersion(fixture('ufw/version.txt'))).toMatch(/^0\.36\./);
    expect(parseUfwVersion('ERROR: something')).toBeNull();
  });

  it("reads the package's state and upstream version from dpkg-query", () => {
    expect(parseDpkgStatusVersion(fixture('ufw/dpkg-query-ufw.txt'))).toEqual({ installed: true, upstreamVersion: '0.36.2' });
    // Known to dpkg from the archive but never installed: exit 0 and no version.
    expect(parseDpkgStatusVersion(fixture('ufw/dpkg-query-not-installed.txt'))).toEqual({ installed: false, upstreamVersion: null });
    expect(parseDpkgStatusVersion(fixture('ufw/dpkg-query-unknown-package.txt'))).toEqual({ installed: false, upstreamVersion: null });
    // Removed with its config files kept; an epoch and an Ubuntu revision.
    expect(parseDpkgStatusVersion('deinstall ok config-files 0.36.2-1').installed).toBe(false);
    expect(parseDpkgStatusVersion('install ok installed 1:0.36.1-4ubuntu0.1').upstreamVersion).toBe('0.36.1');
  });

  it('never throws', () => {
    fc.assert(fc.property(fc.string(), (text) => void (parseUfwConf(text), parseUfwVersion(text), parseDpkgStatusVersion(text))));
  });
});

describe('ufwInstallHint', () => {
  it('suggests apt-get on Debian and Ubuntu', () => {
    expect(ufwInstallHint(parseOsRelease(fixture('discovery/os/os-release-debian12.txt')))).toBe('apt-get install ufw');
    expect(ufwInstallHint(parseOsRelease('ID=linuxmint\nID_LIKE="ubuntu debian"'))).toBe('apt-get install ufw');
    expect(ufwInstallHint(parseOsRelease(''))).toMatch(/package manager/);
  });

  it('never throws', () => {
    fc.assert(fc.property(fc.string(), (text) => void ufwInstallHint(parseOsRelease(text))));
  });
});
