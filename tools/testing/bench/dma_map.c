// SPDX-License-Identifier: GPL-2.0-only
/*
 * dma_map: how long a hypervisor waits for its guest's memory to be
 * mapped for a vhost-personality device, and unmapped again.
 *
 * The device is opened through libvmdev (vmdev_open(): the VFIO container,
 * the group of the device, VFIO_TYPE1v2_IOMMU), then one anonymous region
 * of --size-mib is mapped with VFIO_IOMMU_MAP_DMA (vmdev_map()) and
 * unmapped with VFIO_IOMMU_UNMAP_DMA (vmdev_unmap()), --repeat times; the
 * median of each is reported, in seconds and GiB/s. On a hardware parent
 * (a vmdev_vf function) type1 pins every page and writes it into the
 * function's IOMMU domain, which is what is timed. The region is written
 * once before the first map, so that the map does not also fault the
 * pages in; that first write is timed too ("touch"), as the reference
 * for how fast this machine is at all. While the region is mapped the
 * process's VmLck is read: type1 accounts what it pinned there, so the
 * table shows that the map did pin the whole region.
 *
 * Rows: 4 KiB pages (plain anonymous memory), and with --huge 2 MiB pages
 * (MAP_HUGETLB, which needs that many pages reserved in
 * /proc/sys/vm/nr_hugepages beforehand).
 *
 * Usage: dma_map --uuid UUID [--size-mib N] [--repeat N] [--huge]
 *	[--json FILE]
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "vmdev/vmdev.h"

#define MAX_REPEAT	9
#define MAX_ROWS	2
/* Above the arena libvmdev maps at 1 GiB (4 MiB). */
#define REGION_IOVA	0x100000000ULL
#define MIB		((size_t)1 << 20)
#define GIB		((size_t)1 << 30)

struct map_row {
	const char *name;
	size_t page;
	int flags;
	double touch_s;
	long locked_kib;
	double map_s[MAX_REPEAT];
	double unmap_s[MAX_REPEAT];
};

static struct map_row rows[MAX_ROWS] = {
	{ .name = "4KiB", .page = 4096, .flags = 0 },
	{ .name = "2MiB", .page = 2 * MIB, .flags = MAP_HUGETLB },
};

