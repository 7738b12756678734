// SPDX-License-Identifier: GPL-2.0-only
/*
 * The mdev types a vmdev parent offers, tested on mvnet: one type per
 * personality under /sys/class/mdev_bus/mvnet/mdev_supported_types/, the
 * files vmdev fills in, device creation and removal, and the instance count
 * that both types share.
 */
#include <dirent.h>
#include <limits.h>
#include <stdlib.h>

#include "kselftest_harness.h"
#include "vmdev_test.h"

/* Entries of a directory, "." and ".." excluded; -errno on failure. */
static int count_entries(const char *path)
{
	struct dirent *de;
	int n = 0;
	DIR *dir;

	dir = opendir(path);
	if (!dir)
		return -errno;
	while ((de = readdir(dir)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(dir);
	return n;
}

static int devices_present(void)
{
	int vhost = count_entries(MVNET_TYPES "/" MVNET_VHOST "/devices");
	int virtio = count_entries(MVNET_TYPES "/" MVNET_VIRTIO "/devices");

	if (vhost < 0)
		return vhost;
	if (virtio < 0)
		return virtio;
	return vhost + virtio;
}

static bool type_lists_device(const char *type, const char *uuid)
{
	char path[PATH_BUF];

	snprintf(path, sizeof(path), MVNET_TYPES "/%s/devices/%s", type, uuid);
	return path_exists(path);
}

FIXTURE(mvnet_type) {
	char uuid[2][UUID_BUF];
};

FIXTURE_VARIANT(mvnet_type) {
	const char *type;
	const char *other;
	const char *personality;
};

FIXTURE_VARIANT_ADD(mvnet_type, vhost) {
	.type = MVNET_VHOST,
	.other = MVNET_VIRTIO,
	.personality = "vhost",
};

FIXTURE_VARIANT_ADD(mvnet_type, virtio) {
	.type = MVNET_VIRTIO,
	.other = MVNET_VHOST,
	.personality = "virtio",
};

FIXTURE_SETUP(mvnet_type)
{
	require_mvnet(_metadata);
}

FIXTURE_TEARDOWN(mvnet_type)
{
	mdev_cleanup(self->uuid[0]);
	mdev_cleanup(self->uuid[1]);
}

TEST_F(mvnet_type, has_standard_files)
{
	static const char * const files[] = {
		"name", "description", "device_api", "available_instances",
		"create", "devices",
	};
	char path[PATH_BUF];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(files); i++) {
		type_path(path, variant->type, files[i]);
		EXPECT_TRUE(path_exists(path))
			TH_LOG("%s is missing", path);
	}
}

TEST_F(mvnet_type, name_is_personality)
{
	char buf[VAL_BUF];

	ASSERT_LE(0, type_read(variant->type, "name", buf, sizeof(buf)));
	EXPECT_STREQ(variant->personality, buf);
}

TEST_F(mvnet_type, device_api_is_vmdev)
{
	char buf[VAL_BUF];

	ASSERT_LE(0, type_read(variant->type, "device_api", buf, sizeof(buf)));
	EXPECT_STREQ("vmdev", buf);
}

TEST_F(mvnet_type, description_is_one_line_per_type)
{
	char buf[PATH_BUF], other[PATH_BUF];

	ASSERT_LT(0, type_read(variant->type, "description", buf,
			       sizeof(buf)));
	EXPECT_EQ(NULL, strchr(buf, '\n'));
	ASSERT_LT(0, type_read(variant->other, "description", other,
			       sizeof(other)));
	EXPECT_STRNE(other, buf);
}

TEST_F(mvnet_type, create_adds_device_of_type)
{
	char path[PATH_BUF], link[PATH_MAX], want[PATH_MAX];

	ASSERT_EQ(0, mdev_create_new(variant->type, self->uuid[0]));
	EXPECT_TRUE(mdev_exists(self->uuid[0]));
	EXPECT_TRUE(type_lists_device(variant->type, self->uuid[0]));
	EXPECT_FALSE(type_lists_device(variant->other, self->uuid[0]));

	/* mdev_type points at the type directory the UUID was written to */
	dev_path(path, self->uuid[0], "mdev_type");
	ASSERT_NE(NULL, realpath(path, link));
	snprintf(path, sizeof(path), MVNET_TYPES "/%s", variant->type);
	ASSERT_NE(NULL, realpath(path, want));
	EXPECT_STREQ(want, link);
}

TEST_F(mvnet_type, create_accepts_trailing_newline)
{
	char path[PATH_BUF], line[UUID_BUF + 1];

	uuid_gen(self->uuid[0]);
	snprintf(line, sizeof(line), "%s\n", self->uuid[0]);
	type_path(path, variant->type, "create");
	ASSERT_EQ(0, write_str(path, line));
	EXPECT_TRUE(mdev_exists(self->uuid[0]));
}

TEST_F(mvnet_type, remove_deletes_device)
{
	ASSERT_EQ(0, mdev_create_new(variant->type, self->uuid[0]));
	ASSERT_EQ(0, mdev_remove(self->uuid[0]));
	EXPECT_FALSE(mdev_exists(self->uuid[0]));
	EXPECT_FALSE(type_lists_device(variant->type, self->uuid[0]));
}

TEST_F(mvnet_type, uuid_can_be_reused_after_remove)
{
	ASSERT_EQ(0, mdev_create_new(variant->type, self->uuid[0]));
	ASSERT_EQ(0, mdev_remove(self->uuid[0]));
	EXPECT_EQ(0, mdev_create(variant->other, self->uuid[0]));
	EXPECT_TRUE(type_lists_device(variant->other, self->uuid[0]));
}

TEST_F(mvnet_type, create_duplicate_uuid_fails)
{
	ASSERT_EQ(0, mdev_create_new(variant->type, self->uuid[0]));
	EXPECT_ERRNO(EEXIST, mdev_create(variant->type, self->uuid[0]));
	EXPECT_ERRNO(EEXIST, mdev_create(variant->other, self->uuid[0]));
	EXPECT_FALSE(type_lists_device(variant->other, self->uuid[0]));
}

TEST_F(mvnet_type, create_malformed_uuid_fails)
{
	static const char * const bad[] = {
		"not-a-uuid",
		"1",
		/* one character short, one too many */
		"01234567-89ab-4def-8123-456789abcde",
		"01234567-89ab-4def-8123-456789abcdef01",
		/* right length, wrong characters or dashes */
		"0123456g-89ab-4def-8123-456789abcdef",
		"01234567_89ab_4def_8123_456789abcdef",
		"0123456789ab-4def-8123-456789abcdef-",
	};
	long before = available_instances(variant->type);
	unsigned int i;

	ASSERT_LE(0, before);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_ERRNO(EINVAL, mdev_create(variant->type, bad[i]))
			TH_LOG("create accepted \"%s\"", bad[i]);
	}
	EXPECT_EQ(before, available_instances(variant->type));
}

