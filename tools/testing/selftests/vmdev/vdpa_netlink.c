// SPDX-License-Identifier: GPL-2.0-only
/*
 * The "vdpa" generic netlink family of vmdev_vdpa, spoken raw: malformed
 * and incomplete requests get upstream 6.1's errnos and change nothing,
 * random requests change nothing, privileged commands need CAP_NET_ADMIN
 * in the initial user namespace, a dump in progress keeps the module
 * loaded, and adds, removals, dumps and a parent's unloading may run at
 * once; two removals of one device remove it once, and a removal while
 * sysfs creates the device never strands it.
 *
 * "vdpa_netlink --without-net-admin CMD [ARG]..." runs CMD without
 * CAP_NET_ADMIN (for vdpa.sh, which runs the vdpa tool so).
 *
 * VDPA_TEST_MGMTDEV names the management device (default mvnet): with
 * vdpasim_net, vdpa_upstream.sh runs the errno cases against upstream's
 * family, which is how the errnos here are known to be upstream's. The
 * cases that need our family (module unloading, the parent's removal)
 * skip there, and where VDPA_TEST_KEEP_MODULES is set (the fault
 * injection pass, which aims at modules where they are loaded).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/vdpa.h>
#include <linux/virtio_config.h>
#include <linux/virtio_net.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"

#define BUF_SIZE	32768
#define NAME		"fz0"

struct nl {
	int fd;
	uint16_t family;
	uint32_t seq;
};

/* A request being built: netlink header, genl header, attributes. */
struct req {
	union {
		struct nlmsghdr nlh;
		char buf[4096];
	};
};

static const char *mgmtdev(void)
{
	const char *m = getenv("VDPA_TEST_MGMTDEV");

	return m && *m ? m : "mvnet";
}

static bool upstream(void)
{
	return strcmp(mgmtdev(), "mvnet") != 0;
}

/* The fault-injection pass aims at modules where they are loaded. */
static bool keep_modules(void)
{
	const char *k = getenv("VDPA_TEST_KEEP_MODULES");

	return k && *k && strcmp(k, "0");
}

static void req_init(struct req *r, uint16_t type, uint8_t cmd, uint16_t flags)
{
	struct genlmsghdr *g;

	memset(r, 0, sizeof(*r));
	r->nlh.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	r->nlh.nlmsg_type = type;
	r->nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	g = NLMSG_DATA(&r->nlh);
	g->cmd = cmd;
	g->version = VDPA_GENL_VERSION;
}

/* An attribute of @len bytes, padded; @nla_len may lie (for malformed ones). */
static void put_raw(struct req *r, uint16_t type, const void *data,
		    uint16_t len, uint16_t nla_len)
{
	struct nlattr *a = (void *)(r->buf + NLMSG_ALIGN(r->nlh.nlmsg_len));

	a->nla_type = type;
	a->nla_len = nla_len;
	memcpy(a + 1, data, len);
	r->nlh.nlmsg_len = NLMSG_ALIGN(r->nlh.nlmsg_len) +
			   NLA_ALIGN(NLA_HDRLEN + len);
}

static void put(struct req *r, uint16_t type, const void *data, uint16_t len)
{
	put_raw(r, type, data, len, NLA_HDRLEN + len);
}

static void put_str(struct req *r, uint16_t type, const char *s)
{
	put(r, type, s, strlen(s) + 1);
}

static void put_u16(struct req *r, uint16_t type, uint16_t v)
{
	put(r, type, &v, sizeof(v));
}

static void put_u32(struct req *r, uint16_t type, uint32_t v)
{
	put(r, type, &v, sizeof(v));
}

static void put_u64(struct req *r, uint16_t type, uint64_t v)
{
	put(r, type, &v, sizeof(v));
}

static int nl_open(struct nl *nl)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };

	memset(nl, 0, sizeof(*nl));
	nl->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (nl->fd < 0)
		return -errno;
	if (bind(nl->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	return 0;
}

/*
 * Send @r and read until its ACK or error: -errno, or 0. Replies are
 * counted in *@nmsgs (if not NULL) and dropped.
 */
static int nl_talk(struct nl *nl, struct req *r, int *nmsgs)
{
	char buf[BUF_SIZE];
	ssize_t n;

	r->nlh.nlmsg_seq = ++nl->seq;
	if (send(nl->fd, r->buf, r->nlh.nlmsg_len, 0) < 0)
		return -errno;
	for (;;) {
		struct nlmsghdr *h;

		n = recv(nl->fd, buf, sizeof(buf), 0);
		if (n < 0)
			return -errno;
		for (h = (void *)buf; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != nl->seq)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR)
				return ((struct nlmsgerr *)NLMSG_DATA(h))->error;
			/* A dump ends with its final status. */
			if (h->nlmsg_type == NLMSG_DONE)
				return *(int *)NLMSG_DATA(h);
			if (nmsgs)
				(*nmsgs)++;
		}
	}
}

