/*
 * Sockets are made before the processes of a tree part ways, like pipes: two
 * ends that were connected inside the computation are connected again (a Unix
 * socketpair, or a TCP connection over loopback at the old ports, made with
 * a throwaway listener), with the bytes that were waiting for each end put back in its
 * receive queue; listening sockets listen again at their address; a socket
 * whose peer was outside the computation comes back with its peer closed,
 * unless it is on another host of the computation (--peer-host,
 * sockets_across.c).
 */
#include "rt.h"

#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10
#define SOCK_STREAM 1
#define SOCK_CLOEXEC 02000000
#define SOL_SOCKET 1
#define SO_REUSEADDR 2
#define IPPROTO_IPV6 41
#define IPV6_V6ONLY 26
enum { NR_accept = 43, NR_bind = 49, NR_listen = 50, NR_getsockname = 51, NR_setsockopt = 54, NR_unlink = 87 };

struct made {
	struct image *im;
	int fd;   /* the program's fd number */
	int temp; /* ours */
};
static struct made *made;
static uint32_t nmade;

void socket_add_made(struct image *im, int fd, int temp)
{
	made[nmade].im = im;
	made[nmade].fd = fd;
	made[nmade].temp = temp;
	nmade++;
}

static int has(struct image *im, int fd)
{
	for (uint32_t i = 0; i < nmade; i++)
		if (made[i].im == im && made[i].fd == fd)
			return 1;
	return 0;
}

int socket_made(struct image *im, int fd)
{
	for (uint32_t i = 0; i < nmade; i++)
		if (made[i].im == im && made[i].fd == fd)
			return made[i].temp;
	return -1;
}

static int lift_high(int fd)
{
	long high = sys3(NR_fcntl, fd, F_DUPFD_CLOEXEC, 600);
	if (high < 0)
		fail("cannot arrange the program's sockets: ", errno_name(high), 0);
	sys1(NR_close, fd);
	return (int)high;
}

static void put_back(int into, struct image *im, struct ckpt_fd *f)
{
	if (!f->sock.data_len)
		return;
	const char *d = im->fddata + f->sock.data_offset;
	if (f->sock.type == SOCK_STREAM) {
		sys3(NR_write, into, d, f->sock.data_len);
		return;
	}
	/* datagrams: (length, bytes) records, one write each */
	for (uint64_t off = 0; off + 4 <= f->sock.data_len;) {
		uint32_t l;
		memcpy(&l, d + off, 4);
		sys3(NR_write, into, d + off + 4, l);
		off += 4 + l;
	}
}

static int same_addr(const uint8_t *a, uint32_t al, const uint8_t *b, uint32_t bl)
{
	return al && al == bl && !memcmp(a, b, al);
}

static void close_if(long fd)
{
	if (fd >= 0)
		sys1(NR_close, fd);
}

/* Both ends at their old addresses and ports, so that the program sees the
 * same getsockname()/getpeername() as before: a listener at the partner's
 * address, the first end bound to its own, a connect, an accept. The ports
 * are taken while the original processes still run; then it fails (returns
 * 0) and the caller uses new ports. SO_REUSEADDR, which the accepted end
 * inherits, lets a restored listener bind the same port afterwards. */
static int tcp_pair_same_ports(struct ckpt_fd *f, int sv[2])
{
	int one = 1;
	long l = sys3(NR_socket, f->sock.domain, SOCK_STREAM | SOCK_CLOEXEC, 0);
	long c = sys3(NR_socket, f->sock.domain, SOCK_STREAM | SOCK_CLOEXEC, 0);
	long a = -1;
	uint8_t got[128];
	uint32_t glen = sizeof got;
	if (l < 0 || c < 0 ||
	    sys6(NR_setsockopt, l, SOL_SOCKET, SO_REUSEADDR, (long)&one, sizeof one, 0) < 0 ||
	    sys6(NR_setsockopt, c, SOL_SOCKET, SO_REUSEADDR, (long)&one, sizeof one, 0) < 0 ||
	    sys3(NR_bind, l, f->sock.peer, f->sock.peer_len) < 0 || sys2(NR_listen, l, 1) < 0 ||
	    sys3(NR_bind, c, f->sock.local, f->sock.local_len) < 0 || sys3(NR_connect, c, f->sock.peer, f->sock.peer_len) < 0)
		goto fail;
	a = sys3(NR_accept, l, got, &glen);
	/* somebody else's connection to the listener would be the wrong one */
	if (a < 0 || !same_addr(got, glen, f->sock.local, f->sock.local_len))
		goto fail;
	sys1(NR_close, l);
	sv[0] = (int)c;
	sv[1] = (int)a;
	return 1;
fail:
	close_if(l);
	close_if(c);
	close_if(a);
	return 0;
}

