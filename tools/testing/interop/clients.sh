# SPDX-License-Identifier: GPL-2.0-only
#
# The real clients of a vhost-vdpa node, driven in the test VM; sourced (not
# run) by run.sh, and by whatever else wants them (the benchmarks).  Needs
# the archive of bundle.sh (tools/testing/vm/run --cpio).  POSIX sh.
#
#   hugepages N                   N 2 MiB huge pages on /dev/hugepages
#
#   DPDK's dpdk-testpmd, one virtio_user port on the node, interactive,
#   commands sent through a FIFO, each waited for (its next prompt):
#   testpmd_start NODE [ARG]...   start it (ARGs: more testpmd options),
#                                 rings of TESTPMD_RING entries (256);
#                                 fails if the port does not start
#   testpmd_link                  the port's link as testpmd shows it: "up"
#                                 or "down" (see below)
#   testpmd_cmd CMD...            one command; its output on stdout
#   testpmd_mac                   the port's MAC address (the device's)
#   testpmd_stats                 "show port stats 0" as one line of
#                                 "name value" pairs: rx_packets,
#                                 rx_missed, rx_bytes, rx_errors,
#                                 rx_nombuf, tx_packets, tx_errors,
#                                 tx_bytes
#   testpmd_quit                  quit and wait; fails if it did not exit 0
#   testpmd_kill                  SIGKILL it (wherever it is) and wait
#   testpmd_log                   its whole output so far
#
#   QEMU, nested: a guest (L2) whose virtio-net-pci NIC has the node as its
#   vhost-vdpa backend, booting bundle.sh's kernel and l2-init:
#   l2_boot NODE [KEY=VALUE]...   boot it, wait until it powers off (at
#                                 most L2_TIMEOUT s, default 900); the
#                                 KEY=VALUEs go to l2-init's command line
#                                 as interop.KEY=VALUE; its console is in
#                                 $L2_LOG, the seconds it took in l2_secs
#   l2_report WHAT                a value l2-init reported: "driver",
#                                 "mac", "transmitted", "received",
#                                 "tx_packets", "rx_packets", "tx_bytes",
#                                 "rx_bytes"; empty if it did not
#
# DPDK 22.11's virtio_user never reads the link status of a vhost-vdpa
# device: for one that offers VIRTIO_NET_F_STATUS (mvnet, hardware) the
# port's link shows down whatever the device says, for one that does not
# (vdpa_sim_net) it shows up.  Forwarding does not depend on it.
#
# DPDK picks its vhost-vdpa backend for a character device whose major is
# that of the first /proc/devices entry named vhost-vdpa*: only one
# provider of such nodes should be loaded while it runs.  Both clients pin
# the memory they map (DPDK its huge pages, QEMU all the L2's RAM): the
# functions lift RLIMIT_MEMLOCK for them.

TESTPMD_DIR=/tmp/testpmd
L2_LOG=/tmp/l2-console.log
L2_DIR=/interop/l2

hugepages() {
	mkdir -p /dev/hugepages
	grep -q ' /dev/hugepages ' /proc/mounts ||
		mount -t hugetlbfs nodev /dev/hugepages || return 1
	echo "$1" >/proc/sys/vm/nr_hugepages
	[ "$(cat /proc/sys/vm/nr_hugepages)" -ge "$1" ]
}

# How many prompts testpmd has printed: one per command done, plus the
# first.
_testpmd_prompts() {
	grep -o 'testpmd> ' "$TESTPMD_DIR/out" 2>/dev/null | wc -l
}

# Wait until more than $1 prompts (at most $2 s), or testpmd is gone.
_testpmd_wait() {
	_tw_end=$(($(date +%s) + $2))
	while [ "$(_testpmd_prompts)" -le "$1" ]; do
		kill -0 "$testpmd_pid" 2>/dev/null || return 1
		[ "$(date +%s)" -lt "$_tw_end" ] || return 1
		sleep 0.2
	done
}