/* The family's id, loading vmdev_vdpa by its alias if need be. */
static int nl_resolve(struct nl *nl)
{
	char buf[BUF_SIZE];
	struct nlmsghdr *h;
	struct req r;
	ssize_t n;

	req_init(&r, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 0);
	r.nlh.nlmsg_flags = NLM_F_REQUEST;
	put_str(&r, CTRL_ATTR_FAMILY_NAME, VDPA_GENL_NAME);
	if (send(nl->fd, r.buf, r.nlh.nlmsg_len, 0) < 0)
		return -errno;
	n = recv(nl->fd, buf, sizeof(buf), 0);
	if (n < 0)
		return -errno;
	h = (void *)buf;
	if (h->nlmsg_type == NLMSG_ERROR)
		return ((struct nlmsgerr *)NLMSG_DATA(h))->error;
	for (struct nlattr *a = (void *)((char *)NLMSG_DATA(h) + GENL_HDRLEN);
	     (char *)a < (char *)h + h->nlmsg_len;
	     a = (void *)((char *)a + NLA_ALIGN(a->nla_len))) {
		if (a->nla_len < NLA_HDRLEN)
			break;
		if (a->nla_type == CTRL_ATTR_FAMILY_ID) {
			nl->family = *(uint16_t *)(a + 1);
			return 0;
		}
	}
	return -ENOENT;
}

static int nl_connect(struct nl *nl)
{
	int ret = nl_open(nl);

	return ret ? ret : nl_resolve(nl);
}

static int dev_add(struct nl *nl, const char *name)
{
	struct req r;

	req_init(&r, nl->family, VDPA_CMD_DEV_NEW, 0);
	put_str(&r, VDPA_ATTR_DEV_NAME, name);
	put_str(&r, VDPA_ATTR_MGMTDEV_DEV_NAME, mgmtdev());
	return nl_talk(nl, &r, NULL);
}

static int dev_del(struct nl *nl, const char *name)
{
	struct req r;

	req_init(&r, nl->family, VDPA_CMD_DEV_DEL, 0);
	put_str(&r, VDPA_ATTR_DEV_NAME, name);
	return nl_talk(nl, &r, NULL);
}

/* How many devices a dump lists, or -errno. */
static int dev_count(struct nl *nl)
{
	struct req r;
	int n = 0, ret;

	req_init(&r, nl->family, VDPA_CMD_DEV_GET, NLM_F_DUMP);
	ret = nl_talk(nl, &r, &n);
	return ret ? ret : n;
}

static int dev_get(struct nl *nl, const char *name)
{
	struct req r;

	req_init(&r, nl->family, VDPA_CMD_DEV_GET, 0);
	put_str(&r, VDPA_ATTR_DEV_NAME, name);
	return nl_talk(nl, &r, NULL);
}

/*
 * Give up CAP_NET_ADMIN for good: out of the bounding set, so that an exec
 * (even of root's) does not get it back, and out of the sets we hold.
 */
static int drop_net_admin(void)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];
	uint32_t bit = 1u << (CAP_NET_ADMIN % 32);
	int word = CAP_NET_ADMIN / 32;

	if (prctl(PR_CAPBSET_DROP, CAP_NET_ADMIN, 0, 0, 0) ||
	    syscall(SYS_capget, &h, d))
		return -errno;
	d[word].effective &= ~bit;
	d[word].permitted &= ~bit;
	d[word].inheritable &= ~bit;
	return syscall(SYS_capset, &h, d) ? -errno : 0;
}

static bool our_module_loaded(void)
{
	return access("/sys/module/vmdev_vdpa", F_OK) == 0;
}

FIXTURE(vdpa) {
	struct nl nl;
	int devices;
};

FIXTURE_SETUP(vdpa)
{
	ASSERT_EQ(0, nl_connect(&self->nl));
	dev_del(&self->nl, NAME);
	ASSERT_EQ(0, dev_add(&self->nl, NAME));
	self->devices = dev_count(&self->nl);
	ASSERT_LT(0, self->devices);
}

