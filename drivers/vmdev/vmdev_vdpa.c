// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmdev_vdpa: upstream's "vdpa" generic netlink family for vmdev devices.
 *
 * Debian 12's kernel has no vDPA, so iproute2's vdpa tool finds no family
 * to talk to. This module registers one that speaks upstream's protocol
 * (family "vdpa", version 1, commands and attributes numbered as in 6.1's
 * include/uapi/linux/vdpa.h, the same policy and permissions), so that
 * the unmodified tool manages our devices:
 *
 * - a management device is a vmdev parent, named by its device as
 *   upstream names one (bus/device, or the device alone without a bus):
 *   "mvnet", "pci/0000:00:02.0";
 * - a vdpa device is a vmdev device of any personality; "vdpa dev add"
 *   creates one of the personality in this module's "personality"
 *   parameter (vhost unless set), named as vmdev_mgmt.c explains;
 * - "vdpa dev vstats show" reports a queue's counters where the parent
 *   keeps them (vmdev_get_vq_stats()), as upstream's vendor attributes.
 *
 * Only one family can own the name: loading fails with -EBUSY (and a
 * message saying why) while upstream's vdpa module is loaded, and
 * upstream's fails to load while this one is. Requests from other network
 * namespaces are refused, as upstream's are.
 *
 * Locking: the family has parallel_ops, so a request does not hold
 * genetlink's global mutex while it waits (removing a vhost device waits
 * for its user to close it); the core's locks (vmdev_mgmt.h) keep parents
 * and devices alive while a message is filled, and serialise adds and
 * removals, as upstream's vdpa_dev_lock does. A dump in progress pins
 * the module (genetlink takes a reference for it); a request in progress
 * holds genetlink's callback lock, which the family's unregistration
 * waits for.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_net.h>
#include <net/genetlink.h>
#include <uapi/linux/vdpa.h>

#include "vmdev_mgmt.h"

static enum vmdev_personality_id vmdev_vdpa_personality = VMDEV_PERSONALITY_VHOST;

static int vmdev_vdpa_personality_set(const char *val,
				      const struct kernel_param *kp)
{
	if (sysfs_streq(val, "vhost"))
		vmdev_vdpa_personality = VMDEV_PERSONALITY_VHOST;
	else if (sysfs_streq(val, "virtio"))
		vmdev_vdpa_personality = VMDEV_PERSONALITY_VIRTIO;
	else
		return -EINVAL;
	return 0;
}

static int vmdev_vdpa_personality_get(char *buf,
				      const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%s\n",
			  vmdev_vdpa_personality == VMDEV_PERSONALITY_VIRTIO ?
			  "virtio" : "vhost");
}

static const struct kernel_param_ops vmdev_vdpa_personality_ops = {
	.set = vmdev_vdpa_personality_set,
	.get = vmdev_vdpa_personality_get,
};
module_param_cb(personality, &vmdev_vdpa_personality_ops, NULL, 0644);
MODULE_PARM_DESC(personality,
		 "personality of the devices \"vdpa dev add\" creates: vhost (default) or virtio");

static struct genl_family vmdev_vdpa_family;

/* The management device handle: bus name (if any) and device name. */
static int vmdev_vdpa_put_handle(struct sk_buff *msg,
				 struct vmdev_parent *parent)
{
	const struct bus_type *bus = parent->dev->bus;

	if (bus && nla_put_string(msg, VDPA_ATTR_MGMTDEV_BUS_NAME, bus->name))
		return -EMSGSIZE;
	if (nla_put_string(msg, VDPA_ATTR_MGMTDEV_DEV_NAME,
			   dev_name(parent->dev)))
		return -EMSGSIZE;
	return 0;
}

struct vmdev_vdpa_ctx {
	struct sk_buff *msg;
	u32 portid;
	u32 seq;
	int flags;
	/* dumps: where to start, and how far the walk got */
	long start;
	long idx;
	struct genl_info *info;
	u32 qidx;
};

