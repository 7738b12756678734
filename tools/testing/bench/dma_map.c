// SPDX-License-Identifier: GPL-2.0-only
/*
 * dma_map: how long a hypervisor waits for its guest's memory to be
 * mapped for a vhost device, and unmapped again; ours next to upstream's
 * vhost_vdpa, by the same library, in the same run.
 *
 * One anonymous region, as large as the largest --sizes-mib, is faulted in
 * once (timed as "touch": how fast this machine is at all);
 * then, --repeat times, for each size and each target in turn, the target's
 * device is opened, the first SIZE bytes of the region are mapped at one
 * IOVA with one call (timed), the pages the kernel pinned for it are read
 * (VmLck + VmPin of the process), the range is unmapped with one call
 * (timed) and the device is closed. The median of each is reported, and
 * every target's ratio to its baseline (below 1: faster). Rows: 2 MiB
 * pages first (MAP_HUGETLB; the program reserves them in
 * /proc/sys/vm/nr_hugepages while memory is unfragmented and gives them
 * back after), then 4 KiB pages (MADV_NOHUGEPAGE: no transparent huge
 * page behind them).
 *
 * Every target pins every page of the range at map time and unpins it at
 * unmap time:
 *  mvnet-cdev     our character device of an mvnet-vhost device: one IOTLB
 *                 UPDATE, then one INVALIDATE; the pages are recorded as
 *                 runs of physically contiguous pages
 *  vhost_vdpa     the baseline: upstream vhost_vdpa over vdpa_sim_net, the
 *                 same two messages; vdpa_sim takes the whole table at
 *                 each change (set_map)
 *  vmdev_vf-cdev  our character device of a vmdev_vf-vhost device on a
 *                 PCI function: the same, plus an IOMMU mapping per run
 *  vmdev_vf-vfio  that function's device through VFIO:
 *                 VFIO_IOMMU_MAP_DMA and VFIO_IOMMU_UNMAP_DMA on its
 *                 container, type1 pinning and mapping into the
 *                 function's IOMMU domain
 * The two vmdev_vf targets may name one device: it is opened by one front
 * end at a time. Their ratios to vhost_vdpa include the IOMMU work that a
 * software device does not have.
 *
 * Usage: dma_map [--cdev UUID] [--peer-node PATH] [--cdev-hw UUID]
 *	[--vfio-hw UUID] [--sizes-mib A,B] [--repeat N] [--no-huge]
 *	[--json FILE]
 */
#include <fcntl.h>
#include <getopt.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include "vmdev/vmdev.h"
#include "bench.h"

#define MAX_REPEAT	9
#define MAX_SIZES	4
/* Above the arena libvmdev maps at 1 GiB (4 MiB). */
#define REGION_IOVA	0x100000000ULL
#define MIB		((size_t)1 << 20)
#define GIB		((size_t)1 << 30)
#define HUGEPAGES	"/proc/sys/vm/nr_hugepages"

struct map_opts {
	const char *json;
	unsigned int sizes[MAX_SIZES];
	unsigned int nsizes;
	unsigned int repeat;
	bool no_huge;
};

/*
 * struct map_target - one way of mapping
 * @name: short name (table, JSON)
 * @what: one line saying what it is
 * @baseline: the target it is read against, or NULL
 * @uuid: its mdev, opened through VFIO or (@flags) its character device
 * @node: or its vhost-vdpa node
 * @flags: VMDEV_OPEN_*
 */
struct map_target {
	const char *name;
	const char *what;
	const char *baseline;
	const char *uuid;
	const char *node;
	unsigned int flags;
};

static struct map_target targets[] = {
	{
		.name = "mvnet-cdev",
		.what = "our character device, mvnet-vhost (software)",
		.baseline = "vhost_vdpa",
		.flags = VMDEV_OPEN_CDEV,
	},
	{
		.name = "vhost_vdpa",
		.what = "upstream vhost_vdpa over vdpa_sim_net (software)",
	},
	{
		.name = "vmdev_vf-cdev",
		.what = "our character device, vmdev_vf-vhost (PCI function, IOMMU)",
		.baseline = "vhost_vdpa",
		.flags = VMDEV_OPEN_CDEV,
	},
	{
		.name = "vmdev_vf-vfio",
		.what = "VFIO type1 container of that function (IOMMU)",
		.baseline = "vhost_vdpa",
	},
};

#define NTARGETS	ARRAY_SIZE(targets)

