# SPDX-License-Identifier: GPL-2.0-only
#
# The netns benchmark, sourced by run.sh (POSIX sh, set -eu): iperf3 between
# two network namespaces, each holding one end of a pair of interfaces.
# Every target is a way of making that pair, every case one iperf3 run;
# BENCH_NET_REPEAT rounds (the median is reported), and a target is
# compared with its baseline (NET_BASE_<id>).  Targets that can exist at
# once stay up for the whole run and take turns case by case; a target
# with a net_down_<id> needs what another one uses (the test VM's two
# NICs), so it is brought up, measured on every case and torn down in each
# round, after the others; each round starts with the next such target.
#
#   mvnet  two mvnet-virtio devices linked as peers, virtio_net bound
#          through virtio_mdev: the kernel personality
#   veth   mvnet's baseline, a veth pair
#   vf     the test VM's two virtio-net-pci functions (one wire, a QEMU
#          hub) bound to vmdev_vf, a vmdev_vf-virtio device on each:
#          virtio_net through virtio_mdev on real (emulated) hardware
#   pci    vf's baseline: the same two functions on Debian's virtio_pci,
#          virtio_net bound the stock way
#   vdpa   upstream vDPA's way to the same place: the two functions on
#          vp_vdpa, a vdpa device each, virtio_net through virtio_vdpa
#          (scripts/upstream-vdpa.sh ko hw); vf's baseline in the hw
#          group's hw_netns (BENCH_NET_VF_BASE=vdpa, hw_pmd.sh)
#
#   tcp    TCP throughput, one stream, as the receiver counted it (bits/s)
#   udp64  UDP datagrams of BENCH_NET_UDP_LEN (18) bytes, 60-byte frames
#          (64 with the FCS that Ethernet would add), sent as fast as
#          iperf3 can (one sendmsg() each): datagrams/s that reached the
#          receiving socket
#
# Adding a target: net_up_<id> (its pair, one end in each of the two
# namespaces net_pair gives it), NET_NAME_<id>, NET_WHAT_<id>, NET_BASE_<id>
# (its baseline's <id>, or empty for a baseline), <id> in NET_TARGETS, and
# net_down_<id> if it cannot coexist with another target (it undoes
# net_up_<id>, namespaces included: net_unpair).  Adding a case:
# net_case_<id> (runs net_iperf and prints the number), NET_UNIT_<id>,
# NET_WHAT_<id>, <id> in NET_CASES.
#
# Environment: BENCH_NET_SECONDS (per measurement, default 5),
# BENCH_NET_REPEAT (1), BENCH_NET_UDP_LEN (18), BENCH_NET_CASES ("tcp
# udp64"), BENCH_NET_TARGETS ("mvnet veth vf pci"), BENCH_KTAP_LIB,
# BENCH_VIRTIO_LIB and BENCH_VF_LIB (the selftests' helpers, default
# ../ktap.sh, ../virtio_mdev/virtio_mdev.sh and ../vmdev_vf/vmdev_vf.sh
# beside this directory; the last two poll with ktap.sh's wait_for).
#
# shellcheck disable=SC2317 # the net_up_* and net_case_* are called by name
# shellcheck disable=SC2034 # NET_<KIND>_<ID> are read through net_get

# shellcheck source=../selftests/ktap.sh
. "${BENCH_KTAP_LIB:-$HERE/../ktap.sh}"
# shellcheck source=../selftests/virtio_mdev/virtio_mdev.sh
. "${BENCH_VIRTIO_LIB:-$HERE/../virtio_mdev/virtio_mdev.sh}"
# shellcheck source=../selftests/vmdev_vf/vmdev_vf.sh
. "${BENCH_VF_LIB:-$HERE/../vmdev_vf/vmdev_vf.sh}"

