// SPDX-License-Identifier: GPL-2.0-only
/*
 * The character device's memory protocol: IOTLB messages written to the
 * node, one per write(2) returning the message size, and what they do to
 * the owner's pinned and locked memory. Every bad input has its errno and
 * changes nothing; a reset drops the mappings unless IOTLB_PERSIST was
 * negotiated; the memlock limit is enforced; whatever was mapped is given
 * back on invalidate, reset, owner reset and close.
 */
#include <sys/resource.h>

#include "kselftest_harness.h"
#include "cdev_test.h"

#define MEM_PAGES	16
#define MEM_SIZE	(MEM_PAGES * PAGE)
#define IOVA		0x100000ULL
#define MEM_KB		(MEM_SIZE / 1024)

FIXTURE(iotlb) {
	char uuid[UUID_BUF];
	int fd;
	uint8_t *mem;
	long lck_base;
	long pins_base;
};

FIXTURE_SETUP(iotlb)
{
	self->fd = -1;
	self->mem = MAP_FAILED;
	self->uuid[0] = 0;
	if (!ON_UPSTREAM)
		require_vhost_mdev(_metadata);
	self->lck_base = charged_kb(0);
	ASSERT_LE(0, self->lck_base);
	self->pins_base = pinned_pages();
	ASSERT_NE(PINS_UNKNOWN, self->pins_base);
	if (!ON_UPSTREAM)
		ASSERT_EQ(0, vhost_create(self->uuid, 1, NULL));
	self->mem = anon_pages(MEM_SIZE);
	ASSERT_NE(MAP_FAILED, self->mem);
	self->fd = device_open(self->uuid);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, xioctl(self->fd, VHOST_SET_OWNER, NULL));
	ASSERT_EQ(0, set_backend_features(self->fd, IOTLB_FEATURES));
}

FIXTURE_TEARDOWN(iotlb)
{
	if (self->fd >= 0)
		close(self->fd);
	if (self->mem != MAP_FAILED)
		munmap(self->mem, MEM_SIZE);
	mdev_cleanup(self->uuid);
}

#define UPDATE(iova, size, uaddr, perm) \
	iotlb_update(self->fd, (iova), (size), (uaddr), (perm))
#define INVALIDATE(iova, size)	iotlb_invalidate(self->fd, (iova), (size))
#define MSG(type)		iotlb(self->fd, (type), 0, 0, NULL, 0)

/* Locked memory and pins, @kb above what the test started with. */
#define EXPECT_HELD_KB(kb) do {						\
	long __kb = (kb);						\
									\
	EXPECT_EQ(self->lck_base + __kb, charged_kb(0));			\
	EXPECT_EQ(self->pins_base + __kb * 1024 / (long)PAGE,		\
		  pinned_pages());					\
} while (0)

/* Whether IOVA page @i (from IOVA) is mapped: an UPDATE of it collides. */
static bool page_mapped(int fd, uint8_t *mem, unsigned int i)
{
	int ret = iotlb_update(fd, IOVA + i * PAGE, PAGE, mem + i * PAGE,
			       VHOST_ACCESS_RW);

	if (!ret)
		iotlb_invalidate(fd, IOVA + i * PAGE, PAGE);
	return ret == -MSG_ERRNO(EEXIST);
}

TEST_F(iotlb, write_returns_the_message_size)
{
	EXPECT_EQ(72, MSG_SIZE);
	EXPECT_EQ(MSG_SIZE, iotlb_write(self->fd, VHOST_IOTLB_MSG_V2, 0,
					VHOST_IOTLB_UPDATE, IOVA, MEM_SIZE,
					(uintptr_t)self->mem,
					VHOST_ACCESS_RW, MSG_SIZE));
	EXPECT_EQ(MSG_SIZE, iotlb_write(self->fd, VHOST_IOTLB_MSG_V2, 0,
					VHOST_IOTLB_INVALIDATE, IOVA,
					MEM_SIZE, 0, 0, MSG_SIZE));
}

TEST_F(iotlb, version_1_messages_are_accepted)
{
	/* the four bytes after a v1 type are a hole, not an address space */
	EXPECT_EQ(MSG_SIZE, iotlb_write(self->fd, VHOST_IOTLB_MSG, 0x55aa55aa,
					VHOST_IOTLB_UPDATE, IOVA, MEM_SIZE,
					(uintptr_t)self->mem,
					VHOST_ACCESS_RW, MSG_SIZE));
	EXPECT_HELD_KB(MEM_KB);
	EXPECT_EQ(MSG_SIZE, iotlb_write(self->fd, VHOST_IOTLB_MSG, 0,
					VHOST_IOTLB_INVALIDATE, IOVA,
					MEM_SIZE, 0, 0, MSG_SIZE));
	EXPECT_HELD_KB(0);
}

#define WRITE_UPDATE(len)						\
	iotlb_write(self->fd, VHOST_IOTLB_MSG_V2, 0, VHOST_IOTLB_UPDATE,	\
		    IOVA, MEM_SIZE, (uintptr_t)self->mem, VHOST_ACCESS_RW,	\
		    (len))

