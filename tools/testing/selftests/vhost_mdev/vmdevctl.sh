#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# vmdevctl end to end: create, show, loopback, two peers sending and
# receiving (through VFIO, and through the character device with --cdev
# or a node path), destroy; usage errors exit 2. KTAP output. The CLI is looked
# for beside the selftests (the test VM's /extra) or in $VMDEVCTL.

VMDEVCTL=${VMDEVCTL:-../../vmdevctl}
. ../ktap.sh

echo "TAP version 13"
if [ ! -x "$VMDEVCTL" ] || [ ! -e /sys/class/mdev_bus/mvnet ]; then
	echo "1..0 # SKIP no vmdevctl or no mvnet parent"
	exit 0
fi
modprobe vhost_mdev 2>/dev/null
echo "1..13"

check "list shows the mvnet types" \
	sh -c "$VMDEVCTL list | grep -q 'mvnet-vhost.*available_instances'"

a=$($VMDEVCTL create mvnet-vhost --mtu 9000 --pairs 2) && ok "create" ||
	not_ok "create"
b=$($VMDEVCTL create mvnet-vhost --peer "$a" --mac 02:00:00:00:00:0b) &&
	ok "create a peer" || not_ok "create a peer"

check "show reads the config through the fd" \
	sh -c "$VMDEVCTL show $a | grep -q 'config.mtu *9000'"

# unlink for the loopback, then link again
echo > "/sys/bus/mdev/devices/$b/peer"
check "loopback verifies every byte" \
	"$VMDEVCTL" loopback "$a" --count 100 --size 1514
check "show --cdev reads the config through the character device" \
	sh -c "$VMDEVCTL show $a --cdev | grep -q 'character device fd' &&
	       $VMDEVCTL show $a --cdev | grep -q 'IOTLB_MSG_V2'"
check "loopback --cdev verifies every byte" \
	"$VMDEVCTL" loopback "$a" --cdev --count 100 --size 1514
check "loopback on the node path verifies every byte" \
	"$VMDEVCTL" loopback "/dev/vhost-mdev/$a" --count 20 --size 60
echo "$a" > "/sys/bus/mdev/devices/$b/peer"

"$VMDEVCTL" recv "$b" --count 10 --timeout 10000 >/tmp/vmdevctl.recv 2>&1 &
pid=$!
sleep 3
"$VMDEVCTL" send "$a" --count 10 --size 300 --dst 02:00:00:00:00:0b \
	>/dev/null 2>&1
if wait "$pid"; then
	ok "send to a peer, recv there"
else
	sed 's/^/# /' /tmp/vmdevctl.recv
	not_ok "send to a peer, recv there"
fi

"$VMDEVCTL" recv "$b" --cdev --count 10 --timeout 10000 \
	>/tmp/vmdevctl.recv 2>&1 &
pid=$!
sleep 3
"$VMDEVCTL" send "$a" --cdev --count 10 --size 300 \
	--dst 02:00:00:00:00:0b >/dev/null 2>&1
if wait "$pid"; then
	ok "send to a peer, recv there, through the character devices"
else
	sed 's/^/# /' /tmp/vmdevctl.recv
	not_ok "send to a peer, recv there, through the character devices"
fi

"$VMDEVCTL" frobnicate >/dev/null 2>&1
[ $? -eq 2 ] && ok "unknown command exits 2" || not_ok "unknown command exits 2"

check "destroy" sh -c "$VMDEVCTL destroy $a && $VMDEVCTL destroy $b"

"$VMDEVCTL" destroy "$a" 2>/tmp/vmdevctl.err
[ $? -eq 1 ] && grep -q "No such" /tmp/vmdevctl.err &&
	ok "destroying a missing device fails with strerror" ||
	not_ok "destroying a missing device fails with strerror"

ktap_totals
