// SPDX-License-Identifier: GPL-2.0-only
/*
 * The vhost-personality device fd: every vhost and vhost-vdpa ioctl of
 * Documentation/userspace-api/vhost-mdev.rst, with upstream vhost-vdpa's
 * meaning and errnos (drivers/vhost/vdpa.c), through either front end, and
 * the VFIO device info of a device without doorbells.
 */
#include <stddef.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <linux/virtio_ids.h>

#include "kselftest_harness.h"
#include "vhost_mdev_test.h"

/* Up to and including mtu, the last field mvnet's features give meaning */
#define NET_CONFIG_SIZE	(offsetof(struct virtio_net_config, mtu) + sizeof(__u16))

FIXTURE(vhost) {
	char uuid[UUID_BUF];
	struct vmdev *dev;
	int fd;
	uint32_t nvqs;
	uint16_t num_max;
};

FIXTURE_VARIANT(vhost) {
	unsigned int open_flags;	/* the front end: vhost_mdev_test.h */
};

FIXTURE_VARIANT_ADD(vhost, vfio) { .open_flags = 0 };
FIXTURE_VARIANT_ADD(vhost, cdev) { .open_flags = VMDEV_OPEN_CDEV };

FIXTURE_SETUP(vhost)
{
	struct vmdev_open_opts opts = {
		.flags = VMDEV_OPEN_CDEV,
		.arena_size = 2 << 20,
	};

	self->uuid[0] = 0;
	if (ON_UPSTREAM) {
		/* Upstream's node is a character device; no VFIO. */
		if (!(variant->open_flags & VMDEV_OPEN_CDEV))
			SETUP_SKIP("upstream has no VFIO front end");
		ASSERT_EQ(0, vmdev_open_path(&self->dev, upstream_node(),
					     &opts));
	} else {
		require_vhost_mdev(_metadata);
		ASSERT_EQ(0, vhost_create(self->uuid, 0, NULL));
		ASSERT_EQ(0, vhost_open(&self->dev, self->uuid,
					variant->open_flags));
	}
	self->fd = vmdev_fd(self->dev);
	self->nvqs = vmdev_vq_count(self->dev);
	self->num_max = vmdev_vq_num_max(self->dev);
}

FIXTURE_TEARDOWN(vhost)
{
	vmdev_close(self->dev);
	mdev_cleanup(self->uuid);
}

#define IOCTL(req, arg)	xioctl(self->fd, (req), (arg))

static int set_features(int fd, uint64_t features)
{
	return xioctl(fd, VHOST_SET_FEATURES, &features);
}

static int vring_addr(int fd, unsigned int idx, uint64_t desc,
		      uint64_t avail, uint64_t used, unsigned int flags)
{
	struct vhost_vring_addr a = {
		.index = idx,
		.flags = flags,
		.desc_user_addr = desc,
		.avail_user_addr = avail,
		.used_user_addr = used,
	};

	return xioctl(fd, VHOST_SET_VRING_ADDR, &a);
}

static int config_io(int fd, unsigned long req, uint32_t off, uint32_t len)
{
	struct {
		struct vhost_vdpa_config c;
		uint8_t buf[256];
	} cfg = { .c = { .off = off, .len = len } };

	if (len > sizeof(cfg.buf))
		return -ERANGE;
	return xioctl(fd, req, &cfg);
}

/* An fd that is open but certainly not an eventfd. */
static int not_an_eventfd(void)
{
	return open("/dev/null", O_RDONLY | O_CLOEXEC);
}

/* An fd number with nothing open behind it. */
static int closed_fd(void)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	close(fd);
	return fd;
}

TEST_F(vhost, set_owner_twice_is_ebusy)
{
	EXPECT_ERRNO(EBUSY, IOCTL(VHOST_SET_OWNER, NULL));
}

/* Entry 1: upstream has no RESET_OWNER, and reads a ring index at NULL. */
TEST_F(vhost, reset_owner_allows_set_owner)
{
	EXPECT_ERRNO(DIFF(1, EFAULT, 0), IOCTL(VHOST_RESET_OWNER, NULL));
	EXPECT_ERRNO(DIFF(1, EBUSY, 0), IOCTL(VHOST_SET_OWNER, NULL));
}

/* An owner ioctl, its name and an argument that would be accepted. */
struct owner_req {
	unsigned long req;
	const char *name;
	void *arg;
};

/*
 * How many of the owner ioctls do not fail with EPERM when this process
 * issues them (each one that does not is named on stderr, as a
 * diagnostic: a forked child has no TH_LOG).
 */
