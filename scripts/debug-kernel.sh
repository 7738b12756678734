#!/bin/bash
# Debug kernel for the "make check-debug" lane: Debian's linux-source-6.1
# (from scripts/kernel.sh source) configured as x86_64_defconfig +
# kvm_guest.config + tools/testing/vm/debug-kernel.config (KASAN, lockdep,
# kmemleak, fault injection; our module set as modules), built out of tree.
#
#   scripts/debug-kernel.sh build     build if needed; print the kernel release
#   scripts/debug-kernel.sh release   kernel release (6.1.N-vmdev-debug)
#   scripts/debug-kernel.sh path      cache directory of this build
#   scripts/debug-kernel.sh kdir      build tree for "make -C KDIR M=... modules"
#   scripts/debug-kernel.sh image     bzImage
#
# Every subcommand builds first when the build is absent.  One line goes to
# stdout; progress to stderr, the full make output to build.log in the cache
# directory.  The cache directory is keyed by the linux-source package version,
# the compiler, the build recipe below, the patches and a hash of the option
# lines of the config fragment: an unchanged fragment reuses the build, a changed option
# builds anew (comments do not count).  Builds run in a temporary directory
# renamed into place on success, under a flock per key.  Layout of
# <cache>/debug-kernel/<source version>-<key>/:
#
#   build/               O= tree (.config, Module.symvers, arch/x86/boot/bzImage)
#   mods/lib/modules/R/  modules_install output, with modules.dep
#   release              kernel release R
#   fragment.config      the fragment it was built from
#   key                  what the key hashes
#   build.log            configure + make output
#
# The build tree refers to its source tree by absolute path: KDIR needs both.
# That is scripts/kernel.sh source, or, when tools/testing/vm/
# debug-kernel-patches/ holds patches, <cache>/debug-kernel/source-<source
# version>-<patches hash>/, a hard-linked copy with the patches applied.
#
# Environment: VMDEV_CACHE (cache root, as for scripts/kernel.sh).
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/cache-build.sh
. "$REPO/scripts/cache-build.sh"
KERNEL_SH=$REPO/scripts/kernel.sh
FRAGMENT=$REPO/tools/testing/vm/debug-kernel.config
# Patches to Debian's source for this lane only (each says why).
PATCH_DIR=$REPO/tools/testing/vm/debug-kernel-patches
CACHE=${VMDEV_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vhost-mdev}
TOP=$CACHE/debug-kernel

# The build recipe: everything here that changes the output is in the key.
# Bump RECIPE_REV when changing how the build runs in a way these strings do
# not show.
RECIPE_REV=1
BASE_DEFCONFIG=x86_64_defconfig
BASE_FRAGMENTS=kernel/configs/kvm_guest.config
MAKE_TARGETS="bzImage modules"

