# SPDX-License-Identifier: GPL-2.0-only
#
# The hw_pmd benchmark, sourced by run.sh (POSIX sh, set -eu): the test
# VM's two virtio-net-pci functions (one wire, QEMU's hub 0) driven by
# Debian's dpdk-testpmd, txonly on the first function and rxonly on the
# second, each its own testpmd process; frames per second that the
# receiving testpmd counted.  Four stacks take turns on the same two
# functions, each brought up, measured at every frame size and torn down
# in each of BENCH_HW_REPEAT rounds (the median is reported), each round
# starting with the next stack:
#
#   vmdev_vf  ours: vmdev_vf on both functions, a vmdev_vf-vhost device
#             on each, testpmd's virtio_user PMD on its character device
#             /dev/vhost-mdev/<UUID>
#   vp_vdpa   upstream vDPA: vp_vdpa on both functions, a vdpa device on
#             each ("vdpa dev add ... mgmtdev pci/<BDF>"), vhost_vdpa
#             bound to it, testpmd's virtio_user PMD on /dev/vhost-vdpa-N
#   vfio-pci  plain passthrough: both functions bound to vfio-pci,
#             testpmd's own virtio PMD (net_virtio) on the PCI addresses,
#             doorbells written straight into the BAR
#   relay     ours with the core's relay, which a function needs to be
#             migrated (the devices' "relay" attribute on): every ring
#             through a kernel worker; against vmdev_vf, its cost
#
# Both virtio_user stacks kick through the kick eventfd: DPDK 22.11's
# virtio_user has no way to map a vhost-vdpa device's doorbell pages
# (VHOST_VDPA's mmap of the notification area), so neither ours nor
# vhost_vdpa gets its doorbells mapped by testpmd; the device writes the
# doorbell in the kernel on the kick.  All three poll: testpmd asks for no
# interrupts.
#
# One measurement: both testpmds forward (the receiver first), the sender
# to the receiver's MAC with txonly frames of SIZE bytes (Ethernet header
# included, no FCS: "set txpkts SIZE"); after BENCH_HW_WARMUP_S seconds
# (2) the receiver's stats are shown once, which starts testpmd's own
# throughput interval ("Throughput (since last show)"), and again
# BENCH_HW_SECONDS (5) later: its Rx-pps is the result, the frames
# received over that interval by testpmd's clock; the sender's Tx-pps over
# the same interval beside it (QEMU's hub does not hold the sender back: a
# receiver that falls behind loses frames in QEMU, which the two show).
#
# QEMU prints "wrong value for queue_enable 0" four times at the end of
# each vp_vdpa turn: when testpmd stops, vhost_vdpa disables each ring
# (VHOST_VDPA_SET_VRING_ENABLE 0) and 6.1's vp_vdpa writes that 0 to the
# function's queue_enable, which virtio 1.x does not let a driver write;
# QEMU ignores it and the reset that follows stops the ring.  Upstream's,
# harmless here.
#
# Both testpmds and their forwarding lcores run on the one vCPU, as every
# other case; the scheduler shares it between them the same way for every
# stack.
#
# A stack that cannot come up or whose testpmd does not start is reported
# as failed with the reason (its log's last lines in the output): its
# ratios are left out, not made up.
#
# Also here, bench_relay_log: what the dirty log costs the relay, as
# benchmark relay_log: vhost_loopback's relay and relay-log targets
# (libvmdev through the character devices: testpmd cannot turn a log on) on
# a vmdev_vf-vhost device of each function, the relay on, TX of the first
# to RX of the second over the wire, 64 and 1500 B (BENCH_HW_SIZES), in
# batches of 1 and 32 (BENCH_RELAY_BATCHES), BENCH_REPEAT rounds of
# BENCH_DURATION_MS as in vhost_loopback.
#
# And bench_hw_netns: the kernel personality on the same two
# functions, netns.sh's iperf3 cases (BENCH_NET_* as there) over
# vmdev_vf-virtio (netns.sh's vf) against virtio_vdpa over vp_vdpa
# (netns.sh's vdpa), each brought up and torn down in each round, each
# round starting with the next.
#
# Environment: BENCH_HW_REPEAT (5), BENCH_HW_SIZES ("64,1500"),
# BENCH_HW_SECONDS (5), BENCH_HW_WARMUP_S (2), BENCH_HW_STACKS ("vmdev_vf
# vp_vdpa vfio-pci relay"), BENCH_VF_LIB (as in netns.sh).  Uses peer.sh's
# vdpa_node, which run.sh sources first.
#
# shellcheck disable=SC2317 # the hw_up_* and hw_down_* are called by name
# shellcheck disable=SC2034 # HW_WHAT_<id> are read through eval

