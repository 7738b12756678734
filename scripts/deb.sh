#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make deb: the Debian packages vhost-mdev-dkms and vhost-mdev-tools
# (debian/) into build/deb/, with their .buildinfo and .changes, and the
# build's log, build/deb/build.log.  Prints the paths of the two .debs.
#
# The version is the VERSION file's, alone (no changelog is kept:
# debian/changelog is written here from it and the commit).  The packages
# are built from a copy of what git would see (tracked and untracked files,
# not ignored ones: uncommitted changes included, build products not) in
# build/deb/vhost-mdev-<version>/, removed afterwards, so that
# dpkg-buildpackage writes its results into build/deb/ and never next to
# the repository.  Build dependencies: scripts/deps.sh --deb.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
OUT=$REPO/build/deb

log() { echo "deb: $*" >&2; }
die() { log "error: $*"; exit 1; }

# The files of the tree, as lint.sh copies them; without git (an unpacked
# tarball), everything but build/.
tree_files() {
	if git -C "$REPO" rev-parse --git-dir >/dev/null 2>&1; then
		git -C "$REPO" ls-files -co --exclude-standard |
			while read -r f; do [ -f "$REPO/$f" ] && echo "$f"; done
	else
		(cd "$REPO" && find . -path ./build -prune -o -type f -print | sed 's#^\./##')
	fi | grep -v '^build/'
}

# debian/changelog: one entry, the version and where it was built from.
# Its date is the commit's, so two builds of one commit are the same.
changelog() {
	local ver=$1 commit="" date dirty=""
	if git -C "$REPO" rev-parse --git-dir >/dev/null 2>&1; then
		commit=$(git -C "$REPO" rev-parse --short=12 HEAD)
		date=$(git -C "$REPO" log -1 --format=%aD)
		[ -z "$(git -C "$REPO" status --porcelain -- . ':!build')" ] ||
			dirty=" with uncommitted changes"
	else
		date=$(date -R)
	fi
	cat <<EOF
vhost-mdev ($ver) bookworm; urgency=medium

  * Built from ${commit:+commit $commit}${commit:-a tree without git}$dirty.

 -- $(sed -n 's/^Maintainer: //p' "$REPO/debian/control")  $date
EOF
}

main() {
	local ver stage
	ver=$(tr -d ' \n' <"$REPO/VERSION")
	[[ $ver =~ ^[0-9][A-Za-z0-9.+~]*$ ]] || die "VERSION: not a Debian version: '$ver'"
	stage=$OUT/vhost-mdev-$ver
	rm -rf "$OUT"
	mkdir -p "$stage"
	tree_files | tar -C "$REPO" -cf - -T - | tar -C "$stage" -xf -
	changelog "$ver" >"$stage/debian/changelog"
	log "building vhost-mdev $ver (log: $OUT/build.log)"
	# -b: binary packages only (the source package is this repository).
	# -d: the build dependencies are scripts/deps.sh --deb's, checked
	# there; dpkg-checkbuilddeps would also want all of build-essential.
	if ! (cd "$stage" && dpkg-buildpackage -b -d -uc -us) >"$OUT/build.log" 2>&1; then
		tail -n 30 "$OUT/build.log" >&2
		die "dpkg-buildpackage failed (log: $OUT/build.log)"
	fi
	rm -rf "$stage"
	ls "$OUT"/vhost-mdev-dkms_"$ver"_all.deb "$OUT"/vhost-mdev-tools_"$ver"_*.deb
}

main "$@"