TEST_F(iotlb, message_shorter_than_its_envelope_is_einval)
{
	static const size_t sizes[] = { 0, 1, 3, 40, 71 };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		/*
		 * Entry 8: from 40 bytes on (the fields it reads), upstream
		 * applies the message and returns 72, more than was written.
		 */
		if (ON_UPSTREAM && sizes[i] >= 40) {
			EXPECT_EQ(MSG_SIZE, WRITE_UPDATE(sizes[i]));
			EXPECT_HELD_KB(MEM_KB);
			EXPECT_EQ(0, INVALIDATE(IOVA, MEM_SIZE));
			continue;
		}
		EXPECT_ERRNO(EINVAL, WRITE_UPDATE(sizes[i]))
			TH_LOG("%zu bytes", sizes[i]);
	}
	EXPECT_HELD_KB(0);
}

/* As upstream: one message is taken, the rest of the buffer ignored. */
TEST_F(iotlb, longer_write_takes_one_message)
{
	static const size_t sizes[] = { 73, 144 };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		EXPECT_EQ(MSG_SIZE, WRITE_UPDATE(sizes[i]))
			TH_LOG("%zu bytes", sizes[i]);
		EXPECT_HELD_KB(MEM_KB);
		EXPECT_EQ(0, INVALIDATE(IOVA, MEM_SIZE));
		EXPECT_HELD_KB(0);
	}
}

TEST_F(iotlb, unknown_envelope_is_einval)
{
	static const uint32_t types[] = { 0, 3, 0xffffffff };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(types); i++)
		EXPECT_ERRNO(EINVAL, iotlb_write(self->fd, types[i], 0,
						 VHOST_IOTLB_UPDATE, IOVA,
						 MEM_SIZE, (uintptr_t)self->mem,
						 VHOST_ACCESS_RW, MSG_SIZE))
			TH_LOG("envelope %u", types[i]);
	EXPECT_HELD_KB(0);
}

/* As upstream: without VHOST_BACKEND_F_IOTLB_ASID the field means nothing. */
TEST_F(iotlb, address_space_is_ignored_without_the_asid_feature)
{
	EXPECT_EQ(MSG_SIZE, iotlb_write(self->fd, VHOST_IOTLB_MSG_V2, 1,
					VHOST_IOTLB_UPDATE, IOVA, MEM_SIZE,
					(uintptr_t)self->mem, VHOST_ACCESS_RW,
					MSG_SIZE));
	EXPECT_HELD_KB(MEM_KB);
	EXPECT_TRUE(page_mapped(self->fd, self->mem, 0));
	EXPECT_EQ(MSG_SIZE, iotlb_write(self->fd, VHOST_IOTLB_MSG_V2, 7,
					VHOST_IOTLB_INVALIDATE, IOVA, MEM_SIZE,
					0, 0, MSG_SIZE));
	EXPECT_HELD_KB(0);
}

TEST_F(iotlb, message_types_a_device_sends_are_einval)
{
	static const uint8_t types[] = {
		0, VHOST_IOTLB_MISS, VHOST_IOTLB_ACCESS_FAIL, 7, 0xff,
	};
	unsigned int i, type;

	for (i = 0; i < ARRAY_SIZE(types); i++) {
		type = types[i];
		EXPECT_ERRNO(MSG_ERRNO(EINVAL),
			     iotlb(self->fd, type, IOVA, MEM_SIZE, self->mem,
				   VHOST_ACCESS_RW))
			TH_LOG("type %u", type);
	}
}

TEST_F(iotlb, update_with_bad_perm_is_einval)
{
	static const uint8_t perms[] = { 0, 4, 0x83, 0xff };
	unsigned int i, perm;

	/* Entry 13: upstream maps these with no IOMMU permission. */
	if (upstream_lacks(_metadata, "refusing a bad permission"))
		return;
	for (i = 0; i < ARRAY_SIZE(perms); i++) {
		perm = perms[i];
		EXPECT_ERRNO(EINVAL, UPDATE(IOVA, MEM_SIZE, self->mem, perm))
			TH_LOG("perm %#x", perm);
	}
	EXPECT_HELD_KB(0);
}

TEST_F(iotlb, every_perm_maps)
{
	EXPECT_EQ(0, UPDATE(IOVA, PAGE, self->mem, VHOST_ACCESS_RO));
	EXPECT_EQ(0, UPDATE(IOVA + PAGE, PAGE, self->mem + PAGE,
			    VHOST_ACCESS_WO));
	EXPECT_EQ(0, UPDATE(IOVA + 2 * PAGE, PAGE, self->mem + 2 * PAGE,
			    VHOST_ACCESS_RW));
	EXPECT_HELD_KB(3 * PAGE / 1024);
}

/*
 * As upstream: an empty UPDATE is refused, an empty INVALIDATE is not.
 * Entry 11: ours removes nothing; upstream takes iova - 1 for its last
 * byte, so (0, 0) removes everything.
 */