# shellcheck source=../selftests/vmdev_vf/vmdev_vf.sh
. "${BENCH_VF_LIB:-$HERE/../vmdev_vf/vmdev_vf.sh}"

HW_DIR=/tmp/hw_pmd
HW_RING=256
HW_UUID1=7e3c1d40-5a2b-4f6e-9c1d-0000000000c1
HW_UUID2=7e3c1d40-5a2b-4f6e-9c1d-0000000000c2
HW_WHAT_vmdev_vf="ours: vmdev_vf, a vmdev_vf-vhost device on each function, testpmd's virtio_user on /dev/vhost-mdev/<UUID>"
HW_WHAT_vp_vdpa="upstream: vp_vdpa, a vdpa device on each function bound to vhost_vdpa, testpmd's virtio_user on /dev/vhost-vdpa-N"
HW_WHAT_vfio_pci="passthrough: the functions on vfio-pci, testpmd's net_virtio PMD on the PCI addresses"
HW_WHAT_relay="ours through the relay: as vmdev_vf, with each device's relay attribute on"

# --- the stacks: hw_up_<id> sets HW_ARGS1 and HW_ARGS2 (each testpmd's
# EAL options for its port) or says why not on stdout and fails;
# hw_down_<id> undoes it.

# DPDK 22.11's virtio_user takes a character device for a vhost-vdpa
# backend only if its major is that of the first /proc/devices entry whose
# name starts with "vhost-vdpa" (ours is "vhost-vdpa-mdev"); any other
# node it drives as vhost-kernel, which fails.  vhost_mdev stays loaded in
# the vp_vdpa turn, so both are listed then, and vhost_vdpa's node passes
# only because vhost_vdpa, loaded later, got the lower dynamic major and
# is listed first.  That is allocation order, not a rule: hw_dpdk_node
# checks the node each turn hands to testpmd and fails the turn with the
# reason.  vhost_vdpa is unloaded after its turn, so the vmdev_vf turn
# sees ours alone.
hw_dpdk_node() {
	_hd_maj=$(($(printf '0x%s' "$(stat -L -c %t "$1")")))
	_hd_first=$(awk '$2 ~ /^vhost-vdpa/ { print $1, $2; exit }' /proc/devices)
	[ "${_hd_first%% *}" = "$_hd_maj" ] && return 0
	echo "DPDK would not take $1 (major $_hd_maj) for vhost-vdpa: the first" \
		"vhost-vdpa* in /proc/devices is ${_hd_first:-none}"
	return 1
}

hw_node() {
	for _ in $(seq 50); do
		[ -c "$1" ] && return 0
		sleep 0.1
	done
	echo "no character device $1"
	return 1
}

hw_virtio_user() {
	echo "--no-pci --vdev net_virtio_user0,path=$1,queue_size=$HW_RING"
}

