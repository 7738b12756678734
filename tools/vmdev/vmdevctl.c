// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmdevctl: create, inspect and exercise vmdev mediated devices.
 *
 * Device management goes through the mdev sysfs interface; everything that
 * talks to a vhost-personality device goes through libvmdev, which opens
 * it the way a hypervisor does: VFIO container, group and device fd, or,
 * with --cdev or a node path, the device's vhost-vdpa compatible character
 * device with memory mapped by IOTLB messages.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/vhost.h>
#include <linux/vhost_mdev.h>
#include <linux/virtio_config.h>
#include <linux/virtio_net.h>

#include "vmdev/vmdev.h"

#define EXIT_USAGE	2
#define VAL_BUF		128
#define DEFAULT_COUNT	8
#define DEFAULT_SIZE	128
#define DEFAULT_TIMEOUT	5000
#define BATCH		64
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static const char usage_text[] =
"usage: vmdevctl COMMAND [ARGS]\n"
"\n"
"  list                          parents, types (available instances) and\n"
"                                devices (type, personality, attributes)\n"
"  create TYPE [--uuid U] [--mac M] [--mtu N] [--pairs P] [--peer UUID]\n"
"                                create a device; prints its UUID\n"
"  destroy UUID                  remove a device\n"
"  show DEV [--cdev]             attributes; for a vhost device also its\n"
"                                features, status and config (opens it)\n"
"  send DEV [--count N] [--size S] [--dst MAC] [--qp I] [--cdev]\n"
"                                transmit N test frames of S bytes\n"
"  recv DEV [--count N] [--timeout MS] [--pairs P] [--cdev]\n"
"                                receive up to N frames, check their pattern\n"
"  loopback DEV [--count N] [--size S] [--timeout MS] [--cdev]\n"
"                                send and receive on one device, verify bytes\n"
"\n"
"DEV is a vhost device's UUID, opened through VFIO, or through its\n"
"character device (/dev/vhost-mdev/UUID) with --cdev; or the path of a\n"
"vhost-vdpa character device node.\n"
"\n"
"Exit status: 0 success, 1 failure, 2 usage error.\n";

struct args {
	const char *uuid;
	const char *mac;
	const char *peer;
	const char *dst;
	long mtu;
	long pairs;
	long count;
	long size;
	long qp;
	long timeout;
	bool cdev;
};

static int usage(void)
{
	fputs(usage_text, stderr);
	return EXIT_USAGE;
}

static int fail(const char *what, const char *obj, int err)
{
	fprintf(stderr, "vmdevctl: %s%s%s: %s\n", what, obj ? " " : "",
		obj ? obj : "", strerror(err < 0 ? -err : err));
	return EXIT_FAILURE;
}

static bool parse_long(const char *s, long min, long max, long *val)
{
	char *end;

	errno = 0;
	*val = strtol(s, &end, 0);
	return !errno && end != s && !*end && *val >= min && *val <= max;
}

/*
 * Parse the options after COMMAND [POSITIONAL]; @allowed lists the option
 * names the command takes. Returns 0 or EXIT_USAGE.
 */
static int parse_args(int argc, char **argv, const char *allowed,
		      struct args *a)
{
	static const struct option opts[] = {
		{ "uuid", required_argument, NULL, 'u' },
		{ "mac", required_argument, NULL, 'm' },
		{ "mtu", required_argument, NULL, 'M' },
		{ "pairs", required_argument, NULL, 'p' },
		{ "peer", required_argument, NULL, 'P' },
		{ "count", required_argument, NULL, 'c' },
		{ "size", required_argument, NULL, 's' },
		{ "dst", required_argument, NULL, 'd' },
		{ "qp", required_argument, NULL, 'q' },
		{ "timeout", required_argument, NULL, 't' },
		{ "cdev", no_argument, NULL, 'C' },
		{ NULL, 0, NULL, 0 },
	};
	const struct option *o;
	int c, idx;
	bool ok;

