/* A program's own use of userfaultfd: asynchronous write-protection of one
 * region, and the written pages found with PAGEMAP_SCAN. Returns 0 when its
 * own tracking saw exactly the page it wrote, else a message. */
#include <fcntl.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "../../../native/lib/plugins/memory/dirty_uapi.h"

static const char *own_tracking(unsigned char *m, size_t len, int uffd)
{
	struct ckpt_uffdio_api api = { CKPT_UFFD_API, CKPT_UFFD_FEATURE_WP_ASYNC | CKPT_UFFD_FEATURE_WP_UNPOPULATED, 0 };
	if (ioctl(uffd, CKPT_UFFDIO_API, &api))
		return "UFFDIO_API failed";
	struct ckpt_uffdio_register reg = { { (uint64_t)m, len }, CKPT_UFFDIO_REGISTER_MODE_WP, 0 };
	if (ioctl(uffd, CKPT_UFFDIO_REGISTER, &reg))
		return "UFFDIO_REGISTER of the program's own memory failed";
	struct ckpt_uffdio_writeprotect wp = { { (uint64_t)m, len }, CKPT_UFFDIO_WRITEPROTECT_MODE_WP };
	if (ioctl(uffd, CKPT_UFFDIO_WRITEPROTECT, &wp))
		return "UFFDIO_WRITEPROTECT failed";
	m[2 * 4096] = 42;
	int pm = open("/proc/self/pagemap", O_RDONLY);
	struct ckpt_page_region v[8];
	struct ckpt_pm_scan_arg a = { .size = sizeof a, .start = (uint64_t)m, .end = (uint64_t)m + len,
				      .vec = (uint64_t)v, .vec_len = 8, .category_mask = CKPT_PAGE_IS_WRITTEN,
				      .category_anyof_mask = CKPT_PAGE_IS_PRESENT, .return_mask = CKPT_PAGE_IS_WRITTEN };
	long n = ioctl(pm, CKPT_PAGEMAP_SCAN, &a);
	close(pm);
	if (n != 1 || v[0].start != (uint64_t)m + 2 * 4096 || v[0].end != v[0].start + 4096)
		return "the program's own tracking did not see exactly its write";
	return 0;
}
