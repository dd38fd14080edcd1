/*
 * The engine connection: one Unix stream socket per process to the coordinator
 * (native/PROTOCOL.md). Opened in the constructor, again in a forked child and
 * after a restart; kept at a high fd number with close-on-exec so that the
 * program's own fd numbers stay as they would be without the engine. The
 * library writes one JSON object per line on it (hello, answers to orders) and
 * reads orders from it.
 */
#include "engine.h"
#include "core.h"
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>

#define CTL_FD_MIN 1000

int ckpt_control_fd_is_ours(int fd) { return fd >= 0 && fd == ckpt_rt.ctl_fd; }

void ckpt_control_send(const char *line)
{
	int fd = ckpt_rt.ctl_fd;
	if (fd < 0)
		return;
	size_t n = ckpt_strlen(line), off = 0;
	while (off < n) {
		long r = SYS4(SYS_sendto, fd, line + off, n - off, MSG_NOSIGNAL);
		if (r == -4 /* EINTR */)
			continue;
		if (r <= 0)
			return;
		off += (size_t)r;
	}
}

void ckpt_reply_begin(struct ckpt_json *j, char *buf, size_t n, const char *type)
{
	ckpt_json_begin(j, buf, n - 2);
	ckpt_json_open(j, '{');
	ckpt_json_key(j, "type");
	ckpt_json_str(j, type);
}

void ckpt_reply_send(struct ckpt_json *j)
{
	/* the writer stops short of cap, which left two bytes for these */
	ckpt_json_close(j, '}');
	j->buf[j->len] = '\n';
	j->buf[j->len + 1] = 0;
	ckpt_control_send(j->buf);
}

static int connect_socket(const char *path)
{
	int s = (int)SYS3(SYS_socket, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -1;
	struct sockaddr_un a;
	__builtin_memset(&a, 0, sizeof a);
	a.sun_family = AF_UNIX;
	ckpt_strlcpy(a.sun_path, path, sizeof a.sun_path);
	if (SYS3(SYS_connect, s, &a, sizeof a) < 0) {
		SYS1(SYS_close, s);
		return -1;
	}
	/* move out of the program's way */
	int high = (int)SYS3(SYS_fcntl, s, F_DUPFD_CLOEXEC, CTL_FD_MIN);
	if (high >= 0) {
		SYS1(SYS_close, s);
		s = high;
	}
	return s;
}

void ckpt_control_connect(int restored, uint64_t restore_us)
{
	if (ckpt_rt.ctl_fd >= 0)
		SYS1(SYS_close, ckpt_rt.ctl_fd);
	ckpt_rt.ctl_fd = -1;
	if (!ckpt_rt.restart.sock_path[0])
		return;
	ckpt_rt.ctl_fd = connect_socket(ckpt_rt.restart.sock_path);
	if (ckpt_rt.ctl_fd < 0) {
		ckpt_debug("ckpt: cannot connect to %s", ckpt_rt.restart.sock_path);
		return;
	}
	static char buf[65536];
	struct ckpt_json j;
	ckpt_reply_begin(&j, buf, sizeof buf, "hello");
	ckpt_json_identity(&j);
	ckpt_json_key(&j, "ppid");
	ckpt_json_int(&j, SYS0(SYS_getppid));
	ckpt_json_key(&j, "restored");
	ckpt_json_raw(&j, restored ? "true" : "false");
	if (restored) {
		ckpt_json_key(&j, "restoreUs");
		ckpt_json_int(&j, (long)restore_us);
	}
	ckpt_reply_send(&j);
}

/* Reads one order line. The coordinator writes the order before it sends the
 * signal, so it is normally there already; wait a little for a slow writer. */
static const char *last_order = "";

const char *ckpt_control_order(void) { return last_order; }

int ckpt_control_read_order(char *buf, size_t n, int first_wait_ms)
{
	int fd = ckpt_rt.ctl_fd;
	size_t len = 0;
	if (fd < 0)
		return -1;
	for (int tries = 0; tries < 50 && len + 1 < n;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		long r = SYS3(SYS_poll, &p, 1, len ? 100 : first_wait_ms);
		if (r == -4)
			continue;
		if (r <= 0) {
			if (!len)
				return -1; /* nothing was ordered: a stray signal */
			tries++;
			continue;
		}
		/* one byte at a time: never read past the end of this order */
		r = SYS3(SYS_read, fd, buf + len, 1);
		if (r <= 0)
			return -1;
		if (buf[len] == '\n') {
			buf[len] = 0;
			last_order = buf;
			return (int)len;
		}
		len++;
	}
	return -1;
}

int ckpt_order_field(const char *order, const char *key, char *out, size_t n)
{
	/* orders come from our own coordinator: "key":"value" or "key":true */
	size_t kl = ckpt_strlen(key);
	for (const char *p = order; *p; p++) {
		if (*p != '"' || !ckpt_startswith(p + 1, key) || p[1 + kl] != '"')
			continue;
		p += 2 + kl;
		while (*p == ' ')
			p++;
		if (*p != ':')
			continue;
		p++;
		while (*p == ' ')
			p++;
		size_t i = 0;
		if (*p == '"') {
			for (p++; *p && *p != '"' && i + 1 < n; p++) {
				if (*p == '\\' && p[1])
					p++;
				out[i++] = *p;
			}
		} else {
			for (; *p && *p != ',' && *p != '}' && i + 1 < n; p++)
				out[i++] = *p;
		}
		out[i] = 0;
		return 1;
	}
	return 0;
}
