#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check-deb: the Debian packages as a host gets them.  As root, on
# this machine (it installs and purges packages: a build machine or
# container, not a workstation you care about):
#
#   1. make deb (scripts/deb.sh)
#   2. deb/host: vhost-mdev-dkms and vhost-mdev-tools installed while the
#      headers of the test VM's kernel (linux-headers-<release>, from the
#      kernel cache of scripts/kernel.sh) are not: DKMS adds the sources
#      and builds nothing; then the headers installed, whose hook makes
#      DKMS build and install the modules (AUTOINSTALL, what happens for
#      every new kernel); the package installed again with the headers
#      there, whose postinst builds them (the usual first install); every
#      module of the Kbuild files built, listed in dkms.conf, signed with
#      DKMS's key and indexed by depmod; a kernel with upstream vDPA
#      skipped by DKMS and refused by a build by hand; a module added to a
#      Kbuild file and a Kconfig listed in dkms.conf with nothing else
#      changed
#   3. the test VM booted with the modules DKMS installed, at their path
#      (/lib/modules/<release>/updates/dkms/), and the packages' other
#      files at theirs, nothing loaded: deb/guest (tools/testing/deb/
#      guest.sh: Debian's kmod resolves them there, the soft dependency
#      and a documented option of modprobe.d apply, a real udevd applies
#      the udev rule, the packaged vmdevctl), then the quick selftests
#      vmdev/lifecycle and vhost_mdev/vmdevctl.sh (with the packaged
#      vmdevctl)
#   4. deb/purge: both packages purged; no module under
#      /lib/modules/*/updates, nothing in modules.dep, /usr/src,
#      /var/lib/dkms, /etc/modprobe.d, the udev rules, /usr/bin,
#      /usr/share/doc or /usr/share/man.  DKMS's own signing key (/var/lib/dkms/mok.*) is
#      DKMS's, shared by every DKMS package, and stays.
#
# The headers package stays installed afterwards.  The programs and their
# result counts are those of tools/testing/deb/expected (scripts/ktap-summary
# fails the run on any difference).  The last two lines are the totals,
# as make check's (scripts/check-lib.sh); each stage's time is printed.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
cd "$REPO"
BUILD=$REPO/build
OUT=$BUILD/check-deb
LANE=check-deb
. scripts/check-lib.sh

# apt waits for a lock another installer holds instead of failing.
APT=(apt-get -y -q --no-install-recommends -o DPkg::Lock::Timeout=600)
export DEBIAN_FRONTEND=noninteractive

# NAME CMD...: stage_run, and how long it took.
timed_stage() {
	local start=$SECONDS rc=0
	stage_run "$@" || rc=$?
	echo "$LANE: $1: $((SECONDS - start)) s"
	return $rc
}

build_deb() {
	local debs
	debs=$(scripts/deb.sh) || return 1
	DKMS_DEB=$(echo "$debs" | grep '/vhost-mdev-dkms_')
	TOOLS_DEB=$(echo "$debs" | grep '/vhost-mdev-tools_')
	VERSION=$(dpkg-deb -f "$DKMS_DEB" Version)
}

build_selftests() {
	make -s selftests
}

# The cached debs of the headers of the VM's kernel (scripts/kernel.sh
# downloads them with the kernel).
headers_debs() {
	local d
	d=$(scripts/kernel.sh dir)/debs
	ls "$d/linux-headers-${KV}_"*.deb "$d/linux-headers-${KV%-amd64}-common_"*.deb \
		"$d/linux-kbuild-$(echo "$KV" | cut -d. -f1,2)_"*.deb
}

installed() {
	[ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null)" = "ii " ]
}

# No package of ours, no headers of the VM's kernel: where the host tests
# start (a run that stopped half-way may have left either).
prepare() {
	local p
	for p in vhost-mdev-dkms vhost-mdev-tools; do
		! dpkg-query -W "$p" >/dev/null 2>&1 || "${APT[@]}" purge "$p" >/dev/null
	done
	! installed "linux-headers-$KV" || "${APT[@]}" remove "linux-headers-$KV" >/dev/null
}

# The module names of the installed dkms.conf.
dkms_modules() {
	sed -n 's/^BUILT_MODULE_NAME\[[0-9]*\]="\(.*\)"$/\1/p' \
		"/usr/src/vhost-mdev-$VERSION/dkms.conf" | sort
}

dkms_installed() {
	dkms status -m vhost-mdev -v "$VERSION" -k "$KV" | grep -q ': installed$'
}

modules_in_place() {
	local m
	for m in $(dkms_modules); do
		[ -f "/lib/modules/$KV/updates/dkms/$m.ko" ] || { echo "no $m.ko"; return 1; }
	done
}

