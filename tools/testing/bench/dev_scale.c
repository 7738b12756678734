// SPDX-License-Identifier: GPL-2.0-only
/*
 * dev_scale: how long it takes to create and to remove many devices, and
 * how much kernel memory each one holds; ours next to upstream vDPA's, in
 * the same run.
 *
 * For each count (--counts) and each target in turn: the devices are
 * created one after the other as fast as the interface allows (timed),
 * then removed the same way (timed). Around each phase the kernel's
 * memory is read from /proc/meminfo after letting it settle (sync, drop
 * the page cache, wait for RCU: a short sleep); what the devices hold is
 * the difference divided by the count: free memory (MemFree plus the
 * pages in the per-CPU free lists of /proc/zoneinfo, which MemFree leaves
 * out and which move by megabytes: everything the kernel took, the most
 * inclusive), Slab, Percpu, VmallocUsed, KernelStack.
 * What is still missing once they are removed is reported too.
 *
 * Targets:
 *  mvnet-vhost   ours: an mdev of type mvnet-vhost, created by writing its
 *                UUID to the type's create file and removed by writing 1
 *                to its remove file (sysfs); each is a VFIO device and a
 *                /dev/vhost-mdev/<UUID> character device
 *  vdpa_sim_net  upstream: a vdpa_sim_net device created and deleted
 *                through the vdpa generic netlink family, the message
 *                "vdpa dev add name N mgmtdev vdpasim_net" sends (and
 *                "vdpa dev del N"), without the tool's process start;
 *                vhost_vdpa binds each one: a /dev/vhost-vdpa-N
 *
 * Usage: dev_scale [--mdev-type TYPE] [--peer-mgmtdev NAME] [--counts A,B,..]
 *	[--repeat N] [--json FILE]
 */
#include <getopt.h>
#include <stdint.h>
#include <sys/socket.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/vdpa.h>

#include "vmdev/vmdev.h"
#include "bench.h"

#define MAX_COUNTS	4
#define MAX_COUNT	4096
#define MAX_REPEAT	9
#define NAME_LEN	VMDEV_UUID_BUF
#define NL_BUF		8192

/* /proc/meminfo fields, in KiB. */
enum mem_field {
	MEM_FREE,
	MEM_SLAB,
	MEM_PERCPU,
	MEM_VMALLOC,
	MEM_KSTACK,
	MEM_FIELDS,
};

static const char *const mem_names[MEM_FIELDS] = {
	[MEM_FREE] = "MemFree",
	[MEM_SLAB] = "Slab",
	[MEM_PERCPU] = "Percpu",
	[MEM_VMALLOC] = "VmallocUsed",
	[MEM_KSTACK] = "KernelStack",
};

struct scale_opts {
	const char *mdev_type;
	const char *mgmtdev;
	const char *json;
	unsigned int counts[MAX_COUNTS];
	unsigned int ncounts;
	unsigned int repeat;
};

/*
 * struct scale_target - one kind of device
 * @name: short name (table, JSON)
 * @what: one line saying what it is
 * @baseline: the target it is read against, or NULL
 * @create: create device @i, named @name; 0 or -errno
 * @remove: remove it; 0 or -errno
 * @create_s: [count][run] seconds to create them all
 * @remove_s: [count][run] seconds to remove them all
 * @held: [count][field] KiB per device while they exist (last run)
 * @left: [count][field] KiB per device still missing after removal
 */
struct scale_target {
	const char *name;
	const char *what;
	const char *baseline;
	int (*create)(const struct scale_opts *o, const char *name);
	int (*remove)(const struct scale_opts *o, const char *name);
	double create_s[MAX_COUNTS][MAX_REPEAT];
	double remove_s[MAX_COUNTS][MAX_REPEAT];
	double held[MAX_COUNTS][MEM_FIELDS];
	double left[MAX_COUNTS][MEM_FIELDS];
};

