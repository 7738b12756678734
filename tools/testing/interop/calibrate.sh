#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# In the test VM of make check-interop, before run.sh: the calibration of
# the selftests' errnos.  The vhost_mdev/uapi and vhost_mdev_cdev/iotlb
# programs (SELFTESTS, default ./selftests) run against upstream
# vhost_vdpa over vdpa_sim_net, VHOST_MDEV_TEST_UPSTREAM naming its node:
# what they say upstream does is checked against upstream itself, and
# where ours differs on purpose each test says so (DIFF() in
# ../selftests/vhost_mdev/vhost_mdev_test.h, the reasons in
# Documentation/userspace-api/vhost-mdev-upstream-6.1.rst).
#
# Then vmdev/vdpa_upstream.sh: the vdpa tool's output about
# vdpa_sim_net has the shape of its output about ours, and the errnos
# vmdev/vdpa_netlink expects of ours are upstream's.
#
# Output: each program framed as run-tests.sh frames it, named
# upstream/<name>, which scripts/ktap-summary counts apart from ours.  A
# target that cannot be set up is one failed upstream/setup program.
top=${1:-./selftests}
dev=vdpa-calib

fail_setup() {
	echo "### test upstream/setup"
	echo "1..1"
	echo "not ok 1 upstream vhost_vdpa over vdpa_sim_net: $*"
	echo "### end upstream/setup exit 1 0s"
	exit 0
}

modprobe vdpa_sim_net && modprobe vhost_vdpa ||
	fail_setup "modules do not load"
vdpa dev add name "$dev" mgmtdev vdpasim_net mac 00:11:22:33:44:66 ||
	fail_setup "vdpa dev add failed"
node=
for _ in $(seq 50); do
	node=$(ls "/sys/bus/vdpa/devices/$dev" 2>/dev/null | grep -m1 '^vhost-vdpa-')
	[ -n "$node" ] && [ -c "/dev/$node" ] && break
	sleep 0.1
done
[ -c "/dev/$node" ] || fail_setup "no vhost-vdpa node for $dev"

for t in vhost_mdev/uapi vhost_mdev_cdev/iotlb; do
	name=upstream/$(basename "$t")
	echo "### test $name"
	start=$(date +%s)
	(cd "$top/$(dirname "$t")" &&
		VHOST_MDEV_TEST_UPSTREAM=/dev/$node timeout 300 \
			"./$(basename "$t")" 2>&1)
	rc=$?
	echo "### end $name exit $rc $(($(date +%s) - start))s"
done

vdpa dev del "$dev"
rmmod vhost_vdpa vdpa_sim_net vdpa_sim vringh vdpa

# The vdpa tool against upstream's family and ours (vmdev_vdpa): the
# same shapes of output, the same errnos. Neither family is loaded now.
name=upstream/vdpa_tool
echo "### test $name"
start=$(date +%s)
(cd "$top/vmdev" && timeout 300 sh ./vdpa_upstream.sh 2>&1)
rc=$?
echo "### end $name exit $rc $(($(date +%s) - start))s"
exit 0