NET_TARGETS=${BENCH_NET_TARGETS:-mvnet veth vf pci}
NET_NAME_mvnet=mvnet-virtio
NET_WHAT_mvnet="two linked mvnet-virtio devices (virtio_net on virtio_mdev)"
NET_BASE_mvnet=veth
NET_NAME_veth=veth
NET_WHAT_veth="mvnet-virtio's baseline: a veth pair"
NET_BASE_veth=
NET_NAME_vf=vmdev_vf-virtio
NET_WHAT_vf="the two NICs on vmdev_vf, a vmdev_vf-virtio device each"
NET_BASE_vf=${BENCH_NET_VF_BASE:-pci}
NET_NAME_pci=virtio_pci
NET_WHAT_pci="vmdev_vf-virtio's baseline: the two NICs on virtio_pci"
NET_BASE_pci=
NET_NAME_vdpa=virtio_vdpa
NET_WHAT_vdpa="upstream: the two NICs on vp_vdpa, a vdpa device each, virtio_net on virtio_vdpa"
NET_BASE_vdpa=
# What net_write_json calls the benchmark (hw_pmd.sh's hw_netns runs it
# again under its own name).
NET_BENCHMARK=netns
NET_CASES=${BENCH_NET_CASES:-tcp udp64}
NET_UNIT_tcp=bits/s
NET_WHAT_tcp="TCP throughput, one stream"
NET_UNIT_udp64=datagrams/s
NET_WHAT_udp64="${BENCH_NET_UDP_LEN:-18}-byte UDP datagrams received"
NET_SECONDS=${BENCH_NET_SECONDS:-5}
NET_REPEAT=${BENCH_NET_REPEAT:-1}
# Test-only addresses; every pair has them, each in its own namespaces.
NET_ADDR_A=10.98.0.1
NET_ADDR_B=10.98.0.2

# net_get KIND ID: the value of NET_<KIND>_<ID>.
net_get() {
	eval "printf '%s' \"\$NET_$1_$2\""
}

# net_pair ID IF_A IF_B: IF_A into namespace bench_<ID>_a, IF_B into
# bench_<ID>_b, addressed and up; IF_A's name in NET_IF_<ID>.
net_pair() {
	NETNS="$NETNS bench_$1_a bench_$1_b"
	eval "NET_IF_$1=\$2"
	into_netns "bench_$1_a" "$2" "$NET_ADDR_A/24" &&
	into_netns "bench_$1_b" "$3" "$NET_ADDR_B/24"
}

net_up_mvnet() {
	a=$(cat /proc/sys/kernel/random/uuid)
	b=$(cat /proc/sys/kernel/random/uuid)
	DEVICES="$DEVICES $a $b"
	linked_pair "$a" "$b" && ifa=$(iface "$a") && ifb=$(iface "$b") &&
	net_pair mvnet "$ifa" "$ifb"
}

net_up_veth() {
	ip link add bench_veth_a type veth peer name bench_veth_b &&
	net_pair veth bench_veth_a bench_veth_b
}

# net_unpair ID: remove what net_pair ID made (the interfaces of a device
# go back to the initial namespace).
net_unpair() {
	ip netns del "bench_$1_a" 2>/dev/null
	ip netns del "bench_$1_b" 2>/dev/null
	NETNS=$(for n in $NETNS; do
		case $n in bench_"$1"_[ab]) ;; *) echo "$n" ;; esac
	done)
}