static double seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The median of @n values (sorted in place: insertion sort, n is small). */
static double mid(double *v, unsigned int n)
{
	unsigned int i, j;
	double x;

	for (i = 1; i < n; i++) {
		x = v[i];
		for (j = i; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double row_median(const double *runs, unsigned int n)
{
	double s[MAX_REPEAT];

	memcpy(s, runs, n * sizeof(*s));
	return mid(s, n);
}

/* VmLck of this process: what type1 counts as pinned (mm->locked_vm). */
static long locked_kib(void)
{
	char line[128];
	long kib = -1;
	FILE *f;

	f = fopen("/proc/self/status", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmLck: %ld", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

static int run_row(struct vmdev *dev, struct map_row *row, size_t size,
		   unsigned int repeat)
{
	unsigned int r;
	double t;
	void *p;
	int ret = 0;

	p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | row->flags, -1, 0);
	if (p == MAP_FAILED) {
		ret = -errno;
		fprintf(stderr, "dma_map: %s: mmap of %zu MiB: %s%s\n",
			row->name, size / MIB, strerror(errno),
			row->flags ? " (hugepages reserved?)" : "");
		return ret;
	}
	t = seconds();
	memset(p, 0x5a, size);
	row->touch_s = seconds() - t;
	for (r = 0; r < repeat && !ret; r++) {
		t = seconds();
		ret = vmdev_map(dev, p, REGION_IOVA, size, VMDEV_MAP_RW);
		row->map_s[r] = seconds() - t;
		row->locked_kib = locked_kib();
		if (ret) {
			fprintf(stderr, "dma_map: %s: VFIO_IOMMU_MAP_DMA: %s\n",
				row->name, strerror(-ret));
			break;
		}
		t = seconds();
		ret = vmdev_unmap(dev, REGION_IOVA, size);
		row->unmap_s[r] = seconds() - t;
		if (ret)
			fprintf(stderr, "dma_map: %s: VFIO_IOMMU_UNMAP_DMA: %s\n",
				row->name, strerror(-ret));
	}
	munmap(p, size);
	return ret;
}

static double gib_per_s(size_t size, double s)
{
	return s > 0 ? (double)size / GIB / s : 0;
}

static void print_table(unsigned int nrows, size_t size, unsigned int repeat)
{
	unsigned int i;

	printf("dma_map: one %zu MiB anonymous region mapped with VFIO_IOMMU_MAP_DMA\n",
	       size / MIB);
	printf("and unmapped with VFIO_IOMMU_UNMAP_DMA, median of %u run(s);\n",
	       repeat);
	printf("touch: the first write of the region (page faults), once;\n");
	printf("pinned: VmLck while mapped (what type1 pinned and accounted)\n\n");
	printf("%-6s %10s %10s %10s %10s %10s %11s\n", "pages", "touch_s",
	       "map_s", "map_GiB/s", "unmap_s", "unmap_GiB/s", "pinned_MiB");
	for (i = 0; i < nrows; i++) {
		double m = row_median(rows[i].map_s, repeat);
		double u = row_median(rows[i].unmap_s, repeat);

		printf("%-6s %10.3f %10.3f %10.3f %10.3f %10.3f %11ld\n",
		       rows[i].name, rows[i].touch_s, m, gib_per_s(size, m), u,
		       gib_per_s(size, u), rows[i].locked_kib / 1024);
	}
}

static void json_list(FILE *f, const double *v, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		fprintf(f, "%s%.6f", i ? ", " : "[", v[i]);
	fprintf(f, "]");
}

static int write_json(const char *path, const char *uuid, unsigned int nrows,
		      size_t size, unsigned int repeat)
{
	struct utsname u = {};
	unsigned int i;
	FILE *f;

	f = fopen(path, "w");
	if (!f)
		return -errno;
	uname(&u);
	fprintf(f, "{\n  \"benchmark\": \"dma_map\",\n  \"kernel\": \"%s\",\n",
		u.release);
	fprintf(f, "  \"cpus\": %ld,\n  \"device\": \"%s\",\n",
		sysconf(_SC_NPROCESSORS_ONLN), uuid);
	fprintf(f, "  \"size_bytes\": %zu,\n  \"repeat\": %u,\n", size, repeat);
	fprintf(f, "  \"results\": [\n");
	for (i = 0; i < nrows; i++) {
		double m = row_median(rows[i].map_s, repeat);
		double un = row_median(rows[i].unmap_s, repeat);

		fprintf(f, "    {\"pages\": \"%s\", \"page_bytes\": %zu, ",
			rows[i].name, rows[i].page);
		fprintf(f, "\"touch_s\": %.6f, \"locked_kib\": %ld, ",
			rows[i].touch_s, rows[i].locked_kib);
		fprintf(f, "\"map_s\": %.6f, ", m);
		fprintf(f, "\"map_gib_per_s\": %.4f, \"map_runs_s\": ",
			gib_per_s(size, m));
		json_list(f, rows[i].map_s, repeat);
		fprintf(f, ", \"unmap_s\": %.6f, \"unmap_gib_per_s\": %.4f, ",
			un, gib_per_s(size, un));
		fprintf(f, "\"unmap_runs_s\": ");
		json_list(f, rows[i].unmap_s, repeat);
		fprintf(f, "}%s\n", i + 1 < nrows ? "," : "");
	}
	fprintf(f, "  ]\n}\n");
	return fclose(f) ? -errno : 0;
}

static int show_usage(void)
{
	fprintf(stderr,
		"usage: dma_map --uuid UUID [--size-mib N] [--repeat 1..%u] [--huge]\n"
		"       [--json FILE]\n", MAX_REPEAT);
	return 2;
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "uuid", required_argument, NULL, 'u' },
		{ "size-mib", required_argument, NULL, 's' },
		{ "repeat", required_argument, NULL, 'r' },
		{ "huge", no_argument, NULL, 'h' },
		{ "json", required_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	const char *uuid = NULL, *json = NULL;
	unsigned long mib = 1024, repeat = 3;
	unsigned int nrows = 1, i;
	struct vmdev *dev;
	size_t size;
	char *end;
	int c, ret = 0;

	while ((c = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		switch (c) {
		case 'u':
			uuid = optarg;
			break;
		case 's':
			mib = strtoul(optarg, &end, 10);
			if (*end || !mib || mib % 2)
				return show_usage();
			break;
		case 'r':
			repeat = strtoul(optarg, &end, 10);
			if (*end || !repeat || repeat > MAX_REPEAT)
				return show_usage();
			break;
		case 'h':
			nrows = 2;
			break;
		case 'j':
			json = optarg;
			break;
		default:
			return show_usage();
		}
	}
	if (optind != argc || !uuid || !vmdev_uuid_valid(uuid))
		return show_usage();
	size = mib * MIB;

	ret = vmdev_open(&dev, uuid, NULL);
	if (ret) {
		fprintf(stderr, "dma_map: open %s: %s\n", uuid, strerror(-ret));
		return 1;
	}
	for (i = 0; i < nrows && !ret; i++)
		ret = run_row(dev, &rows[i], size, repeat);
	vmdev_close(dev);
	if (ret)
		return 1;
	print_table(nrows, size, repeat);
	if (json) {
		ret = write_json(json, uuid, nrows, size, repeat);
		if (ret) {
			fprintf(stderr, "dma_map: %s: %s\n", json, strerror(-ret));
			return 1;
		}
	}
	return 0;
}