FIXTURE_TEARDOWN(vdpa)
{
	/* Whatever the case did, it created and removed nothing. */
	EXPECT_EQ(self->devices, dev_count(&self->nl));
	EXPECT_EQ(0, dev_del(&self->nl, NAME));
	close(self->nl.fd);
}

/* Send @r; expect -@err back. */
#define EXPECT_REQ(err, r)	EXPECT_EQ(-(err), nl_talk(&self->nl, (r), NULL))

TEST_F(vdpa, mgmtdev_get_needs_a_name)
{
	struct req r;

	req_init(&r, self->nl.family, VDPA_CMD_MGMTDEV_GET, 0);
	EXPECT_REQ(EINVAL, &r);
	req_init(&r, self->nl.family, VDPA_CMD_MGMTDEV_GET, 0);
	put_str(&r, VDPA_ATTR_MGMTDEV_BUS_NAME, "pci");
	EXPECT_REQ(EINVAL, &r);
}

TEST_F(vdpa, mgmtdev_get_unknown_is_enodev)
{
	struct req r;

	req_init(&r, self->nl.family, VDPA_CMD_MGMTDEV_GET, 0);
	put_str(&r, VDPA_ATTR_MGMTDEV_DEV_NAME, "nosuch");
	EXPECT_REQ(ENODEV, &r);
	/* A bus where the device has none. */
	req_init(&r, self->nl.family, VDPA_CMD_MGMTDEV_GET, 0);
	put_str(&r, VDPA_ATTR_MGMTDEV_BUS_NAME, "pci");
	put_str(&r, VDPA_ATTR_MGMTDEV_DEV_NAME, mgmtdev());
	EXPECT_REQ(ENODEV, &r);
	req_init(&r, self->nl.family, VDPA_CMD_MGMTDEV_GET, 0);
	put_str(&r, VDPA_ATTR_MGMTDEV_DEV_NAME, mgmtdev());
	EXPECT_REQ(0, &r);
}

TEST_F(vdpa, dev_new_needs_name_and_mgmtdev)
{
	struct req r;

	req_init(&r, self->nl.family, VDPA_CMD_DEV_NEW, 0);
	put_str(&r, VDPA_ATTR_MGMTDEV_DEV_NAME, mgmtdev());
	EXPECT_REQ(EINVAL, &r);
	req_init(&r, self->nl.family, VDPA_CMD_DEV_NEW, 0);
	put_str(&r, VDPA_ATTR_DEV_NAME, "fz1");
	EXPECT_REQ(EINVAL, &r);
	req_init(&r, self->nl.family, VDPA_CMD_DEV_NEW, 0);
	put_str(&r, VDPA_ATTR_DEV_NAME, "fz1");
	put_str(&r, VDPA_ATTR_MGMTDEV_DEV_NAME, "nosuch");
	EXPECT_REQ(ENODEV, &r);
}

TEST_F(vdpa, dev_new_name_in_use_is_eexist)
{
	EXPECT_EQ(-EEXIST, dev_add(&self->nl, NAME));
}

TEST_F(vdpa, dev_new_zero_queue_pairs_is_einval)
{
	struct req r;

	req_init(&r, self->nl.family, VDPA_CMD_DEV_NEW, 0);
	put_str(&r, VDPA_ATTR_DEV_NAME, "fz1");
	put_str(&r, VDPA_ATTR_MGMTDEV_DEV_NAME, mgmtdev());
	put_u16(&r, VDPA_ATTR_DEV_NET_CFG_MAX_VQP, 0);
	EXPECT_REQ(EINVAL, &r);
}

static int dev_add_features(struct nl *nl, const char *name, uint64_t f)
{
	struct req r;

	req_init(&r, nl->family, VDPA_CMD_DEV_NEW, 0);
	put_str(&r, VDPA_ATTR_DEV_NAME, name);
	put_str(&r, VDPA_ATTR_MGMTDEV_DEV_NAME, mgmtdev());
	put_u64(&r, VDPA_ATTR_DEV_FEATURES, f);
	return nl_talk(nl, &r, NULL);
}

/* The first line of @path, without its newline: 0 or -errno. */
static int read_line(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	int ret = 0;

	if (!f)
		return -errno;
	if (!fgets(buf, size, f))
		ret = -EIO;
	fclose(f);
	buf[strcspn(buf, "\n")] = 0;
	return ret;
}

