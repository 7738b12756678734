#!/bin/bash
# Kernel cache: Debian 12's own kernel image, headers, kbuild and pieces of
# its source, downloaded with apt and unpacked outside the source tree, one
# directory per kernel version.
#
#   scripts/kernel.sh version      kernel release the VM boots (6.1.0-N-amd64)
#   scripts/kernel.sh kdir         headers tree to build modules against
#   scripts/kernel.sh image        uncompressed vmlinux (PVH boot)
#   scripts/kernel.sh modules      /lib/modules/<version> of the image
#   scripts/kernel.sh busybox      static busybox binary
#   scripts/kernel.sh harness      dir with kselftest_harness.h, kselftest.h
#   scripts/kernel.sh checkpatch   checkpatch.pl (with its data files beside)
#   scripts/kernel.sh source       full linux-source-6.1 tree (big, on demand)
#   scripts/kernel.sh source-version  Debian version of that linux-source deb
#   scripts/kernel.sh dir          cache directory of the version
#
# Each prints one path on stdout; progress goes to stderr.  Every step is
# guarded by a stamp file, works in a temporary directory renamed into place
# at the end (an interrupted run leaves no half tree behind), and runs under
# an exclusive flock so that concurrent make targets cannot race.
#
# Environment: VMDEV_CACHE (cache root), VMDEV_KV (pin a kernel version
# instead of asking apt which one linux-image-amd64 depends on).
set -euo pipefail

CACHE=${VMDEV_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vhost-mdev}

log() { echo "kernel.sh: $*" >&2; }
die() { log "error: $*"; exit 1; }

