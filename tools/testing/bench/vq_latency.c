// SPDX-License-Identifier: GPL-2.0-only
/*
 * vq_latency: how long a kick takes to reach a loopback device, and the
 * device's call to reach the driver; ours next to upstream's, by the same
 * driver (libvmdev), in the same run, on the test VM's one CPU.
 *
 * One sample: one 64-byte frame in one TX chain. The driver publishes the
 * chain, reads the clock (t0), kicks the TX queue (an eventfd write:
 * software devices have no doorbell) and blocks in poll() on the RX
 * queue's call eventfd; when poll() returns it reads the clock again (t3).
 * The device's side is read from the kernel's own trace events, with the
 * same clock (tracefs, trace_clock mono):
 *
 *   t0  the driver is about to kick (its write() starts)
 *   tQ  the device's work is queued: the first workqueue_queue_work of the
 *       device's work function after t0 (mvnet_pair_work for mvnet,
 *       vdpasim_net_work for vdpa_sim_net: both move frames in a work
 *       item)
 *   tD  the device's datapath starts: the first workqueue_execute_start of
 *       that function after tQ
 *   tC  the device calls: the first eventfd_signal() after tD (a kprobe;
 *       both signal the call eventfd straight from that work item)
 *   t3  poll() returned in the driver: the call woke it
 *
 *   kick_to_device = tD - t0  the kick's way to the device: both queue
 *                             the work from the kick eventfd's wake-up
 *                             (vhost_vdpa runs without a vhost worker,
 *                             so its wake-up calls kick_vq directly)
 *   device_to_call = t3 - tC  the call's way to the driver: eventfd
 *                             wake-up, the rest of the device's pass,
 *                             return to userspace
 *   device_pass    = tC - tD  (informational) the device's own work up to
 *                             the call: take the chain, copy the frame
 *   kick_to_call   = t3 - t0  (informational) the whole round trip
 *   kick_to_queue  = tQ - t0  (informational) kick_to_device's first part:
 *                             the kick's way through the kernel until the
 *                             device's work is queued
 *   queue_to_device = tD - tQ (informational) and its second: the
 *                             scheduler starting the queued work
 *
 * TX calls are suppressed (VRING_AVAIL_F_NO_INTERRUPT), so the call in a
 * sample is the RX one. A sample whose events are missing or out of
 * order is not counted (the table says how many): one whose work was
 * still queued from before the kick, for instance, which queue_work()
 * does not queue (nor trace) again. The trace costs each
 * event a little, the same for both stacks; timestamps are microseconds.
 *
 * After each sample the driver takes the used chains back and reposts the
 * RX buffer, then sleeps --gap-us, so that the devices are idle at the
 * next kick. Targets take turns in blocks of --block samples until each
 * has --samples, after --warmup samples each that are not counted. Every
 * frame that comes back is checked.
 *
 * Targets (each measured when its device is given):
 *  mvnet-vfio    an unlinked mvnet-vhost device through its VFIO device fd
 *  mvnet-cdev    another one through its character device
 *  vdpa_sim_net  upstream's vdpa_sim_net under upstream's vhost_vdpa
 *
 * --trace-log FILE appends each block's whole trace to FILE, with any other
 * event enabled beforehand (sched_switch, say): where the time goes.
 *
 * Usage: vq_latency [--uuid UUID] [--cdev-uuid UUID] [--peer-node PATH]
 *	[--samples N] [--warmup N] [--block N] [--gap-us N] [--json FILE]
 *	[--trace-log FILE]
 */
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <sched.h>
#include <stdint.h>
#include <sys/mount.h>
#include <linux/virtio_ring.h>

#include "vmdev/vmdev.h"
#include "bench.h"

#define FRAME_LEN	64
#define RING_NUM	256
#define WAIT_MS		5000
#define MAX_SAMPLES	100000
#define MAX_BLOCK	1000
#define TRACEFS		"/sys/kernel/tracing"
#define KPROBE_GROUP	"vq_latency"
#define KPROBE_EVENT	"eventfd_signal"

enum lat_metric {
	LAT_KICK_TO_DEVICE,
	LAT_DEVICE_TO_CALL,
	LAT_DEVICE_PASS,
	LAT_KICK_TO_CALL,
	LAT_KICK_TO_QUEUE,
	LAT_QUEUE_TO_DEVICE,
	LAT_METRICS,
};