/* ------------------------------------------------------------------ */
/* ours: mdev sysfs                                                    */
/* ------------------------------------------------------------------ */

static char create_path[256];

static int mdev_create(const struct scale_opts *o, const char *name)
{
	return vmdev_sysfs_write(create_path, name);
}

static int mdev_remove(const struct scale_opts *o, const char *name)
{
	return vmdev_mdev_remove(name);
}

/* ------------------------------------------------------------------ */
/* upstream: the vdpa generic netlink family                           */
/* ------------------------------------------------------------------ */

static int nl_fd = -1;
static uint16_t nl_family;
static uint32_t nl_seq;

struct nl_req {
	struct nlmsghdr n;
	struct genlmsghdr g;
	char attrs[256];
};

static void nl_put_str(struct nl_req *r, uint16_t type, const char *s)
{
	struct nlattr *a = (void *)((char *)r + NLMSG_ALIGN(r->n.nlmsg_len));
	size_t len = strlen(s) + 1;

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	memcpy((char *)a + NLA_HDRLEN, s, len);
	r->n.nlmsg_len = NLMSG_ALIGN(r->n.nlmsg_len) + NLA_ALIGN(a->nla_len);
}

static void nl_init(struct nl_req *r, uint16_t family, uint8_t cmd,
		    uint8_t version)
{
	memset(r, 0, sizeof(*r));
	r->n.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	r->n.nlmsg_type = family;
	r->n.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	r->n.nlmsg_seq = ++nl_seq;
	r->g.cmd = cmd;
	r->g.version = version;
}

/*
 * Send @r and read the answers up to its ack; a message of the family's
 * own (CTRL_CMD_GETFAMILY's answer) goes to @reply. 0 or -errno.
 */
static int nl_talk(struct nl_req *r, void *reply, size_t size)
{
	char buf[NL_BUF];
	struct nlmsghdr *h;
	ssize_t n;

	if (send(nl_fd, r, r->n.nlmsg_len, 0) < 0)
		return -errno;
	for (;;) {
		n = recv(nl_fd, buf, sizeof(buf), 0);
		if (n < 0)
			return -errno;
		for (h = (void *)buf; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != r->n.nlmsg_seq)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR)
				return ((struct nlmsgerr *)NLMSG_DATA(h))->error;
			if (reply && h->nlmsg_len <= size)
				memcpy(reply, h, h->nlmsg_len);
		}
	}
}

/* The id of the "vdpa" family (it exists once vdpa.ko is loaded). */
static int nl_open(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	char reply[NL_BUF];
	struct nlmsghdr *h = (void *)reply;
	struct nl_req r;
	struct nlattr *a;
	int len, ret;

	nl_fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (nl_fd < 0 || bind(nl_fd, (struct sockaddr *)&sa, sizeof(sa)))
		return -errno;
	nl_init(&r, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1);
	nl_put_str(&r, CTRL_ATTR_FAMILY_NAME, VDPA_GENL_NAME);
	h->nlmsg_len = 0;
	ret = nl_talk(&r, reply, sizeof(reply));
	if (ret)
		return ret;
	if (!h->nlmsg_len)
		return -ENOENT;
	len = h->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
	a = (void *)((char *)NLMSG_DATA(h) + GENL_HDRLEN);
	while (len >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN &&
	       a->nla_len <= len) {
		if ((a->nla_type & NLA_TYPE_MASK) == CTRL_ATTR_FAMILY_ID) {
			memcpy(&nl_family, (char *)a + NLA_HDRLEN,
			       sizeof(nl_family));
			return 0;
		}
		len -= NLA_ALIGN(a->nla_len);
		a = (void *)((char *)a + NLA_ALIGN(a->nla_len));
	}
	return -ENOENT;
}