static int not_eperm(int fd)
{
	struct vhost_vring_state num = { .index = 0, .num = 64 };
	struct vhost_vring_state base = { .index = 0, .num = 7 };
	struct vhost_vring_state get = { .index = 0 };
	struct vhost_vring_state enable = { .index = 0, .num = 1 };
	struct vhost_vring_state asid = { .index = 0, .num = 0 };
	struct vhost_vring_addr addr = {
		.index = 0,
		.desc_user_addr = 0x10000,
		.avail_user_addr = 0x20000,
		.used_user_addr = 0x30000,
	};
	struct vhost_vring_file file = { .index = 0, .fd = VHOST_FILE_UNBIND };
	struct vhost_memory mem = { .nregions = 0 };
	const struct owner_req reqs[] = {
		{ VHOST_SET_VRING_NUM, "SET_VRING_NUM", &num },
		{ VHOST_SET_VRING_BASE, "SET_VRING_BASE", &base },
		{ VHOST_GET_VRING_BASE, "GET_VRING_BASE", &get },
		{ VHOST_SET_VRING_ADDR, "SET_VRING_ADDR", &addr },
		{ VHOST_SET_VRING_KICK, "SET_VRING_KICK", &file },
		{ VHOST_SET_VRING_CALL, "SET_VRING_CALL", &file },
		{ VHOST_SET_VRING_ERR, "SET_VRING_ERR", &file },
		{ VHOST_VDPA_SET_VRING_ENABLE, "SET_VRING_ENABLE", &enable },
		{ VHOST_VDPA_GET_VRING_GROUP, "GET_VRING_GROUP", &get },
		{ VHOST_VDPA_SET_GROUP_ASID, "SET_GROUP_ASID", &asid },
		{ VHOST_SET_MEM_TABLE, "SET_MEM_TABLE", &mem },
		{ VHOST_RESET_OWNER, "RESET_OWNER", NULL },
	};
	unsigned int i;
	int bad = 0, ret;

	for (i = 0; i < ARRAY_SIZE(reqs); i++) {
		ret = xioctl(fd, reqs[i].req, reqs[i].arg);
		if (ret != -EPERM) {
			fprintf(stderr, "#      %s: %d, not -EPERM\n",
				reqs[i].name, ret);
			bad++;
		}
	}
	return bad;
}

/*
 * The owner ioctls (the ring ioctls, SET_MEM_TABLE, RESET_OWNER) fail
 * with EPERM for any process but the owner, before anything else is
 * looked at, and change nothing: from another process (a forked child:
 * another mm), and from this one once it gave the device up.
 */
TEST_F(vhost, owner_ioctls_are_eperm_for_others)
{
	struct vhost_vring_state s = { .index = 0 };
	int status;
	pid_t pid;

	ASSERT_EQ(0, fd_vring_state(self->fd, VHOST_SET_VRING_BASE, 0, 3));
	fflush(NULL);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(not_eperm(self->fd));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status))
		TH_LOG("another process's owner ioctls: %d not EPERM",
		       WEXITSTATUS(status));
	/* the owner is still the owner, and ring 0 as it left it */
	ASSERT_EQ(0, IOCTL(VHOST_GET_VRING_BASE, &s));
	EXPECT_EQ(3, s.num);

	/* Entry 1: upstream has no RESET_OWNER to give the device up. */
	if (ON_UPSTREAM)
		return;
	ASSERT_EQ(0, IOCTL(VHOST_RESET_OWNER, NULL));
	EXPECT_EQ(0, not_eperm(self->fd))
		TH_LOG("owner ioctls after RESET_OWNER");
}

/* The ioctls that take an argument, by name. */
struct arg_req {
	unsigned long req;
	const char *name;
};

#define ARG_REQ(r)	{ r, #r }

static void efault_expected(struct __test_metadata *_metadata, int fd,
			    const struct arg_req *r, void *bad)
{
	EXPECT_ERRNO(EFAULT, xioctl(fd, r->req, bad))
		TH_LOG("%s", r->name);
}

/*
 * Every ioctl fails with EFAULT when its argument cannot be read or
 * written (an address with nothing mapped behind it), and changes nothing.
 */