TEST_F(iotlb, empty_update_is_einval_empty_invalidate_is_nothing)
{
	EXPECT_ERRNO(EINVAL, UPDATE(IOVA, 0, self->mem, VHOST_ACCESS_RW));
	ASSERT_EQ(0, UPDATE(IOVA, MEM_SIZE, self->mem, VHOST_ACCESS_RW));
	EXPECT_EQ(0, INVALIDATE(IOVA, 0));
	EXPECT_HELD_KB(MEM_KB);
	EXPECT_TRUE(page_mapped(self->fd, self->mem, 0));
	EXPECT_EQ(0, INVALIDATE(0, 0));
	EXPECT_HELD_KB(DIFF(11, 0, MEM_KB));
}

/* An INVALIDATE past the end removes up to the end, as nothing upstream. */
TEST_F(iotlb, update_past_the_iova_range_is_einval)
{
	struct vhost_vdpa_iova_range range = {};

	ASSERT_EQ(0, xioctl(self->fd, VHOST_VDPA_GET_IOVA_RANGE, &range));
	/* mvnet takes any IOVA: past its end is past the 64-bit space */
	ASSERT_EQ(UINT64_MAX, range.last);
	EXPECT_ERRNO(MSG_ERRNO(EINVAL), UPDATE(range.last - PAGE + 1, 2 * PAGE,
					       self->mem, VHOST_ACCESS_RW));
	/* the last page itself is fine */
	EXPECT_EQ(0, UPDATE(range.last - PAGE + 1, PAGE, self->mem,
			    VHOST_ACCESS_RW));
	EXPECT_HELD_KB(PAGE / 1024);
	/* entry 22: upstream's range wraps around, and removes nothing */
	EXPECT_EQ(0, INVALIDATE(range.last - PAGE + 1, 2 * PAGE));
	EXPECT_HELD_KB(DIFF(22, PAGE / 1024, 0));
	EXPECT_EQ(0, INVALIDATE(range.last - PAGE + 1, PAGE));
	EXPECT_HELD_KB(0);
}

/* As upstream: every page the range touches is mapped, and charged. */
TEST_F(iotlb, update_of_part_pages_maps_the_whole_pages)
{
	/* one byte into page 0 to one byte into page 2: three pages */
	EXPECT_EQ(0, UPDATE(IOVA + 100, 2 * PAGE - 99, self->mem + 100,
			    VHOST_ACCESS_RW));
	EXPECT_HELD_KB(3 * PAGE / 1024);
	EXPECT_TRUE(page_mapped(self->fd, self->mem, 0));
	EXPECT_TRUE(page_mapped(self->fd, self->mem, 2));
	EXPECT_FALSE(page_mapped(self->fd, self->mem, 3));
	/* the pages are taken whole: a range in one of them collides */
	EXPECT_ERRNO(MSG_ERRNO(EEXIST), UPDATE(IOVA + 2 * PAGE + 8, 8,
					       self->mem + 2 * PAGE + 8,
					       VHOST_ACCESS_RW));
	EXPECT_EQ(0, INVALIDATE(IOVA + 100, 1));
	/* entry 20: upstream may drop physically contiguous neighbours too */
	if (ON_UPSTREAM) {
		EXPECT_FALSE(page_mapped(self->fd, self->mem, 0));
		return;
	}
	EXPECT_HELD_KB(2 * PAGE / 1024);
	EXPECT_EQ(0, INVALIDATE(IOVA, MEM_SIZE));
	EXPECT_HELD_KB(0);
}

/* Entry 18: stricter than upstream, which maps the wrong bytes for these. */
TEST_F(iotlb, update_with_iova_and_address_at_other_page_offsets_is_einval)
{
	EXPECT_ERRNO(DIFF(18, 0, EINVAL), UPDATE(IOVA + 1, PAGE, self->mem,
						 VHOST_ACCESS_RW));
	if (ON_UPSTREAM)
		EXPECT_EQ(0, INVALIDATE(0, UINT64_MAX));
	EXPECT_ERRNO(DIFF(18, 0, EINVAL), UPDATE(IOVA, PAGE, self->mem + 1,
						 VHOST_ACCESS_RW));
	if (ON_UPSTREAM)
		EXPECT_EQ(0, INVALIDATE(0, UINT64_MAX));
	EXPECT_HELD_KB(0);
}