/* The device_features file of the mdev that vdpa device @name is. */
static int features_of(const char *name, char *buf, size_t size)
{
	char path[512], n[128];
	struct dirent *e;
	int ret = -ENOENT;
	DIR *d;

	d = opendir("/sys/bus/mdev/devices");
	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		snprintf(path, sizeof(path), "/sys/bus/mdev/devices/%s/vdpa_name",
			 e->d_name);
		if (read_line(path, n, sizeof(n)) || strcmp(n, name))
			continue;
		snprintf(path, sizeof(path),
			 "/sys/bus/mdev/devices/%s/device_features", e->d_name);
		ret = read_line(path, buf, size);
		break;
	}
	closedir(d);
	return ret;
}

#define F(b)	(1ULL << (b))
/* Features both mvnet and vdpa_sim_net have. */
#define COMMON	(F(VIRTIO_F_VERSION_1) | F(VIRTIO_F_ACCESS_PLATFORM) |	\
		 F(VIRTIO_NET_F_MAC) | F(VIRTIO_NET_F_MTU) |		\
		 F(VIRTIO_NET_F_STATUS) | F(VIRTIO_NET_F_CTRL_VQ) |	\
		 F(VIRTIO_NET_F_CTRL_MAC_ADDR))

/*
 * A device created with chosen features (upstream's "vdpa dev add ...
 * device_features"): a set beyond the management device's is refused as
 * upstream refuses it; ours also refuses a set no consumer can use.
 */
TEST_F(vdpa, dev_new_device_features)
{
	char buf[64], want[64];

	EXPECT_EQ(-EINVAL, dev_add_features(&self->nl, "fz1",
					    COMMON | F(VIRTIO_NET_F_GUEST_TSO4)));
	/*
	 * Upstream 6.1's vdpa_sim keeps an accepted set as its management
	 * device's for every later device: nothing is created there.
	 */
	if (upstream())
		return;
	EXPECT_EQ(-EINVAL, dev_add_features(&self->nl, "fz1",
					    COMMON & ~F(VIRTIO_F_VERSION_1)));
	EXPECT_EQ(-EINVAL, dev_add_features(&self->nl, "fz1",
					    COMMON & ~F(VIRTIO_NET_F_CTRL_VQ)));
	ASSERT_EQ(0, dev_add_features(&self->nl, "fz1", COMMON));
	EXPECT_EQ(0, features_of("fz1", buf, sizeof(buf)));
	snprintf(want, sizeof(want), "0x%016llx", (unsigned long long)COMMON);
	EXPECT_STREQ(want, buf);
	EXPECT_EQ(0, dev_del(&self->nl, "fz1"));
}

/* The policy's answers: genetlink validates before any of our code runs. */
TEST_F(vdpa, dev_new_policy)
{
	static const uint8_t mac[7] = { 2, 0, 0, 0, 0, 1, 0 };
	struct req r;
	uint8_t one = 1;

	/* A MAC of 5 and of 7 bytes. */
	req_init(&r, self->nl.family, VDPA_CMD_DEV_NEW, 0);
	put_str(&r, VDPA_ATTR_DEV_NAME, "fz1");
	put_str(&r, VDPA_ATTR_MGMTDEV_DEV_NAME, mgmtdev());
	put(&r, VDPA_ATTR_DEV_NET_CFG_MACADDR, mac, 5);
	EXPECT_REQ(ERANGE, &r);
	req_init(&r, self->nl.family, VDPA_CMD_DEV_NEW, 0);
	put_str(&r, VDPA_ATTR_DEV_NAME, "fz1");
	put_str(&r, VDPA_ATTR_MGMTDEV_DEV_NAME, mgmtdev());
	put(&r, VDPA_ATTR_DEV_NET_CFG_MACADDR, mac, 7);
	EXPECT_REQ(ERANGE, &r);
	/* An MTU below 68, and one of one byte. */
	req_init(&r, self->nl.family, VDPA_CMD_DEV_NEW, 0);
	put_str(&r, VDPA_ATTR_DEV_NAME, "fz1");
	put_str(&r, VDPA_ATTR_MGMTDEV_DEV_NAME, mgmtdev());
	put_u16(&r, VDPA_ATTR_DEV_NET_CFG_MTU, 67);
	EXPECT_REQ(ERANGE, &r);
	req_init(&r, self->nl.family, VDPA_CMD_DEV_NEW, 0);
	put_str(&r, VDPA_ATTR_DEV_NAME, "fz1");
	put_str(&r, VDPA_ATTR_MGMTDEV_DEV_NAME, mgmtdev());
	put(&r, VDPA_ATTR_DEV_NET_CFG_MTU, &one, 1);
	EXPECT_REQ(EINVAL, &r);
	/* A bus name without its NUL. */
	req_init(&r, self->nl.family, VDPA_CMD_DEV_NEW, 0);
	put_str(&r, VDPA_ATTR_DEV_NAME, "fz1");
	put(&r, VDPA_ATTR_MGMTDEV_BUS_NAME, "pci", 3);
	put_str(&r, VDPA_ATTR_MGMTDEV_DEV_NAME, mgmtdev());
	EXPECT_REQ(EINVAL, &r);
}

