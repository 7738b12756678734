#!/bin/bash
# Upstream Linux vDPA, the peer our devices are tested and measured against:
# vringh, vdpa, vhost_vdpa, vdpa_sim and vdpa_sim_net, and for hardware
# functions vp_vdpa (upstream's vDPA driver for virtio-pci functions) and
# virtio_vdpa (its virtio bus driver, the kernel personality's peer), built
# out of tree from Debian's linux-source-6.1 (scripts/kernel.sh source)
# against the headers of the kernel the test VM boots, into the kernel
# cache.  Nothing of it enters the repository.
#
#   scripts/upstream-vdpa.sh build   build if needed; print the directory
#   scripts/upstream-vdpa.sh path    the same
#   scripts/upstream-vdpa.sh ko      the peer's five .ko files, one a line,
#                                    in load order
#   scripts/upstream-vdpa.sh ko hw   the same, then vp_vdpa and virtio_vdpa
#                                    (what make bench carries)
#
# vp_vdpa has no ID table (dynamic IDs only): it never matches a function
# by itself, only one whose driver_override names it ("vp-vdpa"), and it
# has no alias by which anything could load it; virtio_vdpa would take
# every new vdpa device that has no driver_override if it were loaded, and
# nothing loads it either.  make check-interop carries the five alone all
# the same: its VM is what it always was.
#
# Why this works on Debian's 6.1, which ships none of it (CONFIG_VDPA and
# CONFIG_VHOST_RING unset): the modules need only what Debian does build
# as modules and export, vhost (vhost_dev_init, vhost_chr_*, ...),
# vhost_iotlb and irqbypass, virtio_pci_modern_dev (vp_modern_*: Debian
# sets CONFIG_VIRTIO_PCI_LIB=m) and virtio and virtio_ring (CONFIG_VIRTIO=m),
# plus vmlinux (alloc_iova, genetlink, ...).
# drivers/vhost/vhost.h, private and absent from the headers package, comes
# from the source of the very same Debian version, so the struct layouts it
# declares are those Debian's vhost.ko was compiled with.  Debian enables
# CONFIG_MODVERSIONS: modpost takes the CRCs of what we import from the
# headers' Module.symvers, and check_crcs below compares them with the
# __crc_ symbols of the shipped .ko files, so a mismatch is found here,
# not as "disagrees about version of symbol" in the VM.
#
# The cache directory is <cache>/<kernel version>/upstream-vdpa/<source
# version>-<key>/, keyed by the linux-source package version, the compiler
# and this recipe; the build runs in a temporary directory renamed into
# place on success, under a flock.  It holds the .ko files, the copied
# sources they were built from, build.log and crc.log.
#
# Environment: VMDEV_CACHE (cache root), VMDEV_KV (kernel version), as for
# scripts/kernel.sh.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
KERNEL_SH=$REPO/scripts/kernel.sh

# Bump when the recipe changes in a way the key below does not show.
RECIPE_REV=1
# Module, then the source files (from the linux-source tree) it is built
# from; the first .c is the object, everything else is copied beside it.
# Load order: dependencies first.  PEER_MODULES are the peer ("ko"),
# HW_MODULES the hardware functions' drivers ("ko hw" adds them).
PEER_MODULES=(
	"vringh drivers/vhost/vringh.c"
	"vdpa drivers/vdpa/vdpa.c"
	"vhost_vdpa drivers/vhost/vdpa.c drivers/vhost/vhost.h"
	"vdpa_sim drivers/vdpa/vdpa_sim/vdpa_sim.c drivers/vdpa/vdpa_sim/vdpa_sim.h"
	"vdpa_sim_net drivers/vdpa/vdpa_sim/vdpa_sim_net.c"
)
HW_MODULES=(
	"vp_vdpa drivers/vdpa/virtio_pci/vp_vdpa.c"
	"virtio_vdpa drivers/virtio/virtio_vdpa.c"
)
MODULES=("${PEER_MODULES[@]}" "${HW_MODULES[@]}")
# The Kconfig symbols Debian leaves unset, as modules.  Nothing in these
# sources or in include/ tests them with IS_ENABLED(); the command line
# sets them for kbuild's sake and to say what is being built.
CONFIGS="VHOST_RING VDPA VHOST_VDPA VDPA_SIM VDPA_SIM_NET VP_VDPA VIRTIO_VDPA"

log() { echo "upstream-vdpa.sh: $*" >&2; }
die() { log "error: $*"; exit 1; }

usage() {
	sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
	exit 2
}

locate() {
	KV=$("$KERNEL_SH" version)
	export VMDEV_KV=$KV
	KDIR=$("$KERNEL_SH" kdir)
	SRCVER=$("$KERNEL_SH" source-version)
	KDEBS=$("$KERNEL_SH" dir)/debs
	MODDIR=$("$KERNEL_SH" modules)
	TOP=$("$KERNEL_SH" dir)/upstream-vdpa
	NAME=$SRCVER-$(key_inputs | sha256sum | cut -c1-12)
	DEST=$TOP/$NAME
}

key_inputs() {
	echo "recipe $RECIPE_REV ${MODULES[*]} $CONFIGS"
	echo "compiler $(gcc --version | head -n1)"
}

