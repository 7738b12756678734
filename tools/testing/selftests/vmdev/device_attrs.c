// SPDX-License-Identifier: GPL-2.0-only
/*
 * The attributes the vmdev core gives every device, in
 * /sys/bus/mdev/devices/$UUID/: mac, mtu, max_vq_pairs, device_features and
 * personality
 * (Documentation/ABI/testing/sysfs-bus-mdev-vmdev), tested on an mvnet
 * device of each personality.
 *
 * The attributes are tested unclaimed: a virtio device's driver (virtio_net,
 * if some earlier test loaded it) is unbound first. The EBUSY case, while a
 * consumer holds the device, is virtio_mdev/netdev_attrs.sh's and
 * vhost_mdev/lifetime's.
 */
#include <dirent.h>
#include <fcntl.h>
#include <linux/vhost.h>
#include <linux/virtio_config.h>
#include <linux/virtio_net.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vmdev_test.h"

/* Parse "xx:xx:xx:xx:xx:xx" strictly; false on anything else. */
static bool parse_mac(const char *s, unsigned char mac[6])
{
	unsigned int b[6];
	char end;
	int i;

	if (strlen(s) != 17 ||
	    sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2],
		   &b[3], &b[4], &b[5], &end) != 6)
		return false;
	for (i = 0; i < 6; i++)
		mac[i] = b[i];
	return true;
}

FIXTURE(vmdev_device) {
	char uuid[UUID_BUF];
	char other[UUID_BUF];	/* a second device, for tests that need one */
};

FIXTURE_VARIANT(vmdev_device) {
	const char *type;
	const char *personality;
};

FIXTURE_VARIANT_ADD(vmdev_device, vhost) {
	.type = MVNET_VHOST,
	.personality = "vhost",
};

FIXTURE_VARIANT_ADD(vmdev_device, virtio) {
	.type = MVNET_VIRTIO,
	.personality = "virtio",
};

FIXTURE_SETUP(vmdev_device)
{
	require_mvnet(_metadata);
	ASSERT_EQ(0, mdev_create_new(variant->type, self->uuid));
	ASSERT_EQ(0, mdev_unbind_consumer(self->uuid));
}

FIXTURE_TEARDOWN(vmdev_device)
{
	mdev_cleanup(self->uuid);
	mdev_cleanup(self->other);
}

/*
 * A refused write leaves the attribute as it was: check @attr still reads
 * @before after the failing write of @val.
 */
#define EXPECT_WRITE_ERRNO(expected, attr, val, before) do {		\
	const char *__attr = (attr), *__val = (val);			\
	char __now[VAL_BUF];						\
									\
	EXPECT_ERRNO(expected, dev_write(self->uuid, __attr, __val))	\
		TH_LOG("%s accepted \"%s\"", __attr, __val);		\
	ASSERT_LE(0, dev_read(self->uuid, __attr, __now, sizeof(__now)));	\
	EXPECT_STREQ(before, __now);					\
} while (0)

TEST_F(vmdev_device, has_core_attributes)
{
	static const char * const files[] = {
		"mac", "mtu", "max_vq_pairs", "device_features",
		"personality", "remove",
		"mdev_type",
	};
	char path[PATH_BUF];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(files); i++) {
		dev_path(path, self->uuid, files[i]);
		EXPECT_TRUE(path_exists(path))
			TH_LOG("%s is missing", path);
	}
}

TEST_F(vmdev_device, personality_matches_type)
{
	char buf[VAL_BUF];

	ASSERT_LE(0, dev_read(self->uuid, "personality", buf, sizeof(buf)));
	EXPECT_STREQ(variant->personality, buf);
}

TEST_F(vmdev_device, personality_is_read_only)
{
	const char *other = strcmp(variant->personality, "vhost") ?
			    "vhost" : "virtio";

	EXPECT_WRITE_ERRNO(EACCES, "personality", other,
			   variant->personality);
	EXPECT_WRITE_ERRNO(EACCES, "personality", variant->personality,
			   variant->personality);
}

TEST_F(vmdev_device, mac_default_is_unicast)
{
	unsigned char mac[6];
	char buf[VAL_BUF];

	ASSERT_LE(0, dev_read(self->uuid, "mac", buf, sizeof(buf)));
	ASSERT_TRUE(parse_mac(buf, mac))
		TH_LOG("mac reads \"%s\"", buf);
	EXPECT_EQ(0, mac[0] & 1)
		TH_LOG("default mac %s is multicast", buf);
	EXPECT_TRUE(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5])
		TH_LOG("default mac is all-zero");
}