/* Dumps: skip what an earlier part of the dump sent. */
static bool vmdev_vdpa_skip(struct vmdev_vdpa_ctx *c)
{
	if (c->idx < c->start) {
		c->idx++;
		return true;
	}
	return false;
}

/* Ends a message that fitted; the walk goes on with the next object. */
static int vmdev_vdpa_end(struct vmdev_vdpa_ctx *c, void *hdr)
{
	genlmsg_end(c->msg, hdr);
	c->idx++;
	return 0;
}

static int vmdev_vdpa_cancel(struct vmdev_vdpa_ctx *c, void *hdr, int err)
{
	genlmsg_cancel(c->msg, hdr);
	return err;
}

static int vmdev_vdpa_fill_mgmtdev(struct vmdev_parent *parent, void *arg)
{
	struct vmdev_vdpa_ctx *c = arg;
	u32 max_vqs = parent->max_vqs ?: 2 * parent->max_vq_pairs;
	void *hdr;

	if (vmdev_vdpa_skip(c))
		return 0;
	hdr = genlmsg_put(c->msg, c->portid, c->seq, &vmdev_vdpa_family,
			  c->flags, VDPA_CMD_MGMTDEV_NEW);
	if (!hdr)
		return -EMSGSIZE;
	/* Every vmdev parent serves virtio-net devices, and only those. */
	if (vmdev_vdpa_put_handle(c->msg, parent) ||
	    nla_put_u64_64bit(c->msg, VDPA_ATTR_MGMTDEV_SUPPORTED_CLASSES,
			      BIT_ULL(VIRTIO_ID_NET), VDPA_ATTR_PAD) ||
	    nla_put_u32(c->msg, VDPA_ATTR_DEV_MGMTDEV_MAX_VQS, max_vqs) ||
	    nla_put_u64_64bit(c->msg, VDPA_ATTR_DEV_SUPPORTED_FEATURES,
			      parent->supported_features, VDPA_ATTR_PAD))
		return vmdev_vdpa_cancel(c, hdr, -EMSGSIZE);
	return vmdev_vdpa_end(c, hdr);
}

static int vmdev_vdpa_fill_dev(struct vmdev_device *vdev, void *arg)
{
	struct vmdev_vdpa_ctx *c = arg;
	void *hdr;

	if (vmdev_vdpa_skip(c))
		return 0;
	hdr = genlmsg_put(c->msg, c->portid, c->seq, &vmdev_vdpa_family,
			  c->flags, VDPA_CMD_DEV_NEW);
	if (!hdr)
		return -EMSGSIZE;
	if (vmdev_vdpa_put_handle(c->msg, vdev->parent) ||
	    nla_put_string(c->msg, VDPA_ATTR_DEV_NAME, vmdev_mgmt_name(vdev)) ||
	    nla_put_u32(c->msg, VDPA_ATTR_DEV_ID, vmdev_get_device_id(vdev)) ||
	    nla_put_u32(c->msg, VDPA_ATTR_DEV_VENDOR_ID,
			vmdev_get_vendor_id(vdev)) ||
	    nla_put_u32(c->msg, VDPA_ATTR_DEV_MAX_VQS, vmdev_get_vq_count(vdev)) ||
	    nla_put_u16(c->msg, VDPA_ATTR_DEV_MAX_VQ_SIZE,
			vmdev_get_vq_num_max(vdev)) ||
	    nla_put_u16(c->msg, VDPA_ATTR_DEV_MIN_VQ_SIZE,
			vmdev_get_vq_num_min(vdev)))
		return vmdev_vdpa_cancel(c, hdr, -EMSGSIZE);
	return vmdev_vdpa_end(c, hdr);
}