TEST_F(vhost, bad_argument_pointer_is_efault)
{
	static const struct arg_req reqs[] = {
		ARG_REQ(VHOST_GET_FEATURES),
		ARG_REQ(VHOST_SET_FEATURES),
		ARG_REQ(VHOST_GET_BACKEND_FEATURES),
		ARG_REQ(VHOST_SET_BACKEND_FEATURES),
		ARG_REQ(VHOST_VDPA_GET_DEVICE_ID),
		ARG_REQ(VHOST_VDPA_GET_STATUS),
		ARG_REQ(VHOST_VDPA_SET_STATUS),
		ARG_REQ(VHOST_VDPA_GET_CONFIG),
		ARG_REQ(VHOST_VDPA_SET_CONFIG),
		ARG_REQ(VHOST_VDPA_GET_CONFIG_SIZE),
		ARG_REQ(VHOST_VDPA_GET_VRING_NUM),
		ARG_REQ(VHOST_VDPA_GET_VQS_COUNT),
		ARG_REQ(VHOST_VDPA_GET_IOVA_RANGE),
		ARG_REQ(VHOST_VDPA_SET_CONFIG_CALL),
		ARG_REQ(VHOST_VDPA_GET_GROUP_NUM),
		ARG_REQ(VHOST_VDPA_GET_AS_NUM),
		ARG_REQ(VHOST_VDPA_GET_VRING_GROUP),
		ARG_REQ(VHOST_VDPA_SET_GROUP_ASID),
		ARG_REQ(VHOST_SET_MEM_TABLE),
		ARG_REQ(VHOST_VDPA_SET_VRING_ENABLE),
		ARG_REQ(VHOST_SET_VRING_NUM),
		ARG_REQ(VHOST_SET_VRING_BASE),
		ARG_REQ(VHOST_GET_VRING_BASE),
		ARG_REQ(VHOST_SET_VRING_ADDR),
		ARG_REQ(VHOST_SET_VRING_KICK),
		ARG_REQ(VHOST_SET_VRING_CALL),
		ARG_REQ(VHOST_SET_VRING_ERR),
	};
	static const struct arg_req vfio_reqs[] = {
		ARG_REQ(VFIO_DEVICE_GET_INFO),
		ARG_REQ(VFIO_DEVICE_GET_REGION_INFO),
	};
	uint64_t features = 0;
	unsigned int i;
	void *bad;

	bad = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, bad);
	ASSERT_EQ(0, munmap(bad, 4096));
	for (i = 0; i < ARRAY_SIZE(reqs); i++)
		efault_expected(_metadata, self->fd, &reqs[i], bad);
	if (!(variant->open_flags & VMDEV_OPEN_CDEV))
		for (i = 0; i < ARRAY_SIZE(vfio_reqs); i++)
			efault_expected(_metadata, self->fd, &vfio_reqs[i],
					bad);
	/* nothing changed: no status, features still settable */
	EXPECT_EQ(0, fd_get_status(self->fd));
	ASSERT_EQ(0, IOCTL(VHOST_GET_FEATURES, &features));
	EXPECT_EQ(0, set_features(self->fd, features));
}

TEST_F(vhost, device_id_is_net)
{
	uint32_t id = 0;

	ASSERT_EQ(0, IOCTL(VHOST_VDPA_GET_DEVICE_ID, &id));
	EXPECT_EQ(VIRTIO_ID_NET, id);
}

TEST_F(vhost, features_offer_net_and_platform)
{
	static const unsigned int bits[] = {
		VIRTIO_F_VERSION_1, VIRTIO_F_ACCESS_PLATFORM,
		VIRTIO_NET_F_MAC, VIRTIO_NET_F_STATUS, VIRTIO_NET_F_MTU,
		VIRTIO_NET_F_MRG_RXBUF, VIRTIO_NET_F_CTRL_VQ,
		VIRTIO_NET_F_CTRL_RX, VIRTIO_NET_F_MQ,
		VIRTIO_NET_F_CTRL_MAC_ADDR,
	};
	uint64_t features = 0;
	unsigned int i;

	if (upstream_lacks(_metadata, "mvnet's feature set"))
		return;
	ASSERT_EQ(0, IOCTL(VHOST_GET_FEATURES, &features));
	for (i = 0; i < ARRAY_SIZE(bits); i++)
		EXPECT_TRUE(features & BIT64(bits[i]))
			TH_LOG("feature bit %u not offered", bits[i]);
}

TEST_F(vhost, set_features_rejects_bits_not_offered)
{
	uint64_t offered = 0, base;
	unsigned int bit;

	ASSERT_EQ(0, IOCTL(VHOST_GET_FEATURES, &offered));
	base = offered & (BIT64(VIRTIO_F_VERSION_1) |
			  BIT64(VIRTIO_F_ACCESS_PLATFORM));
	for (bit = 0; bit < 64; bit++) {
		if (offered & BIT64(bit))
			continue;
		/* entry 2: vdpa_sim drops them and says yes */
		EXPECT_ERRNO(DIFF(2, 0, EINVAL),
			     set_features(self->fd, base | BIT64(bit)))
			TH_LOG("bit %u", bit);
	}
	EXPECT_EQ(0, set_features(self->fd, offered));
}

TEST_F(vhost, set_features_after_features_ok_is_ebusy)
{
	uint64_t offered = 0;

	ASSERT_EQ(0, IOCTL(VHOST_GET_FEATURES, &offered));
	ASSERT_EQ(0, fd_set_status(self->fd, VIRTIO_CONFIG_S_ACKNOWLEDGE |
				VIRTIO_CONFIG_S_DRIVER));
	ASSERT_EQ(0, set_features(self->fd, offered));
	ASSERT_EQ(0, fd_set_status(self->fd, VIRTIO_CONFIG_S_ACKNOWLEDGE |
				VIRTIO_CONFIG_S_DRIVER |
				VIRTIO_CONFIG_S_FEATURES_OK));
	ASSERT_TRUE(fd_get_status(self->fd) & VIRTIO_CONFIG_S_FEATURES_OK);
	EXPECT_ERRNO(EBUSY, set_features(self->fd, offered));

	/* a reset makes them settable again */
	ASSERT_EQ(0, fd_set_status(self->fd, 0));
	EXPECT_EQ(0, set_features(self->fd, offered));
}