# The kernel release linux-image-amd64 currently points at, e.g.
# 6.1.0-56-amd64.  An apt without package lists knows nothing: update once.
registry_version() {
	local kv
	kv=$(apt-cache depends linux-image-amd64 2>/dev/null |
		awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ {
			sub("^linux-image-", "", $2); print $2; exit }')
	if [ -z "$kv" ]; then
		log "apt knows no linux-image-amd64; running apt-get update"
		apt-get update -q >&2
		kv=$(apt-cache depends linux-image-amd64 |
			awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ {
				sub("^linux-image-", "", $2); print $2; exit }')
	fi
	[ -n "$kv" ] || die "cannot find the kernel version of linux-image-amd64"
	echo "$kv"
}

# apt-cache takes over a second: remember its answer for a few minutes, so
# that the many calls of one make run ask it once.
cached_registry_version() {
	local memo=$CACHE/.registry-version
	if [ -n "$(find "$memo" -mmin -10 2>/dev/null)" ] && [ -s "$memo" ]; then
		cat "$memo"
		return
	fi
	mkdir -p "$CACHE"
	registry_version >"$memo.$$"
	mv "$memo.$$" "$memo"
	cat "$memo"
}

KV=${VMDEV_KV:-}
[ -n "$KV" ] || KV=$(cached_registry_version)
ABI=${KV%-amd64}			# 6.1.0-56
KBRANCH=$(echo "$KV" | cut -d. -f1,2)	# 6.1
DIR=$CACHE/$KV
ROOT=$DIR/root				# the debs unpacked with dpkg-deb -x
KDIR=$ROOT/usr/src/linux-headers-$KV

# run_step NAME FUNCTION: run FUNCTION once per version, under the lock.
# Checked once without the lock (fast path) and again with it, so a second
# caller waiting on the lock does not redo the work.
run_step() {
	local name=$1 fn=$2 stamp=$DIR/.stamp-$1
	[ -e "$stamp" ] && return 0
	mkdir -p "$DIR"
	(
		flock 9
		[ -e "$stamp" ] && exit 0
		log "$KV: $name"
		"$fn"
		touch "$stamp"
	) 9>"$DIR/.lock"
}

# apt-get download into a fresh temporary directory, then move the debs in.
# The _apt sandbox user must be able to reach and write it: the cache may sit
# under a private home (/root), so the directory is made in $TMPDIR, mode 777.
download() {
	local tmp
	mkdir -p "$DIR/debs"
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/vmdev-debs.XXXXXX")
	chmod 777 "$tmp"
	if ! (cd "$tmp" && apt-get download -q "$@" >&2); then
		# Stale package lists name versions the mirror dropped.
		log "apt-get download failed; updating package lists and retrying"
		apt-get update -q >&2
		(cd "$tmp" && apt-get download -q "$@" >&2) ||
			{ rm -rf "$tmp"; die "cannot download $*"; }
	fi
	# A copy when $TMPDIR is another file system: into a .part name first.
	local deb
	for deb in "$tmp"/*.deb; do
		mv "$deb" "$DIR/debs/.part"
		mv "$DIR/debs/.part" "$DIR/debs/${deb##*/}"
	done
	rmdir "$tmp"
}

deb_of() { ls "$DIR/debs/$1"_*.deb 2>/dev/null | head -n1; }

step_download() {
	download "linux-image-$KV" "linux-headers-$KV" \
		"linux-headers-$ABI-common" "linux-kbuild-$KBRANCH" \
		busybox-static
}

step_download_source() {
	download "linux-source-$KBRANCH"
}

# Unpack all debs into root.tmp, fix the headers, then rename to root.
step_unpack() {
	local tmp=$DIR/root.tmp deb
	rm -rf "$tmp"
	for deb in "linux-image-$KV" "linux-headers-$KV" \
		"linux-headers-$ABI-common" "linux-kbuild-$KBRANCH" \
		busybox-static; do
		[ -n "$(deb_of "$deb")" ] || die "missing $deb in $DIR/debs"
		dpkg-deb -x "$(deb_of "$deb")" "$tmp"
	done
	# The arch headers' Makefile includes the -common one by its absolute
	# install path; point it into the cache instead.
	sed -i "s#^include /usr/src/#include $ROOT/usr/src/#" \
		"$tmp/usr/src/linux-headers-$KV/Makefile"
	grep -q "^include $ROOT/usr/src/" "$tmp/usr/src/linux-headers-$KV/Makefile" ||
		die "unexpected headers Makefile layout"
	# Debian generates modules.dep at install time (postinst); do it here.
	"$tmp/bin/busybox" depmod -b "$tmp" "$KV"
	rm -rf "$ROOT"
	mv "$tmp" "$ROOT"
}

# vmlinuz is a bzImage whose payload is an xz stream: take it out, so QEMU
# can boot the ELF vmlinux through its PVH note (faster than real-mode boot).
step_vmlinux() {
	local z=$ROOT/boot/vmlinuz-$KV off
	off=$(grep -abo $'\xfd7zXZ' "$z" | head -n1 | cut -d: -f1)
	[ -n "$off" ] || die "no xz payload in $z"
	# xz complains about the trailing bytes after the stream; the ELF check
	# below is what tells success.
	tail -c +$((off + 1)) "$z" | xz -dc --single-stream >"$DIR/vmlinux.tmp" 2>/dev/null || true
	[ "$(head -c4 "$DIR/vmlinux.tmp" | od -An -c | tr -d ' ')" = '177ELF' ] ||
		die "extracted vmlinux is not an ELF file"
	mv "$DIR/vmlinux.tmp" "$DIR/vmlinux"
}

# The inner tarball of linux-source-6.1 (one per branch), unpacked from the
# deb into the cache once.
source_tarball() {
	local t=$DIR/src/linux-source-$KBRANCH.tar.xz tmp
	if [ ! -e "$t" ]; then
		tmp=$(mktemp -d "$DIR/src.tmp.XXXXXX")
		dpkg-deb --fsys-tarfile "$(deb_of "linux-source-$KBRANCH")" |
			tar -x -C "$tmp" "./usr/src/linux-source-$KBRANCH.tar.xz"
		mkdir -p "$DIR/src"
		mv "$tmp/usr/src/linux-source-$KBRANCH.tar.xz" "$t"
		rm -rf "$tmp"
	fi
	echo "$t"
}

# The Debian version of the cached linux-source deb (e.g. 6.1.192-2): what
# the source tree of "source" was unpacked from.
source_version() {
	local deb v
	deb=$(deb_of "linux-source-$KBRANCH")
	[ -n "$deb" ] || die "no linux-source-$KBRANCH deb in $DIR/debs"
	v=$(dpkg-deb -f "$deb" Version)
	[ -n "$v" ] || die "cannot read the version of $deb"
	echo "$v"
}

# Only the few members lint and the selftests need, not the whole tree.
step_source_bits() {
	local tar top=linux-source-$KBRANCH tmp=$DIR/bits.tmp
	tar=$(source_tarball)
	rm -rf "$tmp"
	mkdir -p "$tmp"
	tar -xJf "$tar" -C "$tmp" \
		"$top/tools/testing/selftests/kselftest_harness.h" \
		"$top/tools/testing/selftests/kselftest.h" \
		"$top/scripts/checkpatch.pl" \
		"$top/scripts/spelling.txt" \
		"$top/scripts/const_structs.checkpatch"
	rm -rf "$DIR/harness" "$DIR/checkpatch"
	mv "$tmp/$top/tools/testing/selftests" "$DIR/harness"
	mv "$tmp/$top/scripts" "$DIR/checkpatch"
	rm -rf "$tmp"
}

step_source_tree() {
	local tar tmp=$DIR/linux-source.tmp
	tar=$(source_tarball)
	rm -rf "$tmp"
	mkdir -p "$tmp"
	tar -xJf "$tar" -C "$tmp"
	rm -rf "$DIR/linux-source"
	mv "$tmp/linux-source-$KBRANCH" "$DIR/linux-source"
	rmdir "$tmp"
}

ensure_kernel() {
	run_step download step_download
	run_step unpack step_unpack
	run_step vmlinux step_vmlinux
}

ensure_source_bits() {
	run_step download-source step_download_source
	run_step source-bits step_source_bits
}

usage() {
	sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
	exit 2
}

main() {
	case "${1:-}" in
	version) echo "$KV" ;;
	dir) mkdir -p "$DIR"; echo "$DIR" ;;
	kdir) ensure_kernel; echo "$KDIR" ;;
	image) ensure_kernel; echo "$DIR/vmlinux" ;;
	modules) ensure_kernel; echo "$ROOT/lib/modules/$KV" ;;
	busybox) ensure_kernel; echo "$ROOT/bin/busybox" ;;
	harness) ensure_source_bits; echo "$DIR/harness" ;;
	checkpatch) ensure_source_bits; echo "$DIR/checkpatch/checkpatch.pl" ;;
	source)
		run_step download-source step_download_source
		run_step source-tree step_source_tree
		echo "$DIR/linux-source"
		;;
	source-version)
		run_step download-source step_download_source
		source_version
		;;
	*) usage ;;
	esac
}

main "$@"
