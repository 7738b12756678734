#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# virtio_mdev datapath: two linked mvnet-virtio devices, one per network
# namespace, carry ping both ways, a 64 MiB (TCP_MIB) TCP transfer that arrives
# intact, jumbo frames, several queue pairs at once, and follow the link
# attribute with their carrier. KTAP output.

A=5a0f3e2c-0b1d-4c2e-9d7a-000000000b01
B=5a0f3e2c-0b1d-4c2e-9d7a-000000000b02
NSA=vmdev_a
NSB=vmdev_b
. ../ktap.sh
. ../net.sh
. ./virtio_mdev.sh

# configure UUID MTU: unbind virtio_net, set the attributes, bind again.
configure() {
	vd=$(virtio_of "$1")
	echo "$vd" > "$VNET/unbind" &&
	echo "$2" > "$MDEV/$1/mtu" &&
	echo 4 > "$MDEV/$1/max_vq_pairs" &&
	echo "$vd" > "$VNET/bind"
}

# carrier_is NS IF VALUE: the carrier of IF in NS is VALUE now.
carrier_is() {
	[ "$(ip netns exec "$1" cat "/sys/class/net/$2/carrier" 2>/dev/null)" = "$3" ]
}

# wait_carrier NS IF VALUE: the carrier of IF in NS is VALUE within 5 s.
wait_carrier() {
	wait_for 5 carrier_is "$@" && return 0
	echo "carrier of $2 is not $3"
	return 1
}

# Packets sent by device $1 per tx queue, one "txN packets" line each.
tx_packets() {
	grep "^$1 tx" "$STATS" | while read -r _ q p _; do echo "$q $p"; done
}

cleanup() {
	kill ${tcp_rx_pid:-} ${srv:-} 2>/dev/null
	ip netns del $NSA 2>/dev/null
	ip netns del $NSB 2>/dev/null
	for u in $A $B; do
		[ -e "$MDEV/$u" ] && echo 1 > "$MDEV/$u/remove"
	done
	virtio_mdev_done
}
trap cleanup EXIT

virtio_mdev_start 12

echo "$A" > "$TYPE/create"
echo "$B" > "$TYPE/create"
echo "$A" > "$MDEV/$B/peer"
if configure "$A" 9000 && configure "$B" 9000 &&
   ifa=$(iface "$A") && ifb=$(iface "$B"); then
	ok "mtu 9000 and 4 queue pairs set through the attributes"
else
	not_ok "mtu 9000 and 4 queue pairs set through the attributes"
fi

ip netns add $NSA
ip netns add $NSB
ip link set "$ifa" netns $NSA
ip link set "$ifb" netns $NSB
ip -n $NSA addr add 10.99.0.1/24 dev "$ifa"
ip -n $NSB addr add 10.99.0.2/24 dev "$ifb"
ip -n $NSA link set "$ifa" mtu 9000 up
ip -n $NSB link set "$ifb" mtu 9000 up
check "the device reports MTU 9000" \
	sh -c "ip -n $NSA link show $ifa | grep -q 'mtu 9000'"

check "ping from A to B" ip netns exec $NSA ping -c 3 -W 5 10.99.0.2
check "ping from B to A" ip netns exec $NSB ping -c 3 -W 5 10.99.0.1
check "ping with 8000-byte payloads" \
	ip netns exec $NSA ping -c 3 -W 5 -s 8000 10.99.0.2

check "$TCP_MIB MiB over TCP arrive with the same sha256" \
	tcp_transfer $NSA $NSB 10.99.0.2 "$TCP_MIB"

ip netns exec $NSA ethtool -L "$ifa" combined 4
ip netns exec $NSB ethtool -L "$ifb" combined 4
check "ethtool -L combined 4" \
	sh -c "ip netns exec $NSA ethtool -l $ifa | tail -n 2 | grep -q 'Combined:.*4'"

before=$(tx_packets "$A")
ip netns exec $NSB iperf3 -s -1 >/dev/null 2>&1 &
srv=$!
sleep 1
ip netns exec $NSA iperf3 -c 10.99.0.2 -P 8 -t 3 >/dev/null 2>&1
after=$(tx_packets "$A")
busy=$(printf '%s\n%s\n' "$before" "$after" |
	awk '{ if ($1 in p) { if ($2 > p[$1]) n++ } else p[$1] = $2 } END { print n + 0 }')
if [ "$busy" -ge 2 ]; then
	ok "8 TCP streams use $busy tx queues"
else
	echo "# before: $before"
	echo "# after: $after"
	not_ok "8 TCP streams use at least 2 tx queues"
fi

echo down > "$MDEV/$A/link"
check "link down drops the carrier" wait_carrier $NSA "$ifa" 0
check "ping fails while the link is down" \
	sh -c "! ip netns exec $NSA ping -c 1 -W 1 10.99.0.2"
echo up > "$MDEV/$A/link"
check "link up restores the carrier" wait_carrier $NSA "$ifa" 1
check "ping works again" ip netns exec $NSA ping -c 3 -W 5 10.99.0.2

ktap_totals
