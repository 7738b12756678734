// SPDX-License-Identifier: GPL-2.0-only
/*
 * Stress a vmdev_vf-vhost device, on the first of the test VM's two
 * virtio-net functions, through either front end (stress.h): the driver
 * asks, again and again, who has the address of the kernel interface of
 * a vmdev_vf-virtio device on the second function, and checks each reply
 * byte for byte, while chaos threads reset the device, toggle its rings,
 * swap its eventfds and map memory beside it (into the function's IOMMU
 * domain), an opener competes for it through both front ends, and a
 * remover removes and recreates it and unloads vhost_mdev. Between
 * epochs the device must answer again; at the end nothing is pinned or
 * charged, no module reference is held and the device is removable.
 *
 *   VMDEV_STRESS_SECONDS=N  how long each test runs (default 15)
 *   VMDEV_STRESS_SEED=N     replay a run's choices ("# seed N")
 */
#include "kselftest_harness.h"
#include "../net_peer.h"
#include "../vhost_mdev/stress.h"
#include "vf_test.h"

/* Addresses private to the test VM: no real network is involved. */
#define IF_ADDR			"10.97.0.1/24"
static const uint8_t if_ip[4] = { 10, 97, 0, 1 };
static const uint8_t our_ip[4] = { 10, 97, 0, 2 };

/* Under chaos a reply may never come: wait this long for it. */
#define ARP_CHAOS_WAIT_MS	300

struct vf_stress {
	char fn[2][PCI_NAME_BUF];	/* vhost side, virtio side */
	char virtio[UUID_BUF];
	char ifname[IF_NAMESIZE];
	bool vnet_loaded_here;
	struct net_peer p;
};

static int vf_create(struct stress *st)
{
	struct vf_stress *v = st->priv;

	return fn_create_uuid(v->fn[0], "vhost", st->uuid);
}

/*
 * One ARP request for the interface's address: 1 when its reply came,
 * intact; 0 when none came in time (a failure when @strict); or -errno
 * of the library.
 */
static int vf_exchange(struct stress *st, struct vmdev *dev,
		       unsigned int *rnd, bool strict)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t zero[6];
	struct vf_stress *v = st->priv;
	struct net_peer *p = &v->p;
	int timeout = strict ? WAIT_MS : ARP_CHAOS_WAIT_MS;
	uint8_t req[ETH_MIN_FRAME];
	struct vmdev_frame f = { .data = req, .len = sizeof(req) };
	struct timespec start;
	long diff, left;
	int ret, len;

	arp_frame(req, ARP_REQUEST, bcast, p->mac, p->ip, zero, p->if_ip);
	ret = vmdev_net_send(dev, 0, &f, 1);
	if (ret <= 0)
		return ret ? ret : strict ? -ENOSPC : 0;

	clock_gettime(CLOCK_MONOTONIC, &start);
	while ((left = timeout - ms_since(&start)) > 0) {
		len = recv_one(dev, 0, p->buf, sizeof(p->buf), left);
		if (len <= 0)
			return len;
		if (len > (int)sizeof(p->buf)) {
			stress_fail(st, "driver: a frame of %d bytes", len);
			return -EBADMSG;
		}
		/* the kernel's IPv6 neighbour discovery, MLD: not ours */
		if (!is_arp_reply(p->buf, len))
			continue;
		arp_frame(p->want, ARP_REPLY, p->mac, p->if_mac, p->if_ip,
			  p->mac, p->ip);
		diff = first_diff(p->buf, p->want, L3 + ARP_LEN);
		if (diff != -1) {
			stress_fail(st, "driver: ARP reply byte %ld is 0x%02x, not 0x%02x",
				    diff, p->buf[diff], p->want[diff]);
			return -EBADMSG;
		}
		__atomic_add_fetch(&st->frames, 1, __ATOMIC_RELAXED);
		return 1;
	}
	return 0;
}

static const struct stress_parent vf_parent = {
	.name = "vmdev_vf",
	.module = VF_MODULE,
	/* unloading it would unbind the functions */
	.unload_module = false,
	.create = vf_create,
	.net_opts = {
		.features = BIT64(VIRTIO_NET_F_MAC) |
			    BIT64(VIRTIO_NET_F_STATUS) |
			    BIT64(VIRTIO_NET_F_MRG_RXBUF),
	},
	.exchange = vf_exchange,
	/*
	 * One front end at a time; the character device holds the
	 * function's IOMMU group, so VFIO cannot even take the group into
	 * a container (EPERM).
	 */
	.open_errs = ERRS(EBUSY, EPERM),
	/*
	 * virtio-pci has no way to read a ring's state back, nor to stop
	 * one ring but with VIRTIO_F_RING_RESET, which the driver here
	 * does not negotiate
	 */
	.no_vring_base = true,
	.no_ring_stop = true,
};

