/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers shared by the vmdev selftests: sysfs access that reports -errno,
 * mdev device creation and removal by UUID, and module loading.
 *
 * Every helper returns 0 (or a length) on success and -errno on failure, so
 * a negative case reads as one line: EXPECT_ERRNO(EINVAL, dev_write(...)).
 */
#ifndef _VMDEV_TEST_H
#define _VMDEV_TEST_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define MVNET_PARENT	"/sys/class/mdev_bus/mvnet"
#define MVNET_TYPES	MVNET_PARENT "/mdev_supported_types"
#define MVNET_VHOST	"mvnet-vhost"
#define MVNET_VIRTIO	"mvnet-virtio"
#define MVNET_MAX_DEVICES_PARAM	"/sys/module/mvnet/parameters/max_devices"
#define MVNET_DEFAULT_MAX_DEVICES	1024
#define MVNET_MAX_VQ_PAIRS	8
#define MDEV_DEVICES	"/sys/bus/mdev/devices"

/* 36 characters and the terminating NUL */
#define UUID_BUF	37
#define PATH_BUF	256
#define VAL_BUF		128

/* The helpers return -errno; make a negative case a one-liner. */
#define EXPECT_ERRNO(expected, cmd)	EXPECT_EQ(-(expected), (cmd))
#define ASSERT_ERRNO(expected, cmd)	ASSERT_EQ(-(expected), (cmd))

static inline int write_buf(const char *path, const char *buf, size_t len)
{
	ssize_t n;
	int fd, ret = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, buf, len);
	if (n < 0)
		ret = -errno;
	else if ((size_t)n != len)
		ret = -EIO;
	close(fd);
	return ret;
}

/* Write @val in a single write(2), as "echo -n" would. */
static inline int write_str(const char *path, const char *val)
{
	return write_buf(path, val, strlen(val));
}

/*
 * Read a sysfs file into @buf, without its trailing newline. Returns the
 * length read or -errno.
 */