TEST_F(vhost, backend_features_offer_suspend_and_resume)
{
	uint64_t offered = 0, want;

	ASSERT_EQ(0, IOCTL(VHOST_GET_BACKEND_FEATURES, &offered));
	EXPECT_TRUE(offered & BIT64(VHOST_BACKEND_F_SUSPEND));
	/* entry 16: RESUME came to upstream later */
	EXPECT_EQ(DIFF(16, 0, BIT64(VHOST_BACKEND_F_RESUME)),
		  offered & BIT64(VHOST_BACKEND_F_RESUME));
	want = offered;
	EXPECT_EQ(0, IOCTL(VHOST_SET_BACKEND_FEATURES, &want));
	want = 0;
	EXPECT_EQ(0, IOCTL(VHOST_SET_BACKEND_FEATURES, &want));
}

/* The character device's own: its IOTLB message protocol. */
#define CDEV_BACKEND_FEATURES	(BIT64(VHOST_BACKEND_F_IOTLB_MSG_V2) |	\
				 BIT64(VHOST_BACKEND_F_IOTLB_BATCH) |	\
				 BIT64(VHOST_BACKEND_F_IOTLB_PERSIST))

TEST_F(vhost, backend_features_offer_iotlb_only_on_the_cdev)
{
	uint64_t offered = 0;

	ASSERT_EQ(0, IOCTL(VHOST_GET_BACKEND_FEATURES, &offered));
	if (variant->open_flags & VMDEV_OPEN_CDEV) {
		/* entry 16: PERSIST came to upstream later */
		EXPECT_EQ(DIFF(16, CDEV_BACKEND_FEATURES &
			       ~BIT64(VHOST_BACKEND_F_IOTLB_PERSIST),
			       CDEV_BACKEND_FEATURES),
			  offered & CDEV_BACKEND_FEATURES);
	} else {
		EXPECT_EQ(0, offered & CDEV_BACKEND_FEATURES);
	}
}

TEST_F(vhost, backend_features_reject_others)
{
	uint64_t offered = 0, want;
	unsigned int bit;

	ASSERT_EQ(0, IOCTL(VHOST_GET_BACKEND_FEATURES, &offered));
	for (bit = 0; bit < 64; bit++) {
		if (offered & BIT64(bit))
			continue;
		want = BIT64(bit);
		EXPECT_ERRNO(EOPNOTSUPP,
			     IOCTL(VHOST_SET_BACKEND_FEATURES, &want))
			TH_LOG("backend bit %u", bit);
	}
}

TEST_F(vhost, status_bits_are_only_added)
{
	const uint8_t ack = VIRTIO_CONFIG_S_ACKNOWLEDGE;
	const uint8_t drv = VIRTIO_CONFIG_S_DRIVER;

	ASSERT_EQ(0, fd_set_status(self->fd, 0));
	ASSERT_EQ(0, fd_set_status(self->fd, ack));
	EXPECT_EQ(ack, fd_get_status(self->fd));
	EXPECT_ERRNO(EINVAL, fd_set_status(self->fd, drv));
	EXPECT_EQ(ack, fd_get_status(self->fd));
	ASSERT_EQ(0, fd_set_status(self->fd, ack | drv));
	EXPECT_EQ(ack | drv, fd_get_status(self->fd));
	EXPECT_ERRNO(EINVAL, fd_set_status(self->fd, ack));
	EXPECT_EQ(ack | drv, fd_get_status(self->fd));
}

/* A device that cleared FEATURES_OK rejected the features: it must not run. */
TEST_F(vhost, driver_ok_without_features_ok_is_einval)
{
	const uint8_t drv = VIRTIO_CONFIG_S_ACKNOWLEDGE |
			    VIRTIO_CONFIG_S_DRIVER;
	const uint8_t fok = VIRTIO_CONFIG_S_FEATURES_OK;
	const uint8_t dok = VIRTIO_CONFIG_S_DRIVER_OK;

	ASSERT_EQ(0, fd_set_status(self->fd, 0));
	ASSERT_EQ(0, fd_set_status(self->fd, drv));
	/* Entry 14: upstream 6.1 starts the device without FEATURES_OK. */
	if (ON_UPSTREAM) {
		EXPECT_EQ(0, fd_set_status(self->fd, drv | dok));
		EXPECT_EQ(drv | dok, fd_get_status(self->fd));
		return;
	}
	/* never asked for */
	EXPECT_ERRNO(EINVAL, fd_set_status(self->fd, drv | dok));
	EXPECT_EQ(drv, fd_get_status(self->fd));
	/* asked for in the same write: the device had no say */
	EXPECT_ERRNO(EINVAL, fd_set_status(self->fd, drv | fok | dok));
	EXPECT_EQ(drv, fd_get_status(self->fd));
	/* asked for, and refused: mvnet needs VERSION_1 */
	ASSERT_EQ(0, set_features(self->fd, 0));
	ASSERT_EQ(0, fd_set_status(self->fd, drv | fok));
	ASSERT_EQ(drv, fd_get_status(self->fd));
	EXPECT_ERRNO(EINVAL, fd_set_status(self->fd, drv | fok | dok));
	EXPECT_ERRNO(EINVAL, fd_set_status(self->fd, drv | dok));
	EXPECT_EQ(drv, fd_get_status(self->fd));
	/* accepted: now it may start */
	ASSERT_EQ(0, fd_set_status(self->fd, 0));
	ASSERT_EQ(0, fd_set_status(self->fd, drv));
	ASSERT_EQ(0, set_features(self->fd, BIT64(VIRTIO_F_VERSION_1)));
	ASSERT_EQ(0, fd_set_status(self->fd, drv | fok));
	ASSERT_EQ(drv | fok, fd_get_status(self->fd));
	EXPECT_EQ(0, fd_set_status(self->fd, drv | fok | dok));
	EXPECT_EQ(drv | fok | dok, fd_get_status(self->fd));
}

