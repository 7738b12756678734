// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmdev core: the management interface's view of parents and devices
 * (vmdev_mgmt.h), for vmdev_vdpa.
 *
 * Names. A device created through sysfs is known by its mdev UUID. A
 * device created here may be given any other name (as upstream's
 * "vdpa dev add name vdpa0"): the mdev gets a random UUID and the device
 * keeps the name (sysfs shows it in vdpa_name). A name that is a UUID
 * names the mdev itself. So every device has one name, whichever way it
 * was created, and can be removed either way.
 *
 * Creating and removing. The mdev framework of 6.1 offers both only as
 * sysfs files: mdev_device_create() and mdev_device_remove() are not
 * exported, and the "remove" attribute relies on kernfs' self-removal,
 * which only works from inside a write to that very file. Rather than
 * rebuild mdev's internals, the core writes the two files exactly as the
 * administrator would (mdev_supported_types/<type>/create, then the
 * device's remove), through a kernel-internal mount of sysfs, so that
 * mdev's own checks (duplicate UUID, parent going away) and locking apply
 * unchanged and no path depends on the caller's mount namespace. What
 * sysfs cannot carry, the name and the attributes, waits in a request
 * that the probe, which runs synchronously inside the create write, takes
 * before any consumer attaches: the device is born with them.
 */

#include <linux/cred.h>
#include <linux/etherdevice.h>
#include <linux/fs.h>
#include <linux/mount.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uuid.h>

#include "vmdev_internal.h"
#include "vmdev_mgmt.h"

/*
 * A vmdev_mgmt_add() in progress; vmdev_mgmt_lock serialises them, so
 * there is at most one, and two devices cannot get one name.
 */
struct vmdev_mgmt_request {
	guid_t uuid;
	struct task_struct *task;
	char *name;
	struct vmdev_net_attrs attrs;
	unsigned int mask;
	bool taken;
};

/*
 * Serialises the management interface's adds and removals (as upstream's
 * vdpa_dev_lock does), each of which looks its device up again under it:
 * of two removals of one device, one removes it and the other finds
 * nothing. Taken before vmdev_rwsem; held across the sysfs writes, so a
 * removal waiting for a device's user holds up the other adds and
 * removals, as upstream's does.
 */
static DEFINE_MUTEX(vmdev_mgmt_lock);
static DEFINE_SPINLOCK(vmdev_mgmt_req_lock);
static struct vmdev_mgmt_request *vmdev_mgmt_req;

/**
 * vmdev_mgmt_walk_parents - call a function for every parent
 * @fn: called with the core's parent list and @parent's lock held; must
 *	not sleep long nor take core locks; a non-zero return stops the walk
 * @arg: its argument
 *
 * Parents are visited in registration order, except those not (or no
 * longer) registered with mdev. May sleep.
 *
 * Return: what @fn returned last.
 */
int vmdev_mgmt_walk_parents(vmdev_mgmt_parent_fn fn, void *arg)
{
	struct vmdev_parent *parent;
	int ret = 0;

	down_read(&vmdev_rwsem);
	list_for_each_entry(parent, &vmdev_parents, node) {
		if (!parent->mdev_registered)
			continue;
		mutex_lock(&parent->lock);
		ret = fn(parent, arg);
		mutex_unlock(&parent->lock);
		if (ret)
			break;
	}
	up_read(&vmdev_rwsem);
	return ret;
}
EXPORT_SYMBOL_GPL(vmdev_mgmt_walk_parents);

/* As upstream vdpa's handles: a parent without a bus has a name only. */
static bool vmdev_mgmt_parent_match(struct vmdev_parent *parent,
				    const char *bus, const char *name)
{
	const struct bus_type *pbus = parent->dev->bus;

	if (!!bus != !!pbus)
		return false;
	if (bus && strcmp(pbus->name, bus))
		return false;
	return !strcmp(dev_name(parent->dev), name);
}

/*
 * Called with vmdev_rwsem held. A parent whose mdev types are not there
 * (yet, or any more: mdev frees their sysfs names) is not found.
 */
static struct vmdev_parent *vmdev_mgmt_lookup_parent(const char *bus,
						     const char *name)
{
	struct vmdev_parent *parent;

	list_for_each_entry(parent, &vmdev_parents, node)
		if (parent->mdev_registered &&
		    vmdev_mgmt_parent_match(parent, bus, name))
			return parent;
	return NULL;
}

/**
 * vmdev_mgmt_find_parent - call a function for the parent of a handle
 * @bus: the parent device's bus name, or NULL for a device without a bus
 * @name: the parent device's name
 * @fn: as for vmdev_mgmt_walk_parents()
 * @arg: its argument
 *
 * May sleep.
 *
 * Return: what @fn returned, or -ENODEV if no parent has that handle.
 */
int vmdev_mgmt_find_parent(const char *bus, const char *name,
			   vmdev_mgmt_parent_fn fn,
			   void *arg)
{
	struct vmdev_parent *parent;
	int ret = -ENODEV;

	down_read(&vmdev_rwsem);
	parent = vmdev_mgmt_lookup_parent(bus, name);
	if (parent) {
		mutex_lock(&parent->lock);
		ret = fn(parent, arg);
		mutex_unlock(&parent->lock);
	}
	up_read(&vmdev_rwsem);
	return ret;
}
EXPORT_SYMBOL_GPL(vmdev_mgmt_find_parent);

/*
 * A device mdev has not finished creating (its probe runs, its "remove"
 * file exists but mdev refuses it with -EAGAIN until then, and a write
 * would have removed the file for good) or has begun removing. mdev
 * changes the flag without a lock we can take; the parent's lock, which
 * the walks hold, keeps the device itself from going.
 */
static bool vmdev_mgmt_active(struct vmdev_device *vdev)
{
	return READ_ONCE(vdev->mdev->active);
}

struct vmdev_mgmt_device_walk {
	vmdev_mgmt_device_fn fn;
	void *arg;
	bool all;
};

/* One parent's devices, under its lock (vmdev_mgmt_walk_parents()). */
static int vmdev_mgmt_walk_parent_devices(struct vmdev_parent *parent,
					  void *data)
{
	struct vmdev_mgmt_device_walk *w = data;
	struct vmdev_device *vdev;
	int ret;

	list_for_each_entry(vdev, &parent->devices, node) {
		if (!w->all && !vmdev_mgmt_active(vdev))
			continue;
		ret = w->fn(vdev, w->arg);
		if (ret)
			return ret;
	}
	return 0;
}

/* The parents' walk skips those being unregistered, and their devices. */
static int __vmdev_mgmt_walk_devices(vmdev_mgmt_device_fn fn, void *arg,
				     bool all)
{
	struct vmdev_mgmt_device_walk w = { .fn = fn, .arg = arg, .all = all };

	return vmdev_mgmt_walk_parents(vmdev_mgmt_walk_parent_devices, &w);
}

/**
 * vmdev_mgmt_walk_devices - call a function for every device
 * @fn: called with the core's parent list and the device's parent's lock
 *	held (so the device is not removed meanwhile); it may call the
 *	vmdev_get_*() wrappers, vmdev_mgmt_read_state() and take the
 *	device's lock, nothing else of the core; a non-zero return stops
 *	the walk
 * @arg: its argument
 *
 * Devices are visited parent by parent, each parent's in creation order;
 * those of a parent being unregistered, which are being removed with it,
 * are not, nor are those mdev is still creating or already removing. May
 * sleep.
 *
 * Return: what @fn returned last.
 */
int vmdev_mgmt_walk_devices(vmdev_mgmt_device_fn fn, void *arg)
{
	return __vmdev_mgmt_walk_devices(fn, arg, false);
}
EXPORT_SYMBOL_GPL(vmdev_mgmt_walk_devices);

/**
 * vmdev_mgmt_name - the name a management interface knows a device by
 * @vdev: the device
 *
 * Return: the name it was created with, or its mdev UUID.
 */
const char *vmdev_mgmt_name(struct vmdev_device *vdev)
{
	return vdev->mgmt_name ?: dev_name(vdev->dev);
}
EXPORT_SYMBOL_GPL(vmdev_mgmt_name);

/* Called with the device's ops_lock held. */
static void __vmdev_mgmt_read_state(struct vmdev_device *vdev,
				    struct vmdev_mgmt_state *st)
{
	const struct vmdev_config_ops *ops = vdev->config;

	memset(st, 0, sizeof(*st));
	st->status = ops->get_status(vdev);
	st->device_features = vmdev_offered_features(vdev);
	st->driver_features = ops->get_driver_features(vdev);
	ops->get_config(vdev, 0, &st->config,
			min(sizeof(st->config), ops->get_config_size(vdev)));
}

/**
 * vmdev_mgmt_read_state - read a device's status, features and config
 * @vdev: the device, found by a walk (see vmdev_mgmt_walk_devices())
 * @st: where to put them
 *
 * All under one hold of the lock of the device's control ops, so that
 * they agree with each other. May sleep.
 */
void vmdev_mgmt_read_state(struct vmdev_device *vdev,
			   struct vmdev_mgmt_state *st)
{
	mutex_lock(&vdev->ops_lock);
	__vmdev_mgmt_read_state(vdev, st);
	mutex_unlock(&vdev->ops_lock);
}
EXPORT_SYMBOL_GPL(vmdev_mgmt_read_state);

/**
 * vmdev_mgmt_read_vq_stats - a queue's counters, with the device's state
 * @vdev: the device, found by a walk (see vmdev_mgmt_walk_devices())
 * @idx: the queue
 * @st: where to put the state (see vmdev_mgmt_read_state())
 * @stats: where to put the counters
 * @n: room in @stats
 *
 * The counters and the state under one hold of the lock of the device's
 * control ops: which queue @idx is depends on the features. May sleep.
 *
 * Return: as vmdev_get_vq_stats(); @st is filled in any case.
 */
int vmdev_mgmt_read_vq_stats(struct vmdev_device *vdev, u16 idx,
			     struct vmdev_mgmt_state *st,
			     struct vmdev_vq_stat *stats, unsigned int n)
{
	int ret;

	mutex_lock(&vdev->ops_lock);
	__vmdev_mgmt_read_state(vdev, st);
	ret = __vmdev_get_vq_stats(vdev, idx, stats, n);
	mutex_unlock(&vdev->ops_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(vmdev_mgmt_read_vq_stats);

struct vmdev_mgmt_find {
	const char *name;
	guid_t uuid;
	bool is_uuid;
	vmdev_mgmt_device_fn fn;
	void *arg;
	int ret;
};

static int vmdev_mgmt_find_one(struct vmdev_device *vdev, void *arg)
{
	struct vmdev_mgmt_find *f = arg;

	/* A UUID names an unnamed mdev, anything else a named one. */
	if (vdev->mgmt_name) {
		if (f->is_uuid || strcmp(vdev->mgmt_name, f->name))
			return 0;
	} else if (!f->is_uuid || !guid_equal(&vdev->mdev->uuid, &f->uuid)) {
		return 0;
	}
	f->ret = f->fn(vdev, f->arg);
	return 1;
}

/**
 * vmdev_mgmt_find_device - call a function for the device of a name
 * @name: the device's name (see vmdev_mgmt_name())
 * @fn: as for vmdev_mgmt_walk_devices()
 * @arg: its argument
 *
 * May sleep.
 *
 * Return: what @fn returned, or -ENODEV if no device has that name.
 */
int vmdev_mgmt_find_device(const char *name,
			   vmdev_mgmt_device_fn fn,
			   void *arg)
{
	struct vmdev_mgmt_find f = {
		.name = name, .fn = fn, .arg = arg, .ret = -ENODEV,
	};

	f.is_uuid = !guid_parse(name, &f.uuid);
	vmdev_mgmt_walk_devices(vmdev_mgmt_find_one, &f);
	return f.ret;
}
EXPORT_SYMBOL_GPL(vmdev_mgmt_find_device);

/*
 * Write @buf to the sysfs file @file of the directory @dir (a kobject
 * path, as kobject_get_path() gives it), as a write(2) to it would. The
 * mount is the kernel's own, not the caller's /sys, and the file is
 * opened with the kernel's credentials, not the caller's: the management
 * interface replaced the file's permissions with its own check
 * (CAP_NET_ADMIN, as upstream's).
 */
static int vmdev_mgmt_sysfs_write(const char *dir, const char *file,
				  const char *buf)
{
	const struct cred *old_cred;
	struct file_system_type *fs;
	struct vfsmount *mnt;
	struct cred *cred;
	struct file *filp;
	loff_t pos = 0;
	char *name;
	ssize_t n;
	int ret = 0;

	name = kasprintf(GFP_KERNEL, "%s/%s", dir, file);
	if (!name)
		return -ENOMEM;
	cred = prepare_kernel_cred(NULL);
	if (!cred) {
		ret = -ENOMEM;
		goto out_name;
	}
	fs = get_fs_type("sysfs");
	if (!fs) {
		ret = -ENODEV;
		goto out_cred;
	}
	mnt = kern_mount(fs);
	/* The mount holds its own reference (put_filesystem() is not exported). */
	module_put(fs->owner);
	if (IS_ERR(mnt)) {
		ret = PTR_ERR(mnt);
		goto out_cred;
	}
	/*
	 * The write too: it checks permission again (an LSM's
	 * security_file_permission()) with the current credentials.
	 */
	old_cred = override_creds(cred);
	filp = file_open_root_mnt(mnt, name, O_WRONLY, 0);
	if (IS_ERR(filp)) {
		ret = PTR_ERR(filp);
		goto out_creds;
	}
	n = kernel_write(filp, buf, strlen(buf), &pos);
	fput(filp);
	if (n < 0)
		ret = n;
	else if (n != strlen(buf))
		ret = -EIO;
out_creds:
	revert_creds(old_cred);
	kern_unmount(mnt);
out_cred:
	put_cred(cred);
out_name:
	kfree(name);
	return ret;
}

static bool vmdev_mgmt_name_valid(const char *name)
{
	size_t len = strnlen(name, VMDEV_MGMT_NAME_MAX);

	return len && len < VMDEV_MGMT_NAME_MAX && !strchr(name, '/');
}

static int vmdev_mgmt_name_taken(struct vmdev_device *vdev, void *arg)
{
	return vdev->mgmt_name && !strcmp(vdev->mgmt_name, arg);
}

/* The checks of the sysfs attribute files (vmdev_sysfs.c), for @parent. */
static int vmdev_mgmt_check_attrs(struct vmdev_parent *parent,
				  const struct vmdev_net_attrs *attrs,
				  unsigned int mask, const char **errmsg)
{
	/*
	 * Upstream's check and message; what the parent would ignore. The
	 * features are the core's to apply, for any parent that says which
	 * it supports.
	 */
	if (mask & ~(parent->mgmt_attrs | VMDEV_MGMT_FEATURES)) {
		*errmsg = "All provided attributes are not supported";
		return -EOPNOTSUPP;
	}
	if ((mask & VMDEV_MGMT_MAC) && !is_valid_ether_addr(attrs->mac)) {
		*errmsg = "the MAC address must be unicast and not zero";
		return -EINVAL;
	}
	if ((mask & VMDEV_MGMT_MTU) &&
	    (attrs->mtu < ETH_MIN_MTU || attrs->mtu > parent->max_mtu)) {
		*errmsg = "MTU out of the management device's range";
		return -EINVAL;
	}
	if ((mask & VMDEV_MGMT_MAX_VQ_PAIRS) &&
	    (!attrs->max_vq_pairs ||
	     attrs->max_vq_pairs > parent->max_vq_pairs)) {
		*errmsg = "more queue pairs than the management device has";
		return -EINVAL;
	}
	if (mask & VMDEV_MGMT_FEATURES)
		return vmdev_check_device_features(parent,
						   attrs->device_features,
						   errmsg);
	return 0;
}

/**
 * vmdev_mgmt_add - create a device, as the mdev create file does
 * @bus: the parent's bus name, or NULL (see vmdev_mgmt_find_parent())
 * @parent_name: the parent's device name
 * @req: what to create
 *
 * The device is created with its name and attributes already set: its
 * consumer never sees the defaults. Process context; may sleep.
 *
 * Return: 0; -EINVAL for a bad name or attribute; -ENODEV if no parent
 * has that handle; -EOPNOTSUPP for an attribute the parent does not let
 * be set (&vmdev_parent.mgmt_attrs); -EEXIST if the name is taken; or
 * what the mdev create file or the device's probe returned (-EUSERS: the
 * parent is full).
 */
int vmdev_mgmt_add(const char *bus, const char *parent_name,
		   struct vmdev_mgmt_add_req *req)
{
	struct vmdev_mgmt_request r = {
		.task = current, .attrs = req->attrs, .mask = req->mask,
	};
	char uuid[UUID_STRING_LEN + 1];
	struct vmdev_parent *parent;
	char *type_path = NULL;
	char *dev_path = NULL;
	int ret;

	if (req->personality >= VMDEV_NR_PERSONALITIES)
		return -EINVAL;
	if (!vmdev_mgmt_name_valid(req->name)) {
		req->errmsg = "a device name has 1 to 63 characters, no '/'";
		return -EINVAL;
	}
	if (guid_parse(req->name, &r.uuid)) {
		guid_gen(&r.uuid);
		r.name = kstrdup(req->name, GFP_KERNEL);
		if (!r.name)
			return -ENOMEM;
	}
	snprintf(uuid, sizeof(uuid), "%pUl", &r.uuid);

	/*
	 * The probe would load the personality inside the create write, with
	 * our lock held; load it first, holding nothing of ours. The caller
	 * may be inside a generic netlink request (vmdev_vdpa's, which holds
	 * genetlink's callback lock for reading): that is safe as long as no
	 * module that loads registers a generic netlink family, which would
	 * wait for that lock. The personalities' dependencies (vhost, vfio,
	 * virtio and their own) register none.
	 */
	vmdev_load_personality(req->personality);

	mutex_lock(&vmdev_mgmt_lock);
	down_read(&vmdev_rwsem);
	parent = vmdev_mgmt_lookup_parent(bus, parent_name);
	if (!parent) {
		up_read(&vmdev_rwsem);
		ret = -ENODEV;
		goto out;
	}
	ret = vmdev_mgmt_check_attrs(parent, &r.attrs, r.mask, &req->errmsg);
	if (!ret) {
		/* The semaphore keeps the parent's types registered meanwhile. */
		type_path = kobject_get_path(&parent->types[req->personality].kobj,
					     GFP_KERNEL);
		if (!type_path)
			ret = -ENOMEM;
	}
	up_read(&vmdev_rwsem);
	if (ret)
		goto out;
	/* Devices mdev is still creating or removing have names too. */
	if (r.name &&
	    __vmdev_mgmt_walk_devices(vmdev_mgmt_name_taken, r.name, true)) {
		ret = -EEXIST;
		goto out;
	}

	/*
	 * The parent may go away from here on: the path then leads nowhere,
	 * or mdev refuses; either way nothing is left behind.
	 */
	spin_lock(&vmdev_mgmt_req_lock);
	vmdev_mgmt_req = &r;
	spin_unlock(&vmdev_mgmt_req_lock);
	ret = vmdev_mgmt_sysfs_write(type_path, "create", uuid);
	spin_lock(&vmdev_mgmt_req_lock);
	vmdev_mgmt_req = NULL;
	spin_unlock(&vmdev_mgmt_req_lock);
	if (ret == -ENOENT)
		ret = -ENODEV;
	if (!ret && WARN_ON(!r.taken)) {
		/* Probed elsewhere, without its name: it cannot stay. */
		dev_path = kasprintf(GFP_KERNEL, "%s/devices/%s", type_path,
				     uuid);
		ret = -EIO;
	}
out:
	mutex_unlock(&vmdev_mgmt_lock);
	/*
	 * Not under the lock: a removal may wait for a user, and the device
	 * may have one already.
	 */
	if (dev_path)
		vmdev_mgmt_sysfs_write(dev_path, "remove", "1");
	kfree(dev_path);
	kfree(type_path);
	kfree(r.name);
	return ret;
}
EXPORT_SYMBOL_GPL(vmdev_mgmt_add);

/*
 * Called by the probe of every new device, before a consumer can attach:
 * a device that vmdev_mgmt_add() is creating takes its name and
 * attributes. The probe runs inside the create write, in the task that
 * writes, which tells that device apart from one that sysfs creates with
 * the same UUID at the same moment.
 */
int vmdev_mgmt_probe(struct vmdev_device *vdev)
{
	struct vmdev_mgmt_request *r;
	const char *errmsg;
	int ret;

	spin_lock(&vmdev_mgmt_req_lock);
	r = vmdev_mgmt_req;
	if (r && (r->task != current || r->taken ||
		  !guid_equal(&r->uuid, &vdev->mdev->uuid)))
		r = NULL;
	if (r)
		r->taken = true;
	spin_unlock(&vmdev_mgmt_req_lock);
	if (!r)
		return 0;

	/* Checked before; again, in case another parent took the path. */
	ret = vmdev_mgmt_check_attrs(vdev->parent, &r->attrs, r->mask, &errmsg);
	if (ret)
		return ret;
	if (r->mask & VMDEV_MGMT_MAC)
		ether_addr_copy(vdev->attrs.mac, r->attrs.mac);
	if (r->mask & VMDEV_MGMT_MTU)
		vdev->attrs.mtu = r->attrs.mtu;
	if (r->mask & VMDEV_MGMT_MAX_VQ_PAIRS)
		vdev->attrs.max_vq_pairs = r->attrs.max_vq_pairs;
	if (r->mask & VMDEV_MGMT_FEATURES)
		vdev->attrs.device_features = r->attrs.device_features;
	vdev->mgmt_name = r->name;
	r->name = NULL;
	return 0;
}

/*
 * Called under the parent's lock, for a device mdev has finished creating
 * (the walk skips the others): its remove file does what it says.
 */
static int vmdev_mgmt_device_path(struct vmdev_device *vdev, void *arg)
{
	char **path = arg;

	*path = kobject_get_path(&vdev->dev->kobj, GFP_KERNEL);
	return *path ? 0 : -ENOMEM;
}

/**
 * vmdev_mgmt_del - remove a device, as its mdev remove file does
 * @name: the device's name (see vmdev_mgmt_name())
 *
 * Like that file, waits for the device's consumer to let go (for the
 * vhost personality: until userspace closes the device), and meanwhile
 * holds up the other adds and removals, as upstream's does. A device mdev
 * is still creating is not found yet. Process context; may sleep.
 *
 * Return: 0, -ENODEV if no device has that name, or what the mdev remove
 * file returned.
 */
int vmdev_mgmt_del(const char *name)
{
	char *path = NULL;
	int ret;

	mutex_lock(&vmdev_mgmt_lock);
	ret = vmdev_mgmt_find_device(name, vmdev_mgmt_device_path, &path);
	/* Removed through sysfs meanwhile: the path leads nowhere. */
	if (!ret)
		ret = vmdev_mgmt_sysfs_write(path, "remove", "1");
	mutex_unlock(&vmdev_mgmt_lock);
	kfree(path);
	return ret == -ENOENT ? -ENODEV : ret;
}
EXPORT_SYMBOL_GPL(vmdev_mgmt_del);