/* What upstream reports of a net device's config space. */
static int vmdev_vdpa_put_net_config(struct sk_buff *msg,
				     const struct vmdev_mgmt_state *st)
{
	const struct virtio_net_config *cfg = &st->config;
	u64 features = st->device_features;

	if (nla_put_u16(msg, VDPA_ATTR_DEV_NET_STATUS,
			__virtio16_to_cpu(true, cfg->status)) ||
	    nla_put_u64_64bit(msg, VDPA_ATTR_VDPA_DEV_SUPPORTED_FEATURES,
			      features, VDPA_ATTR_PAD))
		return -EMSGSIZE;
	if ((features & BIT_ULL(VIRTIO_NET_F_MTU)) &&
	    nla_put_u16(msg, VDPA_ATTR_DEV_NET_CFG_MTU,
			__virtio16_to_cpu(true, cfg->mtu)))
		return -EMSGSIZE;
	if ((features & BIT_ULL(VIRTIO_NET_F_MAC)) &&
	    nla_put(msg, VDPA_ATTR_DEV_NET_CFG_MACADDR, sizeof(cfg->mac),
		    cfg->mac))
		return -EMSGSIZE;
	if ((features & (BIT_ULL(VIRTIO_NET_F_MQ) | BIT_ULL(VIRTIO_NET_F_RSS))) &&
	    nla_put_u16(msg, VDPA_ATTR_DEV_NET_CFG_MAX_VQP,
			__virtio16_to_cpu(true, cfg->max_virtqueue_pairs)))
		return -EMSGSIZE;
	return 0;
}

static int vmdev_vdpa_fill_config(struct vmdev_device *vdev, void *arg)
{
	struct vmdev_vdpa_ctx *c = arg;
	struct vmdev_mgmt_state st;
	void *hdr;
	int err;

	if (vmdev_vdpa_skip(c))
		return 0;
	vmdev_mgmt_read_state(vdev, &st);
	hdr = genlmsg_put(c->msg, c->portid, c->seq, &vmdev_vdpa_family,
			  c->flags, VDPA_CMD_DEV_CONFIG_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_string(c->msg, VDPA_ATTR_DEV_NAME, vmdev_mgmt_name(vdev)) ||
	    nla_put_u32(c->msg, VDPA_ATTR_DEV_ID, vmdev_get_device_id(vdev)))
		return vmdev_vdpa_cancel(c, hdr, -EMSGSIZE);
	/* The driver's features mean something once it has set them. */
	if ((st.status & VIRTIO_CONFIG_S_FEATURES_OK) &&
	    nla_put_u64_64bit(c->msg, VDPA_ATTR_DEV_NEGOTIATED_FEATURES,
			      st.driver_features, VDPA_ATTR_PAD))
		return vmdev_vdpa_cancel(c, hdr, -EMSGSIZE);
	err = vmdev_vdpa_put_net_config(c->msg, &st);
	if (err)
		return vmdev_vdpa_cancel(c, hdr, err);
	return vmdev_vdpa_end(c, hdr);
}

/* Upstream's statistics reply: the queue layout, then name/value pairs. */
static int vmdev_vdpa_put_vstats(struct sk_buff *msg, struct vmdev_device *vdev,
				 u32 qidx, struct netlink_ext_ack *extack)
{
	struct vmdev_vq_stat stats[VMDEV_VQ_STATS_MAX];
	struct vmdev_mgmt_state st;
	int i, n;

	n = vmdev_mgmt_read_vq_stats(vdev, min_t(u32, qidx, U16_MAX), &st,
				     stats, ARRAY_SIZE(stats));
	if (n == -EAGAIN)
		NL_SET_ERR_MSG_MOD(extack, "feature negotiation not complete");
	else if (n == -EINVAL)
		NL_SET_ERR_MSG_MOD(extack, "virtqueue index is not valid");
	if (n < 0)
		return n;
	/* A config space too short for it reads as 0, as upstream's would. */
	if (nla_put_u16(msg, VDPA_ATTR_DEV_NET_CFG_MAX_VQP,
			__virtio16_to_cpu(true, st.config.max_virtqueue_pairs)) ||
	    nla_put_u64_64bit(msg, VDPA_ATTR_DEV_NEGOTIATED_FEATURES,
			      st.driver_features, VDPA_ATTR_PAD) ||
	    nla_put_u32(msg, VDPA_ATTR_DEV_QUEUE_INDEX, qidx))
		return -EMSGSIZE;
	for (i = 0; i < n; i++)
		if (nla_put_string(msg, VDPA_ATTR_DEV_VENDOR_ATTR_NAME,
				   stats[i].name) ||
		    nla_put_u64_64bit(msg, VDPA_ATTR_DEV_VENDOR_ATTR_VALUE,
				      stats[i].value, VDPA_ATTR_PAD))
			return -EMSGSIZE;
	return 0;
}