/* A connected TCP pair over loopback: at the old ports if they are free, else
 * a listener on the first end's address with port 0, a connect, an accept. */
static void tcp_pair(struct ckpt_fd *f, int sv[2])
{
	if (tcp_pair_same_ports(f, sv))
		return;

	uint8_t addr[128];
	memcpy(addr, f->sock.local, sizeof addr);
	uint32_t len = f->sock.local_len;
	if (f->sock.domain == AF_INET)
		addr[2] = addr[3] = 0; /* sin_port */
	else
		addr[2] = addr[3] = 0; /* sin6_port */
	long l = sys3(NR_socket, f->sock.domain, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l < 0 || sys3(NR_bind, l, addr, len) < 0 || sys2(NR_listen, l, 1) < 0)
		fail_num("cannot recreate the TCP connection of fd ", f->h.fd, "");
	uint32_t alen = sizeof addr;
	sys3(NR_getsockname, l, addr, &alen);
	long c = sys3(NR_socket, f->sock.domain, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c < 0 || sys3(NR_connect, c, addr, alen) < 0)
		fail_num("cannot recreate the TCP connection of fd ", f->h.fd, "");
	long a = sys3(NR_accept, l, 0, 0);
	if (a < 0)
		fail_num("cannot recreate the TCP connection of fd ", f->h.fd, "");
	sys1(NR_close, l);
	sv[0] = (int)c;
	sv[1] = (int)a;
}

int socket_find_partner(struct image *ims, uint32_t n, struct ckpt_fd *f, struct image **pim, struct ckpt_fd **pf)
{
	for (uint32_t k = 0; k < n; k++)
		for (uint32_t i = 0; i < ims[k].nfds; i++) {
			struct ckpt_fd *g = &ims[k].fds[i];
			if (g == f || g->h.kind != CKPT_FD_SOCKET || g->sock.domain != f->sock.domain || g->h.dup_of >= 0)
				continue;
			int match = f->sock.domain == AF_UNIX ? (f->sock.peer_ino && g->sock.ino == f->sock.peer_ino)
							 : (same_addr(g->sock.local, g->sock.local_len, f->sock.peer, f->sock.peer_len) &&
							    same_addr(g->sock.peer, g->sock.peer_len, f->sock.local, f->sock.local_len));
			if (match) {
				*pim = &ims[k];
				*pf = g;
				return 1;
			}
		}
	return 0;
}

/* Before bind: an IPv6 socket that was IPv6-only must be so again, or it
 * would also take the IPv4 port of its IPv4 sibling (the pair of listeners
 * of Open MPI's TCP transport, say) and the second bind would fail. */
static void set_options(long s, struct ckpt_fd *f)
{
	if (f->sock.domain == AF_INET6) {
		int v = !!(f->sock.options & CKPT_SOCK_V6ONLY);
		sys6(NR_setsockopt, s, IPPROTO_IPV6, IPV6_V6ONLY, (long)&v, sizeof v, 0);
	}
}