static int vdpa_create(const struct scale_opts *o, const char *name)
{
	struct nl_req r;

	nl_init(&r, nl_family, VDPA_CMD_DEV_NEW, VDPA_GENL_VERSION);
	nl_put_str(&r, VDPA_ATTR_MGMTDEV_DEV_NAME, o->mgmtdev);
	nl_put_str(&r, VDPA_ATTR_DEV_NAME, name);
	return nl_talk(&r, NULL, 0);
}

static int vdpa_remove(const struct scale_opts *o, const char *name)
{
	struct nl_req r;

	nl_init(&r, nl_family, VDPA_CMD_DEV_DEL, VDPA_GENL_VERSION);
	nl_put_str(&r, VDPA_ATTR_DEV_NAME, name);
	return nl_talk(&r, NULL, 0);
}

/* ------------------------------------------------------------------ */
/* the harness                                                         */
/* ------------------------------------------------------------------ */

static struct scale_target targets[] = {
	{
		.name = "mvnet-vhost",
		.what = "ours: mdev create/remove in sysfs (VFIO device + character device)",
		.baseline = "vdpa_sim_net",
		.create = mdev_create,
		.remove = mdev_remove,
	},
	{
		.name = "vdpa_sim_net",
		.what = "upstream: vdpa netlink DEV_NEW/DEV_DEL, vhost_vdpa bound",
		.create = vdpa_create,
		.remove = vdpa_remove,
	},
};

#define NTARGETS	ARRAY_SIZE(targets)

static char names[MAX_COUNT][NAME_LEN];

static void settle(void)
{
	struct timespec ts = { .tv_nsec = 200 * 1000 * 1000 };

	sync();
	vmdev_sysfs_write("/proc/sys/vm/drop_caches", "3");
	nanosleep(&ts, NULL);
}

/* KiB in the per-CPU free lists: "count:" of every pageset. */
static long pcp_kib(void)
{
	char line[128];
	long kib = 0, v;
	FILE *f;

	f = fopen("/proc/zoneinfo", "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, " count: %ld", &v) == 1)
			kib += v * (sysconf(_SC_PAGESIZE) / 1024);
	fclose(f);
	return kib;
}

static int read_meminfo(double *kib)
{
	char line[128], name[64];
	unsigned int i;
	long v;
	FILE *f;

	f = fopen("/proc/meminfo", "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63[^:]: %ld", name, &v) != 2)
			continue;
		for (i = 0; i < MEM_FIELDS; i++)
			if (!strcmp(name, mem_names[i]))
				kib[i] = v;
	}
	fclose(f);
	kib[MEM_FREE] += pcp_kib();
	return 0;
}

/* Create then remove @n devices of @t: run @r of count index @c. */
static int run_count(struct scale_target *t, const struct scale_opts *o,
		     unsigned int c, unsigned int r)
{
	double m0[MEM_FIELDS], m1[MEM_FIELDS], m2[MEM_FIELDS], start;
	unsigned int n = o->counts[c], i, made, f;
	int ret = 0;

	for (i = 0; i < n; i++) {
		ret = vmdev_uuid_gen(names[i]);
		if (ret)
			return ret;
	}
	settle();
	read_meminfo(m0);
	start = bench_now();
	for (made = 0; made < n && !ret; made++)
		ret = t->create(o, names[made]);
	t->create_s[c][r] = bench_now() - start;
	if (ret) {
		made--;
		fprintf(stderr, "dev_scale: %s: create %u of %u: %s\n", t->name,
			made + 1, n, strerror(-ret));
	}
	settle();
	read_meminfo(m1);
	start = bench_now();
	for (i = 0; i < made; i++) {
		int err = t->remove(o, names[i]);

		if (err && !ret) {
			fprintf(stderr, "dev_scale: %s: remove %u: %s\n",
				t->name, i, strerror(-err));
			ret = err;
		}
	}
	t->remove_s[c][r] = bench_now() - start;
	settle();
	read_meminfo(m2);
	for (f = 0; f < MEM_FIELDS; f++) {
		/* Memory taken: MemFree goes down, the others up. */
		double sign = f == MEM_FREE ? -1 : 1;

		t->held[c][f] = sign * (m1[f] - m0[f]) / n;
		t->left[c][f] = sign * (m2[f] - m0[f]) / n;
	}
	return ret;
}