TEST_F(vmdev_device, mac_default_differs_between_devices)
{
	char mine[VAL_BUF], theirs[VAL_BUF];

	ASSERT_EQ(0, mdev_create_new(variant->type, self->other));
	ASSERT_LE(0, dev_read(self->other, "mac", theirs, sizeof(theirs)));
	ASSERT_LE(0, dev_read(self->uuid, "mac", mine, sizeof(mine)));
	EXPECT_STRNE(mine, theirs);
}

TEST_F(vmdev_device, mac_write_reads_back)
{
	char buf[VAL_BUF];

	ASSERT_EQ(0, dev_write(self->uuid, "mac", "02:11:22:33:44:55"));
	ASSERT_LE(0, dev_read(self->uuid, "mac", buf, sizeof(buf)));
	EXPECT_STREQ("02:11:22:33:44:55", buf);

	/* echo's trailing newline; upper-case digits read back lower-case */
	ASSERT_EQ(0, dev_write(self->uuid, "mac", "52:54:00:AB:CD:EF\n"));
	ASSERT_LE(0, dev_read(self->uuid, "mac", buf, sizeof(buf)));
	EXPECT_STREQ("52:54:00:ab:cd:ef", buf);
}

TEST_F(vmdev_device, mac_rejects_multicast)
{
	ASSERT_EQ(0, dev_write(self->uuid, "mac", "02:00:00:00:00:01"));
	EXPECT_WRITE_ERRNO(EINVAL, "mac", "01:00:5e:00:00:01",
			   "02:00:00:00:00:01");
	EXPECT_WRITE_ERRNO(EINVAL, "mac", "03:00:00:00:00:01",
			   "02:00:00:00:00:01");
	EXPECT_WRITE_ERRNO(EINVAL, "mac", "ff:ff:ff:ff:ff:ff",
			   "02:00:00:00:00:01");
}

TEST_F(vmdev_device, mac_rejects_all_zero)
{
	ASSERT_EQ(0, dev_write(self->uuid, "mac", "02:00:00:00:00:01"));
	EXPECT_WRITE_ERRNO(EINVAL, "mac", "00:00:00:00:00:00",
			   "02:00:00:00:00:01");
	EXPECT_WRITE_ERRNO(EINVAL, "mac", "00:00:00:00:00:00\n",
			   "02:00:00:00:00:01");
}

TEST_F(vmdev_device, mac_rejects_malformed)
{
	static const char * const bad[] = {
		"02:00:00:00:00",
		"02:00:00:00:00:1",
		"02-00-00-00-00-01",
		"02:00:00:00:00:0g",
		"0200.0000.0001",
		"020000000001",
		" 02:00:00:00:00:01",
		"\n",
	};
	unsigned int i;

	ASSERT_EQ(0, dev_write(self->uuid, "mac", "02:00:00:00:00:01"));
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		EXPECT_WRITE_ERRNO(EINVAL, "mac", bad[i], "02:00:00:00:00:01");
}

TEST_F(vmdev_device, mac_rejects_trailing_junk)
{
	ASSERT_EQ(0, dev_write(self->uuid, "mac", "02:00:00:00:00:01"));
	EXPECT_WRITE_ERRNO(EINVAL, "mac", "02:00:00:00:00:023",
			   "02:00:00:00:00:01");
	EXPECT_WRITE_ERRNO(EINVAL, "mac", "02:00:00:00:00:02 ",
			   "02:00:00:00:00:01");
	EXPECT_WRITE_ERRNO(EINVAL, "mac", "02:00:00:00:00:02:03",
			   "02:00:00:00:00:01");
	EXPECT_WRITE_ERRNO(EINVAL, "mac", "02:00:00:00:00:02\n\n",
			   "02:00:00:00:00:01");
	EXPECT_WRITE_ERRNO(EINVAL, "mac", "02:00:00:00:00:02\nx",
			   "02:00:00:00:00:01");
}

TEST_F(vmdev_device, mtu_default_is_1500)
{
	EXPECT_EQ(1500, dev_read_long(self->uuid, "mtu"));
}

TEST_F(vmdev_device, mtu_accepts_68_to_65535)
{
	ASSERT_EQ(0, dev_write(self->uuid, "mtu", "68"));
	EXPECT_EQ(68, dev_read_long(self->uuid, "mtu"));
	ASSERT_EQ(0, dev_write(self->uuid, "mtu", "65535\n"));
	EXPECT_EQ(65535, dev_read_long(self->uuid, "mtu"));
	ASSERT_EQ(0, dev_write(self->uuid, "mtu", "9000"));
	EXPECT_EQ(9000, dev_read_long(self->uuid, "mtu"));
}