TEST_F(vhost, status_zero_resets)
{
	ASSERT_EQ(0, vmdev_negotiate(self->dev, 0));
	ASSERT_NE(0, fd_get_status(self->fd));
	ASSERT_EQ(0, fd_set_status(self->fd, 0));
	EXPECT_EQ(0, fd_get_status(self->fd));
	/* features are negotiable again */
	EXPECT_EQ(0, set_features(self->fd, vmdev_device_features(self->dev)));
}

TEST_F(vhost, config_matches_attributes)
{
	struct vmdev_net_config cfg;
	uint8_t mac[6];
	uint32_t size = 0;

	if (upstream_lacks(_metadata, "mvnet's sysfs attributes"))
		return;
	ASSERT_EQ(0, IOCTL(VHOST_VDPA_GET_CONFIG_SIZE, &size));
	EXPECT_LE(NET_CONFIG_SIZE, size);
	ASSERT_EQ(0, vmdev_net_get_config(self->dev, &cfg));
	ASSERT_EQ(0, dev_mac(self->uuid, mac));
	EXPECT_EQ(0, memcmp(mac, cfg.mac, 6));
	EXPECT_EQ(dev_read_long(self->uuid, "mtu"), cfg.mtu);
	EXPECT_EQ(dev_read_long(self->uuid, "max_vq_pairs"),
		  cfg.max_virtqueue_pairs);
	EXPECT_TRUE(cfg.status & VIRTIO_NET_S_LINK_UP);
}

TEST_F(vhost, config_ranges_are_checked)
{
	static const unsigned long reqs[] = {
		VHOST_VDPA_GET_CONFIG, VHOST_VDPA_SET_CONFIG,
	};
	uint32_t size = 0;
	unsigned int i;

	ASSERT_EQ(0, IOCTL(VHOST_VDPA_GET_CONFIG_SIZE, &size));
	for (i = 0; i < ARRAY_SIZE(reqs); i++) {
		EXPECT_EQ(0, config_io(self->fd, reqs[i], 0, size));
		EXPECT_EQ(0, config_io(self->fd, reqs[i], size - 1, 1));
		/* as upstream: whatever is wrong with the range */
		EXPECT_ERRNO(EINVAL, config_io(self->fd, reqs[i], 0, 0));
		EXPECT_ERRNO(EINVAL, config_io(self->fd, reqs[i], size + 1, 1));
		EXPECT_ERRNO(EINVAL, config_io(self->fd, reqs[i], 0, size + 1));
		EXPECT_ERRNO(EINVAL, config_io(self->fd, reqs[i], size, 1));
		EXPECT_ERRNO(EINVAL, config_io(self->fd, reqs[i], 1, size));
	}
}

TEST_F(vhost, vqs_count_is_two_per_pair_plus_control)
{
	long pairs;
	uint32_t count = 0;

	if (upstream_lacks(_metadata, "mvnet's sysfs attributes"))
		return;
	pairs = dev_read_long(self->uuid, "max_vq_pairs");
	ASSERT_EQ(0, IOCTL(VHOST_VDPA_GET_VQS_COUNT, &count));
	EXPECT_EQ(2 * pairs + 1, count);
}

TEST_F(vhost, vring_num_max_is_a_power_of_two)
{
	uint16_t num = 0;

	ASSERT_EQ(0, IOCTL(VHOST_VDPA_GET_VRING_NUM, &num));
	EXPECT_NE(0, num);
	EXPECT_EQ(0, num & (num - 1));
}

TEST_F(vhost, iova_range_is_sane)
{
	struct vhost_vdpa_iova_range r = { .first = 1, .last = 0 };

	ASSERT_EQ(0, IOCTL(VHOST_VDPA_GET_IOVA_RANGE, &r));
	EXPECT_LT(r.first, r.last);
}

TEST_F(vhost, set_vring_num_checks_size)
{
	EXPECT_EQ(0, fd_vring_state(self->fd, VHOST_SET_VRING_NUM, 0, self->num_max));
	EXPECT_EQ(0, fd_vring_state(self->fd, VHOST_SET_VRING_NUM, 0, 1));
	EXPECT_ERRNO(EINVAL, fd_vring_state(self->fd, VHOST_SET_VRING_NUM, 0,
					    0));
	EXPECT_ERRNO(EINVAL, fd_vring_state(self->fd, VHOST_SET_VRING_NUM, 0,
					    3));
	EXPECT_ERRNO(EINVAL, fd_vring_state(self->fd, VHOST_SET_VRING_NUM, 0,
					    255));
	/* entry 4: upstream passes a ring too big for the device */
	EXPECT_ERRNO(DIFF(4, 0, EINVAL),
		     fd_vring_state(self->fd, VHOST_SET_VRING_NUM, 0,
				    2 * self->num_max));
	EXPECT_ERRNO(EINVAL, fd_vring_state(self->fd, VHOST_SET_VRING_NUM, 0,
					    65536));
}