TEST_F(iotlb, overlapping_update_is_eexist)
{
	const int eexist = MSG_ERRNO(EEXIST);

	ASSERT_EQ(0, UPDATE(IOVA + 4 * PAGE, 4 * PAGE, self->mem,
			    VHOST_ACCESS_RW));
	/* the same, inside, across the start, across the end, around it */
	EXPECT_ERRNO(eexist, UPDATE(IOVA + 4 * PAGE, 4 * PAGE,
				    self->mem + 8 * PAGE, VHOST_ACCESS_RW));
	EXPECT_ERRNO(eexist, UPDATE(IOVA + 5 * PAGE, PAGE,
				    self->mem + 8 * PAGE, VHOST_ACCESS_RW));
	EXPECT_ERRNO(eexist, UPDATE(IOVA + 3 * PAGE, 2 * PAGE,
				    self->mem + 8 * PAGE, VHOST_ACCESS_RW));
	EXPECT_ERRNO(eexist, UPDATE(IOVA + 7 * PAGE, 2 * PAGE,
				    self->mem + 8 * PAGE, VHOST_ACCESS_RW));
	EXPECT_ERRNO(eexist, UPDATE(IOVA, 16 * PAGE, self->mem,
				    VHOST_ACCESS_RW));
	EXPECT_HELD_KB(4 * PAGE / 1024);
	/* right next to it on either side is fine */
	EXPECT_EQ(0, UPDATE(IOVA + 3 * PAGE, PAGE, self->mem + 8 * PAGE,
			    VHOST_ACCESS_RW));
	EXPECT_EQ(0, UPDATE(IOVA + 8 * PAGE, PAGE, self->mem + 9 * PAGE,
			    VHOST_ACCESS_RW));
}

TEST_F(iotlb, update_of_memory_the_process_lacks_is_efault)
{
	uint8_t *gone = anon_pages(4 * PAGE);

	ASSERT_NE(MAP_FAILED, gone);
	/* the first two pages are there, the last two are not */
	ASSERT_EQ(0, munmap(gone + 2 * PAGE, 2 * PAGE));
	EXPECT_ERRNO(EFAULT, UPDATE(IOVA, 4 * PAGE, gone, VHOST_ACCESS_RW));
	EXPECT_HELD_KB(0);
	EXPECT_FALSE(page_mapped(self->fd, self->mem, 0));
	munmap(gone, 2 * PAGE);
}

TEST_F(iotlb, read_only_memory_maps_for_device_reads_only)
{
	uint8_t *ro = anon_pages(PAGE);

	ASSERT_NE(MAP_FAILED, ro);
	ASSERT_EQ(0, mprotect(ro, PAGE, PROT_READ));
	EXPECT_ERRNO(EFAULT, UPDATE(IOVA, PAGE, ro, VHOST_ACCESS_RW));
	EXPECT_ERRNO(EFAULT, UPDATE(IOVA, PAGE, ro, VHOST_ACCESS_WO));
	EXPECT_EQ(0, UPDATE(IOVA, PAGE, ro, VHOST_ACCESS_RO));
	EXPECT_HELD_KB(PAGE / 1024);
	EXPECT_EQ(0, INVALIDATE(IOVA, PAGE));
	munmap(ro, PAGE);
}

TEST_F(iotlb, other_process_is_eperm)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(-UPDATE(IOVA, MEM_SIZE, self->mem, VHOST_ACCESS_RW));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(MSG_ERRNO(EPERM), WEXITSTATUS(status));
	EXPECT_EQ(0, UPDATE(IOVA, MEM_SIZE, self->mem, VHOST_ACCESS_RW));
}

TEST_F(iotlb, without_an_owner_is_eperm)
{
	/* Entry 1: upstream has no VHOST_RESET_OWNER. */
	if (upstream_lacks(_metadata, "VHOST_RESET_OWNER"))
		return;
	ASSERT_EQ(0, xioctl(self->fd, VHOST_RESET_OWNER, NULL));
	EXPECT_ERRNO(EPERM, UPDATE(IOVA, MEM_SIZE, self->mem,
				   VHOST_ACCESS_RW));
	EXPECT_ERRNO(EPERM, INVALIDATE(IOVA, MEM_SIZE));
	EXPECT_ERRNO(EPERM, MSG(VHOST_IOTLB_BATCH_BEGIN));
}

/*
 * What DPDK sends first: (0, SIZE_MAX), on an empty space. Entry 19:
 * upstream fails it while no UPDATE has created its address space.
 */
TEST_F(iotlb, invalidating_nothing_succeeds)
{
	EXPECT_ERRNO(DIFF(19, EFAULT, 0), INVALIDATE(0, UINT64_MAX));
	EXPECT_ERRNO(DIFF(19, EFAULT, 0), INVALIDATE(IOVA, MEM_SIZE));
	ASSERT_EQ(0, UPDATE(IOVA, PAGE, self->mem, VHOST_ACCESS_RW));
	EXPECT_EQ(0, INVALIDATE(IOVA + PAGE, MEM_SIZE));
	EXPECT_HELD_KB(PAGE / 1024);
}

TEST_F(iotlb, invalidating_everything_unmaps_everything)
{
	ASSERT_EQ(0, UPDATE(IOVA, 4 * PAGE, self->mem, VHOST_ACCESS_RW));
	ASSERT_EQ(0, UPDATE(1ULL << 40, 4 * PAGE, self->mem + 4 * PAGE,
			    VHOST_ACCESS_RO));
	EXPECT_HELD_KB(8 * PAGE / 1024);
	EXPECT_EQ(0, INVALIDATE(0, UINT64_MAX));
	EXPECT_HELD_KB(0);
	EXPECT_EQ(0, UPDATE(IOVA, 4 * PAGE, self->mem, VHOST_ACCESS_RW));
}