	a->count = DEFAULT_COUNT;
	a->size = DEFAULT_SIZE;
	a->timeout = DEFAULT_TIMEOUT;
	a->pairs = 0;
	a->mtu = 0;
	optind = 1;
	opterr = 1;
	while ((c = getopt_long(argc, argv, "", opts, &idx)) != -1) {
		if (c == '?')
			return EXIT_USAGE;
		o = &opts[idx];
		if (!strstr(allowed, o->name)) {
			fprintf(stderr, "vmdevctl: --%s does not apply here\n",
				o->name);
			return EXIT_USAGE;
		}
		ok = true;
		switch (c) {
		case 'u':
			a->uuid = optarg;
			ok = vmdev_uuid_valid(optarg);
			break;
		case 'm':
			a->mac = optarg;
			break;
		case 'M':
			ok = parse_long(optarg, 68, 65535, &a->mtu);
			break;
		case 'p':
			ok = parse_long(optarg, 1, 0xffff, &a->pairs);
			break;
		case 'P':
			a->peer = optarg;
			ok = vmdev_uuid_valid(optarg);
			break;
		case 'c':
			ok = parse_long(optarg, 1, 1L << 30, &a->count);
			break;
		case 's':
			ok = parse_long(optarg, 18, 65535 + 14, &a->size);
			break;
		case 'd':
			a->dst = optarg;
			break;
		case 'q':
			ok = parse_long(optarg, 0, 0xfffe, &a->qp);
			break;
		case 't':
			ok = parse_long(optarg, 0, INT_MAX, &a->timeout);
			break;
		case 'C':
			a->cdev = true;
			break;
		}
		if (!ok) {
			fprintf(stderr, "vmdevctl: bad value for --%s: %s\n",
				o->name, optarg ? optarg : "");
			return EXIT_USAGE;
		}
	}
	return 0;
}

/* The positional argument of a command, before or among the options. */
static const char *positional(int argc, char **argv)
{
	return optind < argc ? argv[optind] : NULL;
}

static int cmd_list(void)
{
	char path[PATH_MAX], val[VAL_BUF], desc[VAL_BUF];
	struct dirent *p, *t, *d;
	DIR *pd, *td, *dd;

	puts("parents:");
	pd = opendir(VMDEV_SYSFS_MDEV_BUS);
	while (pd && (p = readdir(pd))) {
		if (p->d_name[0] == '.')
			continue;
		printf("  %s\n", p->d_name);
		snprintf(path, sizeof(path), VMDEV_SYSFS_MDEV_BUS
			 "/%.64s/mdev_supported_types", p->d_name);
		td = opendir(path);
		while (td && (t = readdir(td))) {
			if (t->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), VMDEV_SYSFS_MDEV_BUS
				 "/%.64s/mdev_supported_types/%.64s/available_instances",
				 p->d_name, t->d_name);
			if (vmdev_sysfs_read(path, val, sizeof(val)) < 0)
				strcpy(val, "?");
			snprintf(path, sizeof(path), VMDEV_SYSFS_MDEV_BUS
				 "/%.64s/mdev_supported_types/%.64s/description",
				 p->d_name, t->d_name);
			if (vmdev_sysfs_read(path, desc, sizeof(desc)) < 0)
				desc[0] = '\0';
			printf("    %-20s available_instances %-6s %s\n",
			       t->d_name, val, desc);
		}
		if (td)
			closedir(td);
	}
	if (pd)
		closedir(pd);

	puts("devices:");
	dd = opendir(VMDEV_SYSFS_DEVICES);
	while (dd && (d = readdir(dd))) {
		static const char * const attrs[] = {
			"personality", "mac", "mtu", "max_vq_pairs", "link",
			"peer",
		};
		char target[PATH_MAX];
		const char *type;
		unsigned int i;
		ssize_t n;

		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), VMDEV_SYSFS_DEVICES
			 "/%.64s/mdev_type", d->d_name);
		n = readlink(path, target, sizeof(target) - 1);
		target[n < 0 ? 0 : n] = '\0';
		type = strrchr(target, '/');
		printf("  %s %s", d->d_name, type ? type + 1 : "?");
		for (i = 0; i < ARRAY_SIZE(attrs); i++)
			if (vmdev_attr_read(d->d_name, attrs[i], val,
					    sizeof(val)) >= 0)
				printf(" %s=%s", attrs[i], val);
		putchar('\n');
	}
	if (dd)
		closedir(dd);
	return EXIT_SUCCESS;
}

