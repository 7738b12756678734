// SPDX-License-Identifier: GPL-2.0-only
/*
 * Lifecycle of vmdev parents and devices, tested on mvnet: filling the
 * parent to its max_devices limit, unloading mvnet with devices present,
 * loading it again, and unloading vmdev itself.
 *
 * Tests that unload a module load it again before they end, and the
 * teardown does so too when a test fails half-way, so every test starts
 * and ends with vmdev and mvnet loaded and mvnet at its default limit.
 */
#include <dirent.h>
#include <stdlib.h>

#include "kselftest_harness.h"
#include "vmdev_test.h"

#define RELOAD_CYCLES	20

static const char * const types[] = { MVNET_VHOST, MVNET_VIRTIO };

/* Every device a test tried to create, for the teardown to remove. */
struct mdev_set {
	char (*uuid)[UUID_BUF];
	int nr;
	int size;
};

FIXTURE(mvnet_module) {
	struct mdev_set devs;
};

FIXTURE_SETUP(mvnet_module)
{
	require_mvnet(_metadata);
	self->devs.size = MVNET_DEFAULT_MAX_DEVICES + 16;
	self->devs.uuid = calloc(self->devs.size, sizeof(*self->devs.uuid));
	ASSERT_NE(NULL, self->devs.uuid);
}

FIXTURE_TEARDOWN(mvnet_module)
{
	int i;

	for (i = 0; i < self->devs.nr; i++)
		mdev_cleanup(self->devs.uuid[i]);
	free(self->devs.uuid);

	/* Leave mvnet loaded with its default limit, as the runner did. */
	if (module_loaded("mvnet") &&
	    mvnet_max_devices() != MVNET_DEFAULT_MAX_DEVICES)
		module_unload("mvnet");
	if (!module_loaded("mvnet"))
		module_load("mvnet", NULL);
}

/*
 * Create a device of @type with a new UUID, remembered for the teardown
 * whether or not creating it works. Returns 0 or -errno.
 */
static int create(struct mdev_set *devs, const char *type)
{
	if (devs->nr == devs->size)
		return -ENOSPC;
	return mdev_create_new(type, devs->uuid[devs->nr++]);
}

/* @n more devices, alternating between the types. Returns 0 or -errno. */
static int create_n(struct mdev_set *devs, int n)
{
	int i, ret;

	for (i = 0; i < n; i++) {
		ret = create(devs, types[i % 2]);
		if (ret)
			return ret;
	}
	return 0;
}

/* Remove every device of @devs that exists. Returns 0 or the first -errno. */
static int remove_all(struct mdev_set *devs)
{
	int i, ret, err = 0;

	for (i = 0; i < devs->nr; i++) {
		if (!mdev_exists(devs->uuid[i]))
			continue;
		ret = mdev_remove(devs->uuid[i]);
		if (ret && !err)
			err = ret;
	}
	return err;
}

/* How many devices of @devs exist. */
static int count_present(struct mdev_set *devs)
{
	int i, n = 0;

	for (i = 0; i < devs->nr; i++)
		n += mdev_exists(devs->uuid[i]);
	return n;
}

/* The UUID of the device created last. */
static const char *last(struct mdev_set *devs)
{
	return devs->uuid[devs->nr - 1];
}

/* mvnet is loaded, and offers @avail instances of each type. */
#define EXPECT_MVNET_READY(avail) do {					\
	long __avail = (avail);						\
									\
	EXPECT_TRUE(module_loaded("mvnet"));				\
	EXPECT_TRUE(path_exists(MVNET_PARENT));				\
	EXPECT_EQ(__avail, available_instances(MVNET_VHOST));		\
	EXPECT_EQ(__avail, available_instances(MVNET_VIRTIO));		\
} while (0)

TEST_F_TIMEOUT(mvnet_module, fill_to_max_devices, 300)
{
	long max = mvnet_max_devices();
	long i;

	ASSERT_LT(0, max);
	ASSERT_GE(self->devs.size - 2, max);
	ASSERT_EQ(max, available_instances(MVNET_VHOST))
		TH_LOG("mvnet devices left over by another test?");

	for (i = 0; i < max; i++) {
		ASSERT_EQ(0, create(&self->devs, types[i % 2]))
			TH_LOG("creating device %ld of %ld", i + 1, max);
		ASSERT_EQ(max - i - 1, available_instances(types[(i + 1) % 2]));
	}
	EXPECT_EQ(0, available_instances(MVNET_VHOST));
	EXPECT_EQ(0, available_instances(MVNET_VIRTIO));

	EXPECT_ERRNO(EUSERS, create(&self->devs, MVNET_VHOST));
	EXPECT_FALSE(mdev_exists(last(&self->devs)));
	EXPECT_ERRNO(EUSERS, create(&self->devs, MVNET_VIRTIO));
	EXPECT_FALSE(mdev_exists(last(&self->devs)));
	EXPECT_EQ(0, available_instances(MVNET_VHOST));

	ASSERT_EQ(0, remove_all(&self->devs));
	EXPECT_EQ(max, available_instances(MVNET_VHOST));
	EXPECT_EQ(max, available_instances(MVNET_VIRTIO));
}