# What DKMS's build linked ("LD [M] .../name.ko" in its make.log) is what
# dkms.conf lists.
built_as_listed() {
	local log=/var/lib/dkms/vhost-mdev/$VERSION/$KV/x86_64/log/make.log built
	built=$(sed -n 's#^ *LD \[M\] .*/\([^/]*\)\.ko$#\1#p' "$log" | sort)
	[ -n "$built" ] && [ "$built" = "$(dkms_modules)" ] && return 0
	echo "built: $built"
	echo "dkms.conf: $(dkms_modules)"
	return 1
}

signed_for_kernel() {
	local m ko
	[ -s /var/lib/dkms/mok.pub ] || { echo "no /var/lib/dkms/mok.pub"; return 1; }
	for m in $(dkms_modules); do
		ko=/lib/modules/$KV/updates/dkms/$m.ko
		if [ "$(modinfo -F vermagic "$ko" | cut -d' ' -f1)" != "$KV" ] ||
		   [ "$(modinfo -F signer "$ko")" != "DKMS module signing key" ]; then
			modinfo "$ko" | grep -E '^(vermagic|signer)'
			return 1
		fi
	done
}

indexed() {
	local m
	for m in $(dkms_modules); do
		grep -q "^updates/dkms/$m.ko:" "/lib/modules/$KV/modules.dep" ||
			{ echo "$m not in modules.dep"; return 1; }
	done
}

# A kernel whose configuration has CONFIG_VDPA: only its .config matters,
# DKMS looks at nothing else before it skips.
vdpa_kernel_skipped() {
	local fake rc=0 kv=$KV-vdpa
	fake=$(mktemp -d)
	cp "/lib/modules/$KV/build/.config" "$fake/.config"
	echo CONFIG_VDPA=m >>"$fake/.config"
	dkms build -m vhost-mdev -v "$VERSION" -k "$kv" --kernelsourcedir "$fake" \
		>"$fake/log" 2>&1 || rc=$?
	grep -q 'BUILD_EXCLUSIVE' "$fake/log" || cat "$fake/log"
	rm -rf "$fake"
	[ "$rc" -eq 77 ] && [ ! -e "/var/lib/dkms/vhost-mdev/$VERSION/$kv" ]
}

# By hand, in a copy of the installed sources: Kbuild stops at once.
vdpa_kernel_refused() {
	local tmp rc=0
	tmp=$(mktemp -d)
	cp -r "/usr/src/vhost-mdev-$VERSION" "$tmp/src"
	make -C "$tmp/src" modules KDIR="/lib/modules/$KV/build" CONFIG_VDPA=m \
		>"$tmp/log" 2>&1 || rc=$?
	grep -q 'this kernel has upstream vDPA' "$tmp/log" || { tail -n 5 "$tmp/log"; rc=0; }
	[ -z "$(find "$tmp/src" -name '*.o')" ] || { echo "objects were built"; rc=0; }
	rm -rf "$tmp"
	[ "$rc" -ne 0 ]
}

# A copy of the tree's Kconfig and Kbuild files with one more module (and
# a line for a kernel option that is not ours): dkms.conf gets the module,
# from where it is built, and nothing else new.
new_module_listed() {
	local tmp conf
	tmp=$(mktemp -d)
	git ls-files -co --exclude-standard -- Kconfig Kbuild drivers samples |
		grep -E '(^|/)(Kconfig|Kbuild|Makefile)$' | tar -cf - -T - | tar -C "$tmp" -xf -
	mkdir -p "$tmp/drivers/vmdev_new"
	printf 'config VMDEV_NEW\n\ttristate "a new module"\n' >"$tmp/drivers/vmdev_new/Kconfig"
	# shellcheck disable=SC2016 # make's $(...), not the shell's
	printf 'obj-$(CONFIG_VMDEV_NEW) += vmdev_new.o\nobj-$(CONFIG_VIRTIO) += not_ours.o\n' \
		>"$tmp/drivers/vmdev_new/Kbuild"
	conf=$(scripts/dkms-conf.sh "$tmp")
	rm -rf "$tmp"
	echo "$conf" | grep -q '^BUILT_MODULE_NAME\[[0-9]*\]="vmdev_new"$' &&
		echo "$conf" | grep -q '^BUILT_MODULE_LOCATION\[[0-9]*\]="drivers/vmdev_new/"$' &&
		! echo "$conf" | grep -q not_ours &&
		[ "$(echo "$conf" | grep -c '^BUILT_MODULE_NAME')" -eq \
		  "$(($(scripts/dkms-conf.sh . | grep -c '^BUILT_MODULE_NAME') + 1))" ] &&
		return 0
	echo "$conf" | grep BUILT_MODULE
	return 1
}

