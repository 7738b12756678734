// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio-fds: open a vhost-mdev device the way a management layer does and
 * run a command (QEMU) that inherits the device and container fds.
 *
 *   vfio-fds SYSFSDEV DEVICE_FD CONTAINER_FD COMMAND [ARG]...
 *
 * The IOMMU group of SYSFSDEV (its own iommu_group link, or its parent
 * function's) joins a new VFIO container, whose IOMMU is set to type1 v2;
 * the device fd is got from the group by the mdev's name, its UUID. The
 * device fd becomes DEVICE_FD and the container CONTAINER_FD, both kept
 * open across exec; the group fd is closed (the device fd keeps the group
 * in the container). Then COMMAND runs in this process, for example
 *
 *   vfio-fds /sys/bus/mdev/devices/$UUID 3 4 qemu-system-x86_64 ... \
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

int main(int argc, char **argv)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	char path[PATH_MAX], uuid[PATH_MAX];
	int container, group, device, device_at, container_at;

	if (argc < 5) {
		fprintf(stderr,
			"usage: vfio-fds SYSFSDEV DEVICE_FD CONTAINER_FD COMMAND [ARG]...\n");
		return 2;
	}
	device_at = atoi(argv[2]);
	container_at = atoi(argv[3]);
	if (device_at < 3 || container_at < 3 || device_at >= 64 ||
	    container_at >= 64 || device_at == container_at) {
		fprintf(stderr, "vfio-fds: the fds must differ, from 3 to 63\n");
		return 2;
	}
	snprintf(uuid, sizeof(uuid), "%s", argv[1]);
	snprintf(path, sizeof(path), "/dev/vfio/%ld", group_of(argv[1]));

	container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (container < 0)
		die("open", "/dev/vfio/vfio");
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
	if (ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU))
		die("VFIO_SET_IOMMU", "VFIO_TYPE1v2_IOMMU");
	device = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, basename(uuid));
	if (device < 0)
		die("VFIO_GROUP_GET_DEVICE_FD", argv[1]);
	close(group);

	/* Out of the way of each other's place first */
	device = away(device, "device fd");
	container = away(container, "container fd");
	place(device, device_at, "device fd");
	place(container, container_at, "container fd");

	execvp(argv[4], argv + 4);
	die("exec", argv[4]);
	return 2;
}
