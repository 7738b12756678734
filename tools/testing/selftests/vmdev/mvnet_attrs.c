// SPDX-License-Identifier: GPL-2.0-only
/*
 * mvnet's own device attributes, link and peer
 * (Documentation/ABI/testing/sysfs-bus-mdev-mvnet).
 *
 * Four devices, two of each type, so that links between personalities are
 * covered too: a (vhost), b (virtio), c (vhost), d (virtio).
 */
#include <ctype.h>

#include "kselftest_harness.h"
#include "vmdev_test.h"

enum { A, B, C, D, NR_DEVS };

FIXTURE(mvnet_dev) {
	char uuid[NR_DEVS][UUID_BUF];
};

FIXTURE_SETUP(mvnet_dev)
{
	int i;

	require_mvnet(_metadata);
	for (i = 0; i < NR_DEVS; i++) {
		ASSERT_EQ(0, mdev_create_new(i % 2 ? MVNET_VIRTIO : MVNET_VHOST,
					     self->uuid[i]));
	}
}

FIXTURE_TEARDOWN(mvnet_dev)
{
	int i;

	for (i = 0; i < NR_DEVS; i++)
		mdev_cleanup(self->uuid[i]);
}

/* @attr of device @dev reads @want ("" for an empty line). */
#define EXPECT_ATTR(want, dev, attr) do {				\
	char __buf[VAL_BUF];						\
									\
	ASSERT_LE(0, dev_read(self->uuid[dev], attr, __buf,		\
			      sizeof(__buf)));				\
	EXPECT_STREQ(want, __buf);					\
} while (0)

#define EXPECT_PEER(want, dev)	EXPECT_ATTR(want, dev, "peer")
#define EXPECT_NO_PEER(dev)	EXPECT_ATTR("", dev, "peer")

/* echo $peer > /sys/bus/mdev/devices/$uuid/peer */
static int link_to(const char *uuid, const char *peer)
{
	char line[UUID_BUF + 1];

	snprintf(line, sizeof(line), "%s\n", peer);
	return dev_write(uuid, "peer", line);
}

/* Device @x is linked to @y and @y to @x. */
#define EXPECT_LINKED(x, y) do {					\
	int __x = (x), __y = (y);					\
									\
	EXPECT_PEER(self->uuid[__y], __x);				\
	EXPECT_PEER(self->uuid[__x], __y);				\
} while (0)

TEST_F(mvnet_dev, has_mvnet_attributes)
{
	char path[PATH_BUF];

	dev_path(path, self->uuid[A], "link");
	EXPECT_TRUE(path_exists(path));
	dev_path(path, self->uuid[B], "peer");
	EXPECT_TRUE(path_exists(path));
}

TEST_F(mvnet_dev, link_default_is_up)
{
	EXPECT_ATTR("up", A, "link");
	EXPECT_ATTR("up", B, "link");
}

TEST_F(mvnet_dev, link_set_down_and_up)
{
	ASSERT_EQ(0, dev_write(self->uuid[A], "link", "down"));
	EXPECT_ATTR("down", A, "link");
	ASSERT_EQ(0, dev_write(self->uuid[A], "link", "up\n"));
	EXPECT_ATTR("up", A, "link");
	ASSERT_EQ(0, dev_write(self->uuid[A], "link", "down\n"));
	EXPECT_ATTR("down", A, "link");
}

TEST_F(mvnet_dev, link_is_per_device)
{
	ASSERT_EQ(0, dev_write(self->uuid[B], "link", "down"));
	EXPECT_ATTR("down", B, "link");
	EXPECT_ATTR("up", A, "link");
	EXPECT_ATTR("up", C, "link");
}

TEST_F(mvnet_dev, link_rejects_other_values)
{
	static const char * const bad[] = {
		"sideways", "UP", "Down", "upp", "up down", "1", "0", "\n",
	};
	unsigned int i;

	ASSERT_EQ(0, dev_write(self->uuid[A], "link", "down"));
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_ERRNO(EINVAL, dev_write(self->uuid[A], "link", bad[i]))
			TH_LOG("link accepted \"%s\"", bad[i]);
		EXPECT_ATTR("down", A, "link");
	}
}

TEST_F(mvnet_dev, peer_default_is_empty)
{
	EXPECT_NO_PEER(A);
	EXPECT_NO_PEER(B);
}

TEST_F(mvnet_dev, peer_links_both_ways)
{
	ASSERT_EQ(0, link_to(self->uuid[A], self->uuid[B]));
	EXPECT_LINKED(A, B);
	EXPECT_NO_PEER(C);
	EXPECT_NO_PEER(D);
}

TEST_F(mvnet_dev, peer_links_same_personality)
{
	ASSERT_EQ(0, link_to(self->uuid[A], self->uuid[C]));
	EXPECT_LINKED(A, C);
}

TEST_F(mvnet_dev, peer_accepts_uuid_without_newline)
{
	ASSERT_EQ(0, dev_write(self->uuid[A], "peer", self->uuid[B]));
	EXPECT_LINKED(A, B);
}