# The source must be that of the kernel under test, not merely the same
# branch: the image and the source debs must carry one Debian version.
check_versions() {
	local img
	img=$(compgen -G "$KDEBS/linux-image-${KV}_*.deb" | head -n1 || true)
	[ -n "$img" ] || die "no linux-image-$KV deb in $KDEBS"
	[ "$(dpkg-deb -f "$img" Version)" = "$SRCVER" ] ||
		die "linux-source is $SRCVER, linux-image-$KV is" \
			"$(dpkg-deb -f "$img" Version): not the kernel under test"
}

# A Kbuild file for the copied sources: one module per MODULES entry, its
# object the module's first .c file.
write_kbuild() {
	local dir=$1 entry mod srcs c
	for entry in "${MODULES[@]}"; do
		read -r mod srcs <<<"$entry"
		c=$(echo "$srcs" | tr ' ' '\n' | grep -m1 '\.c$')
		echo "obj-m += $mod.o"
		echo "$mod-y := ${c#drivers/}"
		echo
	done | sed 's/\.c$/.o/' >"$dir/Kbuild"
}

copy_sources() {
	local src=$1 dir=$2 entry mod srcs f
	for entry in "${MODULES[@]}"; do
		read -r mod srcs <<<"$entry"
		for f in $srcs; do
			mkdir -p "$dir/$(dirname "${f#drivers/}")"
			cp "$src/$f" "$dir/${f#drivers/}"
		done
	done
}

# The CRC a Debian module exports SYM with: modpost put it in the module's
# __kcrctab section as a 32-bit word, which the symbol __crc_SYM points at
# (its value is an offset into that section, not the CRC itself).
exported_crc() {
	local ko=$1 sym=$2 off shndx secoff
	read -r off shndx < <(readelf -sW "$ko" |
		awk -v s="__crc_$sym" '$8 == s { print $2, $7; exit }') || return 0
	secoff=$(readelf -SW "$ko" | sed 's/^ *\[ *\([0-9]*\)\]/\1/' |
		awk -v n="$shndx" '$1 == n { print $5; exit }')
	[ -n "$secoff" ] || return 0
	od -An -tx4 -j $((0x$secoff + 0x$off)) -N4 "$ko" | tr -d ' '
}

# Each symbol a built module imports from Debian's modules, with the CRC
# modpost recorded from the headers' Module.symvers, against the CRC the
# shipped Debian .ko exports it with.  vmlinux imports are checked by
# modpost against Module.symvers, which Debian generated from the same
# vmlinux; imports among the modules built here match by construction.
check_crcs() {
	local dir=$1 ko sym crc owner have bad=0
	for ko in "$dir"/*.ko; do
		while read -r crc sym; do
			owner=$(awk -v s="$sym" '$2 == s { print $3; exit }' "$KDIR/Module.symvers")
			case $owner in
			""|vmlinux) continue ;;
			esac
			[ -e "$MODDIR/kernel/$owner.ko" ] ||
				{ log "no $owner.ko for $KV"; bad=1; continue; }
			have=$(exported_crc "$MODDIR/kernel/$owner.ko" "$sym")
			if [ -z "$have" ] || [ "$((crc))" -ne "$((0x$have))" ]; then
				log "CRC mismatch: $(basename "$ko") imports $sym $crc," \
					"$owner.ko exports ${have:+0x}${have:-nothing}"
				bad=1
			else
				echo "$(basename "$ko") $sym $crc = $owner.ko"
			fi
		done < <(modprobe --dump-modversions "$ko")
	done >"$dir/crc.log"
	return $bad
}

build_into() {
	local tmp=$1 src c
	src=$("$KERNEL_SH" source)
	copy_sources "$src" "$tmp"
	write_kbuild "$tmp"
	key_inputs >"$tmp/key"
	echo "source linux-source $SRCVER" >>"$tmp/key"
	log "building $NAME against $KV"
	# shellcheck disable=SC2046 # one CONFIG_X=m word each
	make -C "$KDIR" M="$tmp" -j"$(nproc)" \
		$(for c in $CONFIGS; do echo "CONFIG_$c=m"; done) modules \
		>"$tmp/build.log" 2>&1 ||
		{ tail -n 30 "$tmp/build.log" >&2; die "build failed"; }
	check_crcs "$tmp" || die "modversions do not match Debian's modules"
	log "$(wc -l <"$tmp/crc.log") imported CRCs match Debian's modules"
}

ensure_built() {
	locate
	[ -e "$DEST/.done" ] && return 0
	check_versions
	mkdir -p "$TOP"
	(
		flock 9
		[ -e "$DEST/.done" ] && exit 0
		rm -rf "$TOP/.tmp-$NAME".*	# left by a killed run
		tmp=$(mktemp -d "$TOP/.tmp-$NAME.XXXXXX")
		trap 'rm -rf "$tmp"' EXIT
		start=$(date +%s)
		build_into "$tmp"
		touch "$tmp/.done"
		chmod 755 "$tmp"
		rm -rf "$DEST"
		mv -T "$tmp" "$DEST"
		trap - EXIT
		log "built in $(($(date +%s) - start)) s: $DEST"
	) 9>"$TOP/.lock"
}

main() {
	local entry
	case "${1:-}" in
	build|path) ensure_built; echo "$DEST" ;;
	ko)
		case "${2:-}" in
		"") set -- "${PEER_MODULES[@]}" ;;
		hw) set -- "${MODULES[@]}" ;;
		*) usage ;;
		esac
		ensure_built
		for entry; do
			echo "$DEST/${entry%% *}.ko"
		done
		;;
	*) usage ;;
	esac
}

main "$@"
