/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The vhost-mdev stress engine, shared by the stress programs of each
 * parent (vhost_mdev/stress.c: mvnet; vmdev_vf/hw_stress.c: a PCI
 * function). One device, driven through one front end, by:
 *
 *  - the driver: opens the device with libvmdev, starts it and runs the
 *    datapath (the parent's exchange: loopback frames, ARP), checks every
 *    frame it gets back, and restarts or reopens the device whenever the
 *    others broke it; now and then closes and reopens it anyway;
 *  - chaos threads: raw ioctls on the driver's fd, under a read lock the
 *    driver takes for writing only to open, start and close: reset and set
 *    status, toggle ring enable, swap the kick, call, error and config
 *    eventfds (and put the driver's back), rewrite ring setup with the
 *    same values, suspend and resume, read state, map and unmap memory of
 *    their own (VFIO container, IOTLB messages);
 *  - an opener: opens the device through either front end, which must fail
 *    with EBUSY while the driver holds it, and uses and closes it when it
 *    does not;
 *  - a remover: removes the device (which waits for the driver to notice
 *    and close) and creates it again under the same UUID, and unloads
 *    vhost_mdev (and the parent's module, when the parent allows): EBUSY
 *    while the device is open; when it did unload, it loads it again.
 *
 * Every failed call must fail with an errno that
 * Documentation/userspace-api/vhost-mdev.rst allows for what the others
 * may be doing at that moment; any other is a failure. The run is cut in
 * epochs of a few seconds; between two, every thread but the driver parks,
 * and the driver must then reopen the device, start it and get frames
 * through without a single error: whatever the chaos did, the device
 * recovers. At the end: nothing pinned, no locked memory charged, no
 * module reference held, the device removable within a timeout, the
 * modules loaded.
 *
 * Random but seeded: "# seed N" is printed; VMDEV_STRESS_SEED=N replays
 * each thread's choices (not the interleaving). VMDEV_STRESS_SECONDS
 * bounds a run (default 15 s per test).
 *
 * Include kselftest_harness.h and vhost_mdev_test.h first.
 */
#ifndef _VHOST_MDEV_STRESS_H
#define _VHOST_MDEV_STRESS_H

#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <time.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <linux/vfio.h>
#include <linux/vhost.h>

#define STRESS_DEFAULT_SECONDS	15
#define STRESS_EPOCH_MS		3000
#define STRESS_CHAOS_THREADS	3
/* chaos threads, the opener and the remover park between epochs */
#define STRESS_PARKERS		(STRESS_CHAOS_THREADS + 2)
#define STRESS_MAX_VQS		16
/* Each chaos thread maps its own memory here, far from the library's. */
#define STRESS_MAP_IOVA		0x10000000ULL
#define STRESS_MAP_STRIDE	0x01000000ULL
#define STRESS_MAP_PAGES	16
/* What the end checks and the quiet phase allow for. */
#define STRESS_SETTLE_MS	5000
#define STRESS_REMOVE_MS	15000
/* A removal that takes longer is reported as a hang. */
#define STRESS_HANG_MS		60000
#define STRESS_QUIET_FRAMES	8
#define STRESS_FAIL_LEN		512
#define STRESS_ERRNO_MAX	134

/* A zero-terminated errno list. */
#define ERRS(...)		((const int[]){ __VA_ARGS__, 0 })
#define NO_ERRS			ERRS(0)

struct stress;

/**
 * struct stress_parent - what differs between parents
 * @name: for messages
 * @module: the parent's module
 * @unload_module: whether the remover may try to unload @module
 * @create: create the device @uuid (same UUID every time); 0 or -errno
 * @net_opts: options for vmdev_net_start()
 * @exchange: send and receive a burst of frames on the started device;
 *	frames checked and returned, or -errno of the library (@strict:
 *	every frame must come back)
 * @open_errs: errnos opening may fail with while another opener holds
 *	the device (EBUSY, plus EPERM for a function's IOMMU group)
 * @no_vring_base: the device cannot report ring state: GET_VRING_BASE
 *	fails with EOPNOTSUPP (a plain virtio-pci function; the admin
 *	guide's vmdev_vf section says so, the uAPI table does not)
 * @no_ring_stop: a ring cannot stop without a device reset: disabling it
 *	may fail with EOPNOTSUPP (vmdev_vf without VIRTIO_F_RING_RESET)
 */
struct stress_parent {
	const char *name;
	const char *module;
	bool unload_module;
	int (*create)(struct stress *st);
	struct vmdev_net_opts net_opts;
	int (*exchange)(struct stress *st, struct vmdev *dev,
			unsigned int *rnd, bool strict);
	const int *open_errs;
	bool no_vring_base;
	bool no_ring_stop;
};

/* What the driver publishes for the chaos threads, under @lock. */
struct stress_session {
	unsigned long gen;	/* changes at every open and start */
	unsigned long open_gen;	/* changes at every open and close */
	int fd;			/* -1: closed */
	int container_fd;
	int config_fd;
	unsigned int nvqs;
	int kick[STRESS_MAX_VQS];
	int call[STRESS_MAX_VQS];
	unsigned int num[STRESS_MAX_VQS];
	struct vhost_vring_addr addr[STRESS_MAX_VQS];
};

enum stress_phase { STRESS_CHAOS, STRESS_QUIET, STRESS_STOP };

/* Threads, for saying which one is stuck in what. */
enum stress_slot {
	SLOT_DRIVER,
	SLOT_OPENER,
	SLOT_REMOVER,
	SLOT_CHAOS,	/* the first of STRESS_CHAOS_THREADS */
	SLOT_NR = SLOT_CHAOS + STRESS_CHAOS_THREADS
};

struct stress {
	const struct stress_parent *parent;
	unsigned int open_flags;
	unsigned int seed;
	char uuid[UUID_BUF];
	uint8_t mac[6];
	void *priv;		/* the parent's */
	int open_errs[8];	/* ENODEV and the parent's, 0-terminated */

	pthread_rwlock_t lock;
	struct stress_session s;

	pthread_mutex_t mu;	/* phase, parked, quiet, failure */
	pthread_cond_t cv;
	enum stress_phase phase;
	unsigned int parked;
	bool quiet_check;	/* the driver is to check the device */
	bool quiet_done;
	unsigned int epoch;
	bool failed;
	char failure[STRESS_FAIL_LEN];
	struct timespec removing;	/* when the pending removal began */
	const char *doing[SLOT_NR];	/* what each thread is in, or NULL */
	bool stuck;		/* a thread never came back: no end checks */

	/*
	 * Chaos resets begun and done: a status clear that succeeds is
	 * right only when one of them may have run in between.
	 */
	unsigned long resets_begun, resets_done;

	/* counters, for the summary */
	unsigned long frames, restarts, reopens, ops, refused, opens;
	unsigned long removals, unloads, quiet_checks;
	unsigned long refused_by[STRESS_ERRNO_MAX];	/* per errno */
};

static inline void stress_count(unsigned long *c)
{
	__atomic_add_fetch(c, 1, __ATOMIC_RELAXED);
}

/* Record the first failure (thread, what, errno) and stop everything. */
static void stress_fail(struct stress *st, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&st->mu);
	if (!st->failed) {
		int n = snprintf(st->failure, sizeof(st->failure),
				 "epoch %u: ", st->epoch);

		va_start(ap, fmt);
		vsnprintf(st->failure + n, sizeof(st->failure) - n, fmt, ap);
		va_end(ap);
		st->failed = true;
		/* now, in case the run then hangs */
		ksft_print_msg("FAIL: %s\n", st->failure);
		fflush(stdout);
	}
	st->phase = STRESS_STOP;
	pthread_cond_broadcast(&st->cv);
	pthread_mutex_unlock(&st->mu);
}

static inline bool stress_stopping(struct stress *st)
{
	return __atomic_load_n(&st->phase, __ATOMIC_RELAXED) == STRESS_STOP;
}

/* Thread @slot enters @op (NULL: leaves it). */
static inline void stress_doing(struct stress *st, enum stress_slot slot,
				const char *op)
{
	__atomic_store_n(&st->doing[slot], op, __ATOMIC_RELAXED);
}

static const char * const stress_slot_name[SLOT_NR] = {
	"driver", "opener", "remover", "chaos0", "chaos1", "chaos2",
};

/* Which thread is in what, for a run that hangs. */
static void stress_report_doing(struct stress *st)
{
	const char *op;
	unsigned int i;

	for (i = 0; i < SLOT_NR; i++) {
		op = __atomic_load_n(&st->doing[i], __ATOMIC_RELAXED);
		if (op)
			ksft_print_msg("%s is in %s\n", stress_slot_name[i], op);
	}
	fflush(stdout);
}

static inline bool stress_errno_in(int err, const int *errs)
{
	for (; *errs; errs++)
		if (err == -*errs)
			return true;
	return false;
}

/*
 * @ret of @what by @who is 0 (or positive) or one of @errs; otherwise the
 * run fails. Returns whether @ret was a success.
 */
static bool stress_check(struct stress *st, const char *who, const char *what,
			 int ret, const int *errs)
{
	if (ret >= 0)
		return true;
	if (stress_errno_in(ret, errs)) {
		stress_count(&st->refused);
		if (-ret < STRESS_ERRNO_MAX)
			stress_count(&st->refused_by[-ret]);
		return false;
	}
	stress_fail(st, "%s: %s failed: %s (%d)", who, what, strerror(-ret),
		    ret);
	return false;
}

static inline unsigned int stress_rand(unsigned int *rnd, unsigned int n)
{
	return n ? (unsigned int)rand_r(rnd) % n : 0;
}

static inline void stress_sleep_us(unsigned int us)
{
	if (us)
		usleep(us);
}

/*
 * A safe point of a parking thread: wait out the quiet phase. Returns
 * false when the thread should end.
 */
static bool stress_checkpoint(struct stress *st)
{
	bool run;

	pthread_mutex_lock(&st->mu);
	if (st->phase == STRESS_QUIET) {
		st->parked++;
		pthread_cond_broadcast(&st->cv);
		while (st->phase == STRESS_QUIET)
			pthread_cond_wait(&st->cv, &st->mu);
		st->parked--;
	}
	run = st->phase != STRESS_STOP;
	pthread_mutex_unlock(&st->mu);
	return run;
}

/* ------------------------------------------------------------------ */
/* the driver                                                          */
/* ------------------------------------------------------------------ */

/* Publish the handle's fds and rings (write lock held). */
static void stress_publish(struct stress *st, struct vmdev *dev)
{
	struct stress_session *s = &st->s;
	unsigned int i;

	s->gen++;
	if (!dev) {
		s->fd = -1;
		s->container_fd = -1;
		s->config_fd = -1;
		s->nvqs = 0;
		return;
	}
	s->fd = vmdev_fd(dev);
	s->container_fd = vmdev_container_fd(dev);
	s->config_fd = vmdev_config_eventfd(dev);
	s->nvqs = vmdev_vq_count(dev);
	if (s->nvqs > STRESS_MAX_VQS)
		s->nvqs = STRESS_MAX_VQS;
	for (i = 0; i < s->nvqs; i++) {
		struct vmdev_vq *vq = vmdev_vq(dev, i);

		s->kick[i] = vq->kick_fd;
		s->call[i] = vq->call_fd;
		s->num[i] = vq->num;
		s->addr[i] = (struct vhost_vring_addr){
			.index = i,
			.desc_user_addr = vq->desc_iova,
			.avail_user_addr = vq->avail_iova,
			.used_user_addr = vq->used_iova,
		};
	}
}

static int stress_open(struct stress *st, struct vmdev **dev,
		       unsigned int flags)
{
	struct vmdev_open_opts opts = { .flags = flags, .arena_size = 1 << 20 };

	return vmdev_open(dev, st->uuid, &opts);
}

/* Errnos of opening while others hold, remove or unload the device. */
static const int *stress_open_errs(struct stress *st)
{
	return st->open_errs;
}

static void stress_driver_close(struct stress *st, struct vmdev **dev)
{
	stress_doing(st, SLOT_DRIVER, "driver lock");
	pthread_rwlock_wrlock(&st->lock);
	stress_doing(st, SLOT_DRIVER, "close");
	vmdev_close(*dev);
	*dev = NULL;
	st->s.open_gen++;
	stress_publish(st, NULL);
	pthread_rwlock_unlock(&st->lock);
	stress_doing(st, SLOT_DRIVER, NULL);
}

/*
 * Open (if need be) and start the device; 0 or -errno. @strict: any
 * failure fails the run.
 */
static int stress_driver_start(struct stress *st, struct vmdev **dev,
			       bool strict)
{
	/*
	 * Starting races with chaos resets, status changes, enables: EBUSY
	 * (a ring enabled, FEATURES_OK set), EINVAL (a status bit cleared
	 * under us), EPROTO (FEATURES_OK not kept), ENODEV (removed).
	 */
	const int *start_errs = strict ? NO_ERRS :
				ERRS(ENODEV, EBUSY, EINVAL, EPROTO);
	int ret = 0;

	stress_doing(st, SLOT_DRIVER, "driver lock");
	pthread_rwlock_wrlock(&st->lock);
	if (!*dev) {
		stress_doing(st, SLOT_DRIVER, "open");
		ret = stress_open(st, dev, st->open_flags);
		if (!stress_check(st, "driver", "open",
				  ret, strict ? NO_ERRS : stress_open_errs(st))) {
			*dev = NULL;
			goto out;
		}
		st->s.open_gen++;
		stress_count(&st->reopens);
	}
	stress_doing(st, SLOT_DRIVER, "vmdev_net_start");
	ret = vmdev_net_start(*dev, &st->parent->net_opts);
	if (stress_check(st, "driver", "vmdev_net_start", ret, start_errs)) {
		ret = vmdev_config_eventfd(*dev);
		stress_check(st, "driver", "vmdev_config_eventfd", ret,
			     strict ? NO_ERRS : ERRS(ENODEV));
		ret = ret < 0 ? ret : 0;
	}
	if (!ret)
		stress_count(&st->restarts);
out:
	/* a failed start is retried from a new open */
	if (*dev && ret) {
		stress_doing(st, SLOT_DRIVER, "close");
		vmdev_close(*dev);
		*dev = NULL;
		st->s.open_gen++;
	}
	stress_publish(st, *dev);
	pthread_rwlock_unlock(&st->lock);
	stress_doing(st, SLOT_DRIVER, NULL);
	return ret;
}

/*
 * Between epochs: reopen, start and exchange frames with nobody else
 * around; everything must work.
 */
static void stress_quiet_check(struct stress *st, struct vmdev **dev,
			       unsigned int *rnd)
{
	int i, ret;

	if (*dev)
		stress_driver_close(st, dev);
	if (stress_driver_start(st, dev, true))
		return;
	for (i = 0; i < 2 && !stress_stopping(st); i++) {
		stress_doing(st, SLOT_DRIVER, "quiet exchange");
		ret = st->parent->exchange(st, *dev, rnd, true);
		stress_doing(st, SLOT_DRIVER, NULL);
		if (ret <= 0) {
			stress_fail(st, "driver: quiet phase: %s exchange: %s",
				    st->parent->name,
				    ret ? strerror(-ret) : "no frame");
			return;
		}
	}
	stress_count(&st->quiet_checks);
}

static void *stress_driver(void *arg)
{
	struct stress *st = arg;
	unsigned int rnd = st->seed;
	struct vmdev *dev = NULL;
	unsigned int idle = 0;
	int ret, status;

	while (!stress_stopping(st)) {
		bool check;

		pthread_mutex_lock(&st->mu);
		check = st->quiet_check;
		pthread_mutex_unlock(&st->mu);
		if (check) {
			stress_quiet_check(st, &dev, &rnd);
			pthread_mutex_lock(&st->mu);
			st->quiet_check = false;
			st->quiet_done = true;
			pthread_cond_broadcast(&st->cv);
			pthread_mutex_unlock(&st->mu);
			continue;
		}
		if (!dev) {
			if (stress_driver_start(st, &dev, false))
				stress_sleep_us(1000 + stress_rand(&rnd, 10000));
			continue;
		}
		/* now and then, a close and reopen of our own */
		if (!stress_rand(&rnd, 300)) {
			stress_driver_close(st, &dev);
			continue;
		}

		stress_doing(st, SLOT_DRIVER, "GET_STATUS");
		status = vmdev_get_status(dev);
		stress_doing(st, SLOT_DRIVER, NULL);
		if (!stress_check(st, "driver", "GET_STATUS", status,
				  ERRS(ENODEV))) {
			/* removed: close, so that the removal completes */
			stress_driver_close(st, &dev);
			continue;
		}
		if (!(status & VIRTIO_CONFIG_S_DRIVER_OK) ||
		    (status & VIRTIO_CONFIG_S_NEEDS_RESET) || idle > 3) {
			/* the chaos reset or broke it: start again */
			idle = 0;
			stress_doing(st, SLOT_DRIVER, "driver lock");
			pthread_rwlock_wrlock(&st->lock);
			stress_doing(st, SLOT_DRIVER, "vmdev_net_start");
			ret = vmdev_net_start(dev, &st->parent->net_opts);
			if (stress_check(st, "driver", "vmdev_net_start", ret,
					 ERRS(ENODEV, EBUSY, EINVAL, EPROTO))) {
				stress_count(&st->restarts);
				stress_publish(st, dev);
			}
			pthread_rwlock_unlock(&st->lock);
			stress_doing(st, SLOT_DRIVER, NULL);
			if (ret == -ENODEV)
				stress_driver_close(st, &dev);
			continue;
		}

		/*
		 * Frames go missing when the chaos resets, disables rings or
		 * swaps eventfds; a bad frame, or a library error other than
		 * the device being gone or broken, is a failure.
		 */
		stress_doing(st, SLOT_DRIVER, "exchange");
		ret = st->parent->exchange(st, dev, &rnd, false);
		stress_doing(st, SLOT_DRIVER, NULL);
		if (ret > 0) {
			idle = 0;
			continue;
		}
		idle++;
		if (stress_check(st, "driver", "exchange", ret, ERRS(ENODEV)))
			continue;
		if (ret == -ENODEV)
			stress_driver_close(st, &dev);
	}
	if (dev)
		stress_driver_close(st, &dev);
	return NULL;
}

/* ------------------------------------------------------------------ */
/* chaos                                                               */
/* ------------------------------------------------------------------ */

struct stress_chaos {
	struct stress *st;
	pthread_t thread;
	unsigned int id;
	unsigned int rnd;
	int efd;		/* an eventfd of our own */
	uint8_t *mem;		/* STRESS_MAP_PAGES pages to map */
	unsigned long mapped_gen;	/* the open the mapping belongs to */
	size_t mapped;		/* bytes mapped at our IOVA, 0: none */
	char who[16];
};

/* Map or unmap our memory at our IOVA: VFIO container or IOTLB message. */
static int stress_chaos_map(struct stress_chaos *c, const struct stress_session *s,
			    bool map, size_t size)
{
	uint64_t iova = STRESS_MAP_IOVA + c->id * STRESS_MAP_STRIDE;
	struct vhost_msg_v2 msg = {
		.type = VHOST_IOTLB_MSG_V2,
		.iotlb = {
			.iova = iova,
			.size = size,
			.uaddr = (uintptr_t)c->mem,
			.perm = VHOST_ACCESS_RW,
			.type = map ? VHOST_IOTLB_UPDATE :
				      VHOST_IOTLB_INVALIDATE,
		},
	};

	if (s->container_fd >= 0) {
		struct vfio_iommu_type1_dma_map m = {
			.argsz = sizeof(m),
			.flags = VFIO_DMA_MAP_FLAG_READ |
				 VFIO_DMA_MAP_FLAG_WRITE,
			.vaddr = (uintptr_t)c->mem,
			.iova = iova,
			.size = size,
		};
		struct vfio_iommu_type1_dma_unmap u = {
			.argsz = sizeof(u),
			.iova = iova,
			.size = size,
		};

		return map ? xioctl(s->container_fd, VFIO_IOMMU_MAP_DMA, &m) :
			     xioctl(s->container_fd, VFIO_IOMMU_UNMAP_DMA, &u);
	}
	if (write(s->fd, &msg, sizeof(msg)) != sizeof(msg))
		return -errno;
	return 0;
}

enum stress_op {
	OP_RESET,
	OP_STATUS_ADD,
	OP_STATUS_CLEAR,
	OP_VFIO_RESET,
	OP_ENABLE,
	OP_KICK_SWAP,
	OP_CALL_SWAP,
	OP_ERR_SWAP,
	OP_CONFIG_SWAP,
	OP_RING_SAME,
	OP_SUSPEND,
	OP_READ,
	OP_MAP,
	OP_NR
};

static const char * const stress_op_name[] = {
	"reset", "status add", "status clear", "VFIO reset", "ring enable",
	"kick swap", "call swap", "err swap", "config swap", "ring rewrite",
	"suspend", "reads", "map",
};

/* Relative frequencies: resets are rare so that frames get through. */
static const unsigned int stress_op_weight[OP_NR] = {
	[OP_RESET] = 1, [OP_STATUS_ADD] = 3, [OP_STATUS_CLEAR] = 2,
	[OP_VFIO_RESET] = 1, [OP_ENABLE] = 6, [OP_KICK_SWAP] = 6,
	[OP_CALL_SWAP] = 8, [OP_ERR_SWAP] = 3, [OP_CONFIG_SWAP] = 3,
	[OP_RING_SAME] = 3, [OP_SUSPEND] = 2, [OP_READ] = 6, [OP_MAP] = 6,
};

static enum stress_op stress_pick_op(unsigned int *rnd)
{
	unsigned int total = 0, r, i;

	for (i = 0; i < OP_NR; i++)
		total += stress_op_weight[i];
	r = stress_rand(rnd, total);
	for (i = 0; i < OP_NR; i++) {
		if (r < stress_op_weight[i])
			return i;
		r -= stress_op_weight[i];
	}
	return OP_READ;
}

/*
 * One operation on the published session (read lock held, fd open). Every
 * vhost ioctl may also fail with ENODEV: the remover removed the device.
 */
static void stress_chaos_op(struct stress_chaos *c, const struct stress_session *s)
{
	struct stress *st = c->st;
	unsigned int q = stress_rand(&c->rnd, s->nvqs);
	int fd = s->fd, ret, status;
	uint64_t one = 1;

	enum stress_op op = stress_pick_op(&c->rnd);

	stress_doing(st, SLOT_CHAOS + c->id, stress_op_name[op]);
	switch (op) {
	case OP_RESET:
		stress_count(&st->resets_begun);
		stress_check(st, c->who, "SET_STATUS 0", fd_set_status(fd, 0),
			     ERRS(ENODEV));
		stress_count(&st->resets_done);
		break;
	case OP_STATUS_ADD: {
		/* never DRIVER_OK: only the driver starts the device */
		static const uint8_t bits[] = {
			VIRTIO_CONFIG_S_ACKNOWLEDGE, VIRTIO_CONFIG_S_DRIVER,
			VIRTIO_CONFIG_S_FEATURES_OK,
		};

		status = fd_get_status(fd);
		if (!stress_check(st, c->who, "GET_STATUS", status,
				  ERRS(ENODEV)))
			break;
		status |= bits[stress_rand(&c->rnd, ARRAY_SIZE(bits))];
		/* EINVAL: the status moved on meanwhile and this clears a bit */
		stress_check(st, c->who, "SET_STATUS add",
			     fd_set_status(fd, status & ~VIRTIO_CONFIG_S_NEEDS_RESET),
			     ERRS(ENODEV, EINVAL));
		break;
	}
	case OP_STATUS_CLEAR: {
		/* done first: a reset begun but not done is one in flight */
		unsigned long done = __atomic_load_n(&st->resets_done,
						     __ATOMIC_SEQ_CST);
		unsigned long begun = __atomic_load_n(&st->resets_begun,
						      __ATOMIC_SEQ_CST);

		status = fd_get_status(fd);
		if (!stress_check(st, c->who, "GET_STATUS", status,
				  ERRS(ENODEV)) || status <= 1)
			break;
		/*
		 * A set bit cleared: EINVAL, and nothing changes; unless
		 * another chaos thread reset the device in between, which
		 * makes ACKNOWLEDGE alone right.
		 */
		ret = fd_set_status(fd, 1);
		if (ret == 0 && (begun != done ||
				 __atomic_load_n(&st->resets_begun,
						 __ATOMIC_SEQ_CST) != begun))
			break;
		if (ret != -EINVAL && ret != -ENODEV)
			stress_fail(st, "%s: SET_STATUS 1 on status 0x%x: %d, not EINVAL",
				    c->who, status, ret);
		break;
	}
	case OP_VFIO_RESET:
		if (s->container_fd < 0)
			break;
		stress_count(&st->resets_begun);
		stress_check(st, c->who, "VFIO_DEVICE_RESET",
			     xioctl(fd, VFIO_DEVICE_RESET, NULL), ERRS(ENODEV));
		stress_count(&st->resets_done);
		break;
	case OP_ENABLE: {
		bool on = stress_rand(&c->rnd, 3) != 0;

		stress_check(st, c->who, on ? "SET_VRING_ENABLE 1" :
			     "SET_VRING_ENABLE 0",
			     fd_vring_state(fd, VHOST_VDPA_SET_VRING_ENABLE, q,
					    on),
			     !on && st->parent->no_ring_stop ?
			     ERRS(ENODEV, EOPNOTSUPP) : ERRS(ENODEV));
		break;
	}
	case OP_KICK_SWAP:
		/* ours (or none), a kick through it, then the driver's back */
		ret = fd_vring_file(fd, VHOST_SET_VRING_KICK, q,
				    stress_rand(&c->rnd, 4) ? c->efd : -1);
		if (!stress_check(st, c->who, "SET_VRING_KICK", ret,
				  ERRS(ENODEV)))
			break;
		if (write(c->efd, &one, sizeof(one)) != sizeof(one))
			stress_fail(st, "%s: eventfd write: %s", c->who,
				    strerror(errno));
		stress_sleep_us(stress_rand(&c->rnd, 300));
		stress_check(st, c->who, "SET_VRING_KICK back",
			     fd_vring_file(fd, VHOST_SET_VRING_KICK, q,
					   s->kick[q]), ERRS(ENODEV));
		break;
	case OP_CALL_SWAP:
		ret = fd_vring_file(fd, VHOST_SET_VRING_CALL, q,
				    stress_rand(&c->rnd, 4) ? c->efd : -1);
		if (!stress_check(st, c->who, "SET_VRING_CALL", ret,
				  ERRS(ENODEV)))
			break;
		stress_sleep_us(stress_rand(&c->rnd, 300));
		stress_check(st, c->who, "SET_VRING_CALL back",
			     fd_vring_file(fd, VHOST_SET_VRING_CALL, q,
					   s->call[q]), ERRS(ENODEV));
		break;
	case OP_ERR_SWAP:
		stress_check(st, c->who, "SET_VRING_ERR",
			     fd_vring_file(fd, VHOST_SET_VRING_ERR, q,
					   stress_rand(&c->rnd, 2) ? c->efd : -1),
			     ERRS(ENODEV));
		break;
	case OP_CONFIG_SWAP:
		ret = c->efd;
		if (!stress_check(st, c->who, "SET_CONFIG_CALL",
				  xioctl(fd, VHOST_VDPA_SET_CONFIG_CALL, &ret),
				  ERRS(ENODEV)))
			break;
		stress_sleep_us(stress_rand(&c->rnd, 300));
		ret = s->config_fd;
		stress_check(st, c->who, "SET_CONFIG_CALL back",
			     xioctl(fd, VHOST_VDPA_SET_CONFIG_CALL, &ret),
			     ERRS(ENODEV));
		break;
	case OP_RING_SAME: {
		/* what the driver set up, again: EBUSY while enabled */
		struct vhost_vring_addr a = s->addr[q];

		if (!s->num[q])
			break;
		stress_check(st, c->who, "SET_VRING_NUM",
			     fd_vring_state(fd, VHOST_SET_VRING_NUM, q,
					    s->num[q]), ERRS(ENODEV, EBUSY));
		stress_check(st, c->who, "SET_VRING_ADDR",
			     xioctl(fd, VHOST_SET_VRING_ADDR, &a),
			     ERRS(ENODEV, EBUSY));
		break;
	}
	case OP_SUSPEND:
		ret = xioctl(fd, VHOST_VDPA_SUSPEND, NULL);
		if (!stress_check(st, c->who, "SUSPEND", ret,
				  ERRS(ENODEV, EOPNOTSUPP)))
			break;
		stress_sleep_us(stress_rand(&c->rnd, 2000));
		stress_check(st, c->who, "RESUME",
			     xioctl(fd, VHOST_VDPA_RESUME, NULL),
			     ERRS(ENODEV, EOPNOTSUPP));
		break;
	case OP_READ: {
		struct vhost_vring_state vs = { .index = q };

		stress_check(st, c->who, "GET_VRING_BASE",
			     xioctl(fd, VHOST_GET_VRING_BASE, &vs),
			     st->parent->no_vring_base ?
			     ERRS(ENODEV, EOPNOTSUPP) : ERRS(ENODEV));
		stress_check(st, c->who, "GET_STATUS", fd_get_status(fd),
			     ERRS(ENODEV));
		break;
	}
	case OP_MAP: {
		size_t size = (1 + stress_rand(&c->rnd, STRESS_MAP_PAGES)) *
			      4096;

		/* Mappings stay until the driver closes (or reopens). */
		if (c->mapped_gen != s->open_gen)
			c->mapped = 0;
		if (c->mapped) {
			ret = stress_chaos_map(c, s, false, c->mapped);
			if (stress_check(st, c->who, "unmap", ret,
					 ERRS(ENODEV)))
				c->mapped = 0;
		} else {
			ret = stress_chaos_map(c, s, true, size);
			if (stress_check(st, c->who, "map", ret,
					 ERRS(ENODEV))) {
				c->mapped = size;
				c->mapped_gen = s->open_gen;
			}
		}
		break;
	}
	default:
		break;
	}
	stress_doing(st, SLOT_CHAOS + c->id, NULL);
	stress_count(&st->ops);
}

static void *stress_chaos_thread(void *arg)
{
	struct stress_chaos *c = arg;
	struct stress *st = c->st;

	while (stress_checkpoint(st)) {
		stress_doing(st, SLOT_CHAOS + c->id, "read lock");
		pthread_rwlock_rdlock(&st->lock);
		stress_doing(st, SLOT_CHAOS + c->id, NULL);
		if (st->s.fd >= 0)
			stress_chaos_op(c, &st->s);
		pthread_rwlock_unlock(&st->lock);
		stress_sleep_us(stress_rand(&c->rnd, 500));
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* the opener and the remover                                          */
/* ------------------------------------------------------------------ */

static void *stress_opener(void *arg)
{
	struct stress *st = arg;
	unsigned int rnd = st->seed + 100;

	while (stress_checkpoint(st)) {
		unsigned int flags = stress_rand(&rnd, 2) ? VMDEV_OPEN_CDEV : 0;
		struct vmdev *dev = NULL;
		int ret;

		stress_doing(st, SLOT_OPENER, flags ? "open (cdev)" :
						      "open (vfio)");
		ret = stress_open(st, &dev, flags);
		stress_doing(st, SLOT_OPENER, NULL);
		if (stress_check(st, "opener", flags ? "open (cdev)" :
				 "open (vfio)", ret, stress_open_errs(st))) {
			/* the driver had let go: use it a little, and close */
			stress_count(&st->opens);
			stress_doing(st, SLOT_OPENER, "negotiate");
			ret = vmdev_negotiate(dev, 0);
			stress_check(st, "opener", "vmdev_negotiate", ret,
				     ERRS(ENODEV));
			stress_sleep_us(stress_rand(&rnd, 5000));
			stress_doing(st, SLOT_OPENER, "close");
			vmdev_close(dev);
			stress_doing(st, SLOT_OPENER, NULL);
		}
		stress_sleep_us(stress_rand(&rnd, 20000));
	}
	return NULL;
}

/* Load @name back after it was unloaded: it must load. */
static void stress_reload(struct stress *st, const char *name)
{
	int ret;

	stress_doing(st, SLOT_REMOVER, "modprobe");
	ret = module_load(name, NULL);
	stress_doing(st, SLOT_REMOVER, NULL);
	if (ret || !module_loaded(name))
		stress_fail(st, "remover: modprobe %s: %d", name, ret);
}

/* The device exists (create it if need be); 0 or the failure. */
static int stress_ensure_device(struct stress *st)
{
	int ret;

	if (!module_loaded(VHOST_MDEV_MODULE))
		stress_reload(st, VHOST_MDEV_MODULE);
	if (!module_loaded(st->parent->module))
		stress_reload(st, st->parent->module);
	if (mdev_exists(st->uuid))
		return 0;
	stress_doing(st, SLOT_REMOVER, "create");
	ret = st->parent->create(st);
	stress_doing(st, SLOT_REMOVER, NULL);
	if (ret)
		stress_fail(st, "remover: creating %s again: %s",
			    st->uuid, strerror(-ret));
	return ret;
}

static void stress_remove(struct stress *st)
{
	int ret;

	pthread_mutex_lock(&st->mu);
	clock_gettime(CLOCK_MONOTONIC, &st->removing);
	pthread_mutex_unlock(&st->mu);
	/* waits until the driver (or the opener) closed the device */
	stress_doing(st, SLOT_REMOVER, "remove");
	ret = mdev_remove(st->uuid);
	stress_doing(st, SLOT_REMOVER, NULL);
	pthread_mutex_lock(&st->mu);
	st->removing.tv_sec = 0;
	pthread_mutex_unlock(&st->mu);
	if (stress_check(st, "remover", "remove", ret, NO_ERRS))
		stress_count(&st->removals);
}

/*
 * rmmod @name: refused while in use (EWOULDBLOCK: referenced, as by an
 * open device; EBUSY: held by another module, or on its way in or out);
 * when it went, loaded back after a moment (@gap_us) without it.
 */
static void stress_unload(struct stress *st, const char *name,
			  unsigned int gap_us)
{
	int ret;

	stress_doing(st, SLOT_REMOVER, "rmmod");
	ret = module_unload(name);
	stress_doing(st, SLOT_REMOVER, NULL);
	if (!stress_check(st, "remover", name, ret,
			  ERRS(EWOULDBLOCK, EBUSY)))
		return;
	stress_count(&st->unloads);
	stress_sleep_us(gap_us);
	stress_reload(st, name);
}

static void *stress_remover(void *arg)
{
	struct stress *st = arg;
	unsigned int rnd = st->seed + 200;

	while (!stress_stopping(st)) {
		if (stress_ensure_device(st))
			break;
		if (!stress_checkpoint(st))
			break;
		usleep(100000 + stress_rand(&rnd, 900000));
		if (stress_stopping(st))
			break;
		switch (stress_rand(&rnd, 4)) {
		case 0:
		case 1:
			stress_remove(st);
			/* with the device gone, the modules may go too */
			if (stress_rand(&rnd, 2))
				stress_unload(st, VHOST_MDEV_MODULE,
					      stress_rand(&rnd, 100000));
			if (st->parent->unload_module && !stress_rand(&rnd, 4))
				stress_unload(st, st->parent->module,
					      stress_rand(&rnd, 100000));
			/* sometimes a moment without the device */
			stress_sleep_us(stress_rand(&rnd, 200000));
			break;
		case 2:
			/* the device may be open, or not */
			stress_unload(st, VHOST_MDEV_MODULE,
				      stress_rand(&rnd, 100000));
			break;
		case 3:
			if (st->parent->unload_module)
				stress_unload(st, st->parent->module,
					      stress_rand(&rnd, 100000));
			break;
		}
	}
	if (!st->failed)
		stress_ensure_device(st);
	return NULL;
}

/* ------------------------------------------------------------------ */
/* the run and the end checks                                          */
/* ------------------------------------------------------------------ */

/* What must be back at the end. */
struct stress_baseline {
	long pins;
	long vmlck;
	long ref_vhost;
	long ref_parent;
};

static void stress_baseline(struct stress_baseline *b, const char *parent)
{
	b->pins = pinned_pages();
	b->vmlck = locked_kb(0);
	b->ref_vhost = module_refcnt(VHOST_MDEV_MODULE);
	b->ref_parent = module_refcnt(parent);
}

static bool stress_same(const struct stress_baseline *a,
			const struct stress_baseline *b)
{
	return a->pins == b->pins && a->vmlck == b->vmlck &&
	       a->ref_vhost == b->ref_vhost && a->ref_parent == b->ref_parent;
}

/* The seed: VMDEV_STRESS_SEED, or the time; printed to replay it. */
static unsigned int stress_seed(void)
{
	const char *s = getenv("VMDEV_STRESS_SEED");
	struct timespec t;

	if (s && *s)
		return strtoul(s, NULL, 0);
	clock_gettime(CLOCK_REALTIME, &t);
	return t.tv_sec ^ t.tv_nsec ^ getpid();
}

static void stress_init(struct stress *st, const struct stress_parent *parent,
			unsigned int open_flags)
{
	pthread_rwlockattr_t ra;
	unsigned int n;
	const int *e;

	memset(st, 0, sizeof(*st));
	st->parent = parent;
	st->open_flags = open_flags;
	st->seed = stress_seed();
	n = 0;
	st->open_errs[n++] = ENODEV;	/* removed, or vhost_mdev unloaded */
	for (e = parent->open_errs; *e && n < ARRAY_SIZE(st->open_errs) - 1; e++)
		st->open_errs[n++] = *e;
	st->s.fd = -1;
	st->s.container_fd = -1;
	st->s.config_fd = -1;
	/* the driver must get its write lock among busy readers */
	pthread_rwlockattr_init(&ra);
	pthread_rwlockattr_setkind_np(&ra, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&st->lock, &ra);
	pthread_rwlockattr_destroy(&ra);
	pthread_mutex_init(&st->mu, NULL);
	pthread_cond_init(&st->cv, NULL);
}

/*
 * Wait until every parker parked and the driver checked the device;
 * reports a removal that hangs. Returns false when the run failed.
 */
static bool stress_quiet(struct stress *st)
{
	struct timespec start, deadline;

	clock_gettime(CLOCK_MONOTONIC, &start);
	pthread_mutex_lock(&st->mu);
	if (st->phase == STRESS_STOP)
		goto out;
	st->phase = STRESS_QUIET;
	pthread_cond_broadcast(&st->cv);
	while (st->phase == STRESS_QUIET && st->parked < STRESS_PARKERS) {
		clock_gettime(CLOCK_REALTIME, &deadline);
		deadline.tv_sec++;
		pthread_cond_timedwait(&st->cv, &st->mu, &deadline);
		if (st->removing.tv_sec &&
		    ms_since(&st->removing) > STRESS_HANG_MS) {
			pthread_mutex_unlock(&st->mu);
			stress_fail(st, "remover: removing the device takes more than %d s: hung?",
				    STRESS_HANG_MS / 1000);
			stress_report_doing(st);
			pthread_mutex_lock(&st->mu);
		} else if (!st->removing.tv_sec &&
			   ms_since(&start) > STRESS_HANG_MS) {
			pthread_mutex_unlock(&st->mu);
			stress_fail(st, "threads did not park within %d s: hung?",
				    STRESS_HANG_MS / 1000);
			stress_report_doing(st);
			pthread_mutex_lock(&st->mu);
		}
	}
	if (st->phase != STRESS_QUIET)
		goto out;
	st->quiet_done = false;
	st->quiet_check = true;
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (st->phase == STRESS_QUIET && !st->quiet_done) {
		clock_gettime(CLOCK_REALTIME, &deadline);
		deadline.tv_sec++;
		pthread_cond_timedwait(&st->cv, &st->mu, &deadline);
		if (!st->quiet_done && ms_since(&start) > STRESS_HANG_MS) {
			pthread_mutex_unlock(&st->mu);
			stress_fail(st, "driver: the quiet check takes more than %d s: hung?",
				    STRESS_HANG_MS / 1000);
			stress_report_doing(st);
			pthread_mutex_lock(&st->mu);
		}
	}
	if (st->phase == STRESS_QUIET) {
		st->phase = STRESS_CHAOS;
		st->epoch++;
		pthread_cond_broadcast(&st->cv);
	}
out:
	pthread_mutex_unlock(&st->mu);
	return !st->failed;
}

/* Join @t, unless a thread is stuck: then say where, and give up. */
static void stress_join(struct stress *st, pthread_t t)
{
	struct timespec deadline;

	if (st->stuck)
		return;
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += STRESS_HANG_MS / 1000;
	if (!pthread_timedjoin_np(t, NULL, &deadline))
		return;
	st->stuck = true;
	stress_fail(st, "a thread did not end within %d s of the stop: hung?",
		    STRESS_HANG_MS / 1000);
	stress_report_doing(st);
}

/*
 * The whole run: the threads for @seconds, an epoch at a time. Failures
 * are in st->failed and st->failure.
 */
static void stress_run(struct stress *st, unsigned int seconds)
{
	struct stress_chaos chaos[STRESS_CHAOS_THREADS] = {};
	pthread_t driver, opener, remover;
	struct timespec start;
	unsigned int i;

	for (i = 0; i < STRESS_CHAOS_THREADS; i++) {
		chaos[i].st = st;
		chaos[i].id = i;
		chaos[i].rnd = st->seed + 1 + i;
		snprintf(chaos[i].who, sizeof(chaos[i].who), "chaos%u", i);
		chaos[i].efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		chaos[i].mem = mmap(NULL, STRESS_MAP_PAGES * 4096,
				    PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (chaos[i].efd < 0 || chaos[i].mem == MAP_FAILED) {
			stress_fail(st, "setup: %s", strerror(errno));
			return;
		}
	}

	clock_gettime(CLOCK_MONOTONIC, &start);
	pthread_create(&driver, NULL, stress_driver, st);
	pthread_create(&opener, NULL, stress_opener, st);
	pthread_create(&remover, NULL, stress_remover, st);
	for (i = 0; i < STRESS_CHAOS_THREADS; i++)
		pthread_create(&chaos[i].thread, NULL, stress_chaos_thread, &chaos[i]);

	while (ms_since(&start) < seconds * 1000L) {
		usleep(STRESS_EPOCH_MS * 1000);
		if (!stress_quiet(st))
			break;
	}

	pthread_mutex_lock(&st->mu);
	st->phase = STRESS_STOP;
	pthread_cond_broadcast(&st->cv);
	pthread_mutex_unlock(&st->mu);
	for (i = 0; i < STRESS_CHAOS_THREADS; i++)
		stress_join(st, chaos[i].thread);
	stress_join(st, opener);
	stress_join(st, remover);
	stress_join(st, driver);
	if (st->stuck)
		return;	/* their memory stays: they may still use it */
	for (i = 0; i < STRESS_CHAOS_THREADS; i++) {
		close(chaos[i].efd);
		munmap(chaos[i].mem, STRESS_MAP_PAGES * 4096);
	}
}

/* What the run did, as KTAP diagnostics. */
static void stress_summary(struct stress *st)
{
	char refused[256] = "";
	size_t n = 0;
	int e;

	for (e = 1; e < STRESS_ERRNO_MAX && n < sizeof(refused); e++)
		if (st->refused_by[e])
			n += snprintf(refused + n, sizeof(refused) - n, " %s %lu",
				      strerrorname_np(e) ?: "?", st->refused_by[e]);
	ksft_print_msg("%u epochs, %lu quiet checks passed, %lu frames looped\n",
		       st->epoch, st->quiet_checks, st->frames);
	ksft_print_msg("driver: %lu opens, %lu starts; opener: %lu opens\n",
		       st->reopens, st->restarts, st->opens);
	ksft_print_msg("remover: %lu removals, %lu module unloads\n",
		       st->removals, st->unloads);
	ksft_print_msg("%lu chaos ops; refused, as allowed:%s\n", st->ops,
		       refused);
	fflush(stdout);
}

/* Remove @uuid within STRESS_REMOVE_MS, in a thread: a hang is reported. */
struct stress_removal {
	const char *uuid;
	int ret;
	bool done;
};

static void *stress_remove_thread(void *arg)
{
	struct stress_removal *r = arg;

	r->ret = mdev_remove(r->uuid);
	__atomic_store_n(&r->done, true, __ATOMIC_RELEASE);
	return NULL;
}

static int stress_remove_within(const char *uuid, int timeout_ms)
{
	struct stress_removal r = { .uuid = uuid, .ret = -ETIMEDOUT };
	pthread_t t;
	int i;

	if (pthread_create(&t, NULL, stress_remove_thread, &r))
		return -EAGAIN;
	for (i = 0; i < timeout_ms / 10; i++) {
		if (__atomic_load_n(&r.done, __ATOMIC_ACQUIRE)) {
			pthread_join(t, NULL);
			return r.ret;
		}
		usleep(10000);
	}
	pthread_detach(t);
	return -ETIMEDOUT;
}

#endif /* _VHOST_MDEV_STRESS_H */