static void listen_again(struct ckpt_fd *f, int *out)
{
	long s = sys3(NR_socket, f->sock.domain, f->sock.type | SOCK_CLOEXEC, f->sock.protocol);
	if (s < 0)
		fail_num("cannot recreate listening socket fd ", f->h.fd, "");
	int one = 1;
	sys6(NR_setsockopt, s, SOL_SOCKET, SO_REUSEADDR, (long)&one, sizeof one, 0);
	set_options(s, f);
	if (f->sock.domain == AF_UNIX && f->sock.local_len > 2 && f->sock.local[2])
		sys1(NR_unlink, (const char *)f->sock.local + 2); /* the dead process's socket file */
	long r = sys3(NR_bind, s, f->sock.local, f->sock.local_len);
	if (r < 0) {
		fail_num("cannot listen again at the address of fd ", f->h.fd,
			 r == -98 ? ": address in use (another program holds that port)" : "");
	}
	if (sys2(NR_listen, s, 128) < 0)
		fail_num("cannot listen again on fd ", f->h.fd, "");
	*out = (int)s;
}

void sockets_create(struct image *ims, uint32_t n)
{
	uint32_t cap = 1;
	for (uint32_t k = 0; k < n; k++)
		cap += ims[k].nfds;
	made = arena_alloc(cap * sizeof *made);
	/* those whose peer is on another host first (sockets_across.c): made
	 * with the restorer there, before any listener binds its port again */
	sockets_across_create(ims, n);
	/* connections first: one at its old port must exist before a listener
	 * binds that port again (see tcp_pair_same_ports) */
	for (int pass = 0; pass < 2; pass++)
	for (uint32_t k = 0; k < n; k++) {
		struct image *im = &ims[k];
		for (uint32_t i = 0; i < im->nfds; i++) {
			struct ckpt_fd *f = &im->fds[i];
			if (f->h.kind != CKPT_FD_SOCKET || has(im, f->h.fd) || f->h.stdio == 2 || f->h.dup_of >= 0)
				continue;
			if (!!f->sock.listening != pass)
				continue;
			image_enter(im);
			struct image *pim;
			struct ckpt_fd *pf;
			int sv[2];
			if (f->h.stdio && !((f->sock.peer_len || f->sock.peer_ino) && socket_find_partner(ims, n, f, &pim, &pf))) {
				f->h.stdio = 2; /* leads outside: the restarting command's own */
				continue;
			}
			if (f->sock.listening) {
				listen_again(f, &sv[0]);
				socket_add_made(im, f->h.fd, lift_high(sv[0]));
			} else if ((f->sock.peer_len || f->sock.peer_ino) && socket_find_partner(ims, n, f, &pim, &pf)) {
				if (f->sock.domain == AF_UNIX) {
					if (sys4(NR_socketpair, AF_UNIX, f->sock.type | SOCK_CLOEXEC, 0, sv) < 0)
						fail_num("cannot recreate the connection of fd ", f->h.fd, "");
				} else {
					tcp_pair(f, sv);
				}
				put_back(sv[1], im, f);  /* lands in sv[0]'s queue */
				put_back(sv[0], pim, pf);
				socket_add_made(im, f->h.fd, lift_high(sv[0]));
				socket_add_made(pim, pf->h.fd, lift_high(sv[1]));
			} else if (f->sock.peer_len || f->sock.peer_ino) {
				/* the peer was outside: it is gone */
				if (sys4(NR_socketpair, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
					fail_num("cannot recreate socket fd ", f->h.fd, "");
				sys1(NR_close, sv[1]);
				socket_add_made(im, f->h.fd, lift_high(sv[0]));
			} else {
				long s = sys3(NR_socket, f->sock.domain, f->sock.type | SOCK_CLOEXEC, f->sock.protocol);
				if (s < 0)
					fail_num("cannot recreate socket fd ", f->h.fd, "");
				set_options(s, f);
				if (f->sock.local_len > 2 && f->sock.domain != AF_UNIX)
					sys3(NR_bind, s, f->sock.local, f->sock.local_len);
				socket_add_made(im, f->h.fd, lift_high((int)s));
			}
		}
	}
}

void sockets_close_all(void)
{
	for (uint32_t i = 0; i < nmade; i++)
		sys1(NR_close, made[i].temp);
}