# One program's KTAP output, framed as run-tests.sh frames it, for
# scripts/ktap-summary.  Runs in a subshell: ktap.sh's counters are its own.
program() {
	local name=$1 start=$SECONDS rc=0
	shift
	echo "### test $name"
	( . tools/testing/selftests/ktap.sh; "$@" ) || rc=$?
	echo "### end $name exit $rc $((SECONDS - start))s"
}

install_without_headers() {
	"${APT[@]}" install "$DKMS_DEB" "$TOOLS_DEB" || return 1
	dkms status -m vhost-mdev -v "$VERSION" | grep -q ': added$' || return 1
	[ -z "$(ls /lib/modules/*/updates/dkms/ 2>/dev/null)" ]
}

# What installing a new kernel's headers does (linux-headers-*'s postinst
# runs /etc/kernel/header_postinst.d/dkms).
headers_arrive() {
	local debs
	mapfile -t debs < <(headers_debs)
	"${APT[@]}" install "${debs[@]}" && dkms_installed
}

make_log_time() {
	stat -c %Y "/var/lib/dkms/vhost-mdev/$VERSION/$KV/x86_64/log/make.log" 2>/dev/null || echo 0
}

# The usual first install, on a host with headers: the package's postinst
# (DKMS's common.postinst) builds; a new make.log says it did.
install_with_headers() {
	local before
	before=$(make_log_time)
	sleep 1
	"${APT[@]}" install --reinstall "$DKMS_DEB" || return 1
	[ "$(make_log_time)" -gt "$before" ] && dkms_installed
}

signed_and_indexed() {
	signed_for_kernel && indexed
}

vdpa_kernel_excluded() {
	vdpa_kernel_skipped && vdpa_kernel_refused
}

host_tests() {
	echo "TAP version 13"
	echo "1..8"
	check "installed without the kernel's headers: DKMS adds the sources, builds nothing" \
		install_without_headers
	check "the headers arriving build and install the modules (AUTOINSTALL)" \
		headers_arrive
	check "installed again with the headers there: its postinst builds and installs them" \
		install_with_headers
	check "every module of dkms.conf is in /lib/modules/$KV/updates/dkms: $(dkms_modules | tr '\n' ' ')" \
		modules_in_place
	check "DKMS's build linked exactly the modules dkms.conf lists" built_as_listed
	check "they are built for $KV, signed with DKMS's key and indexed by depmod" \
		signed_and_indexed
	check "a kernel with upstream vDPA: DKMS skips it (BUILD_EXCLUSIVE_CONFIG), a build by hand refuses it" \
		vdpa_kernel_excluded
	check "a module added to a Kbuild file and a Kconfig is listed in dkms.conf" \
		new_module_listed
	ktap_totals
}

# The packages' own files besides the modules (modprobe.d, udev, the
# tool), at their installed paths, as a cpio archive merged at the VM's /.
package_cpio() {
	local stage=$OUT/root f
	rm -rf "$stage"
	mkdir -p "$stage"
	dpkg-query -L vhost-mdev-dkms vhost-mdev-tools |
		grep -E '^/(etc/modprobe\.d|lib/udev|usr/lib/udev|usr/bin)/' |
		while read -r f; do
			[ -f "$f" ] || continue
			mkdir -p "$stage$(dirname "$f")"
			cp -a "$f" "$stage$f"
		done
	(cd "$stage" && find . | cpio -o -H newc --quiet) >"$OUT/package.cpio"
	rm -rf "$stage"
}

run_vm() {
	local rc=0 start=$SECONDS mods ko
	mods=$(dkms_modules | tr '\n' ' ')
	ko=$(for m in $mods; do echo "/lib/modules/$KV/updates/dkms/$m.ko"; done)
	package_cpio
	stage "VM: DKMS's modules, the packages' files"
	VM_KO=$ko VM_KO_DIR=updates/dkms VM_LOG=$OUT/guest.log VM_OUTPUT=$OUT/vm-output.log \
		tools/testing/vm/run --no-load --cpio "$OUT/package.cpio" \
		--file tools/testing/deb/guest.sh --file tools/testing/selftests/ktap.sh \
		--file "$BUILD/selftests" --file tools/testing/vm/run-tests.sh \
		-- sh -c "echo '### test deb/guest'; sh ./guest.sh $mods;
			  echo \"### end deb/guest exit \$? 0s\";
			  sh ./run-tests.sh selftests vmdev/lifecycle;
			  VMDEVCTL=/usr/bin/vmdevctl sh ./run-tests.sh selftests vhost_mdev/vmdevctl.sh" \
		>/dev/null || rc=$?
	VM_RC=$rc
	echo "$LANE: VM: $((SECONDS - start)) s"
}