static int set_attr(const char *uuid, const char *attr, const char *val)
{
	int ret = vmdev_attr_write(uuid, attr, val);

	if (ret)
		fprintf(stderr, "vmdevctl: set %s=%s: %s\n", attr, val,
			strerror(-ret));
	return ret;
}

static int cmd_create(const char *type, const struct args *a)
{
	char uuid[VMDEV_UUID_BUF], num[VAL_BUF];
	int ret;

	if (a->uuid) {
		snprintf(uuid, sizeof(uuid), "%s", a->uuid);
	} else {
		ret = vmdev_uuid_gen(uuid);
		if (ret)
			return fail("uuid", NULL, ret);
	}
	ret = vmdev_mdev_create(type, uuid);
	if (ret)
		return fail("create", type, ret);
	if (a->mac)
		ret = set_attr(uuid, "mac", a->mac);
	if (!ret && a->mtu) {
		snprintf(num, sizeof(num), "%ld", a->mtu);
		ret = set_attr(uuid, "mtu", num);
	}
	if (!ret && a->pairs) {
		snprintf(num, sizeof(num), "%ld", a->pairs);
		ret = set_attr(uuid, "max_vq_pairs", num);
	}
	if (!ret && a->peer)
		ret = set_attr(uuid, "peer", a->peer);
	if (ret) {
		vmdev_mdev_remove(uuid);
		return EXIT_FAILURE;
	}
	puts(uuid);
	return EXIT_SUCCESS;
}

static int cmd_destroy(const char *uuid)
{
	int ret = vmdev_mdev_remove(uuid);

	return ret ? fail("destroy", uuid, ret) : EXIT_SUCCESS;
}

static void print_bits(const char *name, uint64_t bits,
		       const char * const *names, unsigned int n)
{
	unsigned int i;

	printf("  %-18s 0x%016llx", name, (unsigned long long)bits);
	for (i = 0; i < 64; i++) {
		if (!(bits & (1ULL << i)))
			continue;
		if (i < n && names[i])
			printf(" %s", names[i]);
		else
			printf(" bit%u", i);
	}
	putchar('\n');
}

static const char * const feature_names[] = {
	[VIRTIO_NET_F_CSUM] = "CSUM",
	[VIRTIO_NET_F_GUEST_CSUM] = "GUEST_CSUM",
	[VIRTIO_NET_F_MTU] = "MTU",
	[VIRTIO_NET_F_MAC] = "MAC",
	[VIRTIO_NET_F_MRG_RXBUF] = "MRG_RXBUF",
	[VIRTIO_NET_F_STATUS] = "STATUS",
	[VIRTIO_NET_F_CTRL_VQ] = "CTRL_VQ",
	[VIRTIO_NET_F_CTRL_RX] = "CTRL_RX",
	[VIRTIO_NET_F_CTRL_VLAN] = "CTRL_VLAN",
	[VIRTIO_NET_F_GUEST_ANNOUNCE] = "GUEST_ANNOUNCE",
	[VIRTIO_NET_F_MQ] = "MQ",
	[VIRTIO_NET_F_CTRL_MAC_ADDR] = "CTRL_MAC_ADDR",
	[VIRTIO_RING_F_INDIRECT_DESC] = "INDIRECT_DESC",
	[VIRTIO_RING_F_EVENT_IDX] = "EVENT_IDX",
	[VIRTIO_F_VERSION_1] = "VERSION_1",
	[VIRTIO_F_ACCESS_PLATFORM] = "ACCESS_PLATFORM",
	[VIRTIO_F_RING_PACKED] = "RING_PACKED",
};

