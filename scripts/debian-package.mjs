// The Debian package, laid out by hand and built with dpkg-deb (no debhelper: one binary and its
// documentation). What it installs, and what purging it removes:
//   /usr/bin/v6wall                                   the self-contained executable
//   /usr/share/man/man8/v6wall.8.gz                   v6wall(8), rendered from the CLI spec
//   /usr/share/bash-completion/completions/v6wall     bash completion
//   /usr/share/zsh/vendor-completions/_v6wall         zsh completion
//   /usr/share/doc/v6wall/copyright
//   /var/lib/v6wall (made at run time)                snapshots, transcripts: removed on purge
//   /etc/systemd/system/v6wall-boot-guard-ID.service  placed by an apply until it is confirmed or
//     (and its sysinit.target.wants link)             rolled back (src/apply/boot-guard.ts); one an
//                                                     unfinished apply left is removed with the package
// UFW's own files in /etc/ufw are the operator's firewall: never touched by the package scripts.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';

const MAINTAINER = 'v6wall maintainers <maintainers@users.noreply.h-seed-b0ce433b.example>';

// Runs after the files are gone. dpkg calls it with "remove" and, for purge, again with "purge".
const POSTRM = `#!/bin/sh
set -e
case "$1" in
  remove|purge)
    # man-db's cache of the formatted page (made by the first \`man v6wall\`).
    rm -f /var/cache/man/cat8/v6wall.8* /var/cache/man/*/cat8/v6wall.8*
    # The boot guard of an apply still awaiting confirmation: it runs /usr/bin/v6wall, gone now.
    if ls /etc/systemd/system/v6wall-boot-guard-*.service >/dev/null 2>&1; then
      rm -f /etc/systemd/system/v6wall-boot-guard-*.service /etc/systemd/system/sysinit.target.wants/v6wall-boot-guard-*.service
      rmdir --ignore-fail-on-non-empty /etc/systemd/system/sysinit.target.wants 2>/dev/null || true
      if [ -d /run/systemd/system ]; then systemctl daemon-reload >/dev/null 2>&1 || true; fi
    fi
    ;;
esac
case "$1" in
  purge)
    rm -rf /var/lib/v6wall
    echo "v6wall: purged, with its snapshots and transcripts (/var/lib/v6wall)."
    echo "v6wall: the firewall is left as it is: /etc/ufw and the rules v6wall added stay (see 'ufw status numbered')."
    ;;
  remove)
    echo "v6wall: removed. Its snapshots and transcripts stay in /var/lib/v6wall until 'apt-get purge v6wall'."
    echo "v6wall: the firewall is left as it is: /etc/ufw and the rules v6wall added stay (see 'ufw status numbered')."
    ;;
esac
exit 0
`;

// An apply awaiting confirmation needs the package: its boot guard runs /usr/bin/v6wall, and a purge
// would delete the snapshot its watchdog restores. Removing v6wall then is refused until the apply is
// confirmed or rolled back (an upgrade keeps /usr/bin/v6wall, so it goes on).
const PRERM = `#!/bin/sh
set -e
if [ "$1" = remove ] && [ -e /var/lib/v6wall/pending.json ]; then
  echo "v6wall: an apply still awaits confirmation, and its rollback needs v6wall (the watchdog restores its snapshot, the boot guard runs /usr/bin/v6wall)." >&2
  echo "v6wall: confirm it from a new SSH session (v6wall confirm CODE) or undo it (v6wall rollback), then remove the package; nothing was removed." >&2
  exit 1
fi
exit 0
`;

const COPYRIGHT = (year) => `Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: v6wall

Files: *
Copyright: ${year} v6wall maintainers
License: MIT
 Permission is hereby granted, free of charge, to any person obtaining a copy
 of this software and associated documentation files (the "Software"), to deal
 in the Software without restriction, including without limitation the rights
 to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
 copies of the Software, and to permit persons to whom the Software is
 furnished to do so, subject to the following conditions:
 .
 The above copyright notice and this permission notice shall be included in
 all copies or substantial portions of the Software.
 .
 THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
 IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
 FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
 AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
 LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
 OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN
 THE SOFTWARE.
 This package also carries Node.js (MIT) and the npm packages v6wall bundles,
 each under its own permissive license (MIT, ISC, BSD).
`;

function place(root, path, contents, mode = 0o644) {
  const target = join(root, path);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, contents);
  chmodSync(target, mode);
}

function filesUnder(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(path) : [path];
  });
}

/** Builds release/v6wall_VERSION_ARCH.deb around `binary`; returns its path. */
export function debianPackage({ binary, arch, version, description, workDir, outDir }) {
  const root = join(workDir, `deb-${arch}`);
  rmSync(root, { recursive: true, force: true });
  mkdirSync(join(root, 'usr/bin'), { recursive: true });
  copyFileSync(binary, join(root, 'usr/bin/v6wall'));
  chmodSync(join(root, 'usr/bin/v6wall'), 0o755);
  place(root, 'usr/share/man/man8/v6wall.8.gz', gzipSync(readFileSync('dist/man/v6wall.8'), { level: 9 }));
  place(root, 'usr/share/bash-completion/completions/v6wall', readFileSync('dist/completions/v6wall.bash'));
  place(root, 'usr/share/zsh/vendor-completions/_v6wall', readFileSync('dist/completions/_v6wall'));
  place(root, 'usr/share/doc/v6wall/copyright', COPYRIGHT(new Date().getUTCFullYear()));

  const payload = filesUnder(root);
  const installedKb = Math.ceil(payload.reduce((sum, file) => sum + statSync(file).size, 0) / 1024);
  const md5sums = payload.map((file) => `${createHash('md5').update(readFileSync(file)).digest('hex')}  ${relative(root, file)}\n`).join('');
  const control = [
    'Package: v6wall',
    `Version: ${version}`,
    `Architecture: ${arch}`,
    `Maintainer: ${MAINTAINER}`,
    `Installed-Size: ${installedKb}`,
    'Depends: libc6 (>= 2.28), libstdc++6 (>= 6), libgcc-s1',
    'Recommends: ufw',
    'Suggests: docker.io',
    'Section: admin',
    'Priority: optional',
    `Description: ${description.toLowerCase().startsWith('a ') ? description.slice(2) : description}`,
    ' v6wall walks the operator of an IPv6 Docker host through UFW: it allows the',
    ' SSH port(s) in use first, denies incoming and routed traffic by default, opens',
    " exactly the chosen container ports (the container's own IPv6 address or a host",
    ' port), previews the commands, and applies them with a rollback that fires',
    ' unless a NEW SSH session confirms them. One self-contained executable: no',
    ' Node.js needed on the server.',
    '',
  ].join('\n');
  place(root, 'DEBIAN/control', control);
  place(root, 'DEBIAN/md5sums', md5sums);
  place(root, 'DEBIAN/postrm', POSTRM, 0o755);
  place(root, 'DEBIAN/prerm', PRERM, 0o755);

  const out = join(outDir, `v6wall_${version}_${arch}.deb`);
  // zstd (dpkg 1.21.18 and later: Debian 12, Ubuntu 22.04 and later): xz made a package 20% smaller
  // in ten times the build time.
  execFileSync('dpkg-deb', ['--root-owner-group', '-Zzstd', '-z9', '--build', root, out], { stdio: ['ignore', 'ignore', 'inherit'] });
  rmSync(root, { recursive: true, force: true });
  return out;
}
