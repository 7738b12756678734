// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio-fds: open vhost-mdev devices the way a management layer does and
 * run a command (QEMU) that inherits the device and container fds.
 *
 *   vfio-fds CONTAINER_FD SYSFSDEV DEVICE_FD [SYSFSDEV DEVICE_FD]... \
 *	-- COMMAND [ARG]...
 *
 * A new VFIO container gets the IOMMU group of each SYSFSDEV (its own
 * iommu_group link, or its parent function's), and its IOMMU is set to
 * type1 v2 with the first; each device fd is got from its group by the
 * mdev's name, its UUID. The container becomes fd CONTAINER_FD and each
 * device fd its DEVICE_FD, all kept open across exec; the group fds are
 * closed (a device fd keeps its group in the container). Then COMMAND
 * runs in this process, for example
 *
 *   vfio-fds 4 /sys/bus/mdev/devices/$UUID 3 -- qemu-system-x86_64 ... \
 *	-netdev vhost-vfio,id=n0,fd=3,containerfd=4 ...
 *
 * Exit status 2 and a message when a step fails, naming the step.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/vfio.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_DEVICES 8

static void die(const char *what, const char *arg)
{
	fprintf(stderr, "vfio-fds: %s %s: %s\n", what, arg, strerror(errno));
	exit(2);
}

/* The number of the IOMMU group of @sysfsdev, from its link or its parent's */
static long group_of(const char *sysfsdev)
{
	static const char * const links[] = { "iommu_group", "../iommu_group" };
	char path[PATH_MAX], target[PATH_MAX];
	unsigned int i;
	ssize_t len;
	char *end;
	long id;

	for (i = 0; i < ARRAY_SIZE(links); i++) {
		snprintf(path, sizeof(path), "%s/%s", sysfsdev, links[i]);
		len = readlink(path, target, sizeof(target) - 1);
		if (len < 0)
			continue;
		target[len] = '\0';
		errno = 0;
		id = strtol(basename(target), &end, 10);
		if (errno || *end || id < 0) {
			errno = EINVAL;
			die("cannot parse the IOMMU group", target);
		}
		return id;
	}
	errno = ENODEV;
	die("no IOMMU group for", sysfsdev);
	return -1;
}

/* @fd moved above the fds that can be asked for */
static int away(int fd, const char *what)
{
	int moved = fcntl(fd, F_DUPFD_CLOEXEC, 64);

	if (moved < 0)
		die("fcntl of the", what);
	close(fd);
	return moved;
}

/* Put @fd at @want, open across exec */
static void place(int fd, int want, const char *what)
{
	if (dup2(fd, want) < 0)
		die("dup2 of the", what);
	close(fd);
	if (fcntl(want, F_SETFD, 0) < 0)
		die("fcntl of the", what);
}

/* Whether @v is among the @n ints of @a */
static int memchr_int(const int *a, int n, int v)
{
	while (n--)
		if (a[n] == v)
			return 1;
	return 0;
}

/* The fd number @arg, from 3 to 63 */
static int fd_number(const char *arg)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(arg, &end, 10);
	if (errno || *end || n < 3 || n > 63) {
		errno = EINVAL;
		die("not an fd from 3 to 63:", arg);
	}
	return n;
}

/* The group of @sysfsdev into @container, set up with the first group */
static int open_device(const char *sysfsdev, int container, int first)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	char path[PATH_MAX], uuid[PATH_MAX];
	int group, device;

	snprintf(uuid, sizeof(uuid), "%s", sysfsdev);
	snprintf(path, sizeof(path), "/dev/vfio/%ld", group_of(sysfsdev));
	group = open(path, O_RDWR | O_CLOEXEC);
	if (group < 0)
		die("open", path);
	if (ioctl(group, VFIO_GROUP_GET_STATUS, &status))
		die("VFIO_GROUP_GET_STATUS", path);
	if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		errno = EBUSY;
		die("not viable:", path);
	}
	if (ioctl(group, VFIO_GROUP_SET_CONTAINER, &container))
		die("VFIO_GROUP_SET_CONTAINER", path);
	if (first && ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU))
		die("VFIO_SET_IOMMU", "VFIO_TYPE1v2_IOMMU");
	device = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, basename(uuid));
	if (device < 0)
		die("VFIO_GROUP_GET_DEVICE_FD", sysfsdev);
	/* The device fd keeps its group in the container */
	close(group);
	return away(device, "device fd");
}

int main(int argc, char **argv)
{
	int devices[MAX_DEVICES], device_at[MAX_DEVICES];
	int container, container_at, n = 0, i;

	if (argc < 6) {
		fputs("usage: vfio-fds CONTAINER_FD SYSFSDEV DEVICE_FD\n", stderr);
		fputs("       [SYSFSDEV DEVICE_FD]... -- COMMAND [ARG]...\n", stderr);
		return 2;
	}
	/* The numbers first: nothing is opened for a wrong command line */
	container_at = fd_number(argv[1]);
	for (i = 2; i + 1 < argc && strcmp(argv[i], "--"); i += 2) {
		if (n == MAX_DEVICES) {
			errno = E2BIG;
			die("too many devices at", argv[i]);
		}
		device_at[n] = fd_number(argv[i + 1]);
		if (device_at[n] == container_at ||
		    memchr_int(device_at, n, device_at[n])) {
			errno = EINVAL;
			die("fd given twice:", argv[i + 1]);
		}
		n++;
	}
	if (i + 1 >= argc || strcmp(argv[i], "--")) {
		errno = EINVAL;
		die("no command after", "--");
	}

	container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (container < 0)
		die("open", "/dev/vfio/vfio");
	container = away(container, "container fd");
	for (i = 0; i < n; i++)
		devices[i] = open_device(argv[2 + 2 * i], container, !i);

	place(container, container_at, "container fd");
	for (i = 0; i < n; i++)
		place(devices[i], device_at[i], "device fd");

	execvp(argv[3 + 2 * n], argv + 3 + 2 * n);
	die("exec", argv[3 + 2 * n]);
	return 2;
}