# One lcore for the command line and one forwarding, both on CPU 0 (the
# test VM has one vCPU); mbufs and descriptors for one queue pair of at
# most 256 entries, so 64 huge pages are plenty; loop topology: the one
# port forwards to itself.
testpmd_start() {
	_ts_node=$1
	_ts_ring=${TESTPMD_RING:-256}
	shift
	rm -rf "$TESTPMD_DIR"
	mkdir -p "$TESTPMD_DIR"
	mkfifo "$TESTPMD_DIR/in"
	# EAL's runtime directory is /var/run/dpdk: the VM has /run only.
	[ -e /var/run ] || { mkdir -p /var && ln -s /run /var/run; }
	ulimit -l unlimited
	stdbuf -oL dpdk-testpmd --lcores=0@0,1@0 --no-pci --iova-mode=va -m 128 \
		--file-prefix=interop --log-level=lib.eal:warning \
		--vdev "net_virtio_user0,path=$_ts_node,queue_size=$_ts_ring" -- \
		-i --port-topology=loop --nb-cores=1 --rxd="$_ts_ring" \
		--txd="$_ts_ring" \
		--total-num-mbufs=2048 "$@" \
		<"$TESTPMD_DIR/in" >"$TESTPMD_DIR/out" 2>&1 &
	testpmd_pid=$!
	# Held open for writing, so that testpmd sees no end of input
	# between commands.
	exec 7>"$TESTPMD_DIR/in"
	if ! _testpmd_wait 0 120; then
		testpmd_quit
		return 1
	fi
	# testpmd names the port's MAC once the port started, even when
	# virtio_user could not start the device (DRIVER_OK never set: a
	# ring larger than the device's maximum, say, which DPDK 22.11 does
	# not ask for).
	grep -q '^Port 0: [0-9A-Fa-f:]*$' "$TESTPMD_DIR/out" &&
		! grep -q 'Failed to start device' "$TESTPMD_DIR/out"
}

testpmd_link() {
	testpmd_cmd "show port info 0" |
		sed -n 's/^Link status: *\([a-z]*\).*/\1/p'
}

testpmd_cmd() {
	_tc_n=$(_testpmd_prompts)
	_tc_from=$(wc -c <"$TESTPMD_DIR/out")
	echo "$*" >&7
	_testpmd_wait "$_tc_n" 60 || return 1
	tail -c +$((_tc_from + 1)) "$TESTPMD_DIR/out"
}

testpmd_mac() {
	testpmd_cmd "show port info 0" |
		sed -n 's/^MAC address: *\([0-9A-Fa-f:]*\).*/\1/p'
}

testpmd_stats() {
	testpmd_cmd "show port stats 0" | tr -s ' ' '\n' | awk '
		/^[RT]X-[a-z]+:$/ { k = tolower($0); sub(/:$/, "", k); sub(/-/, "_", k); next }
		k != "" && /^[0-9]+$/ { printf "%s %s ", k, $0; k = "" }
		END { print "" }'
}

testpmd_quit() {
	_tq_rc=0
	# Not into a FIFO nobody reads: that is a SIGPIPE.
	kill -0 "$testpmd_pid" 2>/dev/null && echo quit >&7
	exec 7>&-
	# testpmd quits within a few seconds; a hung one is killed.
	_tq_end=$(($(date +%s) + 30))
	while kill -0 "$testpmd_pid" 2>/dev/null; do
		if [ "$(date +%s)" -ge "$_tq_end" ]; then
			kill -9 "$testpmd_pid"
			_tq_rc=1
			break
		fi
		sleep 0.2
	done
	wait "$testpmd_pid" || _tq_rc=1
	return $_tq_rc
}

testpmd_kill() {
	kill -9 "$testpmd_pid"
	# (not the shell's "Killed")
	{ wait "$testpmd_pid"; } 2>/dev/null
	exec 7>&-
}

testpmd_log() { cat "$TESTPMD_DIR/out"; }

