# SPDX-License-Identifier: GPL-2.0-only
#
# The vdpa tool against upstream's "vdpa" family and ours in one VM run,
# which must carry upstream's modules (scripts/upstream-vdpa.sh ko, as
# VM_EXTRA_KO) and load neither family yet: run with sh from this
# directory by tools/testing/interop/calibrate.sh, not by run-tests.sh
# (not executable: the main suite's VM has no upstream modules).
#
# Ours first: a device on mvnet, the tool's JSON output about it reduced
# to its shape (json_shape: keys and types). Then upstream's vdpa_sim_net:
# ours cannot load beside it (-EBUSY, with a message), the same commands
# about a vdpa_sim_net device give the same shapes (its config a subset:
# vdpa_sim_net offers no MQ, so no max_vq_pairs), and vdpa_netlink's errno
# cases pass against upstream's family (VDPA_TEST_MGMTDEV=vdpasim_net):
# the errnos it expects of ours are upstream's. KTAP output.

MAC=02:00:00:00:0e:01
T=/tmp/vdpa-upstream
. ../ktap.sh
. ./vdpa_lib.sh

cleanup() {
	vdpa dev del up0 2>/dev/null
	vdpa dev del fz0 2>/dev/null
	rmmod vdpa_sim_net vdpa_sim vringh vdpa 2>/dev/null
	vdpa dev del ours0 2>/dev/null
	rmmod vmdev_vdpa 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
mkdir -p "$T"

echo "TAP version 13"
echo "1..7"

# shapes NAME DEV MGMTDEV: the shapes of the three show commands' output.
shapes() {
	vdpa -j mgmtdev show "$3" | json_shape >"$T/$1-mgmtdev" &&
		vdpa -j dev show "$2" | json_shape >"$T/$1-dev" &&
		vdpa -j dev config show "$2" | json_shape >"$T/$1-config" &&
		! grep json_shape "$T/$1"-*
}

ours() {
	modprobe vmdev_vdpa &&
		vdpa dev add name ours0 mgmtdev mvnet mac $MAC max_vqp 2 &&
		shapes ours ours0 mvnet &&
		vdpa dev del ours0 && rmmod vmdev_vdpa
}

upstream() {
	vdpa dev add name up0 mgmtdev vdpasim_net mac 02:00:00:00:0e:02 &&
		shapes up up0 vdpasim_net
}

upstream_owns_family() {
	modprobe vdpa_sim_net || return 1
	_out=$(modprobe vmdev_vdpa 2>&1) && { echo "ours loaded beside upstream's"; return 1; }
	echo "$_out" | grep -q 'Device or resource busy' || { echo "$_out"; return 1; }
	[ ! -d /sys/module/vmdev_vdpa ] &&
		dmesg | tail -n 5 | grep -q 'vmdev_vdpa: the "vdpa" generic netlink family is already registered' && return 0
	dmesg | tail -n 5
	return 1
}

same() {
	diff "$T/ours-$1" "$T/up-$1" && return 0
	return 1
}

config_subset() {
	[ -s "$T/up-config" ] && ! comm -13 "$T/ours-config" "$T/up-config" | grep . &&
		grep -q '^\.config\.\*\.mac=string$' "$T/up-config"
}

# The errno cases of vdpa_netlink against upstream's family: those that
# need ours skip, the others pass.
errnos() {
	_out=$(VDPA_TEST_MGMTDEV=vdpasim_net ./vdpa_netlink 2>&1)
	echo "$_out" | grep -q '^# Totals: pass:13 fail:0 xfail:0 xpass:0 skip:3 error:0$' &&
		return 0
	echo "$_out" | grep -v '^ok'
	return 1
}

check "ours: a device on mvnet, the tool's JSON output about it" ours
check "upstream's vdpa loaded, ours fails (EBUSY) and says why" \
	upstream_owns_family
check "a vdpa_sim_net device, the same commands" upstream
check "mgmtdev show -j: the same keys and types" same mgmtdev
check "dev show -j: the same keys and types" same dev
check "dev config show -j: upstream's keys and types are ours" config_subset
check "vdpa_netlink's errno cases pass against upstream's family" errnos
ktap_totals
