#!/bin/bash
# Our modules built against the debug kernel (scripts/debug-kernel.sh), for
# "make check-debug" and "tools/testing/vm/run --debug".
#
#   scripts/debug-modules.sh          build; print the .ko paths, one a line
#
# The build runs in a copy of the tree under build/debug/, like lint's
# build/lint/: the .ko files in drivers/ and samples/ stay those built for
# Debian's kernel.  The copy is refreshed in place (tar keeps mtimes), so
# kbuild rebuilds only what changed; sources deleted from the tree are
# deleted from the copy.  Progress and compiler output go to stderr.
#
# Environment: VM_DEBUG_DIR (a debug-kernel cache directory to build against
# instead of asking scripts/debug-kernel.sh), VMDEV_CACHE.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
DEBUG_TREE=$REPO/build/debug

log() { echo "debug-modules: $*" >&2; }

# Tracked and untracked files, not ignored (so no build products), as lint.
our_files() {
	git -C "$REPO" ls-files -co --exclude-standard -- . |
		grep -v '^build/' |
		while read -r f; do [ -f "$REPO/$f" ] && echo "$f"; done
}

# Copy the sources over the previous copy; drop sources the tree lost (a
# stale .c named in an old Kbuild would otherwise never matter, but a stale
# Kbuild or header would).
refresh_tree() {
	local list=$DEBUG_TREE.files f
	mkdir -p "$DEBUG_TREE"
	our_files >"$list"
	tar -C "$REPO" -cf - -T "$list" | tar -C "$DEBUG_TREE" -xf -
	if [ -e "$DEBUG_TREE.files.old" ]; then
		grep -vxF -f "$list" "$DEBUG_TREE.files.old" |
			while read -r f; do rm -f "$DEBUG_TREE/$f"; done || true
	fi
	mv "$list" "$DEBUG_TREE.files.old"
}

debug_kdir() {
	if [ -n "${VM_DEBUG_DIR:-}" ]; then
		echo "$VM_DEBUG_DIR/build"
	else
		"$REPO/scripts/debug-kernel.sh" kdir
	fi
}

main() {
	local kdir
	kdir=$(debug_kdir)
	refresh_tree
	log "building in ${DEBUG_TREE#"$REPO"/} against $kdir"
	# Relinking is cheap; a module that the tree no longer builds must not
	# linger and be loaded.
	find "$DEBUG_TREE" -name '*.ko' -delete
	make -C "$DEBUG_TREE" -s modules KDIR="$kdir" >&2
	find "$DEBUG_TREE/drivers" "$DEBUG_TREE/samples" -name '*.ko' 2>/dev/null | sort
}

main "$@"
