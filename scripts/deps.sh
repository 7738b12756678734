#!/bin/bash
# Install the Debian 12 packages the build, lint and test VM need; with
# --debug, also those that building the debug kernel needs (make
# check-debug: scripts/debug-kernel.sh); with --interop, the real clients
# that make check-interop runs in the VM (tools/testing/interop/bundle.sh);
# with --qemu, what building QEMU from Debian's source needs
# (scripts/qemu.sh); with --deb, what make deb and make check-deb need.
# Idempotent: asks dpkg first and only runs apt-get when something is missing,
# so a warm machine pays nothing and needs no network.
set -euo pipefail

# Build: kbuild for out-of-tree modules, static selftests (libc6-dev ships
# libc.a; gcc-multilib the 32-bit one, for the test of what a 32-bit
# process writes), kmod for depmod/modinfo.  Lint: sparse, perl (checkpatch.pl).
# Kernel cache: apt (apt-get download), xz-utils/cpio/gzip for unpacking and
# the initramfs, util-linux for flock.  VM: qemu, and the host userland that
# the guest reuses (same Debian release): iproute2, ethtool, iperf3, and
# mdevctl (which pulls in udev: its rule runs in the guest's udevd).
PACKAGES=(
	make gcc libc6-dev gcc-multilib bc kmod libelf1 git
	sparse perl
	apt xz-utils cpio gzip util-linux coreutils findutils
	qemu-system-x86 iproute2 ethtool iperf3 mdevctl
)
# The debug kernel: a full kernel build from linux-source-6.1 (kconfig needs
# bison and flex; objtool libelf; certs and sign-file libssl; patch for
# tools/testing/vm/debug-kernel-patches/).
DEBUG_PACKAGES=(
	bison flex libelf-dev libssl-dev bc patch perl xz-utils
)
# The real clients: Debian's dpdk-testpmd (in dpdk-dev, ~170 MB with the
# libraries it pulls) with the virtio_user PMD and the ring mempool
# driver, loaded as plugins; QEMU (already above) with the firmware of a
# -kernel boot.
INTEROP_PACKAGES=(
	dpdk-dev librte-net-virtio23 librte-mempool-ring23 seabios
)

# QEMU from Debian's source (scripts/qemu.sh): dpkg-dev for dpkg-source,
# which unpacks it with Debian's patches; meson and ninja (Debian 12's
# meson 1.0 satisfies 7.2's configure, which wants 0.61.5 or newer and
# otherwise falls back to a bundled copy the dfsg tarball does not ship: no
# venv, no flex or bison, which only its bundled dtc needs); python3 for
# its generators; glib, pixman and zlib, required even without a display;
# libfdt, pinned by the build.
QEMU_PACKAGES=(
	dpkg-dev ninja-build meson python3 pkg-config
	libglib2.0-dev libpixman-1-dev zlib1g-dev libfdt-dev
)

# make deb (scripts/deb.sh): dpkg-buildpackage (dpkg-dev), debhelper and
# its DKMS addon (dh-dkms: dh_dkms, dh-sequence-dkms), build-essential
# for the tools package.  make check-deb (scripts/check-deb.sh) installs
# the package: DKMS itself, and openssl, with which DKMS makes its module
# signing key.
DEB_PACKAGES=(
	dpkg-dev debhelper dh-dkms build-essential dkms openssl
)

# The benchmark report: its plots (gnuplot's png terminal, without X) and
# the script that writes them and the Markdown (Debian's python3).
BENCH_PACKAGES=(
	gnuplot-nox python3
)

missing_packages() {
	local p
	for p in "${PACKAGES[@]}"; do
		dpkg -s "$p" >/dev/null 2>&1 || echo "$p"
	done
}

main() {
	local missing arg
	for arg in "$@"; do
		case $arg in
		--debug) PACKAGES+=("${DEBUG_PACKAGES[@]}") ;;
		--interop) PACKAGES+=("${INTEROP_PACKAGES[@]}") ;;
		--bench) PACKAGES+=("${BENCH_PACKAGES[@]}") ;;
		--qemu) PACKAGES+=("${QEMU_PACKAGES[@]}") ;;
		--deb) PACKAGES+=("${DEB_PACKAGES[@]}") ;;
		*) echo "deps: unknown option $arg" >&2; exit 2 ;;
		esac
	done
	missing=$(missing_packages)
	[ -z "$missing" ] && return 0

	echo "deps: installing:" $missing >&2
	if [ "$(id -u)" -ne 0 ]; then
		echo "deps: need root to install packages" >&2
		exit 1
	fi
	# iperf3's postinst asks whether to start a daemon: never prompt.
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	# shellcheck disable=SC2086 # one word per package
	apt-get install -y -q --no-install-recommends $missing
}

main "$@"