TEST_F(mvnet_type, available_instances_is_max_minus_present)
{
	long max = mvnet_max_devices();
	int present = devices_present();

	ASSERT_LT(0, max);
	ASSERT_LE(0, present);
	EXPECT_EQ(max - present, available_instances(variant->type));
}

TEST_F(mvnet_type, available_instances_shared_between_types)
{
	long mine = available_instances(variant->type);
	long other = available_instances(variant->other);

	ASSERT_LT(1, mine);
	ASSERT_EQ(mine, other);

	ASSERT_EQ(0, mdev_create_new(variant->type, self->uuid[0]));
	EXPECT_EQ(mine - 1, available_instances(variant->type));
	EXPECT_EQ(other - 1, available_instances(variant->other));

	ASSERT_EQ(0, mdev_create_new(variant->other, self->uuid[1]));
	EXPECT_EQ(mine - 2, available_instances(variant->type));
	EXPECT_EQ(other - 2, available_instances(variant->other));

	ASSERT_EQ(0, mdev_remove(self->uuid[0]));
	ASSERT_EQ(0, mdev_remove(self->uuid[1]));
	EXPECT_EQ(mine, available_instances(variant->type));
	EXPECT_EQ(other, available_instances(variant->other));
}

TEST_F(mvnet_type, failed_create_keeps_available_instances)
{
	long before;

	ASSERT_EQ(0, mdev_create_new(variant->type, self->uuid[0]));
	before = available_instances(variant->type);
	ASSERT_LE(0, before);
	ASSERT_ERRNO(EEXIST, mdev_create(variant->type, self->uuid[0]));
	EXPECT_EQ(before, available_instances(variant->type));
	EXPECT_EQ(before, available_instances(variant->other));
}

TEST_HARNESS_MAIN