static int vmdev_vdpa_fill_vstats(struct vmdev_device *vdev, void *arg)
{
	struct vmdev_vdpa_ctx *c = arg;
	void *hdr;
	int err;

	hdr = genlmsg_put(c->msg, c->portid, c->seq, &vmdev_vdpa_family,
			  c->flags, VDPA_CMD_DEV_VSTATS_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_string(c->msg, VDPA_ATTR_DEV_NAME, vmdev_mgmt_name(vdev)) ||
	    nla_put_u32(c->msg, VDPA_ATTR_DEV_ID, vmdev_get_device_id(vdev)))
		return vmdev_vdpa_cancel(c, hdr, -EMSGSIZE);
	if (c->qidx > VIRTIO_NET_CTRL_MQ_VQ_PAIRS_MAX) {
		NL_SET_ERR_MSG_MOD(c->info->extack,
				   "queue index excceeds max value");
		return vmdev_vdpa_cancel(c, hdr, -ERANGE);
	}
	err = vmdev_vdpa_put_vstats(c->msg, vdev, c->qidx, c->info->extack);
	if (err)
		return vmdev_vdpa_cancel(c, hdr, err);
	return vmdev_vdpa_end(c, hdr);
}

/* A name in a request; the policy lets a string be of any length. */
static int vmdev_vdpa_get_str(const struct nlattr *attr, char *buf)
{
	return nla_strscpy(buf, attr, VMDEV_MGMT_NAME_MAX) < 0 ? -E2BIG : 0;
}

/* The management device handle of a request. */
static int vmdev_vdpa_get_handle(struct genl_info *info, char *bus,
				 char *name, bool *has_bus)
{
	struct nlattr **attrs = info->attrs;

	if (!attrs[VDPA_ATTR_MGMTDEV_DEV_NAME])
		return -EINVAL;
	*has_bus = attrs[VDPA_ATTR_MGMTDEV_BUS_NAME];
	/* Longer than any parent's name: there is no such parent. */
	if (vmdev_vdpa_get_str(attrs[VDPA_ATTR_MGMTDEV_DEV_NAME], name) ||
	    (*has_bus &&
	     vmdev_vdpa_get_str(attrs[VDPA_ATTR_MGMTDEV_BUS_NAME], bus)))
		return -ENODEV;
	return 0;
}

/* The device name of a request. */
static int vmdev_vdpa_get_name(struct genl_info *info, char *name)
{
	if (!info->attrs[VDPA_ATTR_DEV_NAME])
		return -EINVAL;
	/* Longer than any device's name: there is no such device. */
	if (vmdev_vdpa_get_str(info->attrs[VDPA_ATTR_DEV_NAME], name))
		return -ENODEV;
	return 0;
}