static const char *const metric_names[LAT_METRICS] = {
	[LAT_KICK_TO_DEVICE] = "kick_to_device",
	[LAT_DEVICE_TO_CALL] = "device_to_call",
	[LAT_DEVICE_PASS] = "device_pass",
	[LAT_KICK_TO_CALL] = "kick_to_call",
	[LAT_KICK_TO_QUEUE] = "kick_to_queue",
	[LAT_QUEUE_TO_DEVICE] = "queue_to_device",
};

struct lat_opts {
	const char *uuid;
	const char *cdev_uuid;
	const char *peer_node;
	const char *json;
	const char *trace_log;
	unsigned int samples;
	unsigned int warmup;
	unsigned int block;
	unsigned int gap_us;
};

/*
 * struct lat_target - one device
 * @name: short name (table, JSON)
 * @what: one line saying what it is
 * @baseline: the target it is read against, or NULL
 * @work_fn: the device's work function, as the trace prints it
 * @uuid: its mdev, opened through VFIO or (@flags) its character device
 * @node: or its vhost-vdpa node
 * @flags: VMDEV_OPEN_*
 * @dev: the open device
 * @mac: its MAC address, the frames' destination and source
 * @tx: its TX buffer (header and frame), in the device's arena
 * @n: samples counted
 * @dropped: samples not counted: their trace events were incomplete
 * @v: per metric, @n samples in microseconds
 */
struct lat_target {
	const char *name;
	const char *what;
	const char *baseline;
	const char *work_fn;
	const char *uuid;
	const char *node;
	unsigned int flags;
	struct vmdev *dev;
	uint8_t mac[6];
	uint8_t *tx;
	unsigned int n;
	unsigned int dropped;
	double *v[LAT_METRICS];
};

static struct lat_target targets[] = {
	{
		.name = "mvnet-vfio",
		.what = "an unlinked mvnet-vhost device, VFIO device fd",
		.baseline = "vdpa_sim_net",
		.work_fn = "mvnet_pair_work",
	},
	{
		.name = "mvnet-cdev",
		.what = "an unlinked mvnet-vhost device, character device",
		.baseline = "vdpa_sim_net",
		.work_fn = "mvnet_pair_work",
		.flags = VMDEV_OPEN_CDEV,
	},
	{
		.name = "vdpa_sim_net",
		.what = "upstream vdpa_sim_net under vhost_vdpa",
		.work_fn = "vdpasim_net_work",
	},
};

#define NTARGETS	ARRAY_SIZE(targets)

/* The driver's side of the samples of a block: t0 and t3. */
static double t_kick[MAX_BLOCK], t_woken[MAX_BLOCK];

/* tracefs */

static int trace_write(const char *file, const char *val, bool append)
{
	char path[128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), TRACEFS "/%s", file);
	fd = open(path, O_WRONLY | O_CLOEXEC | (append ? O_APPEND : O_TRUNC));
	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	if (n < 0)
		n = -errno;
	close(fd);
	return n < 0 ? n : 0;
}

static void trace_stop(void)
{
	trace_write("tracing_on", "0", false);
	trace_write("events/workqueue/workqueue_queue_work/enable", "0", false);
	trace_write("events/workqueue/workqueue_execute_start/enable", "0",
		    false);
	trace_write("events/" KPROBE_GROUP "/enable", "0", false);
	trace_write("kprobe_events", "-:" KPROBE_GROUP "/" KPROBE_EVENT, true);
	trace_write("trace", "", false);
}

/* The three events, on the monotonic clock, into an empty buffer. */
static int trace_start(void)
{
	int ret;

	if (access(TRACEFS "/trace", F_OK) &&
	    mount("tracefs", TRACEFS, "tracefs", 0, NULL))
		return -errno;
	trace_stop();
	ret = trace_write("trace_clock", "mono", false);
	if (!ret)
		ret = trace_write("buffer_size_kb", "4096", false);
	if (!ret)
		ret = trace_write("kprobe_events", "p:" KPROBE_GROUP "/"
				  KPROBE_EVENT " " KPROBE_EVENT, true);
	if (!ret)
		ret = trace_write("events/workqueue/workqueue_queue_work/enable",
				  "1", false);
	if (!ret)
		ret = trace_write("events/workqueue/workqueue_execute_start/enable",
				  "1", false);
	if (!ret)
		ret = trace_write("events/" KPROBE_GROUP "/enable", "1", false);
	if (!ret)
		ret = trace_write("tracing_on", "1", false);
	if (ret) {
		fprintf(stderr, "vq_latency: tracefs: %s\n", strerror(-ret));
		trace_stop();
	}
	return ret;
}

