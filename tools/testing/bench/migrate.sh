# SPDX-License-Identifier: GPL-2.0-only
#
# bench_migrate, sourced by run.sh: what one live migration of a nested
# (L2) guest costs, two ways, on the same pair of mvnet devices:
#
#   svq          Debian's QEMU 7.2 on our character device, x-svq=on: QEMU
#                relays every ring in userspace (upstream vDPA's way to
#                migrate), the baseline
#   vfio-log     the project's QEMU (tools/qemu/) over vhost-vfio: the
#                device runs the guest's rings and the kernel logs its
#                writes (VHOST_F_LOG_ALL)
#
# Each round runs the interop lane's migration cases (its run.sh, cases
# svqmigrate and vfiomigrate: the guest pings the peer and sends it 16 MiB
# over TCP while it moves; the bytes must arrive whole) and takes QEMU's
# own "info migrate" total time and downtime of each.  The ratios are the
# medians' (vfio-log / svq: below 1, cheaper).  A round whose migration
# failed gives no sample for that way; a way without one fails the
# benchmark.
#
# Needs the interop lane's files beside this directory (interop/, with the
# selftests' helpers ktap.sh, virtio_mdev.sh and vmdev_vf.sh), its clients'
# archive unpacked (Debian's QEMU, the L2 kernel and initramfs), the
# project's QEMU beside them (qemu-system-x86_64, where the interop lane
# looks for it) and the bridge module: host.sh gives the migrate group all
# of them.
#
# Knobs: BENCH_MIG_ROUNDS (default 3), BENCH_MIG_MIB (the transfer, 16).
# host.sh gives the VM time for the rounds.

# mig_bench_samples LOG CASE: "total downtime" of CASE's migration in the
# interop output LOG, if it completed and its case passed.
mig_bench_samples() {
	awk -v want="$2" '
		/^# migration completed: total time / {
			t = $6; d = $9
			got = (t ~ /^[0-9]+$/ && d ~ /^[0-9]+$/); next }
		/^(ok|not ok) [0-9]+ mvnet: / {
			if ($0 ~ want && $1 == "ok" && got) print t, d
			got = 0 }' "$1"
}

# mig_bench_list WAY FIELD(1: total, 2: downtime): WAY's samples of
# FIELD, comma-separated.
mig_bench_list() {
	awk -v w="$1" -v f="$2" '$1 == w { printf "%s%s", c, $(f + 1); c = ", " }' \
		"$TMP/migrate.samples"
}

# mig_bench_field WAY FIELD: their median, or null.
mig_bench_field() {
	awk -v w="$1" -v f="$2" '$1 == w { print $(f + 1) }' \
		"$TMP/migrate.samples" | median
}

# (Called as a condition: set -e does not apply inside, so say every
# status.)
bench_migrate() {
	_bm_json=$1
	_bm_rounds=${BENCH_MIG_ROUNDS:-3}
	_bm_interop=$HERE/../interop/run.sh
	_bm_rc=0
	if [ ! -f "$_bm_interop" ] || [ ! -x "$HERE/../qemu-system-x86_64" ]; then
		echo "migrate: needs the interop lane and the project's QEMU (host.sh)" >&2
		return 1
	fi
	: >"$TMP/migrate.samples"
	for _bm_r in $(seq "$_bm_rounds"); do
		echo "migrate: round $_bm_r of $_bm_rounds"
		INTEROP_TARGETS=mvnet INTEROP_CASES="svqmigrate vfiomigrate" \
			INTEROP_MIG_MIB=${BENCH_MIG_MIB:-16} \
			sh "$_bm_interop" >"$TMP/migrate.out" 2>&1 || true
		grep -E '^(ok|not ok) |^# migration ' "$TMP/migrate.out"
		mig_bench_samples "$TMP/migrate.out" "x-svq=on" |
			sed 's/^/svq /' >>"$TMP/migrate.samples"
		mig_bench_samples "$TMP/migrate.out" "over vhost-vfio" |
			sed 's/^/vfio-log /' >>"$TMP/migrate.samples"
	done
	_bm_sep=""
	{
		printf '{"benchmark": "migrate", "kernel": "%s", "cpus": %s, ' \
			"$(uname -r)" "$(nproc)"
		printf '"rounds": %s, "mib": %s, "targets": [' "$_bm_rounds" \
			"${BENCH_MIG_MIB:-16}"
		printf '{"name": "svq", "what": "Debian QEMU 7.2, our character device, -netdev vhost-vdpa,x-svq=on (QEMU relays the rings)"}, '
		printf '{"name": "vfio-log", "what": "the project QEMU, -netdev vhost-vfio (the device runs the rings, the kernel logs its writes)"}'
		printf '], "results": ['
		_bm_svq_t=$(mig_bench_field svq 1)
		_bm_svq_d=$(mig_bench_field svq 2)
		for _bm_w in svq vfio-log; do
			_bm_t=$(mig_bench_field "$_bm_w" 1)
			_bm_d=$(mig_bench_field "$_bm_w" 2)
			[ "$_bm_t" != null ] || _bm_rc=1
			printf '%s{"target": "%s", "total_ms": [%s], "downtime_ms": [%s], "median_total_ms": %s, "median_downtime_ms": %s' \
				"$_bm_sep" "$_bm_w" "$(mig_bench_list "$_bm_w" 1)" \
				"$(mig_bench_list "$_bm_w" 2)" "$_bm_t" "$_bm_d"
			if [ "$_bm_w" = vfio-log ]; then
				printf ', "ratio_total": %s, "ratio_downtime": %s' \
					"$(ratio "$_bm_t" "$_bm_svq_t")" \
					"$(ratio "$_bm_d" "$_bm_svq_d")"
			fi
			printf '}'
			_bm_sep=", "
		done
		printf ']}\n'
	} >"$_bm_json"
	echo "migrate: median total ms / downtime ms: svq $_bm_svq_t / $_bm_svq_d, vfio-log $(mig_bench_field vfio-log 1) / $(mig_bench_field vfio-log 2)"
	return $_bm_rc
}
