// SPDX-License-Identifier: GPL-2.0-only
/*
 * libvmdev: mdev parents, types and devices through sysfs.
 */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "vmdev_internal.h"

int vmdev_uuid_gen(char *uuid)
{
	unsigned char b[16];
	size_t got = 0;
	ssize_t n;

	while (got < sizeof(b)) {
		n = getrandom(b + got, sizeof(b) - got, 0);
		if (n < 0 && errno != EINTR)
			return -errno;
		if (n > 0)
			got += n;
	}
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	snprintf(uuid, VMDEV_UUID_BUF,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
		 b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
	return 0;
}

bool vmdev_uuid_valid(const char *s)
{
	int i;

	if (strlen(s) != VMDEV_UUID_LEN)
		return false;
	for (i = 0; i < VMDEV_UUID_LEN; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return false;
		} else if (!isxdigit((unsigned char)s[i])) {
			return false;
		}
	}
	return true;
}

int vmdev_sysfs_read(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	err = errno;
	close(fd);
	if (n < 0)
		return -err;
	buf[n] = '\0';
	if (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return n;
}

int vmdev_sysfs_write(const char *path, const char *val)
{
	size_t len = strlen(val);
	ssize_t n;
	int fd, err;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, len);
	err = errno;
	close(fd);
	if (n < 0)
		return -err;
	return (size_t)n == len ? 0 : -EIO;
}

int vmdev_attr_read(const char *uuid, const char *attr, char *buf,
		    size_t size)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), VMDEV_SYSFS_DEVICES "/%s/%s", uuid, attr);
	return vmdev_sysfs_read(path, buf, size);
}

int vmdev_attr_write(const char *uuid, const char *attr, const char *val)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), VMDEV_SYSFS_DEVICES "/%s/%s", uuid, attr);
	return vmdev_sysfs_write(path, val);
}

int vmdev_mdev_create(const char *type, const char *uuid)
{
	char path[PATH_MAX];
	struct dirent *de;
	int ret = -ENOENT;
	DIR *d;

	d = opendir(VMDEV_SYSFS_MDEV_BUS);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path),
			 VMDEV_SYSFS_MDEV_BUS "/%s/mdev_supported_types/%s/create",
			 de->d_name, type);
		if (access(path, F_OK))
			continue;
		ret = vmdev_sysfs_write(path, uuid);
		break;
	}
	closedir(d);
	return ret;
}

int vmdev_mdev_remove(const char *uuid)
{
	return vmdev_attr_write(uuid, "remove", "1");
}