TEST_F(vhost, vring_index_out_of_range_is_enobufs)
{
	static const unsigned long state_reqs[] = {
		VHOST_SET_VRING_NUM, VHOST_SET_VRING_BASE,
		VHOST_GET_VRING_BASE, VHOST_VDPA_SET_VRING_ENABLE,
	};
	static const unsigned long fd_reqs[] = {
		VHOST_SET_VRING_KICK, VHOST_SET_VRING_CALL,
		VHOST_SET_VRING_ERR,
	};
	unsigned int bad[] = { self->nvqs, self->nvqs + 1, 0xffff, ~0U };
	unsigned int i, j;

	for (j = 0; j < ARRAY_SIZE(bad); j++) {
		for (i = 0; i < ARRAY_SIZE(state_reqs); i++)
			EXPECT_ERRNO(ENOBUFS,
				     fd_vring_state(self->fd, state_reqs[i],
						    bad[j], 1))
				TH_LOG("request %u index %u", i, bad[j]);
		for (i = 0; i < ARRAY_SIZE(fd_reqs); i++)
			EXPECT_ERRNO(ENOBUFS,
				     fd_vring_file(self->fd, fd_reqs[i],
						   bad[j], -1))
				TH_LOG("request %u index %u", i, bad[j]);
		EXPECT_ERRNO(ENOBUFS, vring_addr(self->fd, bad[j], 0, 0, 0, 0));
	}
	/* the last valid index works */
	EXPECT_EQ(0, fd_vring_state(self->fd, VHOST_SET_VRING_NUM, self->nvqs - 1, 64));
}

TEST_F(vhost, vring_base_reads_back)
{
	struct vhost_vring_state s = { .index = 1 };

	ASSERT_EQ(0, fd_vring_state(self->fd, VHOST_SET_VRING_BASE, 1, 42));
	ASSERT_EQ(0, IOCTL(VHOST_GET_VRING_BASE, &s));
	EXPECT_EQ(1, s.index);
	EXPECT_EQ(42, s.num);
}

/* Split rings: a base above 0xffff is EINVAL, and the ring keeps its own. */
TEST_F(vhost, vring_base_above_0xffff_is_einval)
{
	struct vhost_vring_state s = { .index = 1 };

	ASSERT_EQ(0, fd_vring_state(self->fd, VHOST_SET_VRING_BASE, 1, 0xffff));
	EXPECT_ERRNO(EINVAL, fd_vring_state(self->fd, VHOST_SET_VRING_BASE, 1,
					    0x10000));
	EXPECT_ERRNO(EINVAL, fd_vring_state(self->fd, VHOST_SET_VRING_BASE, 1,
					    ~0U));
	ASSERT_EQ(0, IOCTL(VHOST_GET_VRING_BASE, &s));
	EXPECT_EQ(0xffff, s.num);
}

TEST_F(vhost, vring_addr_checks_alignment_and_flags)
{
	const uint64_t d = 0x10000, a = 0x20000, u = 0x30000;

	EXPECT_EQ(0, vring_addr(self->fd, 0, d, a, u, 0));
	/* entry 5: upstream leaves the descriptor table unchecked */
	EXPECT_ERRNO(DIFF(5, 0, EINVAL), vring_addr(self->fd, 0, d + 8, a, u, 0));
	EXPECT_ERRNO(EINVAL, vring_addr(self->fd, 0, d, a + 1, u, 0));
	EXPECT_ERRNO(EINVAL, vring_addr(self->fd, 0, d, a, u + 2, 0));
	EXPECT_ERRNO(EOPNOTSUPP, vring_addr(self->fd, 0, d, a, u, 0x2));
	EXPECT_ERRNO(EOPNOTSUPP, vring_addr(self->fd, 0, d, a, u, 0x80000000));
}