TEST_F(vmdev_device, mtu_rejects_out_of_range)
{
	ASSERT_EQ(0, dev_write(self->uuid, "mtu", "9000"));
	EXPECT_WRITE_ERRNO(EINVAL, "mtu", "67", "9000");
	EXPECT_WRITE_ERRNO(EINVAL, "mtu", "0", "9000");
	EXPECT_WRITE_ERRNO(EINVAL, "mtu", "65536", "9000");
	EXPECT_WRITE_ERRNO(EINVAL, "mtu", "131072", "9000");
	EXPECT_WRITE_ERRNO(EINVAL, "mtu", "-1", "9000");
}

TEST_F(vmdev_device, mtu_rejects_non_numbers)
{
	ASSERT_EQ(0, dev_write(self->uuid, "mtu", "9000"));
	EXPECT_WRITE_ERRNO(EINVAL, "mtu", "jumbo", "9000");
	EXPECT_WRITE_ERRNO(EINVAL, "mtu", "1500x", "9000");
	EXPECT_WRITE_ERRNO(EINVAL, "mtu", "15 00", "9000");
	EXPECT_WRITE_ERRNO(EINVAL, "mtu", "1500.0", "9000");
	EXPECT_WRITE_ERRNO(EINVAL, "mtu", "\n", "9000");
}

TEST_F(vmdev_device, max_vq_pairs_default_is_parent_max)
{
	EXPECT_EQ(MVNET_MAX_VQ_PAIRS,
		  dev_read_long(self->uuid, "max_vq_pairs"));
}

TEST_F(vmdev_device, max_vq_pairs_accepts_1_to_max)
{
	char val[VAL_BUF];
	int pairs;

	for (pairs = 1; pairs <= MVNET_MAX_VQ_PAIRS; pairs++) {
		snprintf(val, sizeof(val), "%d\n", pairs);
		ASSERT_EQ(0, dev_write(self->uuid, "max_vq_pairs", val));
		EXPECT_EQ(pairs, dev_read_long(self->uuid, "max_vq_pairs"));
	}
}

TEST_F(vmdev_device, max_vq_pairs_rejects_out_of_range)
{
	char val[VAL_BUF];

	snprintf(val, sizeof(val), "%d", MVNET_MAX_VQ_PAIRS + 1);
	ASSERT_EQ(0, dev_write(self->uuid, "max_vq_pairs", "2"));
	EXPECT_WRITE_ERRNO(EINVAL, "max_vq_pairs", "0", "2");
	EXPECT_WRITE_ERRNO(EINVAL, "max_vq_pairs", val, "2");
	EXPECT_WRITE_ERRNO(EINVAL, "max_vq_pairs", "65536", "2");
	EXPECT_WRITE_ERRNO(EINVAL, "max_vq_pairs", "-1", "2");
	EXPECT_WRITE_ERRNO(EINVAL, "max_vq_pairs", "two", "2");
}

/* What mvnet devices offer (samples/mvnet/mvnet.h). */
#define F(b)	(1ULL << (b))
#define MVNET_FEATURES	(F(VIRTIO_F_VERSION_1) | F(VIRTIO_F_ACCESS_PLATFORM) | \
			 F(VIRTIO_RING_F_EVENT_IDX) | F(VIRTIO_NET_F_MAC) | \
			 F(VIRTIO_NET_F_MRG_RXBUF) | F(VIRTIO_NET_F_STATUS) | \
			 F(VIRTIO_NET_F_CTRL_VQ) | F(VIRTIO_NET_F_CTRL_RX) | \
			 F(VIRTIO_NET_F_MQ) | F(VIRTIO_NET_F_CTRL_MAC_ADDR) | \
			 F(VIRTIO_NET_F_MTU))
/* What QEMU 7.2's shadow virtqueue can take: no CTRL_RX. */
#define SVQ_FEATURES	(MVNET_FEATURES & ~F(VIRTIO_NET_F_CTRL_RX))

static void features_str(char *buf, size_t size, unsigned long long f)
{
	snprintf(buf, size, "0x%016llx", f);
}

TEST_F(vmdev_device, device_features_default_is_the_parents)
{
	char want[VAL_BUF], buf[VAL_BUF];

	features_str(want, sizeof(want), MVNET_FEATURES);
	ASSERT_LE(0, dev_read(self->uuid, "device_features", buf,
			      sizeof(buf)));
	EXPECT_STREQ(want, buf);
}

