#!/bin/bash
# QEMU from Debian 12's source package, built minimal (x86_64 system
# emulator: KVM and TCG, vhost-net/vhost-kernel/vhost-vdpa, VFIO, no GUI,
# no docs), with the project's patch series (tools/qemu/*.patch) on top,
# then its test-only patches (tools/qemu/test-only/*.patch: what the test
# VM needs and upstream does not, such as an SR-IOV virtio-net-pci).
#
#   scripts/qemu.sh src        fetch and unpack Debian's qemu source (Debian's
#                              patches applied) if absent; print the tree
#   scripts/qemu.sh version    Debian version of that source (1:7.2+dfsg-...)
#   scripts/qemu.sh refresh    ask the mirror for a newer qemu source and make
#                              it the current one (the only call that looks)
#   scripts/qemu.sh build      build if needed; print the cache directory
#   scripts/qemu.sh path       build if needed; print the qemu-system-x86_64
#   scripts/qemu.sh qtest      build if needed; print libqos' qos-test
#   scripts/qemu.sh options    the configure options of the build, one a line
#
# One line goes to stdout; progress to stderr, the configure and ninja
# output to build.log in the cache directory.  A warm cache answers at once
# and needs no network: the source version is the one fetched first (or by
# the last "refresh"), never asked again behind the caller's back.
#
# The source comes through a private apt state under the cache (its own
# sources list, package lists, caches and an empty dpkg status): its
# deb-src entries are derived at run time from the machine's Debian
# sources (the configured URIs and suites of this release), so neither the
# system's apt configuration nor its package lists change.
#
# Builds are keyed by the source version, the contents of the series and
# of the test-only patches, the configure options, the compiler and meson
# versions and the recipe below; each runs in a temporary directory renamed
# into place on success, under a flock per key.  Layout of <cache>/qemu/:
#
#   apt/                  the private apt state
#   src/<version>/        Debian's tree (dpkg-source -x), pristine
#   current               the Debian version "src" and the builds use
#   <version>-<key>/      one build:
#     src/                hard-linked copy of the tree, the series applied
#     src/build/          QEMU's build directory
#     bin/qemu-system-x86_64   the binary "path" prints
#     bin/qos-test         the qtest program "qtest" prints
#     key, build.log      what the key hashes; configure + ninja output
#
# Environment: VMDEV_CACHE (cache root, as for scripts/kernel.sh),
# VMDEV_QEMU_JOBS (ninja -j, default 2).
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/cache-build.sh
. "$REPO/scripts/cache-build.sh"
SERIES_DIR=$REPO/tools/qemu
TEST_DIR=$SERIES_DIR/test-only
CACHE=${VMDEV_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vhost-mdev}
TOP=$CACHE/qemu
APT_DIR=$TOP/apt
JOBS=${VMDEV_QEMU_JOBS:-2}

# The build recipe: everything here that changes the output is in the key.
# Bump RECIPE_REV when changing how the build runs in a way these strings do
# not show.
RECIPE_REV=2
TARGET=qemu-system-x86_64
# libqos' test program, with the series' vhost-vfio qtest in it (run in
# the test VM, where the devices are: make check-interop, case qtest).
QTEST=tests/qtest/qos-test
# QEMU 7.2's configure names.  Without default features every optional
# library is off; what the project needs is switched back on: KVM and TCG
# (the test VM runs under TCG), the vhost backends (vhost-vdpa with
# vhost-net gives the vhost-vdpa netdev).  libfdt is not a feature but a
# choice configure makes from what is installed: pinned to the system's.  VFIO has no option: hw/vfio is
# in the default devices of the x86 machines when the host is Linux (the
# build checks that vfio-pci is in).  No tools, no docs, no display.  The
# firmware is Debian's installed QEMU's (qemu-system-data, seabios,
# ipxe-qemu), found where Debian's own build looks for it; those paths lie
# outside the prefix, so QEMU does not relocate them to where the binary
# sits.
CONFIGURE_OPTS=(
	--target-list=x86_64-softmmu
	--without-default-features
	--enable-kvm --enable-tcg
	--enable-vhost-net --enable-vhost-kernel --enable-vhost-vdpa
	--enable-fdt=system
	--disable-docs --disable-tools
	--firmwarepath=/usr/share/qemu:/usr/share/seabios:/usr/lib/ipxe/qemu
)