static int run_all(const struct scale_opts *o)
{
	unsigned int c, r, t;
	int ret = 0;

	for (r = 0; r < o->repeat && !ret; r++)
		for (c = 0; c < o->ncounts && !ret; c++)
			for (t = 0; t < NTARGETS && !ret; t++)
				ret = run_count(&targets[t], o, c, r);
	return ret;
}

static int target_index(const char *name)
{
	unsigned int i;

	for (i = 0; name && i < NTARGETS; i++)
		if (!strcmp(targets[i].name, name))
			return i;
	return -1;
}

static void print_table(const struct scale_opts *o)
{
	unsigned int c, t;
	double cr, rm;
	int b;

	printf("dev_scale: seconds to create and to remove COUNT devices one after\n");
	printf("the other (median of %u), and KiB of kernel memory per device while\n",
	       o->repeat);
	printf("they exist (free memory taken; Slab, Percpu, VmallocUsed of it); ratio:\n");
	printf("target / baseline (below 1: faster, smaller)\n");
	for (t = 0; t < NTARGETS; t++)
		printf("  %-13s %s\n", targets[t].name, targets[t].what);
	printf("\n%5s %-13s %9s %9s %7s %7s %8s %7s %7s %7s %8s\n", "count",
	       "target", "create_s", "remove_s", "cr_rat", "rm_rat", "KiB/dev",
	       "slab", "percpu", "vmalloc", "mem_rat");
	for (c = 0; c < o->ncounts; c++) {
		for (t = 0; t < NTARGETS; t++) {
			struct scale_target *s = &targets[t];

			cr = bench_median(s->create_s[c], o->repeat);
			rm = bench_median(s->remove_s[c], o->repeat);
			printf("%5u %-13s %9.3f %9.3f", o->counts[c], s->name,
			       cr, rm);
			b = target_index(s->baseline);
			if (b >= 0)
				printf(" %7.2f %7.2f",
				       cr / bench_median(targets[b].create_s[c], o->repeat),
				       rm / bench_median(targets[b].remove_s[c], o->repeat));
			else
				printf(" %7s %7s", "", "");
			printf(" %8.1f %7.1f %7.1f %7.1f", s->held[c][MEM_FREE],
			       s->held[c][MEM_SLAB], s->held[c][MEM_PERCPU],
			       s->held[c][MEM_VMALLOC]);
			if (b >= 0 && targets[b].held[c][MEM_FREE] > 0)
				printf(" %8.2f", s->held[c][MEM_FREE] /
				       targets[b].held[c][MEM_FREE]);
			printf("\n");
		}
	}
}

static void json_mem(FILE *f, const char *key, const double *kib)
{
	unsigned int i;

	fprintf(f, "\"%s\": {", key);
	for (i = 0; i < MEM_FIELDS; i++)
		fprintf(f, "%s\"%s\": %.1f", i ? ", " : "", mem_names[i], kib[i]);
	fprintf(f, "}");
}

