#!/bin/bash
# The real clients, packed for the test VM: one uncompressed cpio archive
# that tools/testing/vm/run --cpio merges into the guest's root, holding
#
#   - Debian's dpdk-testpmd with its libraries and the PMD plugin directory
#     (the net_virtio PMD, the ring mempool driver, the buses), and
#     coreutils' stdbuf;
#   - Debian's qemu-system-x86_64 with its libraries and the firmware a
#     -kernel boot needs (SeaBIOS, the PVH and linuxboot option ROMs);
#   - for that nested (L2) guest: Debian's vmlinux, the same kernel the test
#     VM boots, as /interop/l2/vmlinux, and /interop/l2/initrd, a busybox
#     initramfs with virtio_net and l2-init (beside this file) as /init.
#
#   tools/testing/interop/bundle.sh        build if needed; print its path
#
# Too big for the runner's cached base (~130 MiB), which every make check
# boots, so an archive of its own: cached in the kernel cache directory
# (interop/clients-<key>.cpio), keyed by the kernel version, the Debian
# versions of the client packages, this script and l2-init; built in a
# temporary file renamed into place, under a flock.  Uncompressed: the
# guest unpacks it ~10x faster than a gzipped one under TCG.
# The packages are scripts/deps.sh --interop's.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../../.." && pwd)
KERNEL_SH=$REPO/scripts/kernel.sh
# norm, module_closure, copy_with_libs
. "$REPO/tools/testing/vm/initramfs.sh"

# The Debian packages whose files go in; their versions key the archive.
PACKAGES="coreutils ethtool dpdk-dev librte-net-virtio23 librte-mempool-ring23 qemu-system-x86 seabios"
# DPDK loads every shared object of its plugin directory (its build's
# RTE_EAL_PMD_PATH) at start: there, only what a virtio_user port on a
# vhost-vdpa node needs.  What testpmd links directly lands there too
# (Debian's libraries are symlinks into it).
PMD_DIR=/usr/lib/x86_64-linux-gnu/dpdk/pmds-23.0
PMDS="net_virtio mempool_ring bus_vdev bus_pci"
# A -kernel boot of the PVH vmlinux with SeaBIOS, no VGA, no network ROM
# (the L2 NIC is given romfile=).  QEMU looks in /usr/share/qemu, then
# /usr/share/seabios (Debian's firmware path).
QEMU_FIRMWARE="/usr/share/seabios/bios-256k.bin /usr/share/qemu/pvh.bin
	/usr/share/qemu/linuxboot_dma.bin /usr/share/qemu/kvmvapic.bin"
# Debian's QEMU builds TCG as a loadable module.
QEMU_MODULES=/usr/lib/x86_64-linux-gnu/qemu/accel-tcg-x86_64.so
# The L2 guest's modules: its NIC is a virtio-net-pci function.
L2_MODULES="virtio_pci virtio_net"

log() { echo "bundle.sh: $*" >&2; }
die() { log "error: $*"; exit 1; }

usage() {
	sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
	exit 2
}

check_packages() {
	local p
	for p in $PACKAGES; do
		dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q ' installed$' ||
			die "$p is not installed: scripts/deps.sh --interop"
	done
}

key_inputs() {
	local p
	echo "$KV"
	for p in $PACKAGES; do
		echo "$p $(dpkg-query -W -f '${Version}' "$p")"
	done
	cat "$0" "$HERE/l2-init" "$REPO/tools/testing/vm/initramfs.sh"
}