static inline int read_str(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	if (n < 0) {
		n = -errno;
		close(fd);
		return n;
	}
	close(fd);
	buf[n] = '\0';
	if (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return n;
}

/* Read a file holding one decimal number; -errno on failure. */
static inline long read_long(const char *path)
{
	char buf[VAL_BUF], *end;
	long val;
	int ret;

	ret = read_str(path, buf, sizeof(buf));
	if (ret < 0)
		return ret;
	errno = 0;
	val = strtol(buf, &end, 10);
	if (errno || end == buf || *end || val < 0)
		return -EINVAL;
	return val;
}

static inline bool path_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/*
 * The last component of where symlink @path points (sysfs names a
 * device's driver, IOMMU group or function by such a link): 0, or -errno
 * with @name empty.
 */
static inline int link_name(const char *path, char *name, size_t size)
{
	char link[PATH_BUF];
	const char *last;
	ssize_t n;

	name[0] = '\0';
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return -errno;
	if (!n)
		return -EINVAL;
	link[n] = '\0';
	last = strrchr(link, '/');
	last = last ? last + 1 : link;
	if (strlen(last) >= size)
		return -ENAMETOOLONG;
	memcpy(name, last, strlen(last) + 1);
	return 0;
}

/* /sys/bus/mdev/devices/<uuid>/<attr> */
static inline void dev_path(char *path, const char *uuid, const char *attr)
{
	snprintf(path, PATH_BUF, MDEV_DEVICES "/%s%s%s", uuid,
		 attr ? "/" : "", attr ? attr : "");
}

static inline int dev_write(const char *uuid, const char *attr,
			    const char *val)
{
	char path[PATH_BUF];

	dev_path(path, uuid, attr);
	return write_str(path, val);
}

static inline int dev_read(const char *uuid, const char *attr, char *buf,
			   size_t size)
{
	char path[PATH_BUF];

	dev_path(path, uuid, attr);
	return read_str(path, buf, size);
}

static inline long dev_read_long(const char *uuid, const char *attr)
{
	char path[PATH_BUF];

	dev_path(path, uuid, attr);
	return read_long(path);
}

static inline bool mdev_exists(const char *uuid)
{
	char path[PATH_BUF];

	dev_path(path, uuid, NULL);
	return path_exists(path);
}

/* /sys/class/mdev_bus/mvnet/mdev_supported_types/<type>/<attr> */
static inline void type_path(char *path, const char *type, const char *attr)
{
	snprintf(path, PATH_BUF, MVNET_TYPES "/%s/%s", type, attr);
}

static inline int type_read(const char *type, const char *attr, char *buf,
			    size_t size)
{
	char path[PATH_BUF];

	type_path(path, type, attr);
	return read_str(path, buf, size);
}

static inline long available_instances(const char *type)
{
	char path[PATH_BUF];

	type_path(path, type, "available_instances");
	return read_long(path);
}

static inline long mvnet_max_devices(void)
{
	return read_long(MVNET_MAX_DEVICES_PARAM);
}

/* A random (version 4) UUID in the canonical lower-case form. */
static inline void uuid_gen(char *uuid)
{
	unsigned char b[16];
	size_t got = 0;
	ssize_t n;

	while (got < sizeof(b)) {
		n = getrandom(b + got, sizeof(b) - got, 0);
		if (n > 0)
			got += n;
	}
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	snprintf(uuid, UUID_BUF,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
		 b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

/* echo $uuid > .../mdev_supported_types/$type/create */
static inline int mdev_create(const char *type, const char *uuid)
{
	char path[PATH_BUF];

	type_path(path, type, "create");
	return write_str(path, uuid);
}

/* A new device of @type with a fresh UUID, stored in @uuid. */
static inline int mdev_create_new(const char *type, char *uuid)
{
	uuid_gen(uuid);
	return mdev_create(type, uuid);
}

/* echo 1 > /sys/bus/mdev/devices/$uuid/remove */
static inline int mdev_remove(const char *uuid)
{
	return dev_write(uuid, "remove", "1");
}

/* For teardown: remove the device if the test left it behind. */
static inline void mdev_cleanup(const char *uuid)
{
	if (uuid[0] && mdev_exists(uuid))
		mdev_remove(uuid);
}

/*
 * Detach whatever driver bound the kernel consumer of a virtio-personality
 * device (virtio_net, when it is loaded): a device without a bound driver
 * is unclaimed, whatever modules earlier tests left loaded. 0, or -errno
 * of the unbind.
 */
static inline int mdev_unbind_consumer(const char *uuid)
{
	char dir[PATH_BUF], path[PATH_BUF + 300];
	struct dirent *e;
	int ret = 0;
	DIR *d;

	snprintf(dir, sizeof(dir), MDEV_DEVICES "/%s", uuid);
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, "virtio", 6))
			continue;
		snprintf(path, sizeof(path), "%s/%s/driver", dir, e->d_name);
		if (!path_exists(path))
			continue;
		strcat(path, "/unbind");
		ret = write_str(path, e->d_name);
		if (ret)
			break;
	}
	closedir(d);
	return ret;
}

static inline bool module_loaded(const char *name)
{
	char path[PATH_BUF];

	snprintf(path, sizeof(path), "/sys/module/%s/initstate", name);
	return path_exists(path);
}

/* rmmod without waiting: 0 or -errno straight from delete_module(2). */
static inline int module_unload(const char *name)
{
	if (syscall(__NR_delete_module, name, O_NONBLOCK))
		return -errno;
	return 0;
}

/*
 * modprobe @name [@param]: 0 on success, -ENOENT if modprobe could not run,
 * -EIO if it failed.
 */
static inline int module_load(const char *name, const char *param)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		execlp("modprobe", "modprobe", name, param, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	if (!WIFEXITED(status))
		return -EIO;
	if (WEXITSTATUS(status) == 127)
		return -ENOENT;
	return WEXITSTATUS(status) ? -EIO : 0;
}

/*
 * Fixture setup: the tests run as root with the mvnet parent present (the
 * runner loads the modules; load them here if a previous test left them
 * unloaded). Needs kselftest_harness.h included first.
 */
static inline void require_mvnet(struct __test_metadata *_metadata)
{
	ASSERT_EQ(0U, geteuid())
		TH_LOG("the vmdev selftests must run as root");
	if (!path_exists(MVNET_PARENT))
		module_load("mvnet", NULL);
	ASSERT_TRUE(path_exists(MVNET_PARENT))
		TH_LOG("no %s: is the mvnet module available?", MVNET_PARENT);
}

#endif /* _VMDEV_TEST_H */
