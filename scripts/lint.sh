#!/bin/bash
# make lint: zero findings or a non-zero exit.
#  1. checkpatch.pl --strict on every .c/.h of ours (tracked or untracked,
#     not ignored) under drivers/ include/ samples/ tools/.  A
#     .checkpatch.conf at the top of the repo is honoured (checkpatch reads
#     it from the current directory).
#  2. One kbuild pass with W=1 and sparse on every file (C=2).  It runs in a
#     copy of the tree under build/lint/ so that the W=1 objects never mix
#     with those of the normal build.  Only findings located in our files
#     count: what the Debian kernel headers themselves trigger is not ours
#     to fix (on 6.1.0 with Debian's sparse 0.6.4 they trigger nothing).
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
LINT_DIR=$REPO/build/lint
findings=0

# Our source files, NUL-free list (our names have no spaces).
our_files() {
	git -C "$REPO" ls-files -co --exclude-standard -- "$@" |
		while read -r f; do [ -f "$REPO/$f" ] && echo "$f"; done
}

run_checkpatch() {
	local cp files out
	files=$(our_files drivers include samples tools | grep -E '\.[ch]$' || true)
	if [ -z "$files" ]; then
		echo "lint: checkpatch: no C files yet"
		return
	fi
	cp=$("$REPO/scripts/kernel.sh" checkpatch)
	# shellcheck disable=SC2086 # one word per file
	if out=$(cd "$REPO" && perl "$cp" --strict --no-tree --terse \
		--no-summary --show-types --max-line-length=100 -f $files 2>&1); then
		echo "lint: checkpatch: clean ($(echo "$files" | wc -l) files)"
	else
		echo "$out"
		findings=$((findings + $(echo "$out" | grep -c . || true)))
	fi
}

# Copy what git would see (tracked + untracked, not ignored) to build/lint.
make_lint_tree() {
	rm -rf "$LINT_DIR"
	mkdir -p "$LINT_DIR"
	our_files . | grep -v '^build/' | tar -C "$REPO" -cf - -T - | tar -C "$LINT_DIR" -xf -
}

run_kbuild_checks() {
	local log=$REPO/build/lint.log kdir rc=0 ours other
	make_lint_tree
	kdir=$("$REPO/scripts/kernel.sh" kdir)
	make -C "$LINT_DIR" -s modules KDIR="${KDIR:-$kdir}" W=1 C=2 CHECK=sparse \
		>"$log" 2>&1 || rc=$?
	# "<path>:<line>:<col>: warning|error: ..." located in our copy, and
	# modpost's "WARNING:"/"ERROR:" lines (always about our modules).
	ours=$(grep -E "^$LINT_DIR/[^:]+:[0-9]+(:[0-9]+)?: (warning|error)|^(WARNING|ERROR): modpost" "$log" |
		sed "s#^$LINT_DIR/##" || true)
	other=$(grep -E '^[^ ]+:[0-9]+(:[0-9]+)?: (warning|error)' "$log" |
		grep -vc "^$LINT_DIR/" || true)
	if [ "$other" -gt 0 ]; then
		echo "lint: ignored $other finding(s) located in kernel headers (see $log)"
	fi
	if [ -n "$ours" ]; then
		echo "$ours"
		findings=$((findings + $(echo "$ours" | wc -l)))
	fi
	if [ "$rc" -ne 0 ]; then
		echo "lint: W=1/sparse build failed (exit $rc), log: $log"
		grep -E 'error|Error' "$log" | head -20 || true
		findings=$((findings + 1))
	elif [ -z "$ours" ]; then
		echo "lint: sparse + W=1: clean"
	fi
}

main() {
	run_checkpatch
	run_kbuild_checks
	if [ "$findings" -ne 0 ]; then
		echo "lint: $findings finding(s)"
		exit 1
	fi
	echo "lint: no findings"
}

main "$@"