# Ours on both functions; through the relay when $1 is 1; for testpmd
# unless $2 is "libvmdev".
hw_up_ours() {
	vf_bind "$HW_F1" && vf_bind "$HW_F2" &&
		vf_create "$HW_F1" vhost "$HW_UUID1" &&
		vf_create "$HW_F2" vhost "$HW_UUID2" &&
		echo "$1" >"$DEVS/$HW_UUID1/relay" &&
		echo "$1" >"$DEVS/$HW_UUID2/relay" || return 1
	hw_node "/dev/vhost-mdev/$HW_UUID1" &&
		hw_node "/dev/vhost-mdev/$HW_UUID2" || return 1
	[ "${2:-}" != libvmdev ] || return 0
	hw_dpdk_node "/dev/vhost-mdev/$HW_UUID1" &&
		hw_dpdk_node "/dev/vhost-mdev/$HW_UUID2" || return 1
	HW_ARGS1=$(hw_virtio_user "/dev/vhost-mdev/$HW_UUID1")
	HW_ARGS2=$(hw_virtio_user "/dev/vhost-mdev/$HW_UUID2")
}

hw_up_vmdev_vf() {
	hw_up_ours 0
}

hw_up_relay() {
	hw_up_ours 1
}

hw_down_relay() {
	hw_down_vmdev_vf
}

hw_down_vmdev_vf() {
	for _u in $HW_UUID1 $HW_UUID2; do
		[ ! -e "$DEVS/$_u" ] || echo 1 >"$DEVS/$_u/remove" || true
	done
	vf_release "$HW_F1"
	vf_release "$HW_F2"
}


hw_up_vp_vdpa() {
	if ! modprobe vp_vdpa || ! modprobe vhost_vdpa; then
		echo "no vp_vdpa or vhost_vdpa (scripts/upstream-vdpa.sh ko hw)"
		return 1
	fi
	# vp_vdpa's PCI driver is "vp-vdpa"; it has no ID table, so only
	# driver_override binds it.
	vf_bind "$HW_F1" vp-vdpa && vf_bind "$HW_F2" vp-vdpa &&
		vdpa dev add name hw0 mgmtdev "pci/$HW_F1" &&
		vdpa dev add name hw1 mgmtdev "pci/$HW_F2" || return 1
	_n1=$(vdpa_node hw0) && _n2=$(vdpa_node hw1) || return 1
	hw_dpdk_node "$_n1" && hw_dpdk_node "$_n2" || return 1
	HW_ARGS1=$(hw_virtio_user "$_n1")
	HW_ARGS2=$(hw_virtio_user "$_n2")
}

hw_down_vp_vdpa() {
	vdpa dev del hw0 2>/dev/null || true
	vdpa dev del hw1 2>/dev/null || true
	vf_release "$HW_F1"
	vf_release "$HW_F2"
	rmmod vhost_vdpa vp_vdpa 2>/dev/null || true
}

hw_up_vfio_pci() {
	modprobe vfio_pci && vf_bind "$HW_F1" vfio-pci &&
		vf_bind "$HW_F2" vfio-pci || return 1
	HW_ARGS1="-a $HW_F1"
	HW_ARGS2="-a $HW_F2"
}

hw_down_vfio_pci() {
	vf_release "$HW_F1"
	vf_release "$HW_F2"
}

# --- testpmd, two at once: instance 1 sends, 2 receives; commands go
# through a FIFO each (fds 7 and 8), each waited for (its next prompt).

hw_prompts() {
	grep -o 'testpmd> ' "$HW_DIR/$1/out" 2>/dev/null | wc -l
}

# hw_wait I N SECONDS: until instance I printed more than N prompts.
hw_wait() {
	_hw_end=$(($(date +%s) + $3))
	while [ "$(hw_prompts "$1")" -le "$2" ]; do
		kill -0 "$(cat "$HW_DIR/$1/pid")" 2>/dev/null || return 1
		[ "$(date +%s)" -lt "$_hw_end" ] || return 1
		sleep 0.2
	done
}

# hw_cmd I CMD: its output on stdout.
hw_cmd() {
	_hc_n=$(hw_prompts "$1")
	_hc_from=$(wc -c <"$HW_DIR/$1/out")
	case $1 in
	1) echo "$2" >&7 ;;
	2) echo "$2" >&8 ;;
	esac
	hw_wait "$1" "$_hc_n" 60 || return 1
	tail -c +$((_hc_from + 1)) "$HW_DIR/$1/out"
}