# Anything of ours left anywhere a package or DKMS writes.
leftovers() {
	local m names=(-name '*vhost-mdev*' -o -name 'vmdevctl*')
	for m in $MODULES; do names+=(-o -name "$m.ko*"); done
	find /etc /lib/modules /lib/udev /usr/lib/udev /usr/src /usr/bin \
		/usr/share/doc /usr/share/man /var/lib/dkms /var/lib/dpkg/info \
		\( "${names[@]}" \) -print 2>/dev/null || true
}

purged() {
	"${APT[@]}" purge vhost-mdev-dkms vhost-mdev-tools || return 1
	! dpkg-query -W vhost-mdev-dkms vhost-mdev-tools 2>/dev/null
}

no_dkms_entry() {
	! dkms status | grep vhost-mdev
}

no_module_under_updates() {
	local m found=""
	for m in $MODULES; do
		found+=$(find /lib/modules/*/updates -name "$m.ko*" 2>/dev/null)
	done
	[ -z "$found" ] || { echo "$found"; return 1; }
}

not_in_modules_dep() {
	local m
	for m in $MODULES; do
		! grep -w "$m.ko" "/lib/modules/$KV/modules.dep" || return 1
	done
}

no_sources_no_dkms_tree() {
	[ ! -e "/usr/src/vhost-mdev-$VERSION" ] && [ ! -e /var/lib/dkms/vhost-mdev ]
}

nothing_left() {
	local left
	left=$(leftovers)
	[ -z "$left" ] || { echo "$left"; return 1; }
}

purge_tests() {
	echo "TAP version 13"
	echo "1..6"
	check "both packages purge" purged
	check "DKMS knows no vhost-mdev" no_dkms_entry
	check "no module left under /lib/modules/*/updates" no_module_under_updates
	check "modules.dep no longer names them" not_in_modules_dep
	check "nothing left in /usr/src or /var/lib/dkms" no_sources_no_dkms_tree
	check "nothing left in /etc, the udev rules, /usr/bin, /usr/share/{doc,man}, dpkg's info" \
		nothing_left
	ktap_totals
}

main() {
	local start=$SECONDS
	rm -rf "$OUT"
	mkdir -p "$OUT"
	rm -f "$BUILD/check-deb-totals"
	if [ "$(id -u)" -ne 0 ]; then
		echo "$LANE: installs packages: run as root"
		stage_failed=$((stage_failed + 1))
		totals "$BUILD/check-deb-totals"
		exit 1
	fi
	# One run at a time: both would install and purge the same packages.
	exec 9>/run/vhost-mdev-check-deb.lock
	flock 9
	timed_stage deps scripts/deps.sh --deb || { totals "$BUILD/check-deb-totals"; exit 1; }
	KV=$(scripts/kernel.sh version)
	export VMDEV_KV=$KV
	timed_stage "kernel cache" scripts/kernel.sh kdir >/dev/null ||
		{ totals "$BUILD/check-deb-totals"; exit 1; }
	timed_stage "make deb" build_deb || { totals "$BUILD/check-deb-totals"; exit 1; }
	timed_stage selftests build_selftests || { totals "$BUILD/check-deb-totals"; exit 1; }
	timed_stage "a clean slate (no package, no headers of $KV)" prepare ||
		{ totals "$BUILD/check-deb-totals"; exit 1; }

	stage "host: install, DKMS, the headers' hook"
	local t=$SECONDS
	program deb/host host_tests | tee "$OUT/host.log"
	echo "$LANE: host: $((SECONDS - t)) s"
	MODULES=$(dkms_modules | tr '\n' ' ')

	if dkms_installed && modules_in_place >/dev/null; then
		run_vm
	else
		echo "$LANE: no modules installed by DKMS: no VM"
		VM_RC=1
		: >"$OUT/vm-output.log"
	fi

	stage "host: purge"
	t=$SECONDS
	program deb/purge purge_tests | tee "$OUT/purge.log"
	echo "$LANE: purge: $((SECONDS - t)) s"

	cat "$OUT/host.log" "$OUT/vm-output.log" "$OUT/purge.log" >"$OUT/all.log"
	count_vm "$VM_RC" "$OUT/all.log" "boot on DKMS's modules, no kernel splat" \
		tools/testing/deb/expected
	echo "$LANE: $((SECONDS - start)) s"
	echo "guest log: $OUT/guest.log"
	totals "$BUILD/check-deb-totals"
}

main "$@"