static int vmdev_vdpa_reply(struct sk_buff *msg, struct genl_info *info,
			    int err)
{
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

static int vmdev_vdpa_mgmtdev_get_doit(struct sk_buff *skb,
				       struct genl_info *info)
{
	char bus[VMDEV_MGMT_NAME_MAX], name[VMDEV_MGMT_NAME_MAX];
	struct vmdev_vdpa_ctx c = {
		.portid = info->snd_portid, .seq = info->snd_seq, .info = info,
	};
	bool has_bus;
	int err;

	c.msg = nlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!c.msg)
		return -ENOMEM;
	err = vmdev_vdpa_get_handle(info, bus, name, &has_bus);
	if (!err)
		err = vmdev_mgmt_find_parent(has_bus ? bus : NULL, name,
					     vmdev_vdpa_fill_mgmtdev, &c);
	/* Upstream's words here, missing handle included. */
	if (err == -ENODEV || err == -EINVAL)
		NL_SET_ERR_MSG_MOD(info->extack,
				   "Fail to find the specified mgmt device");
	return vmdev_vdpa_reply(c.msg, info, err);
}

static int vmdev_vdpa_mgmtdev_get_dumpit(struct sk_buff *msg,
					 struct netlink_callback *cb)
{
	struct vmdev_vdpa_ctx c = {
		.msg = msg, .portid = NETLINK_CB(cb->skb).portid,
		.seq = cb->nlh->nlmsg_seq, .flags = NLM_F_MULTI,
		.start = cb->args[0],
	};

	/* A full message stops the walk; the next part starts there. */
	vmdev_mgmt_walk_parents(vmdev_vdpa_fill_mgmtdev, &c);
	cb->args[0] = c.idx;
	return msg->len;
}

/* A request about one device: fill a reply with @fill. */
static int vmdev_vdpa_dev_reply(struct genl_info *info,
				int (*fill)(struct vmdev_device *vdev,
					    void *arg), u32 qidx)
{
	struct vmdev_vdpa_ctx c = {
		.portid = info->snd_portid, .seq = info->snd_seq, .info = info,
		.qidx = qidx,
	};
	char name[VMDEV_MGMT_NAME_MAX];
	int err;

	err = vmdev_vdpa_get_name(info, name);
	if (err == -EINVAL)
		return err;
	c.msg = nlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!c.msg)
		return -ENOMEM;
	if (!err)
		err = vmdev_mgmt_find_device(name, fill, &c);
	if (err == -ENODEV)
		NL_SET_ERR_MSG_MOD(info->extack, "device not found");
	return vmdev_vdpa_reply(c.msg, info, err);
}

static int vmdev_vdpa_dev_dump(struct sk_buff *msg, struct netlink_callback *cb,
			       int (*fill)(struct vmdev_device *vdev, void *arg))
{
	struct vmdev_vdpa_ctx c = {
		.msg = msg, .portid = NETLINK_CB(cb->skb).portid,
		.seq = cb->nlh->nlmsg_seq, .flags = NLM_F_MULTI,
		.start = cb->args[0],
	};

	vmdev_mgmt_walk_devices(fill, &c);
	cb->args[0] = c.idx;
	return msg->len;
}

static int vmdev_vdpa_dev_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	return vmdev_vdpa_dev_reply(info, vmdev_vdpa_fill_dev, 0);
}

static int vmdev_vdpa_dev_get_dumpit(struct sk_buff *msg,
				     struct netlink_callback *cb)
{
	return vmdev_vdpa_dev_dump(msg, cb, vmdev_vdpa_fill_dev);
}

static int vmdev_vdpa_config_get_doit(struct sk_buff *skb,
				      struct genl_info *info)
{
	return vmdev_vdpa_dev_reply(info, vmdev_vdpa_fill_config, 0);
}

static int vmdev_vdpa_config_get_dumpit(struct sk_buff *msg,
					struct netlink_callback *cb)
{
	return vmdev_vdpa_dev_dump(msg, cb, vmdev_vdpa_fill_config);
}