TEST_F(vdpa, malformed_messages)
{
	struct req r;

	/* An attribute longer than the message. */
	req_init(&r, self->nl.family, VDPA_CMD_DEV_GET, 0);
	put_raw(&r, VDPA_ATTR_DEV_NAME, NAME, 4, 200);
	EXPECT_REQ(EINVAL, &r);
	/* No room for the generic netlink header. */
	req_init(&r, self->nl.family, VDPA_CMD_DEV_GET, 0);
	r.nlh.nlmsg_len = NLMSG_LENGTH(2);
	EXPECT_REQ(EINVAL, &r);
	/* A command the family does not have. */
	req_init(&r, self->nl.family, 42, 0);
	EXPECT_REQ(EOPNOTSUPP, &r);
	req_init(&r, self->nl.family, VDPA_CMD_MGMTDEV_NEW, 0);
	EXPECT_REQ(EOPNOTSUPP, &r);
	/* An attribute the family does not know (strict validation). */
	req_init(&r, self->nl.family, VDPA_CMD_DEV_GET, 0);
	put_str(&r, VDPA_ATTR_DEV_NAME, NAME);
	put_u32(&r, VDPA_ATTR_MAX + 1, 1);
	EXPECT_REQ(EINVAL, &r);
}

TEST_F(vdpa, device_commands_need_a_known_name)
{
	static const uint8_t cmds[] = {
		VDPA_CMD_DEV_DEL, VDPA_CMD_DEV_GET, VDPA_CMD_DEV_CONFIG_GET,
	};
	struct req r;
	unsigned int i;

	for (i = 0; i < sizeof(cmds); i++) {
		req_init(&r, self->nl.family, cmds[i], 0);
		EXPECT_REQ(EINVAL, &r);
		req_init(&r, self->nl.family, cmds[i], 0);
		put_str(&r, VDPA_ATTR_DEV_NAME, "nosuch");
		EXPECT_REQ(ENODEV, &r);
		/* Not NUL-terminated: compared as the string it holds. */
		req_init(&r, self->nl.family, cmds[i], 0);
		put(&r, VDPA_ATTR_DEV_NAME, "fz", 2);
		EXPECT_REQ(ENODEV, &r);
	}
	req_init(&r, self->nl.family, VDPA_CMD_DEV_CONFIG_GET, 0);
	put(&r, VDPA_ATTR_DEV_NAME, NAME, 3);
	EXPECT_REQ(0, &r);
}

TEST_F(vdpa, vstats)
{
	struct req r;

	req_init(&r, self->nl.family, VDPA_CMD_DEV_VSTATS_GET, 0);
	put_str(&r, VDPA_ATTR_DEV_NAME, NAME);
	EXPECT_REQ(EINVAL, &r);
	req_init(&r, self->nl.family, VDPA_CMD_DEV_VSTATS_GET, 0);
	put_u32(&r, VDPA_ATTR_DEV_QUEUE_INDEX, 0);
	EXPECT_REQ(EINVAL, &r);
	req_init(&r, self->nl.family, VDPA_CMD_DEV_VSTATS_GET, 0);
	put_str(&r, VDPA_ATTR_DEV_NAME, "nosuch");
	put_u32(&r, VDPA_ATTR_DEV_QUEUE_INDEX, 0);
	EXPECT_REQ(ENODEV, &r);
	req_init(&r, self->nl.family, VDPA_CMD_DEV_VSTATS_GET, 0);
	put_str(&r, VDPA_ATTR_DEV_NAME, NAME);
	put_u32(&r, VDPA_ATTR_DEV_QUEUE_INDEX, 0x8001);
	EXPECT_REQ(ERANGE, &r);
	/*
	 * vdpa_sim_net does not count per queue; mvnet does, once the
	 * driver has set FEATURES_OK (a vhost device nobody opened: not yet).
	 */
	req_init(&r, self->nl.family, VDPA_CMD_DEV_VSTATS_GET, 0);
	put_str(&r, VDPA_ATTR_DEV_NAME, NAME);
	put_u32(&r, VDPA_ATTR_DEV_QUEUE_INDEX, 0);
	EXPECT_REQ(upstream() ? EOPNOTSUPP : EAGAIN, &r);
}

