/*
 * The kernel interface dirty-page tracking uses, with the values of the
 * kernel's uapi (linux/userfaultfd.h, linux/fs.h of Linux 6.7 and later):
 * the C library's headers on older distributions lack the newer names.
 */
#ifndef CKPT_DIRTY_UAPI_H
#define CKPT_DIRTY_UAPI_H
#include <stdint.h>

#define CKPT_UFFD_USER_MODE_ONLY 1
#define CKPT_UFFD_API 0xAAull
#define CKPT_UFFD_FEATURE_WP_UNPOPULATED (1ull << 13)
#define CKPT_UFFD_FEATURE_WP_ASYNC (1ull << 15)
#define CKPT_UFFDIO_REGISTER_MODE_WP (1ull << 1)
#define CKPT_UFFDIO_WRITEPROTECT_MODE_WP (1ull << 0)

struct ckpt_uffdio_api {
	uint64_t api, features, ioctls;
};
struct ckpt_uffdio_range {
	uint64_t start, len;
};
struct ckpt_uffdio_register {
	struct ckpt_uffdio_range range;
	uint64_t mode, ioctls;
};
struct ckpt_uffdio_writeprotect {
	struct ckpt_uffdio_range range;
	uint64_t mode;
};

/* _IOC(dir, 0xAA, nr, size): dir 3 = read|write, 2 = read */
#define CKPT_IOC(dir, type, nr, size) (((dir) << 30) | ((size) << 16) | ((type) << 8) | (nr))
#define CKPT_UFFDIO_API CKPT_IOC(3ul, 0xAAul, 0x3Ful, sizeof(struct ckpt_uffdio_api))
#define CKPT_UFFDIO_REGISTER CKPT_IOC(3ul, 0xAAul, 0x00ul, sizeof(struct ckpt_uffdio_register))
#define CKPT_UFFDIO_UNREGISTER CKPT_IOC(2ul, 0xAAul, 0x01ul, sizeof(struct ckpt_uffdio_range))
#define CKPT_UFFDIO_WRITEPROTECT CKPT_IOC(3ul, 0xAAul, 0x06ul, sizeof(struct ckpt_uffdio_writeprotect))

/* PAGEMAP_SCAN on /proc/self/pagemap */
#define CKPT_PAGE_IS_WPALLOWED (1ull << 0)
#define CKPT_PAGE_IS_WRITTEN (1ull << 1)
#define CKPT_PAGE_IS_PRESENT (1ull << 3)
#define CKPT_PAGE_IS_SWAPPED (1ull << 4)
#define CKPT_PM_SCAN_WP_MATCHING (1ull << 0)

struct ckpt_page_region {
	uint64_t start, end, categories;
};
struct ckpt_pm_scan_arg {
	uint64_t size, flags, start, end, walk_end, vec, vec_len, max_pages;
	uint64_t category_inverted, category_mask, category_anyof_mask, return_mask;
};
#define CKPT_PAGEMAP_SCAN CKPT_IOC(3ul, (uint64_t)'f', 16ul, sizeof(struct ckpt_pm_scan_arg))
#endif