# hw_start I EAL-OPTION...: one lcore for the command line and one
# forwarding, both on the one vCPU; 128 MiB of huge pages each.
hw_start() {
	_hs_i=$1
	shift
	rm -rf "${HW_DIR:?}/$_hs_i"
	mkdir -p "$HW_DIR/$_hs_i"
	mkfifo "$HW_DIR/$_hs_i/in"
	# shellcheck disable=SC2068 # the EAL options, one word each
	stdbuf -oL dpdk-testpmd --lcores=0@0,1@0 --iova-mode=va -m 128 \
		--file-prefix="hw$_hs_i" --log-level=lib.eal:warning $@ -- \
		-i --nb-cores=1 --rxd=$HW_RING --txd=$HW_RING \
		--total-num-mbufs=2048 \
		<"$HW_DIR/$_hs_i/in" >"$HW_DIR/$_hs_i/out" 2>&1 &
	echo $! >"$HW_DIR/$_hs_i/pid"
	case $_hs_i in
	1) exec 7>"$HW_DIR/1/in" ;;
	2) exec 8>"$HW_DIR/2/in" ;;
	esac
	hw_wait "$_hs_i" 0 180 &&
		grep -q '^Port 0: [0-9A-Fa-f:]*$' "$HW_DIR/$_hs_i/out" &&
		! grep -q 'Failed to start device' "$HW_DIR/$_hs_i/out"
}

hw_quit() {
	_hq_rc=0
	_hq_pid=$(cat "$HW_DIR/$1/pid" 2>/dev/null) || return 0
	if kill -0 "$_hq_pid" 2>/dev/null; then
		case $1 in
		1) echo quit >&7 ;;
		2) echo quit >&8 ;;
		esac
	fi
	case $1 in
	1) exec 7>&- ;;
	2) exec 8>&- ;;
	esac
	_hq_end=$(($(date +%s) + 30))
	while kill -0 "$_hq_pid" 2>/dev/null; do
		if [ "$(date +%s)" -ge "$_hq_end" ]; then
			kill -9 "$_hq_pid"
			_hq_rc=1
			break
		fi
		sleep 0.2
	done
	wait "$_hq_pid" 2>/dev/null || _hq_rc=1
	rm -f "$HW_DIR/$1/pid" /dev/hugepages/hw"$1"*
	return $_hq_rc
}

hw_mac() {
	hw_cmd "$1" "show port info 0" |
		sed -n 's/^MAC address: *\([0-9A-Fa-f:]*\).*/\1/p'
}

# hw_stat I NAME: the number after NAME: in "show port stats 0" (Rx-pps,
# RX-packets, ...), which also restarts testpmd's throughput interval.
hw_stat() {
	hw_cmd "$1" "show port stats 0" | tr -s ' ' '\n' |
		awk -v k="$2:" 'f { print; exit } $0 == k { f = 1 }'
}

# hw_measure SIZE: "RX-PPS TX-PPS" of one measurement.
hw_measure() {
	hw_cmd 2 "set fwd rxonly" >/dev/null &&
		hw_cmd 2 "start" >/dev/null &&
		hw_cmd 1 "set fwd txonly" >/dev/null &&
		hw_cmd 1 "set txpkts $1" >/dev/null &&
		hw_cmd 1 "set eth-peer 0 $HW_MAC2" >/dev/null &&
		hw_cmd 1 "start" >/dev/null || return 1
	sleep "$HW_WARMUP"
	hw_stat 2 Rx-pps >/dev/null && hw_stat 1 Tx-pps >/dev/null || return 1
	sleep "$HW_SECONDS"
	_hm_rx=$(hw_stat 2 Rx-pps) && _hm_tx=$(hw_stat 1 Tx-pps) || return 1
	hw_cmd 1 "stop" >/dev/null && hw_cmd 2 "stop" >/dev/null || return 1
	echo "$_hm_rx $_hm_tx"
}