static const char * const status_names[] = {
	"ACKNOWLEDGE", "DRIVER", "DRIVER_OK", "FEATURES_OK", NULL, NULL,
	"NEEDS_RESET", "FAILED",
};

static const char * const backend_names[] = {
	[VHOST_BACKEND_F_IOTLB_MSG_V2] = "IOTLB_MSG_V2",
	[VHOST_BACKEND_F_IOTLB_BATCH] = "IOTLB_BATCH",
	[VHOST_BACKEND_F_SUSPEND] = "SUSPEND",
	[VHOST_BACKEND_F_RESUME] = "RESUME",
	[VHOST_BACKEND_F_IOTLB_PERSIST] = "IOTLB_PERSIST",
};

/* A node path rather than a UUID. */
static bool is_path(const char *target)
{
	return target[0] == '/';
}

/*
 * Open @target: a UUID (through VFIO, or its character device with
 * --cdev) or the path of a character device node.
 */
static int dev_open(const char *target, const struct args *a,
		    const struct vmdev_open_opts *opts, struct vmdev **devp)
{
	struct vmdev_open_opts o = opts ? *opts : (struct vmdev_open_opts){};

	if (is_path(target))
		return vmdev_open_path(devp, target, &o);
	if (a->cdev)
		o.flags |= VMDEV_OPEN_CDEV;
	return vmdev_open(devp, target, &o);
}

static int show_vhost(const char *target, const struct args *a)
{
	struct vhost_vdpa_iova_range range;
	struct vmdev_net_config cfg;
	uint64_t backend;
	struct vmdev *dev;
	uint32_t u32;
	int ret, status;

	ret = dev_open(target, a, NULL, &dev);
	if (ret)
		return fail("open", target, ret);
	printf("device (through the %s fd):\n",
	       vmdev_container_fd(dev) < 0 ? "character device" : "VFIO device");
	if (!vmdev_ioctl(dev, VHOST_VDPA_GET_DEVICE_ID, &u32))
		printf("  %-18s %u\n", "device_id", u32);
	print_bits("features", vmdev_device_features(dev), feature_names,
		   ARRAY_SIZE(feature_names));
	if (!vmdev_ioctl(dev, VHOST_GET_BACKEND_FEATURES, &backend))
		print_bits("backend_features", backend, backend_names,
			   ARRAY_SIZE(backend_names));
	status = vmdev_get_status(dev);
	if (status >= 0)
		print_bits("status", status, status_names, 8);
	printf("  %-18s %u\n", "vqs", vmdev_vq_count(dev));
	printf("  %-18s %u\n", "vring_num_max", vmdev_vq_num_max(dev));
	if (!vmdev_ioctl(dev, VHOST_VDPA_GET_CONFIG_SIZE, &u32))
		printf("  %-18s %u\n", "config_size", u32);
	if (!vmdev_ioctl(dev, VHOST_VDPA_GET_IOVA_RANGE, &range))
		printf("  %-18s 0x%llx-0x%llx\n", "iova_range",
		       (unsigned long long)range.first,
		       (unsigned long long)range.last);
	ret = vmdev_net_get_config(dev, &cfg);
	if (!ret) {
		printf("  %-18s %02x:%02x:%02x:%02x:%02x:%02x\n", "config.mac",
		       cfg.mac[0], cfg.mac[1], cfg.mac[2], cfg.mac[3],
		       cfg.mac[4], cfg.mac[5]);
		printf("  %-18s 0x%x%s\n", "config.status", cfg.status,
		       cfg.status & VIRTIO_NET_S_LINK_UP ? " LINK_UP" : "");
		printf("  %-18s %u\n", "config.max_pairs",
		       cfg.max_virtqueue_pairs);
		printf("  %-18s %u\n", "config.mtu", cfg.mtu);
	}
	vmdev_close(dev);
	return ret ? fail("config", target, ret) : EXIT_SUCCESS;
}

