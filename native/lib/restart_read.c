/* Plugins read their own sections back from the image the process was restored
 * from (its path is in the runtime state the restorer filled in). */
#include "engine.h"
#include "../include/ckpt_hash.h"
#include <fcntl.h>
#include <sys/syscall.h>

long ckpt_restart_read_section(const char *name, void *buf, size_t n)
{
	if (!ckpt_rt.restart.restored)
		return -1;
	int fd = (int)SYS3(SYS_open, ckpt_rt.restart.image_path, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	long result = -1;
	struct ckpt_img_header h;
	if (SYS4(SYS_pread64, fd, &h, sizeof h, 0) != (long)sizeof h || h.nsections > 64)
		goto out;
	for (uint32_t i = 0; i < h.nsections; i++) {
		struct ckpt_img_section s;
		if (SYS4(SYS_pread64, fd, &s, sizeof s, h.table_offset + i * sizeof s) != (long)sizeof s)
			goto out;
		s.name[sizeof s.name - 1] = 0;
		if (s.type != CKPT_SEC_PLUGIN || __builtin_strcmp(s.name, name))
			continue;
		if (s.size > n)
			goto out;
		if (SYS4(SYS_pread64, fd, buf, s.size, s.offset) != (long)s.size)
			goto out;
		if (ckpt_hash_buf(buf, s.size) != s.checksum)
			goto out;
		result = (long)s.size;
		break;
	}
out:
	SYS1(SYS_close, fd);
	return result;
}