TEST_F(vmdev_device, device_features_write_reads_back)
{
	char want[VAL_BUF], buf[VAL_BUF];

	features_str(want, sizeof(want), SVQ_FEATURES);
	ASSERT_EQ(0, dev_write(self->uuid, "device_features", want));
	ASSERT_LE(0, dev_read(self->uuid, "device_features", buf,
			      sizeof(buf)));
	EXPECT_STREQ(want, buf);
	/* Decimal too, and echo's newline. */
	snprintf(buf, sizeof(buf), "%llu\n",
		 MVNET_FEATURES & ~F(VIRTIO_NET_F_MQ));
	ASSERT_EQ(0, dev_write(self->uuid, "device_features", buf));
	features_str(want, sizeof(want), MVNET_FEATURES & ~F(VIRTIO_NET_F_MQ));
	ASSERT_LE(0, dev_read(self->uuid, "device_features", buf,
			      sizeof(buf)));
	EXPECT_STREQ(want, buf);
}

TEST_F(vmdev_device, device_features_rejects_bad_sets)
{
	static const unsigned long long bad[] = {
		/* A feature mvnet does not have. */
		SVQ_FEATURES | F(VIRTIO_NET_F_CSUM),
		SVQ_FEATURES | F(VIRTIO_F_RING_PACKED),
		/* The two every consumer needs. */
		SVQ_FEATURES & ~F(VIRTIO_F_VERSION_1),
		SVQ_FEATURES & ~F(VIRTIO_F_ACCESS_PLATFORM),
		/* Control features without the control queue. */
		SVQ_FEATURES & ~F(VIRTIO_NET_F_CTRL_VQ),
		F(VIRTIO_F_VERSION_1) | F(VIRTIO_F_ACCESS_PLATFORM) |
			F(VIRTIO_NET_F_CTRL_RX),
		0,
	};
	char before[VAL_BUF], val[VAL_BUF];
	unsigned int i;

	features_str(before, sizeof(before), SVQ_FEATURES);
	ASSERT_EQ(0, dev_write(self->uuid, "device_features", before));
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		features_str(val, sizeof(val), bad[i]);
		EXPECT_WRITE_ERRNO(EINVAL, "device_features", val, before);
	}
	EXPECT_WRITE_ERRNO(EINVAL, "device_features", "all", before);
	EXPECT_WRITE_ERRNO(EINVAL, "device_features", "0x1x", before);
	EXPECT_WRITE_ERRNO(EINVAL, "device_features", "-1", before);
	EXPECT_WRITE_ERRNO(EINVAL, "device_features",
			   "0x10000000000000000", before);
	EXPECT_WRITE_ERRNO(EINVAL, "device_features", "\n", before);
}

/* The virtio device of a virtio-personality mdev: "virtioN", or "". */
static void virtio_dev_name(const char *uuid, char *name, size_t size)
{
	char dir[PATH_BUF];
	struct dirent *e;
	DIR *d;

	name[0] = 0;
	snprintf(dir, sizeof(dir), MDEV_DEVICES "/%s", uuid);
	d = opendir(dir);
	if (!d)
		return;
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, "virtio", 6))
			snprintf(name, size, "%.*s", (int)size - 1, e->d_name);
	closedir(d);
}

/*
 * What a driver is offered once the administrator chose: the vhost
 * personality's VHOST_GET_FEATURES, the features virtio_net negotiated.
 */
static unsigned long long driver_sees(struct __test_metadata *_metadata,
				      const char *uuid, bool vhost)
{
	char path[PATH_BUF], name[VAL_BUF], bits[VAL_BUF];
	unsigned long long f = 0;
	unsigned int i;
	int fd, ret;

	if (vhost) {
		snprintf(path, sizeof(path), "/dev/vhost-mdev/%s", uuid);
		fd = open(path, O_RDWR);
		if (fd < 0) {
			TH_LOG("open %s: %s", path, strerror(errno));
			return 0;
		}
		if (ioctl(fd, VHOST_GET_FEATURES, &f))
			TH_LOG("VHOST_GET_FEATURES: %s", strerror(errno));
		close(fd);
		return f;
	}
	virtio_dev_name(uuid, name, sizeof(name));
	/* Loading it binds it to every unbound device: probe, not bind. */
	ret = module_load("virtio_net", NULL);
	if (!ret)
		ret = write_str("/sys/bus/virtio/drivers_probe", name);
	snprintf(path, sizeof(path), "/sys/bus/virtio/devices/%s/driver", name);
	if (!ret && !path_exists(path))
		ret = -ENODEV;
	if (!name[0] || ret) {
		TH_LOG("cannot bind virtio_net to \"%s\": %s", name,
		       strerror(-ret));
		return 0;
	}
	/* One '0' or '1' per feature bit, bit 0 first. */
	snprintf(path, sizeof(path), "/sys/bus/virtio/devices/%s/features",
		 name);
	if (read_str(path, bits, sizeof(bits)) < 0)
		return 0;
	for (i = 0; bits[i] && i < 64; i++)
		if (bits[i] == '1')
			f |= F(i);
	return f;
}