static int cmd_show(const char *uuid, const struct args *a)
{
	static const char * const attrs[] = {
		"personality", "mac", "mtu", "max_vq_pairs", "link", "peer",
	};
	char val[VAL_BUF], path[PATH_MAX], target[PATH_MAX];
	unsigned int i;
	const char *t;
	ssize_t n;

	if (is_path(uuid))
		return show_vhost(uuid, a);
	snprintf(path, sizeof(path), VMDEV_SYSFS_DEVICES "/%s/mdev_type",
		 uuid);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return fail("show", uuid, errno == ENOENT ? ENODEV : errno);
	target[n] = '\0';
	t = strrchr(target, '/');
	printf("%s\n  %-18s %s\n", uuid, "type", t ? t + 1 : target);
	for (i = 0; i < ARRAY_SIZE(attrs); i++)
		if (vmdev_attr_read(uuid, attrs[i], val, sizeof(val)) >= 0)
			printf("  %-18s %s\n", attrs[i], val);
	if (vmdev_attr_read(uuid, "personality", val, sizeof(val)) >= 0 &&
	    !strcmp(val, "vhost"))
		return show_vhost(uuid, a);
	return EXIT_SUCCESS;
}

/* Open @uuid and bring up @pairs queue pairs (MQ set when more than one). */
static int net_open(const char *uuid, const struct args *a, unsigned int pairs,
		    struct vmdev **devp, uint8_t mac[6])
{
	struct vmdev_net_opts opts = { .pairs = pairs };
	struct vmdev_open_opts oo = { .arena_size = 1 << 20 };
	struct vmdev_net_config cfg;
	struct vmdev *dev;
	int ret;

	ret = dev_open(uuid, a, &oo, &dev);
	if (ret)
		return fail("open", uuid, ret);
	ret = vmdev_net_start(dev, &opts);
	if (ret) {
		vmdev_close(dev);
		return fail("start", uuid, ret);
	}
	if (pairs > 1) {
		ret = vmdev_net_set_vq_pairs(dev, pairs);
		if (ret) {
			vmdev_close(dev);
			return fail("set queue pairs", uuid, ret);
		}
	}
	ret = vmdev_net_get_config(dev, &cfg);
	if (ret) {
		vmdev_close(dev);
		return fail("config", uuid, ret);
	}
	/* Waits then end as soon as the device is removed or breaks. */
	ret = vmdev_config_eventfd(dev);
	if (ret < 0) {
		vmdev_close(dev);
		return fail("config eventfd", uuid, ret);
	}
	memcpy(mac, cfg.mac, 6);
	*devp = dev;
	return 0;
}

/* Send @count frames of @size bytes on @qp, numbered from 0. */
static int send_frames(struct vmdev *dev, unsigned int qp, const uint8_t *dst,
		       const uint8_t *src, long count, long size)
{
	struct vmdev_frame frames[BATCH];
	static uint8_t data[BATCH][65536];
	long seq = 0;
	int i, n, ret;

	while (seq < count) {
		n = count - seq < BATCH ? count - seq : BATCH;
		for (i = 0; i < n; i++) {
			vmdev_fill_frame(data[i], size, dst, src, seq + i);
			frames[i].data = data[i];
			frames[i].len = size;
		}
		ret = vmdev_net_send(dev, qp, frames, n);
		if (ret < 0)
			return ret;
		if (!ret) {
			ret = vmdev_net_tx_done(dev, qp, DEFAULT_TIMEOUT);
			if (ret)
				return ret;
		}
		seq += ret;
	}
	return vmdev_net_tx_done(dev, qp, DEFAULT_TIMEOUT);
}

