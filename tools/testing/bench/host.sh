#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The host side of "make bench" (which builds the modules and the programs
# first): boot the test VM with tools/testing/bench as /extra/bench,
# build/bench/bin as /extra/bin and tools/testing/selftests/virtio_mdev and
# vmdev_vf (the helpers netns.sh and dma_map.sh source) as
# /extra/virtio_mdev and /extra/vmdev_vf, run run.sh there, and cut the
# JSON that it prints between its markers into build/bench/results.json.
# Extra arguments go to the VM runner (--debug, say).  BENCH_* variables
# (run.sh's knobs) are passed on to the guest: BENCH_REPEAT=1 make bench.
# The guest gets 3 GiB (VM_MEM) unless told otherwise: dma_map pins 1 GiB,
# and as much again in 2 MiB pages.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../../.." && pwd)
OUT=$REPO/build/bench
export VM_OUTPUT=${VM_OUTPUT:-$OUT/output.log}
export VM_TIMEOUT=${VM_TIMEOUT:-900}
export VM_MEM=${VM_MEM:-3G}

[ -x "$OUT/bin/vhost_loopback" ] ||
	{ echo "bench: build first: make -C tools/testing/bench" >&2; exit 1; }
mapfile -t knobs < <(env | grep '^BENCH_[A-Z_]*=' || true)
# results.json is the last run's, and only a successful run writes it.
rm -f "$OUT/results.json"
mkdir -p "$(dirname "$VM_OUTPUT")"
: >"$VM_OUTPUT"
# The guest's output but its JSON, which $VM_OUTPUT keeps whole.
rc=0
(cd "$REPO" && tools/testing/vm/run "$@" --file tools/testing/bench \
	--file "$OUT/bin" --file tools/testing/selftests/virtio_mdev \
	--file tools/testing/selftests/vmdev_vf \
	-- env "${knobs[@]}" sh ./bench/run.sh) |
	sed -u '/^BENCH-JSON-BEGIN$/,/^BENCH-JSON-END$/d' || rc=$?
if [ "$rc" -ne 0 ]; then
	echo "bench: FAILED (exit $rc); guest output: $VM_OUTPUT" >&2
	exit "$rc"
fi
sed -n '/^BENCH-JSON-BEGIN$/,/^BENCH-JSON-END$/{//!p}' "$VM_OUTPUT" \
	>"$OUT/results.json"
if [ ! -s "$OUT/results.json" ]; then
	rm -f "$OUT/results.json"
	echo "bench: no JSON in the guest output ($VM_OUTPUT)" >&2
	exit 1
fi
echo "bench: results in ${OUT#"$REPO"/}/results.json"