/* What a traced event is: the device's work queued or started, or a call. */
enum trace_kind {
	EV_QUEUE,
	EV_START,
	EV_CALL,
};

/* struct trace_ev - one event of the block: when, and which */
struct trace_ev {
	double t;
	enum trace_kind kind;
};

/*
 * Which event trace line @line is, for work function @fn: -1 for one of
 * no interest. @ev is set to where the event's name begins.
 */
static int trace_kind(char *line, const char *fn, char **ev)
{
	static const struct {
		const char *name;	/* as the line has it */
		const char *fn_key;	/* what precedes the work function */
		enum trace_kind kind;
	} kinds[] = {
		{ ": workqueue_queue_work: ", "function=", EV_QUEUE },
		{ ": workqueue_execute_start: ", "function ", EV_START },
		{ ": " KPROBE_EVENT ": ", NULL, EV_CALL },
	};
	const char *p;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(kinds); i++) {
		*ev = strstr(line, kinds[i].name);
		if (!*ev)
			continue;
		if (!kinds[i].fn_key)
			return kinds[i].kind;
		p = strstr(*ev, kinds[i].fn_key);
		if (p && !strncmp(p + strlen(kinds[i].fn_key), fn, strlen(fn)))
			return kinds[i].kind;
		return -1;
	}
	return -1;
}

/*
 * The events of the last block, in order: the device's work function
 * queued and starting, and eventfd_signal(). A line reads
 *   <comm>-<pid> [<cpu>] <flags> <seconds>.<us>: <event>: <details>
 */
static int trace_read(const struct lat_target *t, const char *log,
		      struct trace_ev **evs, unsigned int *n)
{
	unsigned int cap = 0;
	char line[512], *p, *ev;
	struct trace_ev e;
	int kind;
	FILE *f, *l = NULL;

	*n = 0;
	f = fopen(TRACEFS "/trace", "r");
	if (!f)
		return -errno;
	if (log) {
		l = fopen(log, "a");
		if (l)
			fprintf(l, "# %s\n", t->name);
	}
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#')
			continue;
		if (l)
			fputs(line, l);
		kind = trace_kind(line, t->work_fn, &ev);
		if (kind < 0)
			continue;
		e.kind = kind;
		/* The timestamp ends where the event's name begins. */
		*ev = '\0';
		p = strrchr(line, ' ');
		if (!p || sscanf(p, "%lf", &e.t) != 1)
			continue;
		if (*n == cap) {
			struct trace_ev *m;

			cap = cap ? 2 * cap : 1024;
			m = realloc(*evs, cap * sizeof(*m));
			if (!m) {
				fclose(f);
				if (l)
					fclose(l);
				return -ENOMEM;
			}
			*evs = m;
		}
		(*evs)[(*n)++] = e;
	}
	fclose(f);
	if (l)
		fclose(l);
	return trace_write("trace", "", false);
}

/*
 * Sample @i of the block, from the events: the first queueing of the
 * device's work after the kick, the first start of it after that, the
 * first eventfd_signal() after that, all before the wake-up. The trace has
 * microseconds: one of slack on either side.
 */
static bool trace_match(const struct trace_ev *evs, unsigned int n,
			unsigned int i, double *out)
{
	const double slack = 0.000001;	/* the trace has microseconds */
	double t0 = t_kick[i], t3 = t_woken[i], tq = 0, td = 0, tc = 0;
	unsigned int k;

	for (k = 0; k < n && evs[k].t <= t3 + slack; k++) {
		if (evs[k].t < t0 - slack)
			continue;
		if (!tq && evs[k].kind == EV_QUEUE) {
			tq = evs[k].t;
		} else if (tq && !td && evs[k].kind == EV_START) {
			td = evs[k].t;
		} else if (td && evs[k].kind == EV_CALL) {
			tc = evs[k].t;
			break;
		}
	}
	if (!tq || !td || !tc)
		return false;
	out[LAT_KICK_TO_DEVICE] = (td > t0 ? td - t0 : 0) * 1e6;
	out[LAT_DEVICE_TO_CALL] = (t3 > tc ? t3 - tc : 0) * 1e6;
	out[LAT_DEVICE_PASS] = (tc - td) * 1e6;
	out[LAT_KICK_TO_CALL] = (t3 - t0) * 1e6;
	out[LAT_KICK_TO_QUEUE] = (tq > t0 ? tq - t0 : 0) * 1e6;
	out[LAT_QUEUE_TO_DEVICE] = (td - tq) * 1e6;
	return true;
}