/*
 * struct map_pages - one kind of page
 * @name: row name
 * @page: page size
 * @flags: mmap flags
 * @done: measured
 * @touch_s: seconds to fault the region in
 * @pinned_kib: [size][target] pinned while mapped
 * @map_s: [size][target][run] seconds to map
 * @unmap_s: [size][target][run] seconds to unmap
 */
struct map_pages {
	const char *name;
	size_t page;
	int flags;
	bool done;
	double touch_s;
	long pinned_kib[MAX_SIZES][NTARGETS];
	double map_s[MAX_SIZES][NTARGETS][MAX_REPEAT];
	double unmap_s[MAX_SIZES][NTARGETS][MAX_REPEAT];
};

static struct map_pages pages[] = {
	{ .name = "2MiB", .page = 2 * MIB, .flags = MAP_HUGETLB },
	{ .name = "4KiB", .page = 4096 },
};

static bool target_active(const struct map_target *t)
{
	return t->uuid || t->node;
}

static int target_index(const char *name)
{
	unsigned int i;

	for (i = 0; name && i < NTARGETS; i++)
		if (target_active(&targets[i]) && !strcmp(targets[i].name, name))
			return i;
	return -1;
}

/* VmLck + VmPin of this process: what the kernel pinned for us. */
static long pinned_kib(void)
{
	char line[128];
	long kib = 0, v;
	FILE *f;

	f = fopen("/proc/self/status", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmLck: %ld", &v) == 1 ||
		    sscanf(line, "VmPin: %ld", &v) == 1)
			kib += v;
	fclose(f);
	return kib;
}

static int write_ulong(const char *path, unsigned long v)
{
	char buf[32];
	int fd, n;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = snprintf(buf, sizeof(buf), "%lu", v);
	n = write(fd, buf, n) == n ? 0 : -errno;
	close(fd);
	return n;
}