TEST_F(vhost, vring_setup_while_ready_is_ebusy)
{
	struct vhost_vring_state s = { .index = 0 };

	ASSERT_EQ(0, fd_vring_state(self->fd, VHOST_SET_VRING_NUM, 0, 64));
	ASSERT_EQ(0, vring_addr(self->fd, 0, 0x10000, 0x20000, 0x30000, 0));
	ASSERT_EQ(0, fd_vring_state(self->fd, VHOST_VDPA_SET_VRING_ENABLE, 0, 1));
	/* entry 3: upstream changes the running ring */
	EXPECT_ERRNO(DIFF(3, 0, EBUSY),
		     fd_vring_state(self->fd, VHOST_SET_VRING_NUM, 0, 128));
	EXPECT_ERRNO(DIFF(3, 0, EBUSY),
		     vring_addr(self->fd, 0, 0x40000, 0x20000, 0x30000, 0));
	EXPECT_ERRNO(DIFF(3, 0, EBUSY),
		     fd_vring_state(self->fd, VHOST_SET_VRING_BASE, 0, 5));
	ASSERT_EQ(0, IOCTL(VHOST_GET_VRING_BASE, &s));
	EXPECT_EQ(DIFF(3, 5, 0), s.num) TH_LOG("the refused base was taken");
	/* other queues are not affected */
	EXPECT_EQ(0, fd_vring_state(self->fd, VHOST_SET_VRING_NUM, 1, 128));
	EXPECT_EQ(0, fd_vring_state(self->fd, VHOST_SET_VRING_BASE, 1, 5));
	ASSERT_EQ(0, fd_vring_state(self->fd, VHOST_VDPA_SET_VRING_ENABLE, 0, 0));
	EXPECT_EQ(0, fd_vring_state(self->fd, VHOST_SET_VRING_NUM, 0, 128));
	EXPECT_EQ(0, fd_vring_state(self->fd, VHOST_SET_VRING_BASE, 0, 5));
}

TEST_F(vhost, vring_eventfds_are_checked)
{
	static const unsigned long reqs[] = {
		VHOST_SET_VRING_KICK, VHOST_SET_VRING_CALL,
		VHOST_SET_VRING_ERR,
	};
	int efd = eventfd(0, EFD_CLOEXEC), other = not_an_eventfd();
	int none = closed_fd();
	unsigned int i;

	ASSERT_LE(0, efd);
	ASSERT_LE(0, other);
	for (i = 0; i < ARRAY_SIZE(reqs); i++) {
		EXPECT_EQ(0, fd_vring_file(self->fd, reqs[i], 0, efd));
		EXPECT_EQ(0, fd_vring_file(self->fd, reqs[i], 0, VHOST_FILE_UNBIND));
		EXPECT_ERRNO(EBADF, fd_vring_file(self->fd, reqs[i], 0, none));
		EXPECT_ERRNO(EBADF, fd_vring_file(self->fd, reqs[i], 0, -2));
		EXPECT_ERRNO(EINVAL, fd_vring_file(self->fd, reqs[i], 0, other));
		/* rebinding after unbinding */
		EXPECT_EQ(0, fd_vring_file(self->fd, reqs[i], 0, efd));
	}
	close(other);
	close(efd);
}

TEST_F(vhost, config_call_eventfd_is_checked)
{
	int efd = eventfd(0, EFD_CLOEXEC), other = not_an_eventfd();
	int unbind = VHOST_FILE_UNBIND, none = closed_fd();

	ASSERT_LE(0, efd);
	ASSERT_LE(0, other);
	EXPECT_EQ(0, IOCTL(VHOST_VDPA_SET_CONFIG_CALL, &efd));
	EXPECT_EQ(0, IOCTL(VHOST_VDPA_SET_CONFIG_CALL, &unbind));
	EXPECT_ERRNO(EBADF, IOCTL(VHOST_VDPA_SET_CONFIG_CALL, &none));
	EXPECT_ERRNO(EINVAL, IOCTL(VHOST_VDPA_SET_CONFIG_CALL, &other));
	EXPECT_EQ(0, IOCTL(VHOST_VDPA_SET_CONFIG_CALL, &efd));
	close(other);
	close(efd);
}

TEST_F(vhost, vring_enable_and_disable)
{
	ASSERT_EQ(0, fd_vring_state(self->fd, VHOST_SET_VRING_NUM, 2, 64));
	EXPECT_EQ(0, fd_vring_state(self->fd, VHOST_VDPA_SET_VRING_ENABLE, 2, 1));
	EXPECT_EQ(0, fd_vring_state(self->fd, VHOST_VDPA_SET_VRING_ENABLE, 2, 0));
}

/* Checked as upstream vhost checks it (64 regions at most), then unused. */
TEST_F(vhost, set_mem_table_is_checked_then_ignored)
{
	struct {
		struct vhost_memory mem;
		struct vhost_memory_region r[2];
	} t = {
		.mem = { .nregions = 2 },
		.r = {
			{ .guest_phys_addr = 0, .memory_size = 1 << 20,
			  .userspace_addr = 0x10000000 },
			{ .guest_phys_addr = 1ULL << 32, .memory_size = 4096,
			  .userspace_addr = 0x20000000 },
		},
	};
	struct vhost_memory *tail;
	uint8_t *pages;

	EXPECT_EQ(0, IOCTL(VHOST_SET_MEM_TABLE, &t));
	t.mem.padding = 1;
	EXPECT_ERRNO(EOPNOTSUPP, IOCTL(VHOST_SET_MEM_TABLE, &t));
	t.mem.padding = 0;
	t.mem.nregions = 65;
	EXPECT_ERRNO(E2BIG, IOCTL(VHOST_SET_MEM_TABLE, &t));
	t.mem.nregions = 2;
	t.r[1].memory_size = 0;
	EXPECT_ERRNO(EFAULT, IOCTL(VHOST_SET_MEM_TABLE, &t));
	t.r[1].guest_phys_addr = UINT64_MAX - 100;
	t.r[1].memory_size = 4096;
	EXPECT_ERRNO(EFAULT, IOCTL(VHOST_SET_MEM_TABLE, &t));

	/* the header readable, its regions not */
	pages = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, pages);
	ASSERT_EQ(0, munmap(pages + 4096, 4096));
	tail = (struct vhost_memory *)(pages + 4096 -
				       offsetof(struct vhost_memory, regions));
	tail->nregions = 1;
	tail->padding = 0;
	EXPECT_ERRNO(EFAULT, IOCTL(VHOST_SET_MEM_TABLE, tail));
	munmap(pages, 4096);
}