TEST_F(mvnet_module, max_devices_defaults_to_1024)
{
	ASSERT_EQ(0, module_unload("mvnet"));
	ASSERT_EQ(0, module_load("mvnet", NULL));
	EXPECT_EQ(MVNET_DEFAULT_MAX_DEVICES, mvnet_max_devices());
	EXPECT_MVNET_READY(MVNET_DEFAULT_MAX_DEVICES);
}

TEST_F(mvnet_module, max_devices_parameter_limits_devices)
{
	ASSERT_EQ(0, module_unload("mvnet"));
	ASSERT_EQ(0, module_load("mvnet", "max_devices=3"));
	EXPECT_EQ(3, mvnet_max_devices());
	EXPECT_MVNET_READY(3);

	ASSERT_EQ(0, create(&self->devs, MVNET_VIRTIO));
	ASSERT_EQ(0, create(&self->devs, MVNET_VHOST));
	ASSERT_EQ(0, create(&self->devs, MVNET_VIRTIO));
	EXPECT_MVNET_READY(0);
	EXPECT_ERRNO(EUSERS, create(&self->devs, MVNET_VHOST));
	EXPECT_ERRNO(EUSERS, create(&self->devs, MVNET_VIRTIO));

	/* A freed slot can be taken by either type. */
	ASSERT_EQ(0, mdev_remove(self->devs.uuid[0]));
	EXPECT_MVNET_READY(1);
	EXPECT_EQ(0, create(&self->devs, MVNET_VHOST));
	EXPECT_MVNET_READY(0);
}

/*
 * Child of concurrent_creates_respect_limit: create devices @first to
 * @first + @n - 1 of @devs. Exit status: how many were created, or 255 if
 * one failed with anything but EUSERS.
 */
static void create_slice(struct mdev_set *devs, int first, int n)
{
	int i, ret, created = 0;

	for (i = first; i < first + n; i++) {
		ret = mdev_create(types[i % 2], devs->uuid[i]);
		if (!ret)
			created++;
		else if (ret != -EUSERS)
			_exit(255);
	}
	_exit(created);
}

TEST_F(mvnet_module, concurrent_creates_respect_limit)
{
	const int limit = 8, each = 6;
	int i, status, created = 0;
	pid_t pid[4];
	const int children = ARRAY_SIZE(pid);

	ASSERT_EQ(0, module_unload("mvnet"));
	ASSERT_EQ(0, module_load("mvnet", "max_devices=8"));
	ASSERT_EQ(limit, mvnet_max_devices());

	for (i = 0; i < children * each; i++)
		uuid_gen(self->devs.uuid[self->devs.nr++]);
	for (i = 0; i < children; i++) {
		pid[i] = fork();
		ASSERT_LE(0, pid[i]);
		if (!pid[i])
			create_slice(&self->devs, i * each, each);
	}
	for (i = 0; i < children; i++) {
		ASSERT_EQ(pid[i], waitpid(pid[i], &status, 0));
		ASSERT_TRUE(WIFEXITED(status));
		ASSERT_NE(255, WEXITSTATUS(status))
			TH_LOG("a create failed with another errno than EUSERS");
		created += WEXITSTATUS(status);
	}
	EXPECT_EQ(limit, created);
	EXPECT_EQ(limit, count_present(&self->devs));
	EXPECT_MVNET_READY(0);
}

TEST_F(mvnet_module, rmmod_vmdev_refused_while_mvnet_loaded)
{
	ASSERT_EQ(0, create(&self->devs, MVNET_VHOST));

	/* delete_module(2) on a module others depend on, 6.1: EWOULDBLOCK */
	EXPECT_ERRNO(EWOULDBLOCK, module_unload("vmdev"));
	EXPECT_TRUE(module_loaded("vmdev"));
	EXPECT_TRUE(module_loaded("mvnet"));
	EXPECT_TRUE(mdev_exists(last(&self->devs)));
	EXPECT_EQ(0, create(&self->devs, MVNET_VIRTIO));
}

TEST_F(mvnet_module, rmmod_mvnet_removes_its_devices)
{
	ASSERT_EQ(0, create_n(&self->devs, 4));
	ASSERT_EQ(0, dev_write(self->devs.uuid[0], "peer",
			       self->devs.uuid[1]));

	ASSERT_EQ(0, module_unload("mvnet"));
	EXPECT_FALSE(module_loaded("mvnet"));
	EXPECT_TRUE(module_loaded("vmdev"));
	EXPECT_FALSE(path_exists(MVNET_PARENT));
	EXPECT_EQ(0, count_present(&self->devs));
}