hw_log() {
	tail -n 15 "$HW_DIR/$1/out" 2>/dev/null | sed "s/^/hw_pmd: testpmd $1: /" >&2
}

# hw_round STACK: brings STACK up, measures every size, takes it down;
# appends "STACK SIZE RX TX" lines to $HW_DIR/runs, or "STACK fail REASON"
# to $HW_DIR/fail.
hw_round() {
	_hr_id=$(echo "$1" | tr - _)
	_hr_rc=0
	if ! "hw_up_$_hr_id" >"$HW_DIR/why" 2>&1; then
		echo "$1 fail could not bring it up: $(tail -n 1 "$HW_DIR/why")" \
			>>"$HW_DIR/fail"
		sed "s/^/hw_pmd: $1: /" "$HW_DIR/why" >&2
		"hw_down_$_hr_id"
		return 1
	fi
	# shellcheck disable=SC2086 # EAL options, one word each
	if ! hw_start 2 $HW_ARGS2 || ! hw_start 1 $HW_ARGS1; then
		echo "$1 fail testpmd did not start: $(grep -m1 -iE 'error|fail|cannot' \
			"$HW_DIR"/1/out "$HW_DIR"/2/out 2>/dev/null | head -n 1 |
			sed 's/^[^:]*://')" >>"$HW_DIR/fail"
		hw_log 2
		hw_log 1
		_hr_rc=1
	else
		HW_MAC2=$(hw_mac 2)
		for _hr_s in $HW_SIZES; do
			if _hr_m=$(hw_measure "$_hr_s"); then
				echo "hw_pmd: $1 $_hr_s B: received, sent (frames/s): $_hr_m" >&2
				echo "$1 $_hr_s $_hr_m" >>"$HW_DIR/runs"
			else
				echo "$1 fail testpmd stopped answering at $_hr_s B" \
					>>"$HW_DIR/fail"
				hw_log 2
				hw_log 1
				_hr_rc=1
				break
			fi
		done
	fi
	hw_quit 1 || _hr_rc=1
	hw_quit 2 || _hr_rc=1
	"hw_down_$_hr_id"
	return $_hr_rc
}

# hw_value STACK SIZE FIELD(3: rx, 4: tx): the median, or null.
hw_value() {
	awk -v t="$1" -v s="$2" -v f="$3" '$1 == t && $2 == s { print $f }' \
		"$HW_DIR/runs" | median
}

hw_json() {
	_hj_sep=""
	printf '{"benchmark": "hw_pmd", "kernel": "%s", "cpus": %s, ' \
		"$(uname -r)" "$(nproc)"
	printf '"repeat": %s, "seconds": %s, "warmup_s": %s, "ring": %s, ' \
		"$HW_REPEAT" "$HW_SECONDS" "$HW_WARMUP" "$HW_RING"
	printf '"functions": ["%s", "%s"], "targets": [' "$HW_F1" "$HW_F2"
	for _hj_t in $HW_STACKS; do
		_hj_id=$(echo "$_hj_t" | tr - _)
		_hj_fail=$(awk -v t="$_hj_t" '$1 == t && $2 == "fail" {
			$1 = ""; $2 = ""; sub(/^  /, ""); print; exit }' \
			"$HW_DIR/fail" 2>/dev/null | sed 's/["\\]/ /g')
		_hj_base=null
		[ "$_hj_t" != vmdev_vf ] || _hj_base='["vp_vdpa", "vfio-pci"]'
		[ "$_hj_t" != relay ] || _hj_base='["vmdev_vf"]'
		printf '%s{"name": "%s", "what": "%s", "baselines": %s, "failed": %s}' \
			"$_hj_sep" "$_hj_t" "$(eval "echo \"\$HW_WHAT_$_hj_id\"")" \
			"$_hj_base" "$([ -n "$_hj_fail" ] && echo "\"$_hj_fail\"" || echo null)"
		_hj_sep=", "
	done
	printf '], "results": ['
	_hj_sep=""
	for _hj_s in $HW_SIZES; do
		for _hj_t in $HW_STACKS; do
			_hj_rx=$(hw_value "$_hj_t" "$_hj_s" 3)
			_hj_tx=$(hw_value "$_hj_t" "$_hj_s" 4)
			_hj_runs=$(awk -v t="$_hj_t" -v s="$_hj_s" \
				'$1 == t && $2 == s { printf "%s%s", c, $3; c = ", " }' \
				"$HW_DIR/runs")
			printf '%s{"target": "%s", "frame_size": %s, "median_pps": %s, "tx_median_pps": %s, "runs": [%s]' \
				"$_hj_sep" "$_hj_t" "$_hj_s" "$_hj_rx" "$_hj_tx" "$_hj_runs"
			_hj_bases=
			[ "$_hj_t" != vmdev_vf ] || _hj_bases="vp_vdpa vfio-pci"
			[ "$_hj_t" != relay ] || _hj_bases=vmdev_vf
			if [ -n "$_hj_bases" ]; then
				for _hj_b in $_hj_bases; do
					_hj_bv=$(hw_value "$_hj_b" "$_hj_s" 3)
					printf ', "%s_pps": %s, "ratio_%s": %s' \
						"$(echo "$_hj_b" | tr - _)" "$_hj_bv" \
						"$(echo "$_hj_b" | tr - _)" \
						"$(ratio "$_hj_rx" "$_hj_bv")"
				done
			fi
			printf '}'
			_hj_sep=", "
		done
	done
	printf ']}\n'
}