TEST_F(mvnet_dev, peer_accepts_upper_case_uuid)
{
	char upper[UUID_BUF];
	int i;

	for (i = 0; self->uuid[B][i]; i++)
		upper[i] = toupper(self->uuid[B][i]);
	upper[i] = '\0';
	ASSERT_EQ(0, dev_write(self->uuid[A], "peer", upper));
	EXPECT_LINKED(A, B);
}

TEST_F(mvnet_dev, peer_relink_same_peer_keeps_link)
{
	ASSERT_EQ(0, link_to(self->uuid[A], self->uuid[B]));
	ASSERT_EQ(0, link_to(self->uuid[A], self->uuid[B]));
	EXPECT_LINKED(A, B);
	ASSERT_EQ(0, link_to(self->uuid[B], self->uuid[A]));
	EXPECT_LINKED(A, B);
}

TEST_F(mvnet_dev, peer_relink_replaces_old_link)
{
	ASSERT_EQ(0, link_to(self->uuid[A], self->uuid[B]));
	ASSERT_EQ(0, link_to(self->uuid[A], self->uuid[C]));
	EXPECT_LINKED(A, C);
	EXPECT_NO_PEER(B);
}

TEST_F(mvnet_dev, peer_relink_to_linked_device_replaces_both_links)
{
	ASSERT_EQ(0, link_to(self->uuid[A], self->uuid[B]));
	ASSERT_EQ(0, link_to(self->uuid[C], self->uuid[D]));
	ASSERT_EQ(0, link_to(self->uuid[A], self->uuid[C]));
	EXPECT_LINKED(A, C);
	EXPECT_NO_PEER(B);
	EXPECT_NO_PEER(D);
}

TEST_F(mvnet_dev, peer_newline_unlinks_both)
{
	ASSERT_EQ(0, link_to(self->uuid[A], self->uuid[B]));
	ASSERT_EQ(0, dev_write(self->uuid[B], "peer", "\n"));
	EXPECT_NO_PEER(A);
	EXPECT_NO_PEER(B);
}

TEST_F(mvnet_dev, peer_unlink_when_unlinked)
{
	EXPECT_EQ(0, dev_write(self->uuid[A], "peer", "\n"));
	EXPECT_NO_PEER(A);
}

TEST_F(mvnet_dev, peer_rejects_own_uuid)
{
	ASSERT_EQ(0, link_to(self->uuid[A], self->uuid[B]));
	EXPECT_ERRNO(EINVAL, link_to(self->uuid[A], self->uuid[A]));
	EXPECT_LINKED(A, B);
	EXPECT_ERRNO(EINVAL, link_to(self->uuid[C], self->uuid[C]));
	EXPECT_NO_PEER(C);
}

TEST_F(mvnet_dev, peer_rejects_unknown_uuid)
{
	char unknown[UUID_BUF];

	uuid_gen(unknown);
	ASSERT_FALSE(mdev_exists(unknown));
	ASSERT_EQ(0, link_to(self->uuid[A], self->uuid[B]));
	EXPECT_ERRNO(ENODEV, link_to(self->uuid[A], unknown));
	EXPECT_LINKED(A, B);
	EXPECT_ERRNO(ENODEV, link_to(self->uuid[C], unknown));
	EXPECT_NO_PEER(C);
}

TEST_F(mvnet_dev, peer_rejects_malformed_uuid)
{
	static const char * const bad[] = {
		"peer",
		"none",
		"0123456g-89ab-4def-8123-456789abcdef",
		"0123456789ab-4def-8123-456789abcdef-",
	};
	/* b's UUID with a digit missing, a digit extra, trailing junk */
	static const char * const mangle[] = { "%.35s", "%s0", "%s x" };
	char val[UUID_BUF + 8];
	unsigned int i;

	ASSERT_EQ(0, link_to(self->uuid[A], self->uuid[C]));
	for (i = 0; i < ARRAY_SIZE(bad) + ARRAY_SIZE(mangle); i++) {
		if (i < ARRAY_SIZE(bad))
			snprintf(val, sizeof(val), "%s", bad[i]);
		else
			snprintf(val, sizeof(val), mangle[i - ARRAY_SIZE(bad)],
				 self->uuid[B]);
		EXPECT_ERRNO(EINVAL, dev_write(self->uuid[A], "peer", val)) {
			TH_LOG("peer accepted \"%s\"", val);
		}
		EXPECT_LINKED(A, C);
		EXPECT_NO_PEER(B);
	}
}

TEST_F(mvnet_dev, peer_cleared_when_peer_removed)
{
	ASSERT_EQ(0, link_to(self->uuid[A], self->uuid[B]));
	ASSERT_EQ(0, mdev_remove(self->uuid[B]));
	EXPECT_NO_PEER(A);
	/* and the removed device can no longer be linked to */
	EXPECT_ERRNO(ENODEV, link_to(self->uuid[A], self->uuid[B]));
}

TEST_F(mvnet_dev, peer_survives_attribute_changes)
{
	ASSERT_EQ(0, link_to(self->uuid[A], self->uuid[B]));
	ASSERT_EQ(0, dev_write(self->uuid[A], "link", "down"));
	ASSERT_EQ(0, dev_write(self->uuid[A], "mtu", "9000"));
	EXPECT_LINKED(A, B);
}

TEST_HARNESS_MAIN