# The test VM's two NICs: NET_F1 and NET_F2 (their BDFs).
net_functions() {
	# shellcheck disable=SC2046 # one BDF a word
	set -- $(vf_functions)
	[ $# -ge 2 ] || { echo "netns: needs two virtio-net-pci functions" >&2; return 1; }
	NET_F1=$1 NET_F2=$2
}

# net_nic_pair ID: the interfaces virtio_net gave NET_F1 and NET_F2, to
# net_pair.
net_nic_pair() {
	ifa=$(vf_iface "$NET_F1") && ifb=$(vf_iface "$NET_F2") &&
	net_pair "$1" "$ifa" "$ifb"
}

# Both functions unbound, driver_override cleared.
net_nic_release() {
	vf_release "$NET_F1"
	vf_release "$NET_F2"
}

net_up_vf() {
	net_functions || return 1
	a=$(cat /proc/sys/kernel/random/uuid)
	b=$(cat /proc/sys/kernel/random/uuid)
	NET_VF_DEVICES="$a $b"
	DEVICES="$DEVICES $a $b"
	vf_bind "$NET_F1" && vf_bind "$NET_F2" &&
	vf_create "$NET_F1" virtio "$a" && vf_create "$NET_F2" virtio "$b" &&
	net_nic_pair vf
}

net_down_vf() {
	net_unpair vf
	for d in $NET_VF_DEVICES; do
		[ ! -e "$DEVS/$d" ] || echo 1 >"$DEVS/$d/remove" || return 1
	done
	net_nic_release
}

net_up_pci() {
	net_functions && modprobe virtio_pci &&
	vf_bind "$NET_F1" virtio-pci && vf_bind "$NET_F2" virtio-pci &&
	net_nic_pair pci
}

net_down_pci() {
	net_unpair pci
	net_nic_release
}

# vp_vdpa's PCI driver is "vp-vdpa", with no ID table: only
# driver_override binds it.  virtio_vdpa hangs its virtio device off the
# vdpa device's DMA device, the function, as virtio_pci does.
#
# A new vdpa device goes to the first vdpa driver that probes it, so
# vhost_vdpa, if loaded, could take it before virtio_vdpa: it is unloaded
# first (hw_pmd.sh's vp_vdpa turn loads it), and net_vdpa_bound checks
# that virtio_vdpa has each device.
net_no_vhost_vdpa() {
	[ -d /sys/module/vhost_vdpa ] || return 0
	rmmod vhost_vdpa && return 0
	echo "netns: vdpa: vhost_vdpa is loaded and cannot be unloaded; it" \
		"would take the vdpa devices from virtio_vdpa" >&2
	return 1
}

# net_vdpa_bound DEV: vdpa device DEV is virtio_vdpa's.
net_vdpa_bound() {
	d=$(readlink "/sys/bus/vdpa/devices/$1/driver") || d=none
	[ "${d##*/}" = virtio_vdpa ] && return 0
	echo "netns: vdpa: $1 is bound to ${d##*/}, not virtio_vdpa" >&2
	return 1
}

net_up_vdpa() {
	net_functions && net_no_vhost_vdpa &&
	modprobe vp_vdpa && modprobe virtio_vdpa &&
	vf_bind "$NET_F1" vp-vdpa && vf_bind "$NET_F2" vp-vdpa &&
	vdpa dev add name bench_k0 mgmtdev "pci/$NET_F1" &&
	vdpa dev add name bench_k1 mgmtdev "pci/$NET_F2" &&
	net_vdpa_bound bench_k0 && net_vdpa_bound bench_k1 &&
	net_nic_pair vdpa
}

net_down_vdpa() {
	net_unpair vdpa
	vdpa dev del bench_k0 2>/dev/null
	vdpa dev del bench_k1 2>/dev/null
	net_nic_release
	rmmod virtio_vdpa vp_vdpa
}

# Whether target $1 is brought up and down around its own measurements.
net_exclusive() {
	command -v "net_down_$1" >/dev/null
}

# net_base ID: the target's baseline, if it is measured in this run.
net_base() {
	b=$(net_get BASE "$1")
	case " $NET_TARGETS " in *" $b "*) [ -n "$b" ] && echo "$b" ;; esac
	return 0
}

# net_iperf ID ARG...: iperf3 for NET_SECONDS from bench_<ID>_a to a server
# in bench_<ID>_b; its JSON report in $TMP/iperf.json.
net_iperf() {
	id=$1
	shift
	timeout $((NET_SECONDS + 60)) \
		ip netns exec "bench_${id}_b" iperf3 -s -1 >/dev/null 2>&1 &
	srv=$!
	i=0
	until ip netns exec "bench_${id}_b" ss -Hltn 'sport = :5201' |
	      grep -q .; do
		i=$((i + 1))
		[ $i -lt 100 ] || { kill "$srv"; echo "iperf3 -s: not listening"; return 1; }
		sleep 0.1
	done
	if ! timeout $((NET_SECONDS + 30)) ip netns exec "bench_${id}_a" \
		iperf3 -c $NET_ADDR_B -t "$NET_SECONDS" -J "$@" >"$TMP/iperf.json"; then
		kill "$srv" 2>/dev/null || true
		grep '"error"' "$TMP/iperf.json" || echo "iperf3 -c failed"
		return 1
	fi
	wait "$srv" || true
}