TEST_F(iotlb, invalidate_removes_exactly_its_pages)
{
	unsigned int i;

	ASSERT_EQ(0, UPDATE(IOVA, 8 * PAGE, self->mem, VHOST_ACCESS_RW));
	/* a hole in the middle, of a single mapping */
	ASSERT_EQ(0, INVALIDATE(IOVA + 2 * PAGE, 3 * PAGE));
	/*
	 * Entry 20: upstream also drops the neighbours that happen to be
	 * physically contiguous with the hole's pages; only the hole is sure.
	 */
	if (ON_UPSTREAM) {
		for (i = 2; i < 5; i++)
			EXPECT_FALSE(page_mapped(self->fd, self->mem, i))
				TH_LOG("page %u", i);
		return;
	}
	EXPECT_HELD_KB(5 * PAGE / 1024);
	for (i = 0; i < 8; i++)
		EXPECT_EQ(i < 2 || i >= 5, page_mapped(self->fd, self->mem, i))
			TH_LOG("page %u", i);
	/* a byte takes its whole page */
	ASSERT_EQ(0, INVALIDATE(IOVA + 7 * PAGE + 100, 1));
	EXPECT_FALSE(page_mapped(self->fd, self->mem, 7));
	EXPECT_TRUE(page_mapped(self->fd, self->mem, 6));
	EXPECT_HELD_KB(4 * PAGE / 1024);
}

/*
 * Memory backed by a transparent huge page, when the kernel gives one:
 * 2 MiB at a 2 MiB boundary, advised and touched. Returns the mapping to
 * munmap (@size bytes) and the huge-page-aligned part in @hp.
 */
