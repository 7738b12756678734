// SPDX-License-Identifier: GPL-2.0-only
/*
 * mvnet: per-queue counters in debugfs.
 *
 * One file, /sys/kernel/debug/mvnet/stats, one line per queue of every
 * device (format: Documentation/admin-guide/vhost-mdev.rst). A single file
 * rather than a directory per device: the UUID that would name the
 * directory is known only after dev_create returns, and a table that walks
 * the device list needs no lifetime handling of its own.
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include "mvnet.h"

static struct dentry *mvnet_debugfs_dir;

static void mvnet_stats_show_queue(struct seq_file *s, const guid_t *uuid,
				   const char *kind, int index,
				   struct mvnet_queue *q)
{
	u64 packets, bytes, drops, errors;

	mvnet_queue_stats_read(&q->stats, &packets, &bytes, &drops, &errors);
	seq_printf(s, "%pUl %s", uuid, kind);
	if (index >= 0)
		seq_printf(s, "%d", index);
	seq_printf(s, " %llu %llu %llu %llu\n", packets, bytes, drops, errors);
}

static int mvnet_stats_show(struct seq_file *s, void *v)
{
	struct mvnet_dev *dev;
	struct mdev_device *mdev;
	unsigned int i, pairs;

	if (v == &mvnet_devices) {
		seq_puts(s, "# uuid queue packets bytes drops errors\n");
		return 0;
	}

	dev = list_entry(v, struct mvnet_dev, node);
	/* Still being created: no UUID yet, nothing counted yet. */
	mdev = READ_ONCE(dev->vdev.mdev);
	if (!mdev)
		return 0;
	/* Changes only without a consumer; a stale value is harmless. */
	pairs = min_t(unsigned int, READ_ONCE(dev->vdev.attrs.max_vq_pairs),
		      MVNET_MAX_VQ_PAIRS);
	for (i = 0; i < pairs; i++) {
		mvnet_stats_show_queue(s, &mdev->uuid, "rx", i, &dev->rxq[i]);
		mvnet_stats_show_queue(s, &mdev->uuid, "tx", i, &dev->txq[i]);
	}
	mvnet_stats_show_queue(s, &mdev->uuid, "ctrl", -1, &dev->ctrlq);
	return 0;
}

/* The device list is walked under its lock, so no device goes away. */
static void *mvnet_stats_start(struct seq_file *s, loff_t *pos)
{
	mutex_lock(&mvnet_devices_lock);
	return seq_list_start_head(&mvnet_devices, *pos);
}

static void *mvnet_stats_next(struct seq_file *s, void *v, loff_t *pos)
{
	return seq_list_next(v, &mvnet_devices, pos);
}

static void mvnet_stats_stop(struct seq_file *s, void *v)
{
	mutex_unlock(&mvnet_devices_lock);
}

static const struct seq_operations mvnet_stats_sops = {
	.start	= mvnet_stats_start,
	.next	= mvnet_stats_next,
	.stop	= mvnet_stats_stop,
	.show	= mvnet_stats_show,
};
DEFINE_SEQ_ATTRIBUTE(mvnet_stats);

/* debugfs failures are not errors: the device works without counters. */
void mvnet_debugfs_init(void)
{
	mvnet_debugfs_dir = debugfs_create_dir("mvnet", NULL);
	debugfs_create_file("stats", 0444, mvnet_debugfs_dir, NULL,
			    &mvnet_stats_fops);
}

void mvnet_debugfs_exit(void)
{
	debugfs_remove_recursive(mvnet_debugfs_dir);
}