# net_json KEY SECTION: the first number named KEY after the name SECTION
# in iperf.json (iperf3 -J writes one member a line).
net_json() {
	awk -v k="\"$1\":" -v s="\"$2\":" '
		index($0, s) { f = 1 }
		f && index($0, k) { v = $NF; sub(/,$/, "", v); print v; exit }
	' "$TMP/iperf.json"
}

net_case_tcp() {
	net_iperf "$1" || return 1
	printf '%.0f\n' "$(net_json bits_per_second sum_received)"
}

net_case_udp64() {
	len=${BENCH_NET_UDP_LEN:-18}
	net_iperf "$1" -u -b 0 -l "$len" || return 1
	bytes=$(net_json bytes sum_received)
	secs=$(net_json seconds sum_received)
	sent=$(net_json packets sum_sent)
	awk -v b="$bytes" -v l="$len" -v s="$secs" -v n="$sent" 'BEGIN {
		printf "%.0f\n", b / l / s
		printf "(of %.0f/s sent)\n", n / s > "/dev/stderr"
	}'
}

# The median of the numbers in file $1.
net_median() {
	sort -n "$1" | awk '{ v[NR] = $1 } END {
		m = int((NR + 1) / 2)
		printf "%.0f\n", ((NR % 2) ? v[m] : (v[m] + v[m + 1]) / 2) }'
}

# Offloads of interface $2 in namespace $1, for the log: what a TCP stream
# could use there.
net_offloads() {
	ip netns exec "$1" ethtool -k "$2" |
		awk -F': ' '/^(tx-checksumming|scatter-gather|tcp-segmentation-offload|generic-receive-offload):/ {
			printf "%s%s %s", sep, $1, $2; sep = ", " } END { print "" }'
}

net_table() {
	printf '\n%-6s %-12s' case unit
	for t in $NET_TARGETS; do
		printf ' %16s' "$(net_get NAME "$t")"
	done
	for t in $NET_TARGETS; do
		b=$(net_base "$t")
		[ -z "$b" ] ||
			printf '  %s/%s' "$(net_get NAME "$t")" "$(net_get NAME "$b")"
	done
	echo
	for c in $NET_CASES; do
		printf '%-6s %-12s' "$c" "$(net_get UNIT "$c")"
		for t in $NET_TARGETS; do
			printf ' %16.0f' "$(net_median "$TMP/net.$c.$t")"
		done
		for t in $NET_TARGETS; do
			b=$(net_base "$t")
			[ -n "$b" ] || continue
			w=$(net_get NAME "$t")/$(net_get NAME "$b")
			printf "  %${#w}.2f" "$(net_ratio "$c" "$t" "$b")"
		done
		echo
	done
}

# net_ratio CASE TARGET BASE: TARGET's median over BASE's.
net_ratio() {
	awk -v a="$(net_median "$TMP/net.$1.$2")" \
		-v b="$(net_median "$TMP/net.$1.$3")" \
		'BEGIN { printf "%.3f\n", (b > 0 ? a / b : 0) }'
}

# "[1, 2, 3]" from the lines of file $1.
net_list() {
	awk '{ printf "%s%s", (NR > 1 ? ", " : "["), $1 } END { print "]" }' "$1"
}

net_write_json() {
	printf '{\n  "benchmark": "%s",\n  "kernel": "%s",\n' \
		"$NET_BENCHMARK" "$(uname -r)"
	printf '  "cpus": %s,\n  "duration_s": %s,\n' "$(nproc)" "$NET_SECONDS"
	printf '  "repeat": %s,\n  "targets": [\n' "$NET_REPEAT"
	sep=""
	for t in $NET_TARGETS; do
		b=$(net_base "$t")
		printf '%s    {"name": "%s", "what": "%s", "baseline": ' \
			"$sep" "$(net_get NAME "$t")" "$(net_get WHAT "$t")"
		if [ -z "$b" ]; then printf 'null}'; else
			printf '"%s"}' "$(net_get NAME "$b")"; fi
		sep=",
"
	done
	printf '\n  ],\n  "results": [\n'
	sep=""
	for c in $NET_CASES; do
		for t in $NET_TARGETS; do
			f=$TMP/net.$c.$t
			b=$(net_base "$t")
			printf '%s    {"case": "%s", "what": "%s", "unit": "%s", ' \
				"$sep" "$c" "$(net_get WHAT "$c")" \
				"$(net_get UNIT "$c")"
			printf '"target": "%s", "median": %s, "runs": %s' \
				"$(net_get NAME "$t")" "$(net_median "$f")" \
				"$(net_list "$f")"
			[ -z "$b" ] ||
				printf ', "baseline": "%s", "baseline_median": %s, "ratio": %s' \
					"$(net_get NAME "$b")" \
					"$(net_median "$TMP/net.$c.$b")" \
					"$(net_ratio "$c" "$t" "$b")"
			printf '}'
			sep=",
"
		done
	done
	printf '\n  ]\n}\n'
}