static int vmdev_vdpa_vstats_get_doit(struct sk_buff *skb,
				      struct genl_info *info)
{
	if (!info->attrs[VDPA_ATTR_DEV_NAME] ||
	    !info->attrs[VDPA_ATTR_DEV_QUEUE_INDEX])
		return -EINVAL;
	return vmdev_vdpa_dev_reply(info, vmdev_vdpa_fill_vstats,
				    nla_get_u32(info->attrs[VDPA_ATTR_DEV_QUEUE_INDEX]));
}

static int vmdev_vdpa_dev_add_doit(struct sk_buff *skb, struct genl_info *info)
{
	char bus[VMDEV_MGMT_NAME_MAX], parent[VMDEV_MGMT_NAME_MAX];
	char name[VMDEV_MGMT_NAME_MAX];
	struct vmdev_mgmt_add_req req = {
		.name = name,
		.personality = READ_ONCE(vmdev_vdpa_personality),
	};
	struct nlattr **attrs = info->attrs;
	bool has_bus;
	int err;

	if (!attrs[VDPA_ATTR_DEV_NAME])
		return -EINVAL;
	if (vmdev_vdpa_get_str(attrs[VDPA_ATTR_DEV_NAME], name)) {
		NL_SET_ERR_MSG_MOD(info->extack, "device name too long");
		return -EINVAL;
	}
	if (attrs[VDPA_ATTR_DEV_NET_CFG_MACADDR]) {
		memcpy(req.attrs.mac, nla_data(attrs[VDPA_ATTR_DEV_NET_CFG_MACADDR]),
		       ETH_ALEN);
		req.mask |= VMDEV_MGMT_MAC;
	}
	if (attrs[VDPA_ATTR_DEV_NET_CFG_MTU]) {
		req.attrs.mtu = nla_get_u16(attrs[VDPA_ATTR_DEV_NET_CFG_MTU]);
		req.mask |= VMDEV_MGMT_MTU;
	}
	if (attrs[VDPA_ATTR_DEV_NET_CFG_MAX_VQP]) {
		req.attrs.max_vq_pairs =
			nla_get_u16(attrs[VDPA_ATTR_DEV_NET_CFG_MAX_VQP]);
		if (!req.attrs.max_vq_pairs) {
			NL_SET_ERR_MSG_MOD(info->extack,
					   "At least one pair of VQs is required");
			return -EINVAL;
		}
		req.mask |= VMDEV_MGMT_MAX_VQ_PAIRS;
	}

	if (attrs[VDPA_ATTR_DEV_FEATURES]) {
		req.attrs.device_features =
			nla_get_u64(attrs[VDPA_ATTR_DEV_FEATURES]);
		req.mask |= VMDEV_MGMT_FEATURES;
	}

	err = vmdev_vdpa_get_handle(info, bus, parent, &has_bus);
	if (err) {
		/* Upstream's answer to a missing handle too. */
		NL_SET_ERR_MSG_MOD(info->extack,
				   "Fail to find the specified management device");
		return err;
	}
	err = vmdev_mgmt_add(has_bus ? bus : NULL, parent, &req);
	/* Upstream's messages, then the core's, which stays loaded. */
	if (err == -ENODEV)
		NL_SET_ERR_MSG_MOD(info->extack,
				   "Fail to find the specified management device");
	else if (err == -EOPNOTSUPP)
		NL_SET_ERR_MSG_MOD(info->extack,
				   "All provided attributes are not supported");
	else if (err && req.errmsg && info->extack)
		info->extack->_msg = req.errmsg;
	else if (err == -EEXIST)
		NL_SET_ERR_MSG_MOD(info->extack, "device name already in use");
	return err;
}

static int vmdev_vdpa_dev_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	char name[VMDEV_MGMT_NAME_MAX];
	int err;

	err = vmdev_vdpa_get_name(info, name);
	if (!err)
		err = vmdev_mgmt_del(name);
	if (err == -ENODEV)
		NL_SET_ERR_MSG_MOD(info->extack, "device not found");
	return err;
}