/* Without CAP_NET_ADMIN, changes are refused, reading is for everyone. */
TEST_F(vdpa, privileged_commands_need_cap_net_admin)
{
	pid_t pid = fork();
	int status;

	ASSERT_LE(0, pid);
	if (!pid) {
		struct nl nl;
		struct req r;
		int bad = 0;

		if (drop_net_admin() || nl_connect(&nl))
			_exit(100);
		bad += dev_add(&nl, "fz1") != -EPERM;
		bad += dev_del(&nl, NAME) != -EPERM;
		req_init(&r, nl.family, VDPA_CMD_DEV_VSTATS_GET, 0);
		put_str(&r, VDPA_ATTR_DEV_NAME, NAME);
		put_u32(&r, VDPA_ATTR_DEV_QUEUE_INDEX, 0);
		bad += nl_talk(&nl, &r, NULL) != -EPERM;
		bad += dev_get(&nl, NAME) != 0;
		bad += dev_count(&nl) <= 0;
		_exit(bad);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

/*
 * Random requests: any command number, 0-5 attributes of any type (some
 * known ones more often), random lengths, random payloads, sometimes a
 * lying length. Names are random too, so none creates or removes a device
 * (the teardown counts them); the kernel must answer each.
 */
TEST_F(vdpa, random_requests)
{
	unsigned int seed = time(NULL), i, j;
	uint8_t payload[64];
	struct req r;
	int ret;

	TH_LOG("seed %u", seed);
	srand(seed);
	for (i = 0; i < 3000; i++) {
		uint8_t cmd = rand() % 10;
		unsigned int nattrs = rand() % 6;

		req_init(&r, self->nl.family, cmd,
			 rand() % 4 ? 0 : NLM_F_DUMP);
		for (j = 0; j < nattrs; j++) {
			uint16_t type = rand() % 3 ? rand() % (VDPA_ATTR_MAX + 2) :
						     rand() & 0xffff;
			uint16_t len = rand() % sizeof(payload);
			unsigned int k;

			for (k = 0; k < len; k++)
				payload[k] = rand() % 4 ? 'a' + rand() % 26 : rand();
			if (rand() % 20)
				put(&r, type, payload, len);
			else
				put_raw(&r, type, payload, len, rand() & 0xffff);
		}
		ret = nl_talk(&self->nl, &r, NULL);
		/* An answer, and never a device created or removed. */
		ASSERT_GE(0, ret);
		if (cmd == VDPA_CMD_DEV_NEW || cmd == VDPA_CMD_DEV_DEL)
			ASSERT_NE(0, ret) TH_LOG("request %u succeeded", i);
	}
}

struct racer {
	int id;
	int rounds;
	int unexpected;
	int last;	/* the last unexpected answer */
	bool *stop;
};

static bool stopped(struct racer *t)
{
	return __atomic_load_n(t->stop, __ATOMIC_ACQUIRE);
}

/* Add and remove a device of its own, as fast as it can. */
static void *add_del(void *arg)
{
	struct racer *t = arg;
	char name[16];
	struct nl nl;
	int ret;

	snprintf(name, sizeof(name), "race%d", t->id);
	if (nl_connect(&nl)) {
		t->unexpected++;
		return NULL;
	}
	while (!stopped(t)) {
		ret = dev_add(&nl, name);
		/* The parent may be away, or another racer's device there. */
		if (ret && ret != -ENODEV && ret != -EUSERS) {
			t->unexpected++;
			t->last = ret;
		}
		ret = dev_del(&nl, name);
		if (ret && ret != -ENODEV) {
			t->unexpected++;
			t->last = ret;
		}
		t->rounds++;
	}
	close(nl.fd);
	return NULL;
}

/* Dump the devices and the config spaces, over and over. */
static void *dumper(void *arg)
{
	struct racer *t = arg;
	struct nl nl;
	struct req r;

	if (nl_connect(&nl)) {
		t->unexpected++;
		return NULL;
	}
	while (!stopped(t)) {
		if (dev_count(&nl) < 0)
			t->unexpected++;
		req_init(&r, nl.family, VDPA_CMD_DEV_CONFIG_GET, NLM_F_DUMP);
		if (nl_talk(&nl, &r, NULL))
			t->unexpected++;
		req_init(&r, nl.family, VDPA_CMD_MGMTDEV_GET, NLM_F_DUMP);
		if (nl_talk(&nl, &r, NULL))
			t->unexpected++;
		t->rounds++;
	}
	close(nl.fd);
	return NULL;
}

/*
 * Three adders and two dumpers at once, while mvnet, the parent, is
 * unloaded and loaded again under them: nothing fails but with "no such
 * parent", nothing is left behind, and the kernel (the VM run checks its
 * log) has nothing to say.
 */
TEST_F_TIMEOUT(vdpa, concurrent_commands_and_parent_removal, 300)
{
	struct racer t[5] = {};
	pthread_t th[5];
	bool stop = false;
	int i, reloads = 0;

	if (upstream())
		SKIP(return, "our parent only");
	if (keep_modules())
		SKIP(return, "VDPA_TEST_KEEP_MODULES: mvnet stays");
	for (i = 0; i < 5; i++) {
		t[i].id = i;
		t[i].stop = &stop;
		ASSERT_EQ(0, pthread_create(&th[i], NULL, i < 3 ? add_del : dumper,
					    &t[i]));
	}
	usleep(300000);
	/* Our fixture's device goes with the parent: make it again after. */
	for (i = 0; i < 3; i++) {
		if (system("rmmod mvnet 2>/dev/null") == 0)
			reloads++;
		usleep(100000);
		ASSERT_EQ(0, system("modprobe mvnet"));
		usleep(200000);
	}
	__atomic_store_n(&stop, true, __ATOMIC_RELEASE);
	for (i = 0; i < 5; i++) {
		pthread_join(th[i], NULL);
		EXPECT_EQ(0, t[i].unexpected)
			TH_LOG("racer %d, last: %s", i, strerror(-t[i].last));
		EXPECT_LT(0, t[i].rounds) TH_LOG("racer %d", i);
	}
	EXPECT_LT(0, reloads);
	/* The racers' devices went with the parent or their own del. */
	for (i = 0; i < 3; i++) {
		char name[16];

		snprintf(name, sizeof(name), "race%d", i);
		EXPECT_EQ(-ENODEV, dev_get(&self->nl, name));
	}
	if (dev_get(&self->nl, NAME) == -ENODEV)
		ASSERT_EQ(0, dev_add(&self->nl, NAME));
}

struct del_racer {
	struct nl nl;
	const char *name;
	pthread_barrier_t *go;
	int ret;
};

static void *del_one(void *arg)
{
	struct del_racer *d = arg;

	pthread_barrier_wait(d->go);
	d->ret = dev_del(&d->nl, d->name);
	return NULL;
}

/* Two removals of one device at once: one removes it, one finds nothing. */
TEST_F(vdpa, concurrent_dels_of_one_device)
{
	struct del_racer d[2] = {};
	pthread_barrier_t go;
	pthread_t th[2];
	int round, i;

	ASSERT_EQ(0, pthread_barrier_init(&go, NULL, 2));
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, nl_connect(&d[i].nl));
		d[i].name = "fz2";
		d[i].go = &go;
	}
	for (round = 0; round < 30; round++) {
		ASSERT_EQ(0, dev_add(&self->nl, "fz2"));
		for (i = 0; i < 2; i++)
			ASSERT_EQ(0, pthread_create(&th[i], NULL, del_one, &d[i]));
		for (i = 0; i < 2; i++)
			pthread_join(th[i], NULL);
		ASSERT_EQ(-ENODEV, d[0].ret + d[1].ret)
			TH_LOG("round %d: %d and %d", round, d[0].ret, d[1].ret);
		ASSERT_EQ(-ENODEV, dev_get(&self->nl, "fz2"));
	}
	for (i = 0; i < 2; i++)
		close(d[i].nl.fd);
	pthread_barrier_destroy(&go);
}