TEST_F(vhost, unknown_ioctls_are_enotty)
{
	struct vhost_vring_file file = { .index = 0, .fd = -1 };
	uint64_t cid = 3;

	EXPECT_ERRNO(ENOTTY, IOCTL(VHOST_NET_SET_BACKEND, &file));
	/*
	 * Entry 15: upstream reads a ring index from the argument of any
	 * ioctl it does not know: ENOBUFS for 3 (past vdpa_sim_net's
	 * rings), EFAULT for NULL.
	 */
	EXPECT_ERRNO(DIFF(15, ENOBUFS, ENOTTY),
		     IOCTL(VHOST_VSOCK_SET_GUEST_CID, &cid));
	EXPECT_ERRNO(DIFF(15, EFAULT, ENOTTY),
		     IOCTL(_IO(VHOST_VIRTIO, 0xff), NULL));
	EXPECT_ERRNO(DIFF(15, EFAULT, ENOTTY), IOCTL(_IO('x', 0x42), NULL));
}

TEST_F(vhost, suspend_and_resume)
{
	ASSERT_EQ(0, vmdev_negotiate(self->dev, 0));
	EXPECT_EQ(0, vmdev_suspend(self->dev));
	/* entry 16: RESUME came to upstream later */
	EXPECT_ERRNO(DIFF(16, EOPNOTSUPP, 0), vmdev_resume(self->dev));
}

TEST_F(vhost, vfio_info_has_no_regions_or_irqs)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	struct vfio_region_info region = {
		.argsz = sizeof(region),
		.index = 0,
	};

	if (upstream_lacks(_metadata, "a VFIO front end"))
		return;
	/* The character device is not a VFIO device. */
	if (variant->open_flags & VMDEV_OPEN_CDEV) {
		EXPECT_ERRNO(ENOTTY, IOCTL(VFIO_DEVICE_GET_INFO, &info));
		EXPECT_ERRNO(ENOTTY, IOCTL(VFIO_DEVICE_RESET, NULL));
		return;
	}
	ASSERT_EQ(0, IOCTL(VFIO_DEVICE_GET_INFO, &info));
	EXPECT_EQ(0, info.num_irqs);
	EXPECT_EQ(0, info.num_regions);
	EXPECT_ERRNO(EINVAL, IOCTL(VFIO_DEVICE_GET_REGION_INFO, &region));
}

/*
 * VFIO_DEVICE_RESET on the VFIO fd is SET_STATUS 0, and the mappings,
 * which belong to the container, survive it: the device starts again and
 * loops a frame back without mapping anything anew.  The character device
 * is not a VFIO device: ENOTTY, and the running device is left alone.
 */
TEST_F(vhost, vfio_device_reset_is_status_zero)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	uint8_t mac[6], buf[2048];

	if (upstream_lacks(_metadata, "a VFIO front end"))
		return;
	ASSERT_EQ(0, dev_mac(self->uuid, mac));
	ASSERT_EQ(0, vmdev_net_start(self->dev, NULL));
	ASSERT_EQ(1, send_one(self->dev, 0, mac, mac, 1, 60));
	ASSERT_EQ(60, recv_one(self->dev, 0, buf, sizeof(buf), WAIT_MS));
	ASSERT_NE(0, fd_get_status(self->fd) & VIRTIO_CONFIG_S_DRIVER_OK);
	if (variant->open_flags & VMDEV_OPEN_CDEV) {
		EXPECT_ERRNO(ENOTTY, IOCTL(VFIO_DEVICE_RESET, NULL));
		EXPECT_NE(0, fd_get_status(self->fd) &
			     VIRTIO_CONFIG_S_DRIVER_OK);
	} else {
		ASSERT_EQ(0, IOCTL(VFIO_DEVICE_GET_INFO, &info));
		EXPECT_TRUE(info.flags & VFIO_DEVICE_FLAGS_RESET);
		EXPECT_EQ(0, IOCTL(VFIO_DEVICE_RESET, NULL));
		EXPECT_EQ(0, fd_get_status(self->fd));
		ASSERT_EQ(0, vmdev_net_start(self->dev, NULL));
	}
	ASSERT_EQ(1, send_one(self->dev, 0, mac, mac, 2, 60));
	EXPECT_EQ(60, recv_one(self->dev, 0, buf, sizeof(buf), WAIT_MS));
}

TEST_HARNESS_MAIN