# (Called as a condition: set -e does not apply inside, so say every
# status.)
bench_hw_pmd() {
	_hb_json=$1
	HW_REPEAT=${BENCH_HW_REPEAT:-5}
	HW_SIZES=$(echo "${BENCH_HW_SIZES:-64,1500}" | tr , ' ')
	HW_SECONDS=${BENCH_HW_SECONDS:-5}
	HW_WARMUP=${BENCH_HW_WARMUP_S:-2}
	HW_STACKS=${BENCH_HW_STACKS:-vmdev_vf vp_vdpa vfio-pci relay}
	# shellcheck disable=SC2046 # BDFs
	set -- $(vf_functions)
	if [ $# -lt 2 ] || [ ! -d "$DRV" ]; then
		echo "hw_pmd: needs two virtio-net-pci functions and vmdev_vf" >&2
		return 1
	fi
	HW_F1=$1 HW_F2=$2
	command -v dpdk-testpmd >/dev/null || {
		echo "hw_pmd: no dpdk-testpmd (the interop bundle, host.sh)" >&2
		return 1
	}
	rm -rf "$HW_DIR"
	mkdir -p "$HW_DIR"
	: >"$HW_DIR/runs"
	: >"$HW_DIR/fail"
	# Two testpmds of 128 MiB each, and room: the mount first, so that
	# nothing is left to undo if it fails; both undone at the end in
	# the reverse order.
	_hb_mnt=""
	mkdir -p /dev/hugepages
	if ! grep -q ' /dev/hugepages ' /proc/mounts; then
		mount -t hugetlbfs nodev /dev/hugepages || return 1
		_hb_mnt=1
	fi
	_hb_pages=$(cat /proc/sys/vm/nr_hugepages)
	echo 160 >/proc/sys/vm/nr_hugepages
	# EAL's runtime directory is /var/run/dpdk: the VM has /run only.
	[ -e /var/run ] || { mkdir -p /var && ln -s /run /var/run; }
	_hb_rc=0
	_hb_r=1
	_hb_order=$HW_STACKS
	while [ "$_hb_r" -le "$HW_REPEAT" ]; do
		for _hb_t in $_hb_order; do
			echo "hw_pmd: round $_hb_r: $_hb_t" >&2
			hw_round "$_hb_t" || _hb_rc=1
		done
		# Each round starts with the next stack: none is always first.
		# shellcheck disable=SC2086 # one stack a word
		_hb_order=$(echo $_hb_order | awk '{ for (i = 2; i <= NF; i++) printf "%s ", $i; print $1 }')
		_hb_r=$((_hb_r + 1))
	done
	echo "hw_pmd: frames/s received (median of $HW_REPEAT), ours / each:"
	for _hb_s in $HW_SIZES; do
		_hb_o=$(hw_value vmdev_vf "$_hb_s" 3)
		_hb_u=$(hw_value vp_vdpa "$_hb_s" 3)
		_hb_p=$(hw_value vfio-pci "$_hb_s" 3)
		_hb_y=$(hw_value relay "$_hb_s" 3)
		echo "  $_hb_s B: vmdev_vf $_hb_o, vp_vdpa $_hb_u, vfio-pci $_hb_p," \
			"relay $_hb_y; ours/vp_vdpa $(ratio "$_hb_o" "$_hb_u")," \
			"ours/vfio-pci $(ratio "$_hb_o" "$_hb_p")," \
			"relay/ours $(ratio "$_hb_y" "$_hb_o")"
	done
	sort -u "$HW_DIR/fail" | sed 's/^/hw_pmd: failed: /'
	hw_json >"$_hb_json" || _hb_rc=1
	echo "$_hb_pages" >/proc/sys/vm/nr_hugepages
	[ -z "$_hb_mnt" ] || umount /dev/hugepages || _hb_rc=1
	return $_hb_rc
}

# (Called as a condition, as bench_hw_pmd.)
bench_relay_log() {
	_rl_rc=0
	# shellcheck disable=SC2046 # BDFs
	set -- "$1" $(vf_functions)
	if [ $# -lt 3 ] || [ ! -d "$DRV" ]; then
		echo "relay_log: needs two virtio-net-pci functions and vmdev_vf" >&2
		return 1
	fi
	HW_F1=$2 HW_F2=$3
	# The character devices offer the log only when asked (upstream's
	# default is none), to those opened from then on.
	_rl_param=/sys/module/vhost_mdev/parameters/cdev_dirty_log
	if ! _rl_was=$(cat "$_rl_param") || ! echo Y >"$_rl_param"; then
		echo "relay_log: cannot turn $_rl_param on" >&2
		return 1
	fi
	if hw_up_ours 1 libvmdev >"$TMP/relay_log.why" 2>&1; then
		"$BIN/vhost_loopback" --pair "$HW_UUID1,$HW_UUID2" \
			--no-af-packet --name relay_log \
			--sizes "${BENCH_HW_SIZES:-64,1500}" \
			--batches "${BENCH_RELAY_BATCHES:-1,32}" \
			--duration-ms "${BENCH_DURATION_MS:-1000}" \
			--warmup-ms "${BENCH_WARMUP_MS:-200}" \
			--repeat "${BENCH_REPEAT:-3}" --json "$1" || _rl_rc=$?
	else
		sed 's/^/relay_log: /' "$TMP/relay_log.why" >&2
		_rl_rc=1
	fi
	hw_down_relay
	echo "$_rl_was" >"$_rl_param" || _rl_rc=1
	return $_rl_rc
}

# The kernel personality on the functions: vmdev_vf-virtio against
# virtio_vdpa over vp_vdpa (netns.sh's targets vf and vdpa), netns.sh's
# cases, as benchmark hw_netns.  vhost_vdpa, which could take the vdpa
# devices before virtio_vdpa, is unloaded by netns.sh's net_up_vdpa.
bench_hw_netns() {
	if ! modprobe virtio_net || ! modprobe virtio_mdev; then
		echo "hw_netns: no virtio_net or virtio_mdev" >&2
		return 1
	fi
	_hn_targets=$NET_TARGETS
	_hn_base=$NET_BASE_vf
	NET_TARGETS="vf vdpa" NET_BASE_vf=vdpa NET_BENCHMARK=hw_netns
	_hn_rc=0
	net_run "$1" || _hn_rc=1
	NET_TARGETS=$_hn_targets NET_BASE_vf=$_hn_base NET_BENCHMARK=netns
	teardown
	return $_hn_rc
}