#define MVNET_CREATE \
	"/sys/class/mdev_bus/mvnet/mdev_supported_types/mvnet-vhost/create"
#define MDEV_DEVICES	"/sys/bus/mdev/devices/"

struct creator {
	const char *uuid;
	int ret;
	bool done;
};

static void *create_mdev(void *arg)
{
	struct creator *c = arg;
	int fd = open(MVNET_CREATE, O_WRONLY);

	c->ret = 0;
	if (fd < 0 || write(fd, c->uuid, strlen(c->uuid)) < 0)
		c->ret = -errno;
	if (fd >= 0)
		close(fd);
	__atomic_store_n(&c->done, true, __ATOMIC_RELEASE);
	return NULL;
}

/*
 * A removal by UUID while sysfs creates that mdev: until mdev has
 * finished creating it (its probe done), the device is not there; once
 * it is, the removal removes it. It never strands a device whose remove
 * file is gone (mdev refuses to remove a device it is creating, after the
 * file removed itself).
 */
TEST_F(vdpa, del_while_sysfs_creates)
{
	static const char uuid[] = "5a0f3e2c-0b1d-4c2e-9d7a-0000000000e1";
	int round, ret, hits = 0;

	if (upstream())
		SKIP(return, "our parent only");
	for (round = 0; round < 30; round++) {
		struct creator c = { .uuid = uuid };
		pthread_t th;
		bool done;

		ASSERT_EQ(0, pthread_create(&th, NULL, create_mdev, &c));
		do {
			done = __atomic_load_n(&c.done, __ATOMIC_ACQUIRE);
			ret = dev_del(&self->nl, uuid);
			/* -ENODEV: not there yet, try again. */
		} while (ret == -ENODEV && !done);
		pthread_join(th, NULL);
		ASSERT_EQ(0, c.ret) TH_LOG("round %d: create %d", round, c.ret);
		/*
		 * Removed, by the last try at the latest (after the create's
		 * end); -EAGAIN would be mdev's refusal, the file gone.
		 */
		ASSERT_EQ(0, ret) TH_LOG("round %d: del %d", round, ret);
		hits += !done;
		ASSERT_NE(0, access(MDEV_DEVICES "5a0f3e2c-0b1d-4c2e-9d7a-0000000000e1",
				    F_OK)) TH_LOG("round %d: still there", round);
	}
	TH_LOG("%d removals before the create write returned", hits);
}