/* Upstream 6.1's policy: the same validation, hence the same errnos. */
static const struct nla_policy vmdev_vdpa_policy[VDPA_ATTR_MAX + 1] = {
	[VDPA_ATTR_MGMTDEV_BUS_NAME] = { .type = NLA_NUL_STRING },
	[VDPA_ATTR_MGMTDEV_DEV_NAME] = { .type = NLA_STRING },
	[VDPA_ATTR_DEV_NAME] = { .type = NLA_STRING },
	[VDPA_ATTR_DEV_NET_CFG_MACADDR] = NLA_POLICY_ETH_ADDR,
	[VDPA_ATTR_DEV_NET_CFG_MAX_VQP] = { .type = NLA_U16 },
	/* The smallest MTU virtio-net allows. */
	[VDPA_ATTR_DEV_NET_CFG_MTU] = NLA_POLICY_MIN(NLA_U16, ETH_MIN_MTU),
	[VDPA_ATTR_DEV_QUEUE_INDEX] = { .type = NLA_U32 },
	[VDPA_ATTR_DEV_FEATURES] = { .type = NLA_U64 },
};

/* Changing a device, and reading its statistics, need CAP_NET_ADMIN. */
static const struct genl_ops vmdev_vdpa_ops[] = {
	{
		.cmd = VDPA_CMD_MGMTDEV_GET,
		.doit = vmdev_vdpa_mgmtdev_get_doit,
		.dumpit = vmdev_vdpa_mgmtdev_get_dumpit,
	},
	{
		.cmd = VDPA_CMD_DEV_NEW,
		.doit = vmdev_vdpa_dev_add_doit,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = VDPA_CMD_DEV_DEL,
		.doit = vmdev_vdpa_dev_del_doit,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = VDPA_CMD_DEV_GET,
		.doit = vmdev_vdpa_dev_get_doit,
		.dumpit = vmdev_vdpa_dev_get_dumpit,
	},
	{
		.cmd = VDPA_CMD_DEV_CONFIG_GET,
		.doit = vmdev_vdpa_config_get_doit,
		.dumpit = vmdev_vdpa_config_get_dumpit,
	},
	{
		.cmd = VDPA_CMD_DEV_VSTATS_GET,
		.doit = vmdev_vdpa_vstats_get_doit,
		.flags = GENL_ADMIN_PERM,
	},
};

static struct genl_family vmdev_vdpa_family __ro_after_init = {
	.name = VDPA_GENL_NAME,
	.version = VDPA_GENL_VERSION,
	.maxattr = VDPA_ATTR_MAX,
	.policy = vmdev_vdpa_policy,
	/* Upstream's devices are not per namespace; neither are ours. */
	.netnsok = false,
	.parallel_ops = true,
	.module = THIS_MODULE,
	.ops = vmdev_vdpa_ops,
	.n_ops = ARRAY_SIZE(vmdev_vdpa_ops),
	/* Upstream's header checks, which are none for these commands. */
	.resv_start_op = VDPA_CMD_DEV_VSTATS_GET + 1,
};

static int __init vmdev_vdpa_init(void)
{
	int ret;

	ret = genl_register_family(&vmdev_vdpa_family);
	if (ret == -EEXIST) {
		pr_err("the \"vdpa\" generic netlink family is already registered (by upstream's vdpa module?); unload that to manage vmdev devices with the vdpa tool\n");
		/* kmod takes -EEXIST for "already loaded" and says nothing. */
		ret = -EBUSY;
	}
	return ret;
}

static void __exit vmdev_vdpa_exit(void)
{
	genl_unregister_family(&vmdev_vdpa_family);
}

module_init(vmdev_vdpa_init);
module_exit(vmdev_vdpa_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("vhost-mdev developers");
MODULE_DESCRIPTION("Upstream's vdpa generic netlink family for vmdev devices");
/* The vdpa tool loads us when it finds no "vdpa" family. */
MODULE_ALIAS_GENL_FAMILY(VDPA_GENL_NAME);