/* The device */

static int target_open(struct lat_target *t)
{
	struct vmdev_open_opts oopts = { .flags = t->flags };
	struct vmdev_net_opts nopts = { .ring_num = RING_NUM };
	struct vmdev_net_config cfg;
	int ret;

	if (t->node)
		ret = vmdev_open_path(&t->dev, t->node, &oopts);
	else
		ret = vmdev_open(&t->dev, t->uuid, &oopts);
	if (!ret)
		ret = vmdev_net_start(t->dev, &nopts);
	if (!ret)
		ret = vmdev_net_get_config(t->dev, &cfg);
	if (ret)
		return ret;
	memcpy(t->mac, cfg.mac, sizeof(t->mac));
	t->tx = vmdev_arena_alloc(t->dev, VMDEV_NET_HDR_LEN + FRAME_LEN, 64,
				  NULL);
	if (!t->tx)
		return -errno;
	/* The only call of a sample is the RX one. */
	vmdev_net_txq(t->dev, 0)->avail->flags |= VRING_AVAIL_F_NO_INTERRUPT;
	return 0;
}

static void drain_eventfd(int fd)
{
	uint64_t v;

	while (read(fd, &v, sizeof(v)) == sizeof(v))
		;
}

/*
 * One sample: kick one frame, wait for the RX call, take everything back.
 * The driver's times go to @t0 and @t3.
 */
static int sample(struct lat_target *t, uint32_t seq, double *t0, double *t3)
{
	struct vmdev_vq *txq = vmdev_net_txq(t->dev, 0);
	struct vmdev_vq *rxq = vmdev_net_rxq(t->dev, 0);
	struct vmdev_buf b = { t->tx, VMDEV_NET_HDR_LEN + FRAME_LEN };
	struct pollfd pfd = { .fd = rxq->call_fd, .events = POLLIN };
	uint8_t rxbuf[FRAME_LEN];
	struct vmdev_frame fr = { .data = rxbuf, .size = sizeof(rxbuf) };
	double deadline;
	uint32_t got;
	int ret;

	vmdev_fill_frame(t->tx + VMDEV_NET_HDR_LEN, FRAME_LEN, t->mac, t->mac,
			 seq);
	ret = vmdev_vq_add(txq, &b, 1, 0, t->tx);
	if (ret)
		return ret;
	vmdev_vq_publish(txq);
	drain_eventfd(rxq->call_fd);

	*t0 = bench_now();
	ret = vmdev_vq_kick(txq);
	if (ret)
		return ret;
	ret = poll(&pfd, 1, WAIT_MS);
	*t3 = bench_now();
	if (ret <= 0)
		return ret ? -errno : -ETIMEDOUT;

	/* mvnet publishes the TX entry after the RX one: let it finish. */
	deadline = *t3 + WAIT_MS / 1e3;
	while (!vmdev_vq_has_used(txq)) {
		if (bench_now() > deadline)
			return -ETIMEDOUT;
		sched_yield();
	}
	if (vmdev_vq_get_used(txq, NULL) != t->tx)
		return -EPROTO;
	ret = vmdev_net_recv(t->dev, 0, &fr, 1, WAIT_MS);
	if (ret != 1)
		return ret < 0 ? ret : -ETIMEDOUT;
	if (fr.len != FRAME_LEN || vmdev_check_frame(rxbuf, fr.len, &got) != -1 ||
	    got != seq) {
		fprintf(stderr, "vq_latency: %s: frame %u came back wrong\n",
			t->name, seq);
		return -EPROTO;
	}
	return 0;
}