# The value after NAME in "name value ..." pairs ($2).
pair() {
	echo "$2" | tr ' ' '\n' | awk -v k="$1" 'f { print; exit } $0 == k { f = 1 }'
}

# The nested guest's RAM, KiB: all of it below 4 GiB, from address 0.
L2_KIB=262144

# Debian's vmlinux by PVH, one vCPU, q35 with a modern virtio-net-pci
# whose backend is the node; console on a file.  With L2_BACKEND=vhost-vfio
# the backend is the node's mdev through its VFIO device fd instead
# (-netdev vhost-vfio, sysfsdev= the mdev of the node's name), and the
# QEMU is L2_QEMU, the project's build of the series in tools/qemu/
# (Debian's has no vhost-vfio); page-per-vq=on gives each ring a doorbell
# page of its own, which a vmdev_vf function's doorbells need to become
# host notifiers.  With L2_BACKEND=vhost-vfio-fd the same device is
# opened as a management layer would, by L2_VFIO_FDS (vfio-fds.c, built
# beside this directory), which runs QEMU with the device fd as fd 3 and
# its container as fd 4: -netdev vhost-vfio,fd=3,containerfd=4.
# L2_NIC_OPTS adds options to the NIC (mq=on,vectors=N), L2_NETDEV_OPTS
# to the backend (x-svq=on), L2_QEMU_ARGS more QEMU arguments (words: a
# monitor, -incoming); L2_KIB is its RAM.
l2_boot() {
	_lb_node=$1
	shift
	_lb_args=
	for _lb_kv in "$@"; do
		_lb_args="$_lb_args interop.$_lb_kv"
	done
	_lb_qemu=qemu-system-x86_64
	_lb_wrap=
	_lb_netdev="vhost-vdpa,vhostdev=$_lb_node,id=vdpa0"
	_lb_nic=virtio-net-pci,netdev=vdpa0,romfile=
	case ${L2_BACKEND:-vhost-vdpa} in
	vhost-vfio)
		_lb_qemu=$L2_QEMU
		_lb_netdev="vhost-vfio,id=vdpa0,sysfsdev=/sys/bus/mdev/devices/$(basename "$_lb_node")"
		_lb_nic=$_lb_nic,page-per-vq=on
		;;
	vhost-vfio-fd)
		_lb_qemu=$L2_QEMU
		_lb_wrap="$L2_VFIO_FDS 4 /sys/bus/mdev/devices/$(basename "$_lb_node") 3 --"
		_lb_netdev="vhost-vfio,id=vdpa0,fd=3,containerfd=4"
		_lb_nic=$_lb_nic,page-per-vq=on
		;;
	esac
	[ -z "${L2_NIC_OPTS:-}" ] || _lb_nic=$_lb_nic,$L2_NIC_OPTS
	[ -z "${L2_NETDEV_OPTS:-}" ] || _lb_netdev=$_lb_netdev,$L2_NETDEV_OPTS
	ulimit -l unlimited
	_lb_start=$(date +%s)
	: >"$L2_LOG"
	# shellcheck disable=SC2086 # _lb_wrap: a command and its words, or none
	timeout "${L2_TIMEOUT:-900}" $_lb_wrap "$_lb_qemu" -accel tcg -cpu max \
		-m "${L2_KIB}K" -smp 1 -machine q35 -nodefaults -no-user-config \
		-display none -no-reboot \
		-kernel "$L2_DIR/vmlinux" -initrd "$L2_DIR/initrd" \
		-append "console=ttyS0 loglevel=4 panic=-1 no_timer_check$_lb_args" \
		-netdev "$_lb_netdev" -device "$_lb_nic" \
		-serial "file:$L2_LOG" ${L2_QEMU_ARGS:-}
	_lb_rc=$?
	l2_secs=$(($(date +%s) - _lb_start))
	return $_lb_rc
}

l2_report() {
	tr -d '\r' <"$L2_LOG" | awk -v k="$1" '
		/^l2: / { for (i = 2; i < NF; i++) if ($i == k) v = $(i + 1) }
		END { print v }'
}
