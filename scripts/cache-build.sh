# shellcheck shell=bash
# Sourced by scripts/debug-kernel.sh and scripts/qemu.sh: what their cached
# builds share.  The caller defines build_into DIR (the build itself, into
# a fresh directory), and sets TOP (its cache), NAME (the build's key) and
# DEST ($TOP/$NAME) before cached_build.

# Messages on stderr, named after the script; usage is its header comment.
log() { echo "${0##*/}: $*" >&2; }
die() { log "error: $*"; exit 1; }

usage() {
	sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
	exit 2
}

# series_files DIR: the patches of a series, DIR/*.patch in name order.
series_files() {
	compgen -G "$1/*.patch" | sort || true
}

# series_hash DIR: one hash over the patches' contents: a changed patch
# rebuilds.
series_hash() {
	local f
	for f in $(series_files "$1"); do
		sha256sum <"$f"
	done | sha256sum | cut -c1-12
}

# run STEP CMD...: CMD's output into the build's log; its tail on failure.
run() {
	local step=$1
	shift
	log "$step"
	echo "### $step: $*" >>"$LOG"
	"$@" >>"$LOG" 2>&1 || {
		tail -n 30 "$LOG" >&2
		die "$step failed (log: $FAILED_LOG)"
	}
}

# cached_build MARK: unless $DEST/MARK exists, build_into a temporary
# directory under $TOP renamed to $DEST on success, under a flock per key,
# so that a killed build leaves nothing half done (its log is kept as
# $TOP/$NAME.failed.log on failure) and two callers build once.
cached_build() {
	local mark=$1
	[ -e "$DEST/$mark" ] && return 0
	mkdir -p "$TOP"
	(
		flock 9
		[ -e "$DEST/$mark" ] && exit 0
		# Left behind by a killed run of this key; the lock says none runs.
		rm -rf "$TOP/.tmp-$NAME".*
		tmp=$(mktemp -d "$TOP/.tmp-$NAME.XXXXXX")
		LOG=$tmp/build.log
		FAILED_LOG=$TOP/$NAME.failed.log
		trap 'cp -f "$LOG" "$FAILED_LOG" 2>/dev/null; rm -rf "$tmp"' EXIT
		start=$(date +%s)
		log "building $NAME in $tmp"
		build_into "$tmp"
		chmod 755 "$tmp"
		mv -T "$tmp" "$DEST"
		trap - EXIT
		rm -f "$FAILED_LOG"
		log "built $NAME in $(($(date +%s) - start)) s: $DEST"
	) 9>"$TOP/.lock-$NAME"
}
