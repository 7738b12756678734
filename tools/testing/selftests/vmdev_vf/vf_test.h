/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The test VM's modern virtio-net functions and vmdev_vf: finding them,
 * binding them through driver_override (as vmdev_vf.sh does), releasing
 * them unbound without an override (as the other vmdev_vf tests expect to
 * find them), and creating a function's one device. Shared by
 * hw_vhost.c and hw_stress.c.
 *
 * Include kselftest_harness.h and vhost_mdev/vhost_mdev_test.h first.
 */
#ifndef _VF_TEST_H
#define _VF_TEST_H

#include <dirent.h>

#define VF_DRIVER		"vmdev_vf"
#define VF_MODULE		"vmdev_vf"
#define PCI_DEVICES		"/sys/bus/pci/devices"
#define PCI_DRIVERS_PROBE	"/sys/bus/pci/drivers_probe"
#define VF_DRIVER_DIR		"/sys/bus/pci/drivers/" VF_DRIVER
#define MDEV_BUS		"/sys/class/mdev_bus"
/* Modern virtio-net functions */
#define VF_VENDOR		"0x1af4"
#define VF_DEVICE		"0x1041"
#define PCI_NAME_BUF		32

/* /sys/bus/pci/devices/@fn/@attr */
static inline void fn_path(char *path, const char *fn, const char *attr)
{
	snprintf(path, PATH_BUF, PCI_DEVICES "/%s%s%s", fn, attr ? "/" : "",
		 attr ? attr : "");
}

static inline bool fn_is(const char *fn, const char *attr, const char *val)
{
	char path[PATH_BUF], buf[VAL_BUF];

	fn_path(path, fn, attr);
	return read_str(path, buf, sizeof(buf)) >= 0 && !strcmp(buf, val);
}

/* The first two modern virtio-net functions, in bus order; how many. */
static inline int find_functions(char fns[2][PCI_NAME_BUF])
{
	struct dirent **names;
	int i, n, found = 0;

	n = scandir(PCI_DEVICES, &names, NULL, alphasort);
	if (n < 0)
		return -errno;
	for (i = 0; i < n; i++) {
		const char *fn = names[i]->d_name;

		if (found < 2 && fn[0] != '.' &&
		    strlen(fn) < PCI_NAME_BUF &&
		    fn_is(fn, "vendor", VF_VENDOR) &&
		    fn_is(fn, "device", VF_DEVICE))
			strcpy(fns[found++], fn);
		free(names[i]);
	}
	free(names);
	return found;
}

/* The name of the driver bound to @fn, or "" when none is. */
static inline void fn_driver(const char *fn, char *name, size_t size)
{
	char path[PATH_BUF];

	fn_path(path, fn, "driver");
	link_name(path, name, size);
}

/* Unbind @fn from whatever drives it; 0 or -errno. */
static inline int fn_unbind(const char *fn)
{
	char path[PATH_BUF];

	fn_path(path, fn, "driver/unbind");
	return path_exists(path) ? write_str(path, fn) : 0;
}

/* Bind @fn to vmdev_vf through driver_override; 0 or -errno. */
static inline int fn_bind(const char *fn)
{
	char path[PATH_BUF], drv[VAL_BUF];
	int ret;

	ret = fn_unbind(fn);
	if (ret)
		return ret;
	fn_path(path, fn, "driver_override");
	ret = write_str(path, VF_DRIVER);
	if (!ret)
		ret = write_str(PCI_DRIVERS_PROBE, fn);
	if (ret)
		return ret;
	fn_driver(fn, drv, sizeof(drv));
	return strcmp(drv, VF_DRIVER) ? -ENODEV : 0;
}

/* Unbind @fn and forget the override (vf_release in vmdev_vf.sh). */
static inline void fn_release(const char *fn)
{
	char path[PATH_BUF];

	if (!fn[0])
		return;
	fn_unbind(fn);
	fn_path(path, fn, "driver_override");
	write_str(path, "\n");
}

/* The function's one device, of personality @type, under @uuid. */
static inline int fn_create_uuid(const char *fn, const char *type,
				 const char *uuid)
{
	char path[PATH_BUF];

	snprintf(path, sizeof(path),
		 MDEV_BUS "/%s/mdev_supported_types/" VF_DRIVER "-%s/create",
		 fn, type);
	return write_str(path, uuid);
}

/* The function's one device, of personality @type, in a new @uuid. */
static inline int fn_create(const char *fn, const char *type, char *uuid)
{
	uuid_gen(uuid);
	return fn_create_uuid(fn, type, uuid);
}

/*
 * Fixture setup of the tests on the VM's functions: root, vmdev_vf, two
 * functions (into @fns), vhost_mdev with VFIO and its type1 backend (which
 * comes with vfio, its soft dependency), and virtio_net (@vnet_loaded_here
 * says whether we loaded it); skips otherwise. Include the harness,
 * vhost_mdev_test.h and net_peer.h first.
 */
static inline void vf_require(struct __test_metadata *_metadata,
			      char fns[2][PCI_NAME_BUF],
			      bool *vnet_loaded_here)
{
	if (geteuid())
		SETUP_SKIP("needs root");
	if (!path_exists(VF_DRIVER_DIR))
		module_load(VF_MODULE, NULL);
	if (!path_exists(VF_DRIVER_DIR))
		SETUP_SKIP("no %s driver", VF_DRIVER);
	if (find_functions(fns) < 2)
		SETUP_SKIP("needs two modern virtio-net functions");
	if (!module_loaded(VHOST_MDEV_MODULE))
		module_load(VHOST_MDEV_MODULE, NULL);
	if (!module_loaded(VHOST_MDEV_MODULE) ||
	    !module_loaded(VFIO_TYPE1_MODULE) || !path_exists(VFIO_CONTAINER))
		SETUP_SKIP("no %s, %s or %s", VHOST_MDEV_MODULE,
			   VFIO_TYPE1_MODULE, VFIO_CONTAINER);
	if (load_virtio_net(vnet_loaded_here))
		SETUP_SKIP("no %s or %s module", VIRTIO_NET_MODULE,
			   VIRTIO_MDEV_MODULE);
}

#endif /* _VF_TEST_H */