check_tools() {
	local missing=() t
	for t in apt-get apt-cache apt-config dpkg-source dpkg flock sha256sum \
		patch cc meson ninja pkg-config python3; do
		command -v "$t" >/dev/null || missing+=("$t")
	done
	pkg-config --exists glib-2.0 2>/dev/null || missing+=("glib-2.0")
	pkg-config --exists pixman-1 2>/dev/null || missing+=("pixman-1")
	[ ${#missing[@]} -eq 0 ] ||
		die "missing ${missing[*]}; run scripts/deps.sh --qemu"
}

# --- the private apt state -------------------------------------------

# This release's codename (bookworm): the suites worth a deb-src entry are
# the release, its -updates and its -security (the versions apt installs
# by default); backports and proposed-updates are left out, and so are
# other repositories (third-party suites).
codename() {
	local c
	c=$(awk -F= '$1 == "VERSION_CODENAME" { gsub(/["\047]/, "", $2); print $2 }' /etc/os-release)
	[ -n "$c" ] || die "no VERSION_CODENAME in /etc/os-release"
	echo "$c"
}

# The files apt reads its sources from, as apt itself names them: the main
# list (one-line format) and the parts directory (*.list one-line,
# *.sources deb822; apt ignores other names, so do we).
system_source_files() {
	local SL='' SP=''
	eval "$(apt-config shell SL Dir::Etc::sourcelist/f SP Dir::Etc::sourceparts/d)"
	[ -n "$SL" ] && [ -r "$SL" ] && echo "$SL"
	[ -n "$SP" ] && [ -d "$SP" ] &&
		find "$SP" -maxdepth 1 \( -name '*.list' -o -name '*.sources' \) \
			-type f | sort
	true
}

# deb822 paragraphs with "Types: deb-src" for every enabled "deb" source of
# this release in FILE, keeping the URIs, the suites of this release, the
# key it is signed with (Signed-By, also an inline key) and Trusted; only
# the main component (qemu is in main).
derive_sources() {
	local file=$1 code
	code=$(codename)
	case $file in
	*.sources) awk -v code="$code" '
		function ours(s) { return s == code || s == code "-updates" ||
			s == code "-security" || s == code "/updates" }
		function flush(  n, i, t, s, suites, deb) {
			if (!have) return
			have = 0
			n = split(f["types"], t, /[ \t]+/)
			for (i = 1; i <= n; i++) if (t[i] == "deb") deb = 1
			if (!deb || tolower(f["enabled"]) == "no") { delete f; return }
			n = split(f["suites"], s, /[ \t]+/)
			for (i = 1; i <= n; i++)
				if (ours(s[i])) suites = suites (suites ? " " : "") s[i]
			if (suites == "" || f["uris"] == "") { delete f; return }
			print "Types: deb-src"
			print "URIs: " f["uris"]
			print "Suites: " suites
			print "Components: main"
			if ("signed-by" in f) print "Signed-By: " f["signed-by"]
			if ("trusted" in f) print "Trusted: " f["trusted"]
			print ""
			delete f
		}
		/^#/ { next }
		/^[ \t]*$/ { flush(); cur = ""; next }
		/^[ \t]/ { if (cur != "") f[cur] = f[cur] "\n" $0; next }
		{
			i = index($0, ":")
			if (!i) next
			cur = tolower(substr($0, 1, i - 1))
			v = substr($0, i + 1)
			sub(/^[ \t]+/, "", v)
			sub(/[ \t]+$/, "", v)
			f[cur] = v
			have = 1
		}
		END { flush() }' "$file" ;;
	*) awk -v code="$code" '
		function ours(s) { return s == code || s == code "-updates" ||
			s == code "-security" || s == code "/updates" }
		{ sub(/#.*/, "") }
		$1 != "deb" { next }
		{
			line = $0
			sub(/^[ \t]*deb[ \t]+/, "", line)
			opts = ""
			if (substr(line, 1, 1) == "[") {
				opts = substr(line, 2, index(line, "]") - 2)
				line = substr(line, index(line, "]") + 1)
			}
			n = split(line, w, /[ \t]+/)
			j = 0
			for (i = 1; i <= n; i++) if (w[i] != "") a[++j] = w[i]
			if (j < 2 || !ours(a[2])) next
			print "Types: deb-src"
			print "URIs: " a[1]
			print "Suites: " a[2]
			print "Components: main"
			n = split(opts, o, /[ \t]+/)
			for (i = 1; i <= n; i++) {
				if (o[i] ~ /^signed-by=/) print "Signed-By: " substr(o[i], 11)
				if (o[i] == "trusted=yes") print "Trusted: yes"
			}
			print ""
		}' "$file" ;;
	esac
}

# apt with every piece of state under APT_DIR.  As root, apt drops to the
# _apt user to download, which cannot reach a cache under /root: the
# downloads of this private state run as the caller.
apt_private() {
	local cmd=$1
	shift
	local -a o=(
		-o "Dir::Etc::sourcelist=$APT_DIR/sources.sources"
		-o Dir::Etc::sourceparts=-
		-o "Dir::State::Lists=$APT_DIR/lists"
		-o "Dir::Cache=$APT_DIR/cache"
		-o "Dir::State::status=$APT_DIR/status"
	)
	[ "$(id -u)" -ne 0 ] || o+=(-o APT::Sandbox::User=root)
	"$cmd" "${o[@]}" "$@"
}

# Write the sources (only when they changed) and update the package lists.
apt_update() {
	local f new=$APT_DIR/sources.sources.new
	mkdir -p "$APT_DIR/lists/partial" "$APT_DIR/cache/archives/partial"
	[ -e "$APT_DIR/status" ] || : >"$APT_DIR/status"
	for f in $(system_source_files); do
		derive_sources "$f"
	done >"$new"
	[ -s "$new" ] || die "no Debian $(codename) source among the configured apt sources"
	mv "$new" "$APT_DIR/sources.sources"
	log "apt-get update (private state in $APT_DIR)"
	apt_private apt-get update -q >&2 ||
		log "warning: apt-get update reported errors (continuing if qemu is known)"
}

# The newest qemu source version the private lists know.
newest_version() {
	local v best=''
	for v in $(apt_private apt-cache showsrc --only-source qemu 2>/dev/null |
		awk '$1 == "Package:" { p = $2 } $1 == "Version:" && p == "qemu" { print $2 }'); do
		if [ -z "$best" ] || dpkg --compare-versions "$v" gt "$best"; then
			best=$v
		fi
	done
	echo "$best"
}

# A directory name from a Debian version: the epoch dropped (one package,
# one epoch), nothing a shell or make would trip over.
dir_version() {
	local v=${1#*:}
	echo "${v//[^A-Za-z0-9.+~-]/_}"
}

# Fetch and unpack source version VER into src/<version>/ unless there.
fetch_source() {
	local ver=$1 dest tmp
	dest=$TOP/src/$(dir_version "$ver")
	[ -e "$dest/.vmdev-version" ] && return 0
	mkdir -p "$TOP/src"
	tmp=$(mktemp -d "$TOP/src/.tmp.XXXXXX")
	log "downloading qemu $ver"
	(cd "$tmp" && apt_private apt-get source -q --download-only "qemu=$ver" >&2) ||
		{ rm -rf "$tmp"; die "cannot download the qemu $ver source"; }
	log "unpacking with Debian's patches (dpkg-source -x)"
	# apt checked the files against the signed Sources index; dpkg-source
	# only warns when it has no keyring for the .dsc signature.
	(cd "$tmp" && dpkg-source -x qemu_*.dsc tree >"$tmp/unpack.log" 2>&1) ||
		{ cat "$tmp/unpack.log" >&2; rm -rf "$tmp"; die "dpkg-source -x failed"; }
	echo "$ver" >"$tmp/tree/.vmdev-version"
	rm -rf "$dest"
	mv -T "$tmp/tree" "$dest"
	mkdir -p "$TOP/dl"
	mv "$tmp"/qemu_* "$TOP/dl/"
	rm -rf "$tmp"
}

# Make VER the current source: fetched, unpacked, recorded.
use_version() {
	fetch_source "$1"
	echo "$1" >"$TOP/current.new"
	mv "$TOP/current.new" "$TOP/current"
	log "current qemu source: $1"
}

ensure_source() {
	[ -s "$TOP/current" ] &&
		[ -e "$TOP/src/$(dir_version "$(cat "$TOP/current")")/.vmdev-version" ] &&
		return 0
	check_tools
	mkdir -p "$TOP"
	(
		flock 9
		if [ -s "$TOP/current" ]; then
			fetch_source "$(cat "$TOP/current")"
			exit 0
		fi
		apt_update
		ver=$(newest_version)
		[ -n "$ver" ] || die "apt knows no qemu source for $(codename)"
		use_version "$ver"
	) 9>"$TOP/.lock-source"
}

refresh() {
	check_tools
	mkdir -p "$TOP"
	(
		flock 9
		apt_update
		ver=$(newest_version)
		[ -n "$ver" ] || die "apt knows no qemu source for $(codename)"
		if [ -s "$TOP/current" ] && [ "$(cat "$TOP/current")" = "$ver" ]; then
			log "qemu $ver is the newest; nothing to do"
		else
			use_version "$ver"
		fi
	) 9>"$TOP/.lock-source"
}

locate_source() {
	ensure_source
	SRCVER=$(cat "$TOP/current")
	DEBIAN_SRC=$TOP/src/$(dir_version "$SRCVER")
}

# --- build ------------------------------------------------------------

# The series, in the order it applies.
key_inputs() {
	echo "source qemu $SRCVER"
	echo "recipe $RECIPE_REV $TARGET"
	echo "configure ${CONFIGURE_OPTS[*]}"
	echo "compiler $(cc --version | head -n1)"
	echo "meson $(meson --version)"
	echo "patches $(series_hash "$SERIES_DIR")"
	echo "test-only $(series_hash "$TEST_DIR")"
}

locate() {
	locate_source
	# Which Debian source and which series, in "qemu-system-x86_64
	# --version" (in the key through the options).
	local series="no vhost-mdev series"
	[ -z "$(series_files "$SERIES_DIR")" ] ||
		series="vhost-mdev series $(series_files "$SERIES_DIR" | wc -l) patches $(series_hash "$SERIES_DIR")"
	[ -z "$(series_files "$TEST_DIR")" ] ||
		series+=", test-only $(series_files "$TEST_DIR" | wc -l) $(series_hash "$TEST_DIR")"
	CONFIGURE_OPTS+=("--with-pkgversion=Debian $SRCVER, $series")
	NAME=$(dir_version "$SRCVER")-$(key_inputs | sha256sum | cut -c1-12)
	DEST=$TOP/$NAME
}
# Debian's tree hard-linked into SRC (no extra space), each file a patch
# touches replaced by a real copy first so that Debian's tree stays
# pristine; then the series on top, and the test-only patches on it.
copy_and_patch() {
	local src=$1 p f
	cp -al "$DEBIAN_SRC" "$src" 2>/dev/null ||
		{ rm -rf "$src"; cp -a "$DEBIAN_SRC" "$src"; }
	for p in $(series_files "$SERIES_DIR") $(series_files "$TEST_DIR"); do
		while IFS= read -r f; do
			[ -e "$src/$f" ] || continue
			cp "$src/$f" "$src/$f.unlink" && mv -f "$src/$f.unlink" "$src/$f"
		done < <(sed -n 's#^+++ b/\([^	 ]*\).*#\1#p' "$p")
		run "apply ${p#"$REPO"/}" patch -d "$src" -p1 --no-backup-if-mismatch <"$p"
	done
}

# in_dir DIR CMD...: CMD run in DIR (QEMU's configure works in the
# current directory).
in_dir() {
	local dir=$1
	shift
	(cd "$dir" && "$@")
}

build_into() {
	local tmp=$1 src=$1/src
	key_inputs >"$tmp/key"
	copy_and_patch "$src"
	mkdir -p "$src/build"
	run "configure ${CONFIGURE_OPTS[*]}" in_dir "$src/build" ../configure "${CONFIGURE_OPTS[@]}"
	# The options are only worth their name if what the project needs is in.
	grep -qE '^#define CONFIG_VHOST_NET_VDPA( 1)?$' "$src/build/config-host.h" ||
		die "configure left out the vhost-vdpa netdev"
	run "ninja -j$JOBS $TARGET $QTEST (takes a while)" \
		ninja -C "$src/build" -j"$JOBS" "$TARGET" "$QTEST"
	mkdir -p "$tmp/bin"
	cp "$src/build/$TARGET" "$tmp/bin/$TARGET"
	cp "$src/build/$QTEST" "$tmp/bin/"
	"$tmp/bin/$TARGET" -device help 2>/dev/null | grep -q '"vfio-pci"' ||
		die "$TARGET has no vfio-pci device"
}

ensure_built() {
	locate
	[ -x "$DEST/bin/$TARGET" ] && return 0
	check_tools
	cached_build "bin/$TARGET"
}

main() {
	case "${1:-}" in
	src) locate_source; echo "$DEBIAN_SRC" ;;
	version) locate_source; echo "$SRCVER" ;;
	refresh) refresh; cat "$TOP/current" ;;
	build) ensure_built; echo "$DEST" ;;
	path) ensure_built; echo "$DEST/bin/$TARGET" ;;
	qtest) ensure_built; echo "$DEST/bin/${QTEST##*/}" ;;
	options) locate; printf '%s\n' "${CONFIGURE_OPTS[@]}" ;;
	*) usage ;;
	esac
}

main "$@"