TEST_F(vmdev_device, device_features_bound_what_drivers_get)
{
	bool vhost = !strcmp(variant->personality, "vhost");
	unsigned long long f;
	char val[VAL_BUF];

	/* Untouched, the driver gets (virtio_net: takes) CTRL_RX. */
	f = driver_sees(_metadata, self->uuid, vhost);
	EXPECT_TRUE(f & F(VIRTIO_NET_F_CTRL_RX));
	ASSERT_EQ(0, mdev_unbind_consumer(self->uuid));

	features_str(val, sizeof(val), SVQ_FEATURES & ~F(VIRTIO_NET_F_MQ));
	ASSERT_EQ(0, dev_write(self->uuid, "device_features", val));
	f = driver_sees(_metadata, self->uuid, vhost);
	EXPECT_TRUE(f & F(VIRTIO_F_VERSION_1));
	EXPECT_TRUE(f & F(VIRTIO_NET_F_CTRL_VQ));
	EXPECT_FALSE(f & (F(VIRTIO_NET_F_CTRL_RX) | F(VIRTIO_NET_F_MQ)))
		TH_LOG("features 0x%llx", f);
	if (vhost)
		EXPECT_EQ(SVQ_FEATURES & ~F(VIRTIO_NET_F_MQ),
			  f & MVNET_FEATURES);
	ASSERT_EQ(0, mdev_unbind_consumer(self->uuid));
}

TEST_F(vmdev_device, attributes_are_per_device)
{
	char mac[VAL_BUF], feat[VAL_BUF], want[VAL_BUF];

	ASSERT_EQ(0, mdev_create_new(variant->type, self->other));
	ASSERT_EQ(0, dev_write(self->uuid, "mac", "02:00:00:00:00:01"));
	ASSERT_EQ(0, dev_write(self->uuid, "mtu", "9000"));
	ASSERT_EQ(0, dev_write(self->uuid, "max_vq_pairs", "1"));
	features_str(feat, sizeof(feat), SVQ_FEATURES);
	ASSERT_EQ(0, dev_write(self->uuid, "device_features", feat));

	ASSERT_LE(0, dev_read(self->other, "mac", mac, sizeof(mac)));
	EXPECT_STRNE("02:00:00:00:00:01", mac);
	EXPECT_EQ(1500, dev_read_long(self->other, "mtu"));
	EXPECT_EQ(MVNET_MAX_VQ_PAIRS,
		  dev_read_long(self->other, "max_vq_pairs"));
	features_str(want, sizeof(want), MVNET_FEATURES);
	ASSERT_LE(0, dev_read(self->other, "device_features", feat,
			      sizeof(feat)));
	EXPECT_STREQ(want, feat);
}

TEST_F(vmdev_device, attributes_reset_on_recreate)
{
	char mac[VAL_BUF], feat[VAL_BUF], want[VAL_BUF];

	ASSERT_EQ(0, dev_write(self->uuid, "mac", "02:00:00:00:00:01"));
	ASSERT_EQ(0, dev_write(self->uuid, "mtu", "9000"));
	ASSERT_EQ(0, dev_write(self->uuid, "max_vq_pairs", "1"));
	features_str(feat, sizeof(feat), SVQ_FEATURES);
	ASSERT_EQ(0, dev_write(self->uuid, "device_features", feat));
	ASSERT_EQ(0, mdev_remove(self->uuid));
	ASSERT_EQ(0, mdev_create(variant->type, self->uuid));

	EXPECT_LE(0, dev_read(self->uuid, "mac", mac, sizeof(mac)));
	EXPECT_STRNE("02:00:00:00:00:01", mac);
	EXPECT_EQ(1500, dev_read_long(self->uuid, "mtu"));
	EXPECT_EQ(MVNET_MAX_VQ_PAIRS,
		  dev_read_long(self->uuid, "max_vq_pairs"));
	features_str(want, sizeof(want), MVNET_FEATURES);
	ASSERT_LE(0, dev_read(self->uuid, "device_features", feat,
			      sizeof(feat)));
	EXPECT_STREQ(want, feat);
}

TEST_HARNESS_MAIN