static long read_long(const char *path)
{
	long v = -1;
	FILE *f;

	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

/* Map and unmap @size bytes at @p through @t: run @r of size @s. */
static int map_once(struct map_pages *pg, unsigned int s, unsigned int ti,
		    unsigned int r, void *p, size_t size)
{
	struct map_target *t = &targets[ti];
	struct vmdev_open_opts oopts = { .flags = t->flags };
	struct vmdev *dev;
	long before;
	double start;
	int ret;

	if (t->node)
		ret = vmdev_open_path(&dev, t->node, &oopts);
	else
		ret = vmdev_open(&dev, t->uuid, &oopts);
	if (ret) {
		fprintf(stderr, "dma_map: %s: open: %s\n", t->name,
			strerror(-ret));
		return ret;
	}
	before = pinned_kib();
	start = bench_now();
	ret = vmdev_map(dev, p, REGION_IOVA, size, VMDEV_MAP_RW);
	pg->map_s[s][ti][r] = bench_now() - start;
	pg->pinned_kib[s][ti] = pinned_kib() - before;
	if (ret) {
		fprintf(stderr, "dma_map: %s: %s, %zu MiB: map: %s\n", t->name,
			pg->name, size / MIB, strerror(-ret));
	} else {
		start = bench_now();
		ret = vmdev_unmap(dev, REGION_IOVA, size);
		pg->unmap_s[s][ti][r] = bench_now() - start;
		if (ret)
			fprintf(stderr, "dma_map: %s: %s, %zu MiB: unmap: %s\n",
				t->name, pg->name, size / MIB, strerror(-ret));
	}
	vmdev_close(dev);
	return ret;
}

static int run_pages(struct map_pages *pg, const struct map_opts *o,
		     size_t max)
{
	long huge = 0, was = 0;
	unsigned int r, s, t;
	double start;
	void *p;
	int ret = 0;

	if (pg->flags & MAP_HUGETLB) {
		huge = max / pg->page;
		was = read_long(HUGEPAGES);
		if (write_ulong(HUGEPAGES, huge) || read_long(HUGEPAGES) < huge) {
			fprintf(stderr, "dma_map: %s: %ld huge pages not available, row left out\n",
				pg->name, huge);
			write_ulong(HUGEPAGES, was);
			return 0;
		}
	}
	start = bench_now();
	p = mmap(NULL, max, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | pg->flags, -1, 0);
	if (p == MAP_FAILED) {
		ret = -errno;
		fprintf(stderr, "dma_map: %s: mmap of %zu MiB: %s\n", pg->name,
			max / MIB, strerror(errno));
		goto out;
	}
	/* 4 KiB pages are 4 KiB pages: no transparent huge page behind them. */
	if (!(pg->flags & MAP_HUGETLB) && madvise(p, max, MADV_NOHUGEPAGE))
		perror("dma_map: MADV_NOHUGEPAGE");
	if (madvise(p, max, MADV_POPULATE_WRITE))
		memset(p, 0x5a, max);
	pg->touch_s = bench_now() - start;
	for (r = 0; r < o->repeat && !ret; r++)
		for (s = 0; s < o->nsizes && !ret; s++)
			for (t = 0; t < NTARGETS && !ret; t++)
				if (target_active(&targets[t]))
					ret = map_once(pg, s, t, r, p,
						       o->sizes[s] * MIB);
	munmap(p, max);
	pg->done = !ret;
out:
	if (huge)
		write_ulong(HUGEPAGES, was);
	return ret;
}

static double median_s(const double *runs, unsigned int n)
{
	return bench_median(runs, n);
}

static void print_table(const struct map_opts *o)
{
	unsigned int i, s, t;
	double m, u;
	int b;

	printf("dma_map: the first SIZE of one region mapped with one call and unmapped\n");
	printf("with one, median of %u; ratio: to the baseline's time (below 1: faster)\n",
	       o->repeat);
	for (t = 0; t < NTARGETS; t++)
		if (target_active(&targets[t]))
			printf("  %-14s %s\n", targets[t].name, targets[t].what);
	printf("\n%-5s %6s %-14s %9s %9s %9s %9s %10s\n", "pages", "MiB",
	       "target", "map_s", "unmap_s", "map_rat", "unmap_rat",
	       "pinned_MiB");
	for (i = 0; i < ARRAY_SIZE(pages); i++) {
		struct map_pages *pg = &pages[i];

		if (!pg->done)
			continue;
		for (s = 0; s < o->nsizes; s++) {
			for (t = 0; t < NTARGETS; t++) {
				if (!target_active(&targets[t]))
					continue;
				m = median_s(pg->map_s[s][t], o->repeat);
				u = median_s(pg->unmap_s[s][t], o->repeat);
				printf("%-5s %6u %-14s %9.4f %9.4f", pg->name,
				       o->sizes[s], targets[t].name, m, u);
				b = target_index(targets[t].baseline);
				if (b >= 0)
					printf(" %9.2f %9.2f",
					       m / median_s(pg->map_s[s][b], o->repeat),
					       u / median_s(pg->unmap_s[s][b], o->repeat));
				else
					printf(" %9s %9s", "", "");
				printf(" %10ld\n", pg->pinned_kib[s][t] / 1024);
			}
		}
		printf("(%s: the region took %.3f s to fault in)\n", pg->name,
		       pg->touch_s);
	}
}

static void json_list(FILE *f, const double *v, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		fprintf(f, "%s%.6f", i ? ", " : "[", v[i]);
	fprintf(f, "]");
}

static int write_json(const struct map_opts *o)
{
	unsigned int i, s, t, n = 0;
	double m, u, bm, bu;
	FILE *f;
	int b;

	f = fopen(o->json, "w");
	if (!f)
		return -errno;
	bench_json_head(f, "dma_map");
	fprintf(f, "  \"repeat\": %u,\n  \"iova\": %llu,\n  \"targets\": [",
		o->repeat, REGION_IOVA);
	for (t = 0; t < NTARGETS; t++) {
		if (!target_active(&targets[t]))
			continue;
		bench_json_target(f, !n++, targets[t].name, targets[t].what,
				  target_index(targets[t].baseline) >= 0 ?
				  targets[t].baseline : NULL);
		fprintf(f, "}");
	}
	fprintf(f, "\n  ],\n  \"pages\": [");
	n = 0;
	for (i = 0; i < ARRAY_SIZE(pages); i++) {
		if (!pages[i].done)
			continue;
		fprintf(f, "%s\n    {\"pages\": \"%s\", \"page_bytes\": %zu, ",
			n++ ? "," : "", pages[i].name, pages[i].page);
		fprintf(f, "\"touch_s\": %.6f}", pages[i].touch_s);
	}
	fprintf(f, "\n  ],\n  \"results\": [");
	n = 0;
	for (i = 0; i < ARRAY_SIZE(pages); i++) {
		struct map_pages *pg = &pages[i];

		for (s = 0; pg->done && s < o->nsizes; s++) {
			for (t = 0; t < NTARGETS; t++) {
				if (!target_active(&targets[t]))
					continue;
				m = median_s(pg->map_s[s][t], o->repeat);
				u = median_s(pg->unmap_s[s][t], o->repeat);
				fprintf(f, "%s\n    {\"pages\": \"%s\", \"size_bytes\": %zu, ",
					n++ ? "," : "", pg->name,
					(size_t)o->sizes[s] * MIB);
				fprintf(f, "\"target\": \"%s\", \"pinned_kib\": %ld, ",
					targets[t].name, pg->pinned_kib[s][t]);
				fprintf(f, "\"map_s\": %.6f, \"unmap_s\": %.6f, ",
					m, u);
				fprintf(f, "\"map_runs_s\": ");
				json_list(f, pg->map_s[s][t], o->repeat);
				fprintf(f, ", \"unmap_runs_s\": ");
				json_list(f, pg->unmap_s[s][t], o->repeat);
				b = target_index(targets[t].baseline);
				if (b >= 0) {
					bm = median_s(pg->map_s[s][b], o->repeat);
					bu = median_s(pg->unmap_s[s][b], o->repeat);
					fprintf(f, ", \"baseline\": \"%s\", ",
						targets[b].name);
					fprintf(f, "\"baseline_map_s\": %.6f, ", bm);
					fprintf(f, "\"baseline_unmap_s\": %.6f, ", bu);
					fprintf(f, "\"map_ratio\": %.3f, ", m / bm);
					fprintf(f, "\"unmap_ratio\": %.3f", u / bu);
				}
				fprintf(f, "}");
			}
		}
	}
	fprintf(f, "\n  ]\n}\n");
	return fclose(f) ? -errno : 0;
}

static int show_usage(void)
{
	fprintf(stderr,
		"usage: dma_map [--cdev UUID] [--peer-node PATH] [--cdev-hw UUID]\n"
		"       [--vfio-hw UUID] [--sizes-mib A,B] [--repeat 1..%u] [--no-huge]\n"
		"       [--json FILE]\n"
		"  sizes: at most %u, in MiB, even\n", MAX_REPEAT, MAX_SIZES);
	return 2;
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "cdev", required_argument, NULL, 'c' },
		{ "peer-node", required_argument, NULL, 'p' },
		{ "cdev-hw", required_argument, NULL, 'C' },
		{ "vfio-hw", required_argument, NULL, 'V' },
		{ "sizes-mib", required_argument, NULL, 's' },
		{ "repeat", required_argument, NULL, 'r' },
		{ "no-huge", no_argument, NULL, 'n' },
		{ "json", required_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct map_opts o = {
		.sizes = { 1024, 4096 },
		.nsizes = 2,
		.repeat = 3,
	};
	struct rlimit unlimited = { RLIM_INFINITY, RLIM_INFINITY };
	unsigned int i, max = 0;
	bool ok = true;
	int c, ret = 0;

	while ((c = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			targets[0].uuid = optarg;
			ok = vmdev_uuid_valid(optarg);
			break;
		case 'p':
			targets[1].node = optarg;
			break;
		case 'C':
			targets[2].uuid = optarg;
			ok = vmdev_uuid_valid(optarg);
			break;
		case 'V':
			targets[3].uuid = optarg;
			ok = vmdev_uuid_valid(optarg);
			break;
		case 's':
			ok = bench_parse_list(optarg, o.sizes, &o.nsizes,
					      MAX_SIZES, 2, 1 << 20);
			for (i = 0; ok && i < o.nsizes; i++)
				ok = !(o.sizes[i] % 2);
			break;
		case 'r':
			ok = bench_parse_uint(optarg, &o.repeat, 1, MAX_REPEAT);
			break;
		case 'n':
			o.no_huge = true;
			break;
		case 'j':
			o.json = optarg;
			break;
		default:
			ok = false;
		}
		if (!ok)
			return show_usage();
	}
	if (optind != argc)
		return show_usage();
	for (i = 0; i < o.nsizes; i++)
		if (o.sizes[i] > max)
			max = o.sizes[i];

	/* vhost_vdpa checks RLIMIT_MEMLOCK even for root. */
	if (setrlimit(RLIMIT_MEMLOCK, &unlimited))
		perror("dma_map: RLIMIT_MEMLOCK");
	for (i = 0; i < ARRAY_SIZE(pages) && !ret; i++)
		if (!(o.no_huge && pages[i].flags & MAP_HUGETLB))
			ret = run_pages(&pages[i], &o, max * MIB);
	if (ret)
		return 1;
	print_table(&o);
	if (o.json) {
		ret = write_json(&o);
		if (ret) {
			fprintf(stderr, "dma_map: %s: %s\n", o.json,
				strerror(-ret));
			return 1;
		}
	}
	return 0;
}
