# SPDX-License-Identifier: GPL-2.0-only
#
# bench_dev_trace, sourced by run.sh (POSIX sh): where the time of creating
# and removing a device goes, ours and the peer's, from the kernel's own
# function-graph tracer.  Only the stages named below are traced
# (set_ftrace_filter), so the tracer costs a few microseconds a stage, not
# a factor; each stage's time includes the stages nested in it, and the
# report shows the nesting.  dev_scale measures the totals untraced; this
# says what they are made of.
#
# dev_scale itself runs, so that both are made exactly as section 5's are:
# BENCH_TRACE_COUNT devices of each (default 32) created one after the
# other, then removed, after one untraced round (first-use costs).  The
# outermost stages are the system calls' own: the write to a sysfs file
# (kernfs_fop_write_iter) and the netlink message (netlink_sendmsg), so
# that what the interface costs around the driver shows.

# The stages.  Ours: the mdev core's create and remove (what writing the
# type's create and the device's remove files runs), our probe and
# removal, the parent's device, the two personalities' halves (the VFIO
# device with its IOMMU group, the character device), sysfs attribute
# groups, and the driver core's device_add/del wherever they run.
TRACE_OURS="kernfs_fop_write_iter mdev_device_create really_probe
mdev_create_sysfs_files kobject_uevent_env iommu_group_alloc mdev_device_remove vmdev_mdev_probe
vmdev_mdev_remove vmdev_mgmt_probe mvnet_dev_create mvnet_dev_destroy
vhost_mdev_attach vhost_mdev_detach vhost_mdev_vfio_create
vhost_mdev_vfio_destroy vfio_register_emulated_iommu_dev
vfio_unregister_group_dev vhost_mdev_cdev_create vhost_mdev_cdev_destroy
cdev_device_add cdev_device_del sysfs_create_groups sysfs_remove_groups
device_add device_del synchronize_srcu synchronize_rcu"
# The peer's: the vdpa family's add and delete, vdpa_sim_net's device,
# the vdpa bus device and vhost_vdpa's probe and removal (its node).
TRACE_PEER="netlink_sendmsg vdpa_nl_cmd_dev_add_set_doit vdpa_nl_cmd_dev_del_set_doit
vdpasim_net_dev_add vdpasim_net_dev_del vdpasim_create _vdpa_register_device
_vdpa_unregister_device vhost_vdpa_probe vhost_vdpa_remove cdev_device_add
cdev_device_del sysfs_create_groups sysfs_remove_groups device_add
device_del synchronize_srcu synchronize_rcu"

TRACEFS=/sys/kernel/tracing

# trace_start STAGE...: the function-graph tracer on those functions only
# (the ones this kernel has).
trace_start() {
	[ -e $TRACEFS/trace ] || mount -t tracefs nodev $TRACEFS || return 1
	echo 0 >$TRACEFS/tracing_on
	echo nop >$TRACEFS/current_tracer
	: >$TRACEFS/set_ftrace_filter
	for f in "$@"; do
		echo "$f" >>$TRACEFS/set_ftrace_filter 2>/dev/null || true
	done
	echo function_graph >$TRACEFS/current_tracer
	echo 16384 >$TRACEFS/buffer_size_kb
	: >$TRACEFS/trace
	echo 1 >$TRACEFS/tracing_on
}

# trace_stop COUNT: the trace as a JSON object: every stage's call path
# (outermost first, "/" between) and its microseconds and calls, each
# divided by COUNT (per device).
trace_stop() {
	echo 0 >$TRACEFS/tracing_on
	awk -v n="$1" '
	function path(   p, i) {
		p = stack[1]
		for (i = 2; i <= sp; i++)
			p = p "/" stack[i]
		return p
	}
	function fname(s) {
		sub(/^ +/, "", s)
		sub(/ \[[^]]*\]/, "", s)
		sub(/\(.*/, "", s)
		return s
	}
	# "CPU) [marker] DURATION us | <indent>body"; interrupt and task
	# switch lines have no "|".
	index($0, "|") {
		left = substr($0, 1, index($0, "|") - 1)
		body = substr($0, index($0, "|") + 1)
		dur = 0
		if (match(left, /[0-9.]+ us/))
			dur = substr(left, RSTART, RLENGTH - 3) + 0
		if (body ~ /\{ *$/) {
			stack[++sp] = fname(body)
		} else if (body ~ /^ *\}/) {
			if (sp > 0) {
				p = path(); us[p] += dur; calls[p]++; sp--
			}
		} else if (body ~ /\(\);/) {
			stack[sp + 1] = fname(body); sp++
			p = path(); us[p] += dur; calls[p]++; sp--
		}
	}
	END {
		printf "{"
		sep = ""
		for (p in us) {
			printf "%s\"%s\": {\"us\": %.1f, \"calls\": %.2f}", sep, p, us[p] / n, calls[p] / n
			sep = ", "
		}
		printf "}"
	}' $TRACEFS/trace
	: >$TRACEFS/trace
	echo nop >$TRACEFS/current_tracer
	: >$TRACEFS/set_ftrace_filter
}

bench_dev_trace() {
	n=${BENCH_TRACE_COUNT:-32}
	peer_load || return 1
	# The first devices of each, untraced.
	"$BIN/dev_scale" --counts 1 --repeat 1 --json "$TMP/trace-warm.json" \
		>/dev/null || return 1
	# shellcheck disable=SC2086 # one function a word
	trace_start $TRACE_OURS $TRACE_PEER || return 1
	"$BIN/dev_scale" --counts "$n" --repeat 1 --json "$TMP/trace-run.json" \
		>/dev/null || return 1
	stages=$(trace_stop "$n")
	printf '{"benchmark": "dev_trace", "count": %d, "stages": %s}\n' \
		"$n" "$stages" >"$1"
	echo "dev_trace: $n devices of each, stages traced"
}
