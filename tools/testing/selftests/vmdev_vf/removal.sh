#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# vmdev_vf removal while in use: unbinding a function during a TCP stream
# through its vmdev_vf-virtio device, removing a function from the PCI bus
# (echo 1 > remove) during one, and removing it while userspace holds its
# vmdev_vf-vhost device open. Each time the call returns, the device and
# its interface go, the user gets an error, and the function works again
# once bound anew (after a rescan). KTAP output; the runner fails it on any
# kernel warning.

A=5a0f3e2c-0b1d-4c2e-9d7a-000000000d01
B=5a0f3e2c-0b1d-4c2e-9d7a-000000000d02
NSA=vmdev_vf_ra
NSB=vmdev_vf_rb
VMDEVCTL=${VMDEVCTL:-../../vmdevctl}
. ../ktap.sh
. ./vmdev_vf.sh

cleanup() {
	kill ${cli:-} ${srv:-} ${holder:-} 2>/dev/null
	ip netns del $NSA 2>/dev/null
	ip netns del $NSB 2>/dev/null
	for u in $A $B; do
		[ -e "$MDEV/$u" ] && echo 1 > "$MDEV/$u/remove"
	done
	for f in ${F1:-} ${F2:-}; do
		vf_release "$f"
	done
}
trap cleanup EXIT

# up BDF UUID NS ADDR: bind, create a virtio device, configure its interface.
up() {
	vf_bind "$1" && vf_create "$1" virtio "$2" && vf_netns "$1" "$3" "$4"
}

# stream FROM ADDR: a long TCP stream into ADDR, pids in cli and srv.
stream() {
	ip netns exec "$2" iperf3 -s -1 >/dev/null 2>&1 &
	srv=$!
	sleep 1
	ip netns exec "$1" iperf3 -c "$3" -t 60 >/dev/null 2>&1 &
	cli=$!
	sleep 2
}

stop_stream() {
	kill $cli $srv 2>/dev/null
	wait $cli $srv 2>/dev/null
	cli=
	srv=
}

echo "TAP version 13"
vf_setup
echo "1..11"

up "$F1" $A $NSA 10.97.0.1 && up "$F2" $B $NSB 10.97.0.2
check "ping between the two functions' devices" \
	ip netns exec $NSA ping -c 2 -W 5 10.97.0.2

stream $NSA $NSB 10.97.0.2
check "unbinding a function during a TCP stream returns" \
	timeout 60 sh -c "echo $F1 > $DRV/unbind"
check "its device and interface are gone" \
	sh -c ". ../ktap.sh && . ./vmdev_vf.sh && gone $MDEV/$A && [ -z \"\$(ip -n $NSA -o link show | grep -v ' lo:')\" ]"
stop_stream
up "$F1" $A $NSA 10.97.0.1
check "bound again, it carries traffic" \
	ip netns exec $NSA ping -c 2 -W 5 10.97.0.2

stream $NSA $NSB 10.97.0.2
check "removing a function from the bus during a TCP stream returns" \
	timeout 60 sh -c "echo 1 > $PCI/$F2/remove"
check "its device and the function are gone" \
	sh -c ". ../ktap.sh && . ./vmdev_vf.sh && gone $MDEV/$B && gone $PCI/$F2"
stop_stream
echo 1 > /sys/bus/pci/rescan
up "$F2" $B $NSB 10.97.0.2
check "after a rescan it is bound again and carries traffic" \
	ip netns exec $NSA ping -c 2 -W 5 10.97.0.2

# The vhost personality: vmdevctl holds the device open, waiting for frames.
echo 1 > "$MDEV/$B/remove"
# vmdevctl, vhost_mdev and the function's vhost type are ours and always
# there: failing to create the device is a failure of each case, not a
# reason to skip them.
if [ ! -x "$VMDEVCTL" ]; then
	why="no $VMDEVCTL"
elif ! modprobe vhost_mdev; then
	why="modprobe vhost_mdev failed"
elif ! err=$(busybox sh -c 'echo "$1" > "$2"' - $B \
	     "/sys/class/mdev_bus/$F2/mdev_supported_types/vmdev_vf-vhost/create" 2>&1); then
	why="creating the vmdev_vf-vhost device failed: $err"
else
	why=
fi
if [ -z "$why" ]; then
	"$VMDEVCTL" recv $B --count 1000 --timeout 60000 >/tmp/vmdev_vf.recv 2>&1 &
	holder=$!
	sleep 3
	check "userspace has the vhost device open" kill -0 $holder
	check "removing the function while it is open returns" \
		timeout 60 sh -c "echo 1 > $PCI/$F2/remove"
	# The error, not the end of its 60 s wait: removal wakes the waiter.
	if ! wait $holder && grep -q 'No such device' /tmp/vmdev_vf.recv; then
		ok "the user gets an error"
	else
		sed 's/^/# /' /tmp/vmdev_vf.recv
		not_ok "the user gets an error"
	fi
	holder=
	check "its device and the function are gone" \
		sh -c ". ../ktap.sh && . ./vmdev_vf.sh && gone $MDEV/$B && gone $PCI/$F2"
	echo 1 > /sys/bus/pci/rescan
else
	echo "# $why"
	for t in "userspace has the vhost device open" \
		 "removing the function while it is open returns" \
		 "the user gets an error" "its device and the function are gone"; do
		not_ok "$t"
	done
fi
rm -f /tmp/vmdev_vf.recv

ktap_totals