static int cmd_send(const char *uuid, const struct args *a)
{
	uint8_t mac[6], dst[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	struct vmdev *dev;
	int ret;

	if (a->dst && vmdev_parse_mac(a->dst, dst)) {
		fprintf(stderr, "vmdevctl: bad MAC address: %s\n", a->dst);
		return EXIT_USAGE;
	}
	ret = net_open(uuid, a, a->qp + 1, &dev, mac);
	if (ret)
		return ret;
	ret = send_frames(dev, a->qp, dst, mac, a->count, a->size);
	vmdev_close(dev);
	if (ret)
		return fail("send", uuid, ret);
	printf("sent %ld frames of %ld bytes on queue pair %ld\n", a->count,
	       a->size, a->qp);
	return EXIT_SUCCESS;
}

static void print_frame(unsigned int qp, const struct vmdev_frame *f)
{
	const uint8_t *p = f->data;
	uint32_t seq = 0;
	long bad = vmdev_check_frame(f->data, f->len, &seq);

	printf("qp %u len %u bufs %u ", qp, f->len, f->num_buffers);
	printf("dst %02x:%02x:%02x:%02x:%02x:%02x ",
	       p[0], p[1], p[2], p[3], p[4], p[5]);
	printf("src %02x:%02x:%02x:%02x:%02x:%02x seq %u %s",
	       p[6], p[7], p[8], p[9], p[10], p[11], seq,
	       bad < 0 ? "pattern ok" : "pattern BAD");
	if (bad >= 0)
		printf(" at offset %ld", bad);
	putchar('\n');
}

static long ms_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t0->tv_sec) * 1000 +
	       (now.tv_nsec - t0->tv_nsec) / 1000000;
}

/*
 * Receive until @count frames arrived or @timeout ms passed without one;
 * print them when @verbose. Returns frames received or -errno; *@bad
 * counts frames whose pattern was wrong (or that came out of order when
 * @in_order).
 */
static long recv_frames(struct vmdev *dev, unsigned int pairs, long count,
			long timeout, bool verbose, bool in_order,
			long size, long *bad)
{
	static uint8_t data[BATCH][65536];
	struct vmdev_frame frames[BATCH];
	struct timespec last;
	long got = 0;
	unsigned int qp;
	int i, n;

	*bad = 0;
	clock_gettime(CLOCK_MONOTONIC, &last);
	while (got < count && ms_since(&last) < timeout) {
		for (qp = 0; qp < pairs && got < count; qp++) {
			for (i = 0; i < BATCH; i++) {
				frames[i].data = data[i];
				frames[i].size = sizeof(data[i]);
			}
			n = vmdev_net_recv(dev, qp, frames,
					   count - got < BATCH ? count - got :
					   BATCH, pairs == 1 ? 100 : 10);
			if (n < 0)
				return n;
			for (i = 0; i < n; i++) {
				uint32_t seq = 0;

				if (verbose)
					print_frame(qp, &frames[i]);
				if (vmdev_check_frame(data[i], frames[i].len,
						      &seq) >= 0 ||
				    (size && frames[i].len != size) ||
				    (in_order && seq != got + i))
					(*bad)++;
			}
			if (n)
				clock_gettime(CLOCK_MONOTONIC, &last);
			got += n;
		}
	}
	return got;
}

static int cmd_recv(const char *uuid, const struct args *a)
{
	unsigned int pairs = a->pairs ? a->pairs : 1;
	struct vmdev *dev;
	uint8_t mac[6];
	long got, bad;
	int ret;

	ret = net_open(uuid, a, pairs, &dev, mac);
	if (ret)
		return ret;
	got = recv_frames(dev, pairs, a->count, a->timeout, true, false, 0,
			  &bad);
	vmdev_close(dev);
	if (got < 0)
		return fail("recv", uuid, got);
	printf("received %ld of %ld frames, %ld bad\n", got, a->count, bad);
	return got == a->count && !bad ? EXIT_SUCCESS : EXIT_FAILURE;
}