# Host tools a kernel build needs beyond scripts/deps.sh's compiler: fail
# early with the package names rather than deep in make.
check_tools() {
	local missing=() t
	for t in make gcc bc bison flex perl depmod flock sha256sum patch; do
		command -v "$t" >/dev/null || missing+=("$t")
	done
	[ -e /usr/include/libelf.h ] || missing+=("libelf.h (libelf-dev)")
	[ -e /usr/include/openssl/bio.h ] || missing+=("openssl headers (libssl-dev)")
	[ ${#missing[@]} -eq 0 ] ||
		die "missing ${missing[*]}; install: bc bison flex libelf-dev libssl-dev kmod"
}

# --- cache key --------------------------------------------------------

# Source tree and the Debian version of the linux-source package it came
# from.  With patches in PATCH_DIR, the tree is a patched copy (see
# patched_source); Debian's own tree in the kernel cache stays pristine.
locate_source() {
	DEBIAN_SRC=$("$KERNEL_SH" source)
	SRCVER=$("$KERNEL_SH" source-version)
	[ -n "$SRCVER" ] || die "cannot tell the linux-source version"
}

# The patches, in the order they apply.
key_inputs() {
	echo "source linux-source $SRCVER"
	echo "recipe $RECIPE_REV $BASE_DEFCONFIG $BASE_FRAGMENTS $MAKE_TARGETS"
	echo "compiler $(gcc --version | head -n1)"
	echo "fragment $(fragment_options | sha256sum | cut -c1-64)"
	echo "patches $(series_hash "$PATCH_DIR")"
}

# The option lines of the fragment, in order: editing a comment rebuilds
# nothing.
fragment_options() {
	grep -E '^(CONFIG_[A-Za-z0-9_]+=|# CONFIG_[A-Za-z0-9_]+ is not set$)' "$FRAGMENT" || true
}

locate() {
	[ -r "$FRAGMENT" ] || die "no $FRAGMENT"
	locate_source
	NAME=$SRCVER-$(key_inputs | sha256sum | cut -c1-12)
	DEST=$TOP/$NAME
	if [ -n "$(series_files "$PATCH_DIR")" ]; then
		SRC=$TOP/source-$SRCVER-$(series_hash "$PATCH_DIR")
	else
		SRC=$DEBIAN_SRC
	fi
}

# The build tree names its source tree by absolute path, so the patched copy
# lives beside the builds, keyed by source version and patches, and is made
# once: hard links to Debian's tree (no extra space), each file a patch
# touches replaced by a real copy first so that Debian's tree stays pristine.
patched_source() {
	[ "$SRC" = "$DEBIAN_SRC" ] && return 0
	[ -e "$SRC/.patched" ] && return 0
	(
		flock 9
		[ -e "$SRC/.patched" ] && exit 0
		local tmp p f
		rm -rf "$SRC.tmp"
		log "patched source: $SRC"
		cp -al "$DEBIAN_SRC" "$SRC.tmp" 2>/dev/null ||
			{ rm -rf "$SRC.tmp"; cp -a "$DEBIAN_SRC" "$SRC.tmp"; }
		for p in $(series_files "$PATCH_DIR"); do
			for f in $(sed -n 's#^+++ b/\([^	 ]*\).*#\1#p' "$p"); do
				[ -e "$SRC.tmp/$f" ] || continue
				cp "$SRC.tmp/$f" "$SRC.tmp/$f.unlink" &&
					mv -f "$SRC.tmp/$f.unlink" "$SRC.tmp/$f"
			done
			patch -d "$SRC.tmp" -p1 --no-backup-if-mismatch -s <"$p" ||
				die "$p does not apply to linux-source $SRCVER"
		done
		touch "$SRC.tmp/.patched"
		rm -rf "$SRC"
		mv -T "$SRC.tmp" "$SRC"
	) 9>"$TOP/.lock-source"
}

# --- build ------------------------------------------------------------

# Every line of the fragment against the final .config.  "=n" and "is not
# set" also accept an absent option (its dependencies are off).
check_config() {
	local frag=$1 cfg=$2 line name want have bad=0
	while IFS= read -r line; do
		case $line in
		CONFIG_*=*)
			name=${line%%=*}
			want=${line#*=}
			;;
		"# CONFIG_"*" is not set")
			name=${line#\# }
			name=${name%% *}
			want=n
			;;
		*) continue ;;
		esac
		have=$(grep -m1 "^$name=" "$cfg" | cut -d= -f2- || true)
		[ -n "$have" ] || have=n
		if [ "$have" != "$want" ]; then
			log "config: $name: fragment asks $want, final .config has $have"
			bad=1
		fi
	done <"$frag"
	return $bad
}
build_into() {
	local tmp=$1 b=$1/build rel f frags=() mk=(make -C "$SRC" O="$1/build")
	mkdir -p "$b"
	cp "$FRAGMENT" "$tmp/fragment.config"
	key_inputs >"$tmp/key"
	run "configure: $BASE_DEFCONFIG" "${mk[@]}" "$BASE_DEFCONFIG"
	for f in $BASE_FRAGMENTS; do
		frags+=("$SRC/$f")
	done
	run "merge: $BASE_FRAGMENTS + ${FRAGMENT#"$REPO"/}" \
		env KCONFIG_CONFIG="$b/.config" \
		"$SRC/scripts/kconfig/merge_config.sh" -m -O "$b" "$b/.config" \
		"${frags[@]}" "$tmp/fragment.config"
	run "olddefconfig" "${mk[@]}" olddefconfig
	check_config "$tmp/fragment.config" "$b/.config" ||
		die "options of ${FRAGMENT#"$REPO"/} did not stick (fix the fragment)"
	# shellcheck disable=SC2086 # one word per target
	run "make -j$(nproc) $MAKE_TARGETS (takes a while)" \
		"${mk[@]}" -j"$(nproc)" $MAKE_TARGETS
	rel=$(cat "$b/include/config/kernel.release")
	run "modules_install" "${mk[@]}" INSTALL_MOD_PATH="$tmp/mods" modules_install
	# modules_install points build at the temporary tree: at the final one.
	ln -sfn "$DEST/build" "$tmp/mods/lib/modules/$rel/build"
	[ -s "$b/Module.symvers" ] || die "no Module.symvers"
	[ -e "$b/arch/x86/boot/bzImage" ] || die "no bzImage"
	echo "$rel" >"$tmp/release"
}

ensure_built() {
	locate
	[ -e "$DEST/release" ] && return 0
	check_tools
	mkdir -p "$TOP"
	patched_source
	cached_build release
}

main() {
	case "${1:-}" in
	build|release) ensure_built; cat "$DEST/release" ;;
	path) ensure_built; echo "$DEST" ;;
	kdir) ensure_built; echo "$DEST/build" ;;
	image) ensure_built; echo "$DEST/build/arch/x86/boot/bzImage" ;;
	*) usage ;;
	esac
}

main "$@"