# net_start ID: bring the target up and log its interface's offloads.
net_start() {
	"net_up_$1" || { echo "netns: $1: setup failed" >&2; return 1; }
	ifn=$(net_get IF "$1")
	echo "  offloads of $ifn ($(net_get NAME "$1")):" \
		"$(net_offloads "bench_$1_a" "$ifn")"
}

# net_measure ROUND CASE ID: one run of the case over the target.
net_measure() {
	v=$("net_case_$2" "$3" 2>"$TMP/net.err") || {
		cat "$TMP/net.err" >&2
		echo "netns: $2 over $3 failed" >&2
		return 1
	}
	echo "$v" >>"$TMP/net.$2.$3"
	echo "  run $1: $2 over $(net_get NAME "$3"): $v" \
		"$(net_get UNIT "$2") $(cat "$TMP/net.err")"
}

# net_fail_down ID: after exclusive target ID failed to come up or to be
# measured, undo what it made (its vdpa devices, the functions' bindings
# and overrides), which teardown does not know about.
net_fail_down() {
	"net_down_$1" >/dev/null 2>&1 ||
		echo "netns: $1: teardown after the failure failed too" >&2
}

# The pairs of every target, measured in turns case by case (the
# exclusive ones each on its own, starting each round with the next one);
# the table on stdout, the JSON into file $1.
net_run() {
	shared="" exclusive=""
	for t in $NET_TARGETS; do
		if net_exclusive "$t"; then exclusive="$exclusive $t"; else
			shared="$shared $t"; fi
	done
	echo "netns: iperf3 between two network namespaces, $NET_SECONDS s" \
		"per run, median of $NET_REPEAT run(s)"
	for t in $NET_TARGETS; do
		printf '  %-16s %s\n' "$(net_get NAME "$t")" "$(net_get WHAT "$t")"
	done
	for c in $NET_CASES; do
		printf '  %-16s %s (%s)\n' "$c" "$(net_get WHAT "$c")" \
			"$(net_get UNIT "$c")"
	done
	echo "  <target>/<baseline>: the target's median over its baseline's" \
		"(above 1: faster)"
	[ -z "$exclusive" ] || echo "  brought up and torn down in each" \
		"round, one after the other, each round starting with the" \
		"next:$exclusive"
	for t in $shared; do
		net_start "$t" || return 1
	done
	order=$exclusive
	r=0
	while [ $r -lt "$NET_REPEAT" ]; do
		r=$((r + 1))
		for c in $NET_CASES; do
			for t in $shared; do
				net_measure $r "$c" "$t" || return 1
			done
		done
		for t in $order; do
			net_start "$t" || { net_fail_down "$t"; return 1; }
			for c in $NET_CASES; do
				net_measure $r "$c" "$t" ||
					{ net_fail_down "$t"; return 1; }
			done
			"net_down_$t" ||
				{ echo "netns: $t: teardown failed" >&2; return 1; }
		done
		# Each round starts with the next exclusive target: none is
		# always measured first.
		# shellcheck disable=SC2086 # one target a word
		order=$(echo $order | awk '{ for (i = 2; i <= NF; i++) printf "%s ", $i; print $1 }')
	done
	net_table
	net_write_json >"$1"
}

# (Called as a condition, as every bench_*: set -e does not apply inside.)
bench_netns() {
	if [ ! -d "$TYPE" ] || ! modprobe virtio_net || ! modprobe virtio_mdev; then
		echo "netns: no mvnet-virtio type, virtio_net or virtio_mdev" >&2
		return 1
	fi
	ret=0
	net_run "$1" || ret=1
	teardown
	return $ret
}
