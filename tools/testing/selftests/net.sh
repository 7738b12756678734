# SPDX-License-Identifier: GPL-2.0-only
#
# Network helpers for the shell selftests, sourced (not run) after
# ../ktap.sh as ". ../net.sh". POSIX sh.
#
#   TCP_MIB                        the size of the transfers the tests make
#                                  (64 MiB; the debug lane, whose kernel is
#                                  many times slower, asks for less)
#   tcp_transfer FROM TO ADDR MIB  MIB MiB of random data from tmpfs over TCP,
#                                  from network namespace FROM to ADDR (port
#                                  5001) in namespace TO; succeeds when what
#                                  arrives has the same sha256. The receiver's
#                                  pid is in tcp_rx_pid while it runs, for a
#                                  caller's cleanup.

TCP_MIB=${VMDEV_TEST_TCP_MIB:-64}

tcp_transfer() {
	_tcp_data=/tmp/tcp_transfer.$$
	dd if=/dev/urandom of="$_tcp_data" bs=1M count="$4" 2>/dev/null
	_tcp_sent=$(sha256sum < "$_tcp_data" | cut -d' ' -f1)
	# busybox nc quits at EOF on its stdin: the receiver's is a FIFO this
	# shell holds open, so it quits only when the sender closes the
	# connection.
	mkfifo "$_tcp_data.hold"
	exec 3<>"$_tcp_data.hold"
	ip netns exec "$2" nc -l -p 5001 < "$_tcp_data.hold" \
		> "$_tcp_data.rx" 2>/dev/null &
	tcp_rx_pid=$!
	sleep 1
	ip netns exec "$1" nc "$3" 5001 < "$_tcp_data"
	wait $tcp_rx_pid
	tcp_rx_pid=
	exec 3>&-
	_tcp_received=$(sha256sum < "$_tcp_data.rx" | cut -d' ' -f1)
	echo "# received $(wc -c < "$_tcp_data.rx") bytes"
	rm -f "$_tcp_data" "$_tcp_data.rx" "$_tcp_data.hold"
	[ -n "$_tcp_received" ] && [ "$_tcp_sent" = "$_tcp_received" ] && return 0
	echo "# sent $_tcp_sent received $_tcp_received"
	return 1
}
