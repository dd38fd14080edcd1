/*
 * Sockets as the files plugin saves them: family, type, addresses, whether
 * listening, the peer (for Unix sockets its inode, from the kernel's sock_diag
 * interface; for TCP the address pair), and the bytes waiting in the receive
 * queue of a stream socket (peeked, so nothing is taken from the program).
 * The restorer connects the two ends again when both belong to the computation.
 *
 * A TCP port must be free to listen on again at restart, also right after the
 * program was killed: a connection closed by its end on a listening port stays
 * in TIME_WAIT for a minute, and holds the port against any socket unless both
 * had SO_REUSEADDR. So every TCP socket of the program gets SO_REUSEADDR: at
 * listen() (connections accepted later inherit it) and at each checkpoint
 * (those accepted before the engine saw the listener). It changes nothing
 * else for the program: a listening port is never shared through it.
 */
#include "../../engine.h"
#include <errno.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <asm/ioctls.h>
#include <linux/sockios.h>

static uint64_t unix_peer_inode(uint64_t ino)
{
	int nl = (int)SYS3(SYS_socket, AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (nl < 0)
		return 0;
	struct {
		struct nlmsghdr nlh;
		struct unix_diag_req r;
	} req;
	memset(&req, 0, sizeof req);
	req.nlh.nlmsg_len = sizeof req;
	req.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	req.nlh.nlmsg_flags = NLM_F_REQUEST;
	req.r.sdiag_family = AF_UNIX;
	req.r.udiag_states = ~0u;
	req.r.udiag_ino = (uint32_t)ino;
	req.r.udiag_show = UDIAG_SHOW_PEER;
	req.r.udiag_cookie[0] = ~0u;
	req.r.udiag_cookie[1] = ~0u;
	uint64_t peer = 0;
	if (SYS6(SYS_sendto, nl, &req, sizeof req, 0, 0, 0) == (long)sizeof req) {
		char buf[4096];
		long n = SYS6(SYS_recvfrom, nl, buf, sizeof buf, 0, 0, 0);
		struct nlmsghdr *h = (struct nlmsghdr *)buf;
		if (n > 0 && NLMSG_OK(h, (unsigned)n) && h->nlmsg_type == SOCK_DIAG_BY_FAMILY) {
			struct unix_diag_msg *m = NLMSG_DATA(h);
			struct rtattr *a = (struct rtattr *)(m + 1);
			int len = (int)h->nlmsg_len - NLMSG_LENGTH(sizeof *m);
			for (; RTA_OK(a, len); a = RTA_NEXT(a, len))
				if (a->rta_type == UNIX_DIAG_PEER)
					peer = *(uint32_t *)RTA_DATA(a);
		}
	}
	SYS1(SYS_close, nl);
	return peer;
}

/* The fd of this process that is the socket with inode ino, or -1. */
static int fd_of_inode(uint64_t ino)
{
	for (int fd = 0; fd < 4096; fd++) {
		struct stat st;
		if (SYS2(SYS_fstat, fd, &st) == 0 && S_ISSOCK(st.st_mode) && st.st_ino == ino)
			return fd;
	}
	return -1;
}

/*
 * Datagrams: a plain MSG_PEEK sees only the first. With a peek offset
 * (SO_PEEK_OFF) each peek moves past the one it saw, so every queued datagram
 * is read as a (length, bytes) record and none is taken from the program,
 * wherever the peer is. Without it (an older kernel), they are read out and
 * sent again at once through the peer, which must then be an fd of this same
 * process (a socketpair it holds both ends of); with the peer elsewhere they
 * stay where they are and are not saved.
 */
static long peek_datagrams(int fd, char *data, uint64_t cap)
{
	int old = -1, zero = 0;
	socklen_t ol = sizeof old;
	SYS6(SYS_getsockopt, fd, SOL_SOCKET, SO_PEEK_OFF, &old, &ol, 0);
	if (SYS6(SYS_setsockopt, fd, SOL_SOCKET, SO_PEEK_OFF, &zero, sizeof zero, 0) < 0)
		return -1;
	uint64_t len = 0;
	while (len + 4 < cap) {
		long n = SYS6(SYS_recvfrom, fd, data + len + 4, cap - len - 4, MSG_PEEK | MSG_DONTWAIT, 0, 0);
		if (n <= 0) /* empty: done; a zero-length datagram cannot be stepped over */
			break;
		uint32_t l = (uint32_t)n;
		__builtin_memcpy(data + len, &l, 4);
		len += 4 + (uint64_t)n;
	}
	SYS6(SYS_setsockopt, fd, SOL_SOCKET, SO_PEEK_OFF, &old, sizeof old, 0);
	return (long)len;
}

static long save_datagrams(int fd, const struct ckpt_img_fd_socket *rec, char *data, uint64_t cap)
{
	long peeked = peek_datagrams(fd, data, cap);
	if (peeked >= 0)
		return peeked;
	int peer = fd_of_inode(rec->peer_ino);
	if (peer < 0)
		return 0;
	uint64_t len = 0;
	while (len + 4 < cap) {
		long n = SYS6(SYS_recvfrom, fd, data + len + 4, cap - len - 4, MSG_DONTWAIT, 0, 0);
		if (n < 0)
			break;
		uint32_t l = (uint32_t)n;
		__builtin_memcpy(data + len, &l, 4);
		len += 4 + (uint64_t)n;
	}
	for (uint64_t off = 0; off < len;) {
		uint32_t l;
		__builtin_memcpy(&l, data + off, 4);
		SYS6(SYS_sendto, peer, data + off + 4, l, MSG_DONTWAIT, 0, 0);
		off += 4 + l;
	}
	return (long)len;
}

static int is_tcp(int fd)
{
	int domain = 0, type = 0;
	socklen_t l = sizeof domain;
	if (SYS6(SYS_getsockopt, fd, SOL_SOCKET, SO_DOMAIN, &domain, &l, 0) < 0)
		return 0;
	l = sizeof type;
	SYS6(SYS_getsockopt, fd, SOL_SOCKET, SO_TYPE, &type, &l, 0);
	return (domain == AF_INET || domain == AF_INET6) && type == SOCK_STREAM;
}

static void reuse_addr(int fd)
{
	int one = 1;
	SYS6(SYS_setsockopt, fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one, 0);
}

CKPT_EXPORT int listen(int fd, int backlog)
{
	if (is_tcp(fd))
		reuse_addr(fd);
	long r = SYS2(SYS_listen, fd, backlog);
	if (r < 0) {
		errno = (int)-r;
		return -1;
	}
	return 0;
}

/* "10.1.0.2:5000" or "[fe80:0:...:1]:5000" from a saved sockaddr */
static void format_addr(char *buf, size_t n, const uint8_t *sa)
{
	unsigned port = (unsigned)sa[2] << 8 | sa[3];
	if (sa[0] == AF_INET) {
		ckpt_fmt(buf, n, "%u.%u.%u.%u:%u", (unsigned)sa[4], (unsigned)sa[5], (unsigned)sa[6], (unsigned)sa[7], port);
		return;
	}
	char hex[48];
	size_t o = 0;
	for (int i = 0; i < 8; i++)
		o += (size_t)ckpt_fmt(hex + o, sizeof hex - o, i ? ":%lx" : "%lx",
				      (unsigned long)(sa[8 + 2 * i] << 8 | sa[9 + 2 * i]));
	ckpt_fmt(buf, n, "[%s]:%u", hex, port);
}

/*
 * A TCP connection's bytes are saved at the receiving end only: before its
 * receive queue is peeked, the bytes this end sent must have been
 * acknowledged by the peer's kernel (SIOCOUTQ, written but not acknowledged,
 * is 0). Those bytes are then in the peer's receive queue, which the peer's
 * image saves; bytes not yet acknowledged could be read back from our send
 * queue only with TCP_REPAIR, which needs privilege. This matters for a peer
 * on another host (native/README.md, "Jobs across hosts"); on loopback the
 * queue is empty at once and the check costs one ioctl.
 * With the synchronized protocol ("sync": every process of the computation
 * stopped before any is saved, native/PROTOCOL.md) nothing of this host's
 * computation writes any more while we wait; the peer's kernel acknowledges
 * without its process running, so waiting (1 ms steps, ~2 s at most) is
 * enough unless the peer's receive window is full: then the checkpoint
 * fails, naming the fd, the bytes and the peer.
 */
#define OUTQ_WAIT_NS 2000000000ull

static int wait_sent_acknowledged(int fd, const struct ckpt_img_fd_socket *rec)
{
	int outq = 0;
	if (SYS3(SYS_ioctl, fd, SIOCOUTQ, &outq) < 0 || outq == 0)
		return 0;
	/* a connection that can still send and be acknowledged */
	struct tcp_info ti;
	socklen_t l = sizeof ti;
	if (SYS6(SYS_getsockopt, fd, IPPROTO_TCP, TCP_INFO, &ti, &l, 0) < 0 ||
	    (ti.tcpi_state != TCP_ESTABLISHED && ti.tcpi_state != TCP_CLOSE_WAIT))
		return 0;
	uint64_t end = ckpt_now_ns() + OUTQ_WAIT_NS;
	while (outq > 0 && ckpt_now_ns() < end) {
		struct timespec ms = { 0, 1000000 };
		SYS2(SYS_nanosleep, &ms, 0);
		if (SYS3(SYS_ioctl, fd, SIOCOUTQ, &outq) < 0)
			return 0;
	}
	if (outq <= 0)
		return 0;
	char peer[80];
	format_addr(peer, sizeof peer, rec->peer);
	return ckpt_fail("process %d, fd %d: %d bytes sent to %s not yet acknowledged after 2 s (the peer "
			 "does not read them): the engine cannot save bytes still in a send queue",
			 ckpt_rt.vpid, fd, outq, peer);
}

/* Fills the socket's record; queued stream bytes go to data[0..cap).
 * -1 when it cannot be saved (the reason given through ckpt_fail). */
long ckpt_socket_describe(int fd, struct ckpt_img_fd_socket *rec, char *data, uint64_t cap)
{
	socklen_t l = sizeof rec->domain;
	SYS6(SYS_getsockopt, fd, SOL_SOCKET, SO_DOMAIN, &rec->domain, &l, 0);
	l = sizeof rec->type;
	SYS6(SYS_getsockopt, fd, SOL_SOCKET, SO_TYPE, &rec->type, &l, 0);
	l = sizeof rec->protocol;
	SYS6(SYS_getsockopt, fd, SOL_SOCKET, SO_PROTOCOL, &rec->protocol, &l, 0);
	l = sizeof rec->listening;
	SYS6(SYS_getsockopt, fd, SOL_SOCKET, SO_ACCEPTCONN, &rec->listening, &l, 0);
	socklen_t al = sizeof rec->local;
	if (SYS3(SYS_getsockname, fd, rec->local, &al) == 0)
		rec->local_len = al;
	al = sizeof rec->peer;
	if (SYS3(SYS_getpeername, fd, rec->peer, &al) == 0)
		rec->peer_len = al;
	if (rec->domain == AF_UNIX)
		rec->peer_ino = unix_peer_inode(rec->ino);
	if ((rec->domain == AF_INET || rec->domain == AF_INET6) && rec->type == SOCK_STREAM)
		reuse_addr(fd);
	int v6only = 0;
	l = sizeof v6only;
	if (rec->domain == AF_INET6 && SYS6(SYS_getsockopt, fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, &l, 0) == 0 && v6only)
		rec->options |= CKPT_SOCK_V6ONLY;
	if (rec->listening || !(rec->peer_len || rec->peer_ino) || !cap)
		return 0;
	if (rec->type == SOCK_STREAM) {
		if (rec->domain != AF_UNIX && wait_sent_acknowledged(fd, rec) < 0)
			return -1;
		long n = SYS6(SYS_recvfrom, fd, data, cap, MSG_PEEK | MSG_DONTWAIT, 0, 0);
		return n > 0 ? n : 0;
	}
	if (rec->domain == AF_UNIX && (rec->type == SOCK_DGRAM || rec->type == SOCK_SEQPACKET))
		return save_datagrams(fd, rec, data, cap);
	return 0;
}