static void *huge_page(size_t *size, uint8_t **hp)
{
	size_t huge = 2UL << 20;
	uint8_t *p;
	size_t i;

	*size = 2 * huge;
	p = mmap(NULL, *size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return p;
	*hp = (uint8_t *)(((uintptr_t)p + huge - 1) & ~(huge - 1));
	madvise(*hp, huge, MADV_HUGEPAGE);
	for (i = 0; i < huge; i += PAGE)
		(*hp)[i] = 1;
	return p;
}

/* Whether the page at @p is part of a huge page, from /proc/self/smaps. */
static bool in_huge_page(const void *p)
{
	unsigned long start, end;
	char line[256];
	bool in = false;
	long kb;
	FILE *f;

	f = fopen("/proc/self/smaps", "r");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx", &start, &end) == 2)
			in = (uintptr_t)p >= start && (uintptr_t)p < end;
		else if (in && sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
			break;
	}
	fclose(f);
	return in && kb > 0;
}

/*
 * A huge page is one run of contiguous pages; an INVALIDATE of a page in
 * its middle splits it, and exactly that page goes.
 */
TEST_F(iotlb, invalidate_cuts_a_huge_page_exactly)
{
	uint64_t iova = 1ULL << 30;
	size_t size;
	uint8_t *hp;
	void *map;

	map = huge_page(&size, &hp);
	ASSERT_NE(MAP_FAILED, map);
	TH_LOG("%s", in_huge_page(hp) ? "a huge page" :
	       "no huge page here: small pages then");
	ASSERT_EQ(0, UPDATE(iova, 2UL << 20, hp, VHOST_ACCESS_RW));
	EXPECT_HELD_KB(2048);
	ASSERT_EQ(0, INVALIDATE(iova + 100 * PAGE, PAGE));
	/*
	 * Entry 20: upstream drops the whole run of contiguous pages: all of
	 * a huge page; of small pages, those that happen to be contiguous.
	 */
	if (ON_UPSTREAM) {
		if (in_huge_page(hp))
			EXPECT_HELD_KB(0);
		EXPECT_EQ(0, UPDATE(iova + 100 * PAGE, PAGE, self->mem,
				    VHOST_ACCESS_RW));
		return;
	}
	EXPECT_HELD_KB(2048 - PAGE / 1024);
	EXPECT_ERRNO(MSG_ERRNO(EEXIST), UPDATE(iova + 99 * PAGE, PAGE,
					       self->mem, VHOST_ACCESS_RW));
	EXPECT_ERRNO(MSG_ERRNO(EEXIST), UPDATE(iova + 101 * PAGE, PAGE,
					       self->mem, VHOST_ACCESS_RW));
	EXPECT_EQ(0, UPDATE(iova + 100 * PAGE, PAGE, self->mem,
			    VHOST_ACCESS_RW));
	EXPECT_EQ(0, INVALIDATE(iova, 2UL << 20));
	EXPECT_HELD_KB(0);
	munmap(map, size);
}

TEST_F(iotlb, batches_are_accepted)
{
	EXPECT_EQ(0, MSG(VHOST_IOTLB_BATCH_BEGIN));
	EXPECT_EQ(0, INVALIDATE(0, UINT64_MAX));
	EXPECT_EQ(0, UPDATE(IOVA, MEM_SIZE, self->mem, VHOST_ACCESS_RW));
	EXPECT_EQ(0, MSG(VHOST_IOTLB_BATCH_END));
	EXPECT_HELD_KB(MEM_KB);
	/* a batch's messages count when written, not at its end */
	EXPECT_EQ(0, MSG(VHOST_IOTLB_BATCH_BEGIN));
	EXPECT_EQ(0, INVALIDATE(IOVA, MEM_SIZE));
	EXPECT_HELD_KB(0);
	EXPECT_EQ(0, MSG(VHOST_IOTLB_BATCH_END));
}

/*
 * As upstream: a BATCH_END outside a batch and a BATCH_BEGIN inside one
 * are taken. Entry 19: upstream fails a BATCH_END that comes before
 * anything created its address space.
 */
TEST_F(iotlb, batch_brackets_need_not_pair)
{
	EXPECT_ERRNO(DIFF(19, EFAULT, 0), MSG(VHOST_IOTLB_BATCH_END));
	EXPECT_EQ(0, MSG(VHOST_IOTLB_BATCH_BEGIN));
	EXPECT_EQ(0, MSG(VHOST_IOTLB_BATCH_BEGIN));
	EXPECT_EQ(0, UPDATE(IOVA, MEM_SIZE, self->mem, VHOST_ACCESS_RW));
	EXPECT_EQ(0, MSG(VHOST_IOTLB_BATCH_END));
	EXPECT_EQ(0, MSG(VHOST_IOTLB_BATCH_END));
	EXPECT_HELD_KB(MEM_KB);
	EXPECT_TRUE(page_mapped(self->fd, self->mem, 0));
}

/* As upstream: the brackets do not need the feature. */
TEST_F(iotlb, batch_without_the_feature_is_taken)
{
	ASSERT_EQ(0, set_backend_features(self->fd,
					  BIT64(VHOST_BACKEND_F_IOTLB_MSG_V2)));
	EXPECT_EQ(0, MSG(VHOST_IOTLB_BATCH_BEGIN));
	EXPECT_EQ(0, UPDATE(IOVA, MEM_SIZE, self->mem, VHOST_ACCESS_RW));
	EXPECT_EQ(0, MSG(VHOST_IOTLB_BATCH_END));
	EXPECT_HELD_KB(MEM_KB);
}

TEST_F(iotlb, update_pins_and_charges_invalidate_gives_back)
{
	ASSERT_EQ(0, UPDATE(IOVA, MEM_SIZE, self->mem, VHOST_ACCESS_RW));
	EXPECT_HELD_KB(MEM_KB);
	ASSERT_EQ(0, INVALIDATE(IOVA, MEM_SIZE));
	EXPECT_HELD_KB(0);
}

/*
 * Entry 21: upstream 6.1 keeps its mappings and pins over a reset (while
 * a parent such as vdpa_sim forgets its own copy of them).
 */
TEST_F(iotlb, reset_drops_mappings_without_persist)
{
	uint8_t status = 0;

	ASSERT_EQ(0, UPDATE(IOVA, MEM_SIZE, self->mem, VHOST_ACCESS_RW));
	ASSERT_EQ(0, xioctl(self->fd, VHOST_VDPA_SET_STATUS, &status));
	EXPECT_HELD_KB(DIFF(21, MEM_KB, 0));
	EXPECT_EQ(DIFF(21, true, false), page_mapped(self->fd, self->mem, 0));
}

TEST_F(iotlb, reset_keeps_mappings_with_persist)
{
	uint8_t status = 0;

	/* Entry 16: upstream 6.1 has no VHOST_BACKEND_F_IOTLB_PERSIST. */
	if (upstream_lacks(_metadata, "VHOST_BACKEND_F_IOTLB_PERSIST"))
		return;

	ASSERT_EQ(0, set_backend_features(self->fd, IOTLB_FEATURES |
					  BIT64(VHOST_BACKEND_F_IOTLB_PERSIST)));
	ASSERT_EQ(0, UPDATE(IOVA, MEM_SIZE, self->mem, VHOST_ACCESS_RW));
	ASSERT_EQ(0, xioctl(self->fd, VHOST_VDPA_SET_STATUS, &status));
	EXPECT_HELD_KB(MEM_KB);
	EXPECT_TRUE(page_mapped(self->fd, self->mem, 0));
}

TEST_F(iotlb, owner_reset_drops_mappings_even_with_persist)
{
	/* Entries 1 and 16: neither RESET_OWNER nor PERSIST upstream. */
	if (upstream_lacks(_metadata, "VHOST_RESET_OWNER, VHOST_BACKEND_F_IOTLB_PERSIST"))
		return;
	ASSERT_EQ(0, set_backend_features(self->fd, IOTLB_FEATURES |
					  BIT64(VHOST_BACKEND_F_IOTLB_PERSIST)));
	ASSERT_EQ(0, UPDATE(IOVA, MEM_SIZE, self->mem, VHOST_ACCESS_RW));
	ASSERT_EQ(0, xioctl(self->fd, VHOST_RESET_OWNER, NULL));
	EXPECT_HELD_KB(0);
	ASSERT_EQ(0, xioctl(self->fd, VHOST_SET_OWNER, NULL));
	EXPECT_FALSE(page_mapped(self->fd, self->mem, 0));
}

TEST_F(iotlb, close_gives_everything_back)
{
	/* With PERSIST too, where there is one (entry 16). */
	if (!ON_UPSTREAM)
		ASSERT_EQ(0, set_backend_features(self->fd, IOTLB_FEATURES |
				BIT64(VHOST_BACKEND_F_IOTLB_PERSIST)));
	ASSERT_EQ(0, UPDATE(IOVA, MEM_SIZE, self->mem, VHOST_ACCESS_RW));
	EXPECT_HELD_KB(MEM_KB);
	close(self->fd);
	self->fd = -1;
	EXPECT_HELD_KB(0);
}

/* Address spaces (entry 23): both have mvnet's and vdpa_sim_net's two. */

#define ASID_FEATURES	(IOTLB_FEATURES | BIT64(VHOST_BACKEND_F_IOTLB_ASID))
#define CVQ		2	/* one queue pair: the control queue is ring 2 */

static int set_group_asid(int fd, unsigned int group, unsigned int asid)
{
	struct vhost_vring_state s = { .index = group, .num = asid };

	return xioctl(fd, VHOST_VDPA_SET_GROUP_ASID, &s);
}

/* The group of ring @index, or -errno. */
static int vring_group(int fd, unsigned int index)
{
	struct vhost_vring_state s = { .index = index, .num = ~0U };
	int ret = xioctl(fd, VHOST_VDPA_GET_VRING_GROUP, &s);

	return ret ? ret : (int)s.num;
}

/* Up to FEATURES_OK with the control queue, the way a driver gets there. */
static int features_ok_with_cvq(int fd)
{
	uint64_t features = BIT64(VIRTIO_F_VERSION_1) |
			    BIT64(VIRTIO_F_ACCESS_PLATFORM) |
			    BIT64(VIRTIO_NET_F_MAC) |
			    BIT64(VIRTIO_NET_F_CTRL_VQ);
	int ret;

	ret = fd_set_status(fd, VIRTIO_CONFIG_S_ACKNOWLEDGE |
			    VIRTIO_CONFIG_S_DRIVER);
	if (!ret)
		ret = xioctl(fd, VHOST_SET_FEATURES, &features);
	if (!ret)
		ret = fd_set_status(fd, VIRTIO_CONFIG_S_ACKNOWLEDGE |
				    VIRTIO_CONFIG_S_DRIVER |
				    VIRTIO_CONFIG_S_FEATURES_OK);
	return ret;
}

/* Whether IOVA page 0 of address space @asid is mapped (as page_mapped()). */
static bool page_mapped_as(int fd, uint8_t *mem, uint32_t asid)
{
	ssize_t n = iotlb_write(fd, VHOST_IOTLB_MSG_V2, asid,
				VHOST_IOTLB_UPDATE, IOVA, PAGE,
				(uintptr_t)mem, VHOST_ACCESS_RW, MSG_SIZE);

	if (n == MSG_SIZE)
		iotlb_write(fd, VHOST_IOTLB_MSG_V2, asid,
			    VHOST_IOTLB_INVALIDATE, IOVA, PAGE, 0, 0, MSG_SIZE);
	return n == -MSG_ERRNO(EEXIST);
}

TEST_F(iotlb, groups_and_address_spaces_are_counted)
{
	unsigned int n = 0;
	uint64_t features;
	uint32_t groups = 0;

	ASSERT_EQ(0, xioctl(self->fd, VHOST_GET_BACKEND_FEATURES, &features));
	EXPECT_TRUE(features & BIT64(VHOST_BACKEND_F_IOTLB_ASID));
	ASSERT_EQ(0, xioctl(self->fd, VHOST_VDPA_GET_GROUP_NUM, &groups));
	EXPECT_EQ(2, groups);
	ASSERT_EQ(0, xioctl(self->fd, VHOST_VDPA_GET_AS_NUM, &n));
	EXPECT_EQ(2, n);
}

TEST_F(iotlb, control_queue_is_alone_in_group_1)
{
	ASSERT_EQ(0, features_ok_with_cvq(self->fd));
	EXPECT_EQ(0, vring_group(self->fd, 0));
	EXPECT_EQ(0, vring_group(self->fd, 1));
	EXPECT_EQ(1, vring_group(self->fd, CVQ));
	EXPECT_ERRNO(ENOBUFS, vring_group(self->fd, CVQ + 1));
}

/* The index against the rings first (ENOBUFS), then the groups. */
TEST_F(iotlb, group_or_address_space_out_of_range_is_refused)
{
	EXPECT_ERRNO(ENOBUFS, set_group_asid(self->fd, CVQ + 1, 0));
	EXPECT_ERRNO(EINVAL, set_group_asid(self->fd, 1, 2));
	EXPECT_ERRNO(EINVAL, set_group_asid(self->fd, 0, UINT32_MAX));
	EXPECT_ERRNO(EINVAL, set_group_asid(self->fd, 2, 1));
	EXPECT_EQ(0, set_group_asid(self->fd, 1, 1));
	EXPECT_EQ(0, set_group_asid(self->fd, 1, 0));
}

TEST_F(iotlb, moving_a_group_of_a_running_device_is_ebusy)
{
	ASSERT_EQ(0, features_ok_with_cvq(self->fd));
	ASSERT_EQ(0, fd_set_status(self->fd, VIRTIO_CONFIG_S_ACKNOWLEDGE |
				   VIRTIO_CONFIG_S_DRIVER |
				   VIRTIO_CONFIG_S_FEATURES_OK |
				   VIRTIO_CONFIG_S_DRIVER_OK));
	EXPECT_EQ(DIFF(23, 0, -EBUSY), set_group_asid(self->fd, 1, 1));
	ASSERT_EQ(0, fd_set_status(self->fd, 0));
	EXPECT_EQ(0, set_group_asid(self->fd, 1, 1));
}

TEST_F(iotlb, message_for_an_address_space_past_the_count_is_einval)
{
	ASSERT_EQ(0, set_backend_features(self->fd, ASID_FEATURES));
	EXPECT_EQ(-MSG_ERRNO(EINVAL),
		  iotlb_write(self->fd, VHOST_IOTLB_MSG_V2, 2,
			      VHOST_IOTLB_UPDATE, IOVA, MEM_SIZE,
			      (uintptr_t)self->mem, VHOST_ACCESS_RW, MSG_SIZE));
	EXPECT_HELD_KB(0);
}

TEST_F(iotlb, each_address_space_maps_apart)
{
	ASSERT_EQ(0, set_backend_features(self->fd, ASID_FEATURES));
	ASSERT_EQ(MSG_SIZE, iotlb_write(self->fd, VHOST_IOTLB_MSG_V2, 1,
					VHOST_IOTLB_UPDATE, IOVA, MEM_SIZE,
					(uintptr_t)self->mem, VHOST_ACCESS_RW,
					MSG_SIZE));
	EXPECT_HELD_KB(MEM_KB);
	EXPECT_FALSE(page_mapped_as(self->fd, self->mem, 0));
	EXPECT_TRUE(page_mapped_as(self->fd, self->mem, 1));
	/* The same IOVAs and pages in address space 0: no overlap. */
	ASSERT_EQ(0, UPDATE(IOVA, MEM_SIZE, self->mem, VHOST_ACCESS_RW));
	EXPECT_HELD_KB(2 * MEM_KB);
	ASSERT_EQ(MSG_SIZE, iotlb_write(self->fd, VHOST_IOTLB_MSG_V2, 1,
					VHOST_IOTLB_INVALIDATE, 0, UINT64_MAX,
					0, 0, MSG_SIZE));
	EXPECT_HELD_KB(MEM_KB);
	EXPECT_TRUE(page_mapped_as(self->fd, self->mem, 0));
	EXPECT_FALSE(page_mapped_as(self->fd, self->mem, 1));
	ASSERT_EQ(MSG_SIZE, iotlb_write(self->fd, VHOST_IOTLB_MSG_V2, 1,
					VHOST_IOTLB_UPDATE, IOVA, MEM_SIZE,
					(uintptr_t)self->mem, VHOST_ACCESS_RW,
					MSG_SIZE));
	close(self->fd);
	self->fd = -1;
	EXPECT_HELD_KB(0);
}

/*
 * Child: a process without CAP_IPC_LOCK, its memlock limit @limit_kb, that
 * opens the device and maps @first_kb then @second_kb. Exits with 0 when
 * the first fits and the second is refused with ENOMEM, its locked memory
 * unchanged by the refusal and back to nothing once it unmaps.
 */
static int memlock_user(const char *uuid, uint8_t *mem, long limit_kb,
			long first_kb, long second_kb)
{
	struct rlimit rl = { limit_kb * 1024, limit_kb * 1024 };
	long base;
	int fd;

	if (drop_ipc_lock() || setrlimit(RLIMIT_MEMLOCK, &rl))
		return 10;
	base = charged_kb(0);
	fd = device_open(uuid);
	if (fd < 0 || xioctl(fd, VHOST_SET_OWNER, NULL))
		return 11;
	if (iotlb_update(fd, IOVA, first_kb * 1024, mem, VHOST_ACCESS_RW))
		return 12;
	if (charged_kb(0) != base + first_kb)
		return 13;
	if (iotlb_update(fd, IOVA + first_kb * 1024, second_kb * 1024,
			 mem + first_kb * 1024, VHOST_ACCESS_RW) !=
	    -MSG_ERRNO(ENOMEM))
		return 14;
	if (charged_kb(0) != base + first_kb)
		return 15;
	if (iotlb_invalidate(fd, 0, UINT64_MAX) || charged_kb(0) != base)
		return 16;
	close(fd);
	return 0;
}

TEST_F(iotlb, memlock_limit_refuses_with_enomem)
{
	int status;
	pid_t pid;

	/* the child opens the device for itself */
	close(self->fd);
	self->fd = -1;
	fflush(NULL);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(memlock_user(self->uuid, self->mem, MEM_KB / 2,
				   MEM_KB / 4, MEM_KB / 2));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(self->pins_base, pinned_pages());
}

TEST_HARNESS_MAIN