/* @count samples of @t, counted or not. */
static int run_block(struct lat_target *t, const struct lat_opts *o,
		     unsigned int count, bool counted, uint32_t *seq)
{
	struct timespec gap = { .tv_nsec = o->gap_us * 1000L };
	struct trace_ev *evs = NULL;
	double v[LAT_METRICS];
	unsigned int i, m, n;
	int ret = 0;

	for (i = 0; i < count && !ret; i++) {
		nanosleep(&gap, NULL);
		ret = sample(t, (*seq)++, &t_kick[i], &t_woken[i]);
	}
	if (ret) {
		fprintf(stderr, "vq_latency: %s: sample: %s\n", t->name,
			strerror(-ret));
		return ret;
	}
	ret = trace_read(t, o->trace_log, &evs, &n);
	for (i = 0; i < count && counted && !ret; i++) {
		if (!trace_match(evs, n, i, v)) {
			t->dropped++;
			continue;
		}
		for (m = 0; m < LAT_METRICS; m++)
			t->v[m][t->n] = v[m];
		t->n++;
	}
	free(evs);
	return ret;
}

static int run_all(const struct lat_opts *o)
{
	unsigned int t, m, left, n;
	uint32_t seq = 0;
	int ret;

	ret = trace_start();
	for (t = 0; t < NTARGETS && !ret; t++) {
		if (!targets[t].uuid && !targets[t].node)
			continue;
		for (m = 0; m < LAT_METRICS; m++) {
			targets[t].v[m] = calloc(o->samples, sizeof(double));
			if (!targets[t].v[m])
				ret = -ENOMEM;
		}
		if (!ret)
			ret = target_open(&targets[t]);
		if (ret)
			fprintf(stderr, "vq_latency: %s: open: %s\n",
				targets[t].name, strerror(-ret));
		for (left = o->warmup; left && !ret; left -= n) {
			n = left < o->block ? left : o->block;
			ret = run_block(&targets[t], o, n, false, &seq);
		}
	}
	for (left = o->samples; left && !ret; left -= n) {
		n = left < o->block ? left : o->block;
		for (t = 0; t < NTARGETS && !ret; t++)
			if (targets[t].dev)
				ret = run_block(&targets[t], o, n, true, &seq);
	}
	trace_stop();
	for (t = 0; t < NTARGETS; t++) {
		vmdev_close(targets[t].dev);
		targets[t].dev = NULL;
	}
	return ret;
}

/* Results */

static struct lat_target *find_target(const char *name)
{
	unsigned int t;

	for (t = 0; name && t < NTARGETS; t++)
		if (targets[t].n && !strcmp(targets[t].name, name))
			return &targets[t];
	return NULL;
}

/* Median and 99th percentile of metric @m of @t. */
static void stats(struct lat_target *t, unsigned int m, double *med,
		  double *p99)
{
	bench_sort(t->v[m], t->n);
	*med = bench_percentile_sorted(t->v[m], t->n, 50);
	*p99 = bench_percentile_sorted(t->v[m], t->n, 99);
}

static void print_table(const struct lat_opts *o)
{
	double med, p99, bmed, bp99;
	struct lat_target *t, *base;
	unsigned int i, m;

	printf("vq_latency: microseconds, one 64-byte frame per sample, %u samples\n",
	       o->samples);
	printf("per target after %u, %u us apart; not counted: incomplete trace\n",
	       o->warmup, o->gap_us);
	for (i = 0; i < NTARGETS; i++)
		if (targets[i].n)
			printf("  %-14s %s (%u not counted)\n", targets[i].name,
			       targets[i].what, targets[i].dropped);
	printf("  ratio: target / its baseline (below 1: faster)\n\n");
	printf("%-16s %-14s %10s %10s %10s %10s\n", "metric", "target",
	       "median", "p99", "ratio_med", "ratio_p99");
	for (m = 0; m < LAT_METRICS; m++) {
		for (i = 0; i < NTARGETS; i++) {
			t = &targets[i];
			if (!t->n)
				continue;
			stats(t, m, &med, &p99);
			printf("%-16s %-14s %10.1f %10.1f", metric_names[m],
			       t->name, med, p99);
			base = find_target(t->baseline);
			if (base) {
				stats(base, m, &bmed, &bp99);
				printf(" %10.2f %10.2f", med / bmed, p99 / bp99);
			}
			printf("\n");
		}
	}
}