# PATH into STAGE as the host has it: each symlink of its chain as a
# symlink, the file at its end as a file, directories resolved (Debian's
# /lib is a symlink to usr/lib; in the guest both are real directories).
# DPDK needs this: a PMD that testpmd links and that EAL also loads from
# the plugin directory must be one file, or it registers twice.
copy_as_host() {
	local stage=$1 p=$2 t
	while :; do
		p=$(readlink -f "$(dirname "$p")")/$(basename "$p")
		[ -e "$stage$p" ] || [ -L "$stage$p" ] && return 0
		mkdir -p "$stage$(dirname "$p")"
		if [ ! -L "$p" ]; then
			cp "$p" "$stage$p"
			return 0
		fi
		cp -P "$p" "$stage$p"
		t=$(readlink "$p")
		case $t in
		/*) p=$t ;;
		*) p=$(dirname "$p")/$t ;;
		esac
	done
}

# PROG (a path) and the libraries ldd names, with copy_as_host.
copy_prog() {
	local stage=$1 f
	for f in "$2" $(ldd "$2" | grep -oE '/[^ ]+'); do
		copy_as_host "$stage" "$f"
	done
}

stage_dpdk() {
	local stage=$1 pmd f
	copy_prog "$stage" /usr/bin/dpdk-testpmd
	# testpmd's answers go through stdio, fully buffered into a file or
	# a pipe: clients.sh reads them line-buffered through stdbuf.
	copy_prog "$stage" /usr/bin/stdbuf
	copy_prog "$stage" /usr/libexec/coreutils/libstdbuf.so
	for pmd in $PMDS; do
		for f in "$PMD_DIR/librte_$pmd".so*; do
			[ -e "$f" ] || die "no $f: scripts/deps.sh --interop"
			copy_prog "$stage" "$f"
		done
	done
}

stage_qemu() {
	local stage=$1 f
	copy_prog "$stage" /usr/bin/qemu-system-x86_64
	for f in $QEMU_MODULES; do
		copy_prog "$stage" "$f"
	done
	for f in $QEMU_FIRMWARE; do
		[ -e "$f" ] || die "no $f"
		copy_as_host "$stage" "$f"
	done
}

# The L2 guest's initramfs: busybox (its applets installed by l2-init),
# the modules with a modules.dep, l2-init as /init.
l2_initrd() {
	local out=$1 stage mods path
	stage=$(mktemp -d)
	mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp}
	cp "$("$KERNEL_SH" busybox)" "$stage/bin/busybox"
	cp "$HERE/l2-init" "$stage/init"
	chmod 755 "$stage/init"
	# Debian's ethtool (busybox has none) for interop.queues, with its
	# libraries, as the host has them (usr-merged: its interpreter
	# /lib64/ld-linux-x86-64.so.2 links to /lib/x86_64-linux-gnu/); /lib
	# itself is a real directory here, for the modules.
	copy_prog "$stage" /usr/sbin/ethtool
	ln -s usr/lib64 "$stage/lib64"
	mkdir -p "$stage/lib"
	ln -s ../usr/lib/x86_64-linux-gnu "$stage/lib/x86_64-linux-gnu"
	# shellcheck disable=SC2086 # one word per module
	mods=$(module_closure "$MODDIR" $L2_MODULES)
	for path in $mods; do
		mkdir -p "$stage/lib/modules/$KV/$(dirname "$path")"
		cp "$MODDIR/$path" "$stage/lib/modules/$KV/$path"
	done
	"$stage/bin/busybox" depmod -b "$stage" "$KV"
	(cd "$stage" && find . | cpio -o -H newc --quiet | gzip -1) >"$out"
	rm -rf "$stage"
}

build() {
	local out=$1 stage
	stage=$(mktemp -d "$DIR/stage.XXXXXX")
	stage_dpdk "$stage"
	stage_qemu "$stage"
	mkdir -p "$stage/interop/l2"
	cp "$("$KERNEL_SH" image)" "$stage/interop/l2/vmlinux"
	l2_initrd "$stage/interop/l2/initrd"
	(cd "$stage" && find . | cpio -o -H newc --quiet) >"$out"
	rm -rf "$stage"
}

main() {
	local key out start
	[ $# -eq 0 ] || usage
	check_packages
	KV=$("$KERNEL_SH" version)
	export VMDEV_KV=$KV
	MODDIR=$("$KERNEL_SH" modules)
	DIR=$("$KERNEL_SH" dir)/interop
	key=$(key_inputs | md5sum | cut -c1-12)
	out=$DIR/clients-$key.cpio
	mkdir -p "$DIR"
	(
		flock 9
		if [ ! -e "$out" ]; then
			start=$(date +%s)
			log "packing DPDK, QEMU and the L2 guest ($KV)"
			rm -rf "$DIR"/stage.*
			build "$out.tmp"
			rm -f "$DIR"/clients-*.cpio
			mv "$out.tmp" "$out"
			log "$(du -m "$out" | cut -f1) MiB in $(($(date +%s) - start)) s"
		fi
	) 9>"$DIR/.lock"
	echo "$out"
}

main "$@"