static int write_json(const struct scale_opts *o)
{
	unsigned int c, t, r, n = 0;
	double cr, rm, bcr, brm;
	FILE *f;
	int b;

	f = fopen(o->json, "w");
	if (!f)
		return -errno;
	bench_json_head(f, "dev_scale");
	fprintf(f, "  \"repeat\": %u,\n  \"targets\": [", o->repeat);
	for (t = 0; t < NTARGETS; t++) {
		bench_json_target(f, !t, targets[t].name, targets[t].what,
				  targets[t].baseline);
		fprintf(f, "}");
	}
	fprintf(f, "\n  ],\n  \"results\": [");
	for (c = 0; c < o->ncounts; c++) {
		for (t = 0; t < NTARGETS; t++) {
			struct scale_target *s = &targets[t];

			cr = bench_median(s->create_s[c], o->repeat);
			rm = bench_median(s->remove_s[c], o->repeat);
			fprintf(f, "%s\n    {\"count\": %u, \"target\": \"%s\", ",
				n++ ? "," : "", o->counts[c], s->name);
			fprintf(f, "\"create_s\": %.6f, \"remove_s\": %.6f, ",
				cr, rm);
			fprintf(f, "\"create_runs_s\": [");
			for (r = 0; r < o->repeat; r++)
				fprintf(f, "%s%.6f", r ? ", " : "",
					s->create_s[c][r]);
			fprintf(f, "], \"remove_runs_s\": [");
			for (r = 0; r < o->repeat; r++)
				fprintf(f, "%s%.6f", r ? ", " : "",
					s->remove_s[c][r]);
			fprintf(f, "], ");
			json_mem(f, "kib_per_device", s->held[c]);
			fprintf(f, ", ");
			json_mem(f, "kib_per_device_left", s->left[c]);
			b = target_index(s->baseline);
			if (b >= 0) {
				bcr = bench_median(targets[b].create_s[c], o->repeat);
				brm = bench_median(targets[b].remove_s[c], o->repeat);
				fprintf(f, ", \"baseline\": \"%s\", ",
					targets[b].name);
				fprintf(f, "\"create_ratio\": %.3f, ", cr / bcr);
				fprintf(f, "\"remove_ratio\": %.3f, ", rm / brm);
				fprintf(f, "\"memory_ratio\": %.3f",
					targets[b].held[c][MEM_FREE] > 0 ?
					s->held[c][MEM_FREE] /
					targets[b].held[c][MEM_FREE] : 0);
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
		"usage: dev_scale [--mdev-type TYPE] [--peer-mgmtdev NAME]\n"
		"       [--counts A,B,..] [--repeat N] [--json FILE]\n"
		"  counts: at most %u, each 1..%u; repeat: 1..%u\n",
		MAX_COUNTS, MAX_COUNT, MAX_REPEAT);
	return 2;
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "mdev-type", required_argument, NULL, 't' },
		{ "peer-mgmtdev", required_argument, NULL, 'm' },
		{ "counts", required_argument, NULL, 'c' },
		{ "repeat", required_argument, NULL, 'r' },
		{ "json", required_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct scale_opts o = {
		.mdev_type = "mvnet-vhost",
		.mgmtdev = "vdpasim_net",
		.counts = { 1, 64, 512 },
		.ncounts = 3,
		.repeat = 1,
	};
	bool ok = true;
	int c, ret;

	while ((c = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		switch (c) {
		case 't':
			o.mdev_type = optarg;
			break;
		case 'm':
			o.mgmtdev = optarg;
			break;
		case 'c':
			ok = bench_parse_list(optarg, o.counts, &o.ncounts,
					      MAX_COUNTS, 1, MAX_COUNT);
			break;
		case 'r':
			ok = bench_parse_uint(optarg, &o.repeat, 1, MAX_REPEAT);
			break;
		case 'j':
			o.json = optarg;
			break;
		default:
			ok = false;
		}
		if (!ok)
			return bad_usage();
	}
	if (optind != argc)
		return bad_usage();
	snprintf(create_path, sizeof(create_path),
		 VMDEV_SYSFS_MDEV_BUS "/mvnet/mdev_supported_types/%s/create",
		 o.mdev_type);
	ret = nl_open();
	if (ret) {
		fprintf(stderr, "dev_scale: vdpa netlink family: %s\n",
			strerror(-ret));
		return 1;
	}
	if (run_all(&o))
		return 1;
	print_table(&o);
	if (o.json) {
		ret = write_json(&o);
		if (ret) {
			fprintf(stderr, "dev_scale: %s: %s\n", o.json,
				strerror(-ret));
			return 1;
		}
	}
	return 0;
}