static int write_json(const struct lat_opts *o)
{
	double med, p99, bmed, bp99;
	struct lat_target *t, *base;
	unsigned int i, m, n = 0;
	FILE *f;

	f = fopen(o->json, "w");
	if (!f)
		return -errno;
	bench_json_head(f, "vq_latency");
	fprintf(f, "  \"unit\": \"us\",\n  \"samples\": %u,\n", o->samples);
	fprintf(f, "  \"warmup\": %u,\n  \"gap_us\": %u,\n  \"targets\": [",
		o->warmup, o->gap_us);
	for (i = 0; i < NTARGETS; i++) {
		t = &targets[i];
		if (!t->n)
			continue;
		bench_json_target(f, !n++, t->name, t->what,
				  find_target(t->baseline) ? t->baseline : NULL);
		fprintf(f, ", \"counted\": %u, \"not_counted\": %u}", t->n,
			t->dropped);
	}
	fprintf(f, "\n  ],\n  \"results\": [");
	n = 0;
	for (m = 0; m < LAT_METRICS; m++) {
		for (i = 0; i < NTARGETS; i++) {
			t = &targets[i];
			if (!t->n)
				continue;
			stats(t, m, &med, &p99);
			fprintf(f, "%s\n    {\"metric\": \"%s\", \"target\": \"%s\", ",
				n++ ? "," : "", metric_names[m], t->name);
			fprintf(f, "\"median_us\": %.3f, \"p99_us\": %.3f, ",
				med, p99);
			fprintf(f, "\"min_us\": %.3f, \"max_us\": %.3f",
				t->v[m][0], t->v[m][t->n - 1]);
			base = find_target(t->baseline);
			if (base) {
				stats(base, m, &bmed, &bp99);
				fprintf(f, ", \"baseline\": \"%s\", ", base->name);
				fprintf(f, "\"baseline_median_us\": %.3f, ", bmed);
				fprintf(f, "\"baseline_p99_us\": %.3f, ", bp99);
				fprintf(f, "\"ratio_median\": %.3f, ", med / bmed);
				fprintf(f, "\"ratio_p99\": %.3f", p99 / bp99);
			}
			fprintf(f, "}");
		}
	}
	fprintf(f, "\n  ]\n}\n");
	return fclose(f) ? -errno : 0;
}

static int bad_usage(void)
{
	fprintf(stderr,
		"usage: vq_latency [--uuid UUID] [--cdev-uuid UUID] [--peer-node PATH]\n"
		"       [--samples N] [--warmup N] [--block N] [--gap-us N] [--json FILE]\n"
		"       [--trace-log FILE]\n"
		"  samples: 1..%u, block: 1..%u\n", MAX_SAMPLES, MAX_BLOCK);
	return 2;
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "uuid", required_argument, NULL, 'u' },
		{ "cdev-uuid", required_argument, NULL, 'c' },
		{ "peer-node", required_argument, NULL, 'p' },
		{ "samples", required_argument, NULL, 's' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "block", required_argument, NULL, 'b' },
		{ "gap-us", required_argument, NULL, 'g' },
		{ "json", required_argument, NULL, 'j' },
		{ "trace-log", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	struct lat_opts o = {
		.samples = 2000,
		/* Past a whole RX ring: the VFIO path pins on first use. */
		.warmup = 2 * RING_NUM,
		.block = 100,
		.gap_us = 500,
	};
	bool ok = true;
	int c, ret;

	while ((c = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		switch (c) {
		case 'u':
			o.uuid = optarg;
			ok = vmdev_uuid_valid(optarg);
			break;
		case 'c':
			o.cdev_uuid = optarg;
			ok = vmdev_uuid_valid(optarg);
			break;
		case 'p':
			o.peer_node = optarg;
			break;
		case 's':
			ok = bench_parse_uint(optarg, &o.samples, 1, MAX_SAMPLES);
			break;
		case 'w':
			ok = bench_parse_uint(optarg, &o.warmup, 0, MAX_SAMPLES);
			break;
		case 'b':
			ok = bench_parse_uint(optarg, &o.block, 1, MAX_BLOCK);
			break;
		case 'g':
			ok = bench_parse_uint(optarg, &o.gap_us, 0, 999999);
			break;
		case 'j':
			o.json = optarg;
			break;
		case 't':
			o.trace_log = optarg;
			break;
		default:
			ok = false;
		}
		if (!ok)
			return bad_usage();
	}
	if (optind != argc)
		return bad_usage();
	targets[0].uuid = o.uuid;
	targets[1].uuid = o.cdev_uuid;
	targets[2].node = o.peer_node;

	if (run_all(&o))
		return 1;
	print_table(&o);
	if (o.json) {
		ret = write_json(&o);
		if (ret) {
			fprintf(stderr, "vq_latency: %s: %s\n", o.json,
				strerror(-ret));
			return 1;
		}
	}
	return 0;
}