FIXTURE(hw_stress) {
	struct stress st;
	struct stress_baseline base;
	struct vf_stress v;
};

FIXTURE_VARIANT(hw_stress) {
	unsigned int open_flags;	/* the front end: vhost_mdev_test.h */
};

FIXTURE_VARIANT_ADD(hw_stress, vfio) { .open_flags = 0 };
FIXTURE_VARIANT_ADD(hw_stress, cdev) { .open_flags = VMDEV_OPEN_CDEV };

FIXTURE_SETUP(hw_stress)
{
	struct vf_stress *v = &self->v;

	vf_require(_metadata, v->fn, &v->vnet_loaded_here);

	stress_init(&self->st, &vf_parent, variant->open_flags);
	self->st.priv = v;
}

FIXTURE_TEARDOWN(hw_stress)
{
	struct vf_stress *v = &self->v;

	if (!module_loaded(VHOST_MDEV_MODULE))
		module_load(VHOST_MDEV_MODULE, NULL);
	/* the interface goes with its device */
	mdev_cleanup(v->virtio);
	mdev_cleanup(self->st.uuid);
	fn_release(v->fn[0]);
	fn_release(v->fn[1]);
	if (v->vnet_loaded_here)
		module_unload(VIRTIO_NET_MODULE);
}

/*
 * Both functions bound; the interface on the second with its address,
 * up; then what the system holds in @base; then the vhost device on the
 * first, its MAC ours. In the test, so that the teardown removes whatever
 * was built when an assertion fails.
 */
static void bring_up(struct __test_metadata *_metadata, struct stress *st,
		     struct vf_stress *v, struct stress_baseline *base)
{
	struct net_peer *p = &v->p;
	char path[PATH_BUF];

	memcpy(p->ip, our_ip, 4);
	memcpy(p->if_ip, if_ip, 4);
	ASSERT_EQ(0, fn_bind(v->fn[0])) TH_LOG("binding %s", v->fn[0]);
	ASSERT_EQ(0, fn_bind(v->fn[1])) TH_LOG("binding %s", v->fn[1]);
	ASSERT_EQ(0, fn_create(v->fn[1], "virtio", v->virtio));
	fn_path(path, v->fn[1], NULL);
	ASSERT_EQ(0, find_iface(path, v->ifname))
		TH_LOG("no network interface under %s", v->fn[1]);
	iface_up(_metadata, p, v->ifname, IF_ADDR);

	stress_baseline(base, VF_MODULE);
	ASSERT_NE(PINS_UNKNOWN, base->pins);
	ASSERT_LE(0, base->vmlck);
	ASSERT_LE(0, base->ref_vhost);
	ASSERT_LE(0, base->ref_parent);
	uuid_gen(st->uuid);
	ASSERT_EQ(0, vf_create(st));
	ASSERT_EQ(0, dev_mac(st->uuid, st->mac));
	memcpy(p->mac, st->mac, 6);
}

TEST_F_TIMEOUT(hw_stress, survives_chaos, 3600)
{
	struct stress *st = &self->st;
	struct stress_baseline now;
	unsigned int seconds = stress_seconds(STRESS_DEFAULT_SECONDS);
	int i;

	bring_up(_metadata, st, &self->v, &self->base);
	ksft_print_msg("seed %u (VMDEV_STRESS_SEED=%u replays it), %u s\n",
		       st->seed, st->seed, seconds);
	fflush(stdout);
	stress_run(st, seconds);
	stress_summary(st);
	EXPECT_FALSE(st->failed) TH_LOG("seed %u: %s", st->seed, st->failure);
	/* a thread is stuck in the kernel: what follows would hang too */
	ASSERT_FALSE(st->stuck);
	EXPECT_LT(0, st->quiet_checks);

	/* Everything comes back once every fd is closed. */
	for (i = 0; i < STRESS_SETTLE_MS / 20; i++) {
		stress_baseline(&now, VF_MODULE);
		if (stress_same(&now, &self->base))
			break;
		usleep(20000);
	}
	EXPECT_EQ(self->base.pins, now.pins);
	EXPECT_EQ(self->base.vmlck, now.vmlck);
	EXPECT_EQ(self->base.ref_vhost, now.ref_vhost);
	EXPECT_EQ(self->base.ref_parent, now.ref_parent);
	EXPECT_TRUE(module_loaded(VHOST_MDEV_MODULE));
	ASSERT_TRUE(mdev_exists(st->uuid));
	EXPECT_EQ(0, stress_remove_within(st->uuid, STRESS_REMOVE_MS))
		TH_LOG("the device could not be removed after the run");
}

TEST_HARNESS_MAIN