static int cmd_loopback(const char *uuid, const struct args *a)
{
	struct vmdev *dev;
	long sent = 0, got = 0, bad = 0, b, n, chunk;
	uint8_t mac[6];
	int ret;

	ret = net_open(uuid, a, 1, &dev, mac);
	if (ret)
		return ret;
	if (a->size > (long)vmdev_net_max_frame(dev)) {
		vmdev_close(dev);
		fprintf(stderr, "vmdevctl: --size %ld exceeds the device's %u\n",
			a->size, vmdev_net_max_frame(dev));
		return EXIT_USAGE;
	}
	/* In chunks the RX ring can hold, so that nothing is dropped. */
	while (sent < a->count) {
		struct vmdev_frame frames[BATCH];
		static uint8_t data[BATCH][65536];
		int i;

		chunk = a->count - sent < BATCH ? a->count - sent : BATCH;
		for (i = 0; i < chunk; i++) {
			vmdev_fill_frame(data[i], a->size, mac, mac, sent + i);
			frames[i].data = data[i];
			frames[i].len = a->size;
		}
		ret = vmdev_net_send(dev, 0, frames, chunk);
		if (ret <= 0)
			break;
		n = recv_frames(dev, 1, ret, a->timeout, false, false, a->size,
				&b);
		if (n < 0) {
			ret = n;
			break;
		}
		sent += ret;
		got += n;
		bad += b;
		if (n < ret)
			break;
	}
	vmdev_close(dev);
	if (ret < 0)
		return fail("loopback", uuid, ret);
	printf("loopback: sent %ld, received %ld, %ld bad\n", sent, got, bad);
	return got == a->count && !bad ? EXIT_SUCCESS : EXIT_FAILURE;
}

int main(int argc, char **argv)
{
	struct args a = {};
	const char *cmd, *arg;
	int ret;

	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "help")) {
		if (argc >= 2) {
			fputs(usage_text, stdout);
			return EXIT_SUCCESS;
		}
		return usage();
	}
	cmd = argv[1];
	argc--;
	argv++;

	if (!strcmp(cmd, "list"))
		return argc == 1 ? cmd_list() : usage();

	if (!strcmp(cmd, "create"))
		ret = parse_args(argc, argv, "uuid mac mtu pairs peer", &a);
	else if (!strcmp(cmd, "destroy"))
		ret = parse_args(argc, argv, "", &a);
	else if (!strcmp(cmd, "show"))
		ret = parse_args(argc, argv, "cdev", &a);
	else if (!strcmp(cmd, "send"))
		ret = parse_args(argc, argv, "count size dst qp cdev", &a);
	else if (!strcmp(cmd, "recv"))
		ret = parse_args(argc, argv, "count timeout pairs cdev", &a);
	else if (!strcmp(cmd, "loopback"))
		ret = parse_args(argc, argv, "count size timeout cdev", &a);
	else
		return fprintf(stderr, "vmdevctl: unknown command %s\n", cmd),
		       usage();
	if (ret)
		return usage();
	arg = positional(argc, argv);
	if (!arg || optind + 1 != argc)
		return usage();

	if (!strcmp(cmd, "create"))
		return cmd_create(arg, &a);
	/* A node path names a vhost device too, except for destroy. */
	if (!vmdev_uuid_valid(arg) && (!is_path(arg) || a.cdev ||
				       !strcmp(cmd, "destroy"))) {
		fprintf(stderr, "vmdevctl: not a UUID%s: %s\n",
			strcmp(cmd, "destroy") && !a.cdev ? " or a node path" : "",
			arg);
		return EXIT_USAGE;
	}
	if (!strcmp(cmd, "destroy"))
		return cmd_destroy(arg);
	if (!strcmp(cmd, "show"))
		return cmd_show(arg, &a);
	if (!strcmp(cmd, "send"))
		return cmd_send(arg, &a);
	if (!strcmp(cmd, "recv"))
		return cmd_recv(arg, &a);
	return cmd_loopback(arg, &a);
}