/*
 * A dump that has sent its first part holds a reference on the module
 * (genetlink takes it for the dump's callbacks): unloading fails until
 * it is read to its end.
 */
TEST_F(vdpa, dump_in_progress_pins_the_module)
{
	static char buf[BUF_SIZE];
	struct nl dump;
	struct req r;
	bool done = false;
	ssize_t n;

	if (upstream())
		SKIP(return, "our module only");
	if (keep_modules())
		SKIP(return, "VDPA_TEST_KEEP_MODULES: vmdev_vdpa stays");
	ASSERT_EQ(0, nl_connect(&dump));
	req_init(&r, dump.family, VDPA_CMD_DEV_GET, NLM_F_DUMP);
	r.nlh.nlmsg_seq = 1;
	ASSERT_LT(0, send(dump.fd, r.buf, r.nlh.nlmsg_len, 0));
	/* The first part is queued on the socket, the dump not done. */
	usleep(100000);
	EXPECT_EQ(-1, syscall(__NR_delete_module, "vmdev_vdpa", O_NONBLOCK));
	EXPECT_EQ(EWOULDBLOCK, errno);
	EXPECT_TRUE(our_module_loaded());
	while (!done) {
		struct nlmsghdr *h;

		n = recv(dump.fd, buf, sizeof(buf), 0);
		ASSERT_LT(0, n);
		for (h = (void *)buf; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n))
			if (h->nlmsg_type == NLMSG_DONE)
				done = true;
	}
	close(dump.fd);
	/* Then it unloads, its devices staying, and the tool loads it again. */
	EXPECT_EQ(0, syscall(__NR_delete_module, "vmdev_vdpa", O_NONBLOCK));
	EXPECT_FALSE(our_module_loaded());
	close(self->nl.fd);
	ASSERT_EQ(0, nl_connect(&self->nl));
	EXPECT_TRUE(our_module_loaded());
	EXPECT_EQ(0, dev_get(&self->nl, NAME));
}

int main(int argc, char **argv)
{
	if (argc > 2 && !strcmp(argv[1], "--without-net-admin")) {
		if (drop_net_admin()) {
			perror("dropping CAP_NET_ADMIN");
			return 125;
		}
		execvp(argv[2], argv + 2);
		perror(argv[2]);
		return 127;
	}
	return test_harness_run(argc, argv);
}
