/*
 * What a restart says about the program's files (file_contents.c): each file
 * it put back, where what was there is kept, and each file the program read
 * that changed since the snapshot. As JSON lines on the fd given with
 * --notes-fd (the coordinator reads them and says them its own way), or as
 * text on stderr.
 */
#include "file_contents.h"

static int notes_fd = -1;

void notes_set_fd(int fd) { notes_fd = fd; }

static void num(int fd, uint64_t v)
{
	char b[24];
	int i = 23;
	b[i] = 0;
	do
		b[--i] = (char)('0' + v % 10);
	while ((v /= 10) && i > 0);
	out_str(fd, b + i);
}

/* a JSON string: quotes, backslashes and control characters escaped */
static void jstr(int fd, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	out_str(fd, "\"");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			char e[3] = { '\\', (char)c, 0 };
			out_str(fd, e);
		} else if (c < 0x20) {
			char e[7] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], 0 };
			out_str(fd, e);
		} else {
			char e[2] = { (char)c, 0 };
			out_str(fd, e);
		}
	}
	out_str(fd, "\"");
}

void notes_changed(const char *path, uint64_t size, uint64_t now_size)
{
	if (notes_fd >= 0) {
		out_str(notes_fd, "{\"file\":");
		jstr(notes_fd, path);
		out_str(notes_fd, ",\"changed\":true,\"size\":");
		num(notes_fd, size);
		out_str(notes_fd, ",\"sizeNow\":");
		num(notes_fd, now_size);
		out_str(notes_fd, "}\n");
		return;
	}
	out_str(2, "ckpt-restore: warning: ");
	out_str(2, path);
	out_str(2, " changed since the snapshot (");
	num(2, size);
	out_str(2, " bytes then, ");
	num(2, now_size);
	out_str(2, " now); the program goes on with it as it is now\n");
}

void notes_put(const char *target, uint64_t size, int created, uint64_t was_size, const char *kept)
{
	if (notes_fd >= 0) {
		out_str(notes_fd, "{\"file\":");
		jstr(notes_fd, target);
		out_str(notes_fd, created ? ",\"put\":\"created\",\"size\":" : ",\"put\":\"replaced\",\"size\":");
		num(notes_fd, size);
		if (!created) {
			out_str(notes_fd, ",\"sizeBefore\":");
			num(notes_fd, was_size);
			out_str(notes_fd, ",\"keptAs\":");
			jstr(notes_fd, kept);
		}
		out_str(notes_fd, "}\n");
		return;
	}
	out_str(2, "ckpt-restore: ");
	out_str(2, target);
	out_str(2, created ? ": made again as at the snapshot (" : ": put back as at the snapshot (");
	num(2, size);
	out_str(2, " bytes)");
	if (!created) {
		out_str(2, "; what was there (");
		num(2, was_size);
		out_str(2, " bytes) is kept as ");
		out_str(2, kept);
		out_str(2, " (mv it back to undo)");
	}
	out_str(2, "\n");
}

void notes_removed(const char *path, const char *kept)
{
	if (notes_fd >= 0) {
		out_str(notes_fd, "{\"file\":");
		jstr(notes_fd, path);
		out_str(notes_fd, ",\"put\":\"removed\",\"keptAs\":");
		jstr(notes_fd, kept);
		out_str(notes_fd, "}\n");
		return;
	}
	out_str(2, "ckpt-restore: ");
	out_str(2, path);
	out_str(2, ": taken away (not in the tracked folder at the snapshot); kept as ");
	out_str(2, kept);
	out_str(2, " (mv it back to undo)\n");
}

/* the coordinator reads until the end of the notes */
void notes_done(void)
{
	if (notes_fd >= 0)
		sys1(NR_close, notes_fd);
	notes_fd = -1;
}