TEST_F(mvnet_module, modprobe_mvnet_restores_parent)
{
	long max = mvnet_max_devices();
	int i;

	ASSERT_LT(0, max);
	ASSERT_EQ(0, create_n(&self->devs, 4));
	ASSERT_EQ(0, module_unload("mvnet"));
	ASSERT_EQ(0, module_load("mvnet", NULL));

	EXPECT_MVNET_READY(max);
	for (i = 0; i < 4; i++) {
		EXPECT_FALSE(mdev_exists(self->devs.uuid[i]));
		/* the old UUIDs are free again */
		EXPECT_EQ(0, mdev_create(types[i % 2], self->devs.uuid[i]));
	}
	EXPECT_MVNET_READY(max - 4);
}

TEST_F_TIMEOUT(mvnet_module, reload_cycles_with_devices, 300)
{
	long max = mvnet_max_devices();
	int cycle;

	ASSERT_LT(0, max);
	for (cycle = 0; cycle < RELOAD_CYCLES; cycle++) {
		if (cycle) {
			ASSERT_EQ(0, module_load("mvnet", NULL))
				TH_LOG("cycle %d", cycle);
		}
		EXPECT_MVNET_READY(max);

		self->devs.nr = 0;
		ASSERT_EQ(0, create_n(&self->devs, 4))
			TH_LOG("cycle %d", cycle);
		ASSERT_EQ(0, dev_write(self->devs.uuid[0], "peer",
				       self->devs.uuid[1]));
		ASSERT_EQ(0, dev_write(self->devs.uuid[2], "link", "down"));
		ASSERT_EQ(0, dev_write(self->devs.uuid[3], "mtu", "9000"));
		EXPECT_MVNET_READY(max - 4);

		ASSERT_EQ(0, module_unload("mvnet"))
			TH_LOG("cycle %d", cycle);
		EXPECT_EQ(0, count_present(&self->devs));
		EXPECT_FALSE(path_exists(MVNET_PARENT));
	}
	ASSERT_EQ(0, module_load("mvnet", NULL));
	EXPECT_MVNET_READY(max);
}

#define VMDEV_HOLDERS	"/sys/module/vmdev/holders"
#define MAX_HOLDERS	8

/*
 * The modules besides mvnet that use vmdev's symbols (personalities, other
 * vendor drivers), which must go first: up to MAX_HOLDERS names, each to
 * free(), into @names. Returns how many, or -errno.
 */
static int vmdev_holders(char *names[MAX_HOLDERS])
{
	struct dirent *e;
	int n = 0;
	DIR *d;

	d = opendir(VMDEV_HOLDERS);
	if (!d)
		return -errno;
	while ((e = readdir(d)) && n < MAX_HOLDERS) {
		if (e->d_name[0] == '.' || !strcmp(e->d_name, "mvnet"))
			continue;
		names[n] = strdup(e->d_name);
		if (!names[n])
			break;
		n++;
	}
	closedir(d);
	return n;
}

TEST_F(mvnet_module, rmmod_and_modprobe_vmdev)
{
	char *holders[MAX_HOLDERS];
	bool vhost_was_loaded = module_loaded("vhost_mdev");
	char buf[VAL_BUF];
	int i, n;

	ASSERT_EQ(0, create(&self->devs, MVNET_VIRTIO));
	n = vmdev_holders(holders);
	ASSERT_LE(0, n);
	ASSERT_GT(MAX_HOLDERS, n);
	for (i = 0; i < n; i++)
		ASSERT_EQ(0, module_unload(holders[i])) TH_LOG("%s", holders[i]);
	ASSERT_EQ(0, module_unload("mvnet"));
	ASSERT_EQ(0, module_unload("vmdev"));
	EXPECT_FALSE(module_loaded("vmdev"));
	EXPECT_FALSE(path_exists("/sys/bus/mdev/drivers/vmdev"));

	/* mvnet pulls vmdev back in */
	ASSERT_EQ(0, module_load("mvnet", NULL));
	EXPECT_TRUE(module_loaded("vmdev"));
	EXPECT_TRUE(path_exists("/sys/bus/mdev/drivers/vmdev"));
	EXPECT_MVNET_READY(MVNET_DEFAULT_MAX_DEVICES);

	ASSERT_EQ(0, create(&self->devs, MVNET_VHOST));
	ASSERT_LE(0, dev_read(last(&self->devs), "personality", buf,
			      sizeof(buf)));
	EXPECT_STREQ("vhost", buf);
	/* Creating the device loaded its personality module on demand. */
	if (vhost_was_loaded)
		EXPECT_TRUE(module_loaded("vhost_mdev"));
	EXPECT_EQ(0, mdev_remove(last(&self->devs)));

	for (i = 0; i < n; i++) {
		if (!module_loaded(holders[i]))
			EXPECT_EQ(0, module_load(holders[i], NULL))
				TH_LOG("%s", holders[i]);
		free(holders[i]);
	}
}

TEST_HARNESS_MAIN
