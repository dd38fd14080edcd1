/*
 * TCP connections across hosts (native/README.md, "Jobs across hosts"). One
 * computation may span hosts: each host's restorer restores its own images,
 * and a TCP connection whose peer is on another host has its other end in
 * the other host's images, not here. Without this file it would come back
 * with its peer closed (sockets.c). With `--peer-host ADDR` naming the other
 * hosts' addresses, such a connection is made again with the restorer over
 * there, which runs at the same time and does the mirror image:
 *
 *  - roles, the same on both sides: the end whose saved (address bytes,
 *    port) is lower listens (a throwaway listener at its own saved address,
 *    one per distinct address), the other connects from its saved address;
 *  - phases, so that two restorers with several connections each never wait
 *    on each other: 1. every listener, 2. every connect (refused or timed out:
 *    again every 10 ms), 3. every accept (the connection from the saved peer
 *    address and port; any other is closed);
 *  - the bytes that were waiting: each restorer holds only its own end's. On
 *    every connection each side first sends an 8-byte length (little endian)
 *    and its own end's bytes, then reads the peer's length and bytes and
 *    writes them back unchanged. The peer reads exactly what we sent first,
 *    so what stays in each end's receive queue is its own saved bytes, before
 *    anything the program sends later. All connections are served together
 *    (poll), so that neither side's sends wait for the other's reads.
 *
 * Everything is bounded by one deadline (30 s, or CKPT_ACROSS_HOSTS_WAIT_MS
 * milliseconds) and runs before the point of no return: a failure names the
 * fd, the image and the peer, and nothing of the program has run.
 *
 * The saved peer address and port are all a forged connection would need:
 * with CKPT_ACROSS_HOSTS_SECRET (64 hex digits, the same for every host's
 * restorer of one restart, given by the coordinators) each side sends it
 * before its length, and a connection that does not carry it fails the
 * restart before any of its bytes is taken.
 */
#include "rt.h"

#define AF_INET 2
#define AF_INET6 10
#define SOCK_STREAM 1
#define SOCK_NONBLOCK 04000
#define SOCK_CLOEXEC 02000000
#define SOL_SOCKET 1
#define SO_REUSEADDR 2
#define SO_ERROR 4
#define SO_REUSEPORT 15
#define IPPROTO_IPV6 41
#define IPV6_V6ONLY 26
#define MSG_DONTWAIT 0x40
#define MSG_NOSIGNAL 0x4000
#define POLLIN 1
#define POLLOUT 4
#define EAGAIN 11
#define EINPROGRESS 115
#define ECONNREFUSED 111
#define ETIMEDOUT 110
enum { NR_poll = 7, NR_nanosleep = 35, NR_sendto = 44, NR_recvfrom = 45, NR_bind = 49, NR_listen = 50,
       NR_setsockopt = 54, NR_getsockopt = 55, NR_accept4 = 288 };

struct pollfd {
	int fd;
	short events, revents;
};

#define MAX_PEER_HOSTS 64
static struct {
	int family;
	uint8_t a[16];
} peer_hosts[MAX_PEER_HOSTS];
static uint32_t npeer_hosts;
static uint64_t wait_ns = 30000000000ull;
/* CKPT_ACROSS_HOSTS_SECRET, when given: sent before the length on every connection */
static uint8_t secret[32];
static uint32_t secret_len;
#define HDR_MAX (32 + 8)

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* "a.b.c.d" into 4 bytes; 0 if it is not one */
static int parse_v4(const char *s, uint8_t out[4])
{
	for (int i = 0; i < 4; i++) {
		int v = 0, digits = 0;
		while (*s >= '0' && *s <= '9' && digits < 4)
			v = v * 10 + (*s++ - '0'), digits++;
		if (!digits || v > 255 || (i < 3 && *s++ != '.'))
			return 0;
		out[i] = (uint8_t)v;
	}
	return *s == 0;
}

/* an IPv6 literal (with "::" and a dotted IPv4 tail) into 16 bytes */
static int parse_v6(const char *s, uint8_t out[16])
{
	uint8_t w[16];
	int n = 0, gap = -1;
	if (s[0] == ':' && s[1] == ':')
		gap = 0, s += 2;
	while (*s && n < 16) {
		const char *dot = s;
		while (*dot && *dot != ':' && *dot != '.')
			dot++;
		if (*dot == '.') { /* the last 32 bits as a.b.c.d */
			if (n > 12 || !parse_v4(s, w + n))
				return 0;
			n += 4, s += strlen(s);
			break;
		}
		int v = 0, digits = 0;
		for (int h; (h = hexval(*s)) >= 0 && digits < 4; s++, digits++)
			v = v << 4 | h;
		if (!digits)
			return 0;
		w[n++] = (uint8_t)(v >> 8);
		w[n++] = (uint8_t)v;
		if (*s == ':' && s[1] == ':' && gap < 0)
			gap = n, s += 2;
		else if (*s == ':' && s[1])
			s++;
		else if (*s)
			return 0;
	}
	if (*s || (gap < 0 && n != 16) || (gap >= 0 && n > 14))
		return 0;
	memset(out, 0, 16);
	if (gap < 0)
		gap = n;
	memcpy(out, w, (size_t)gap);
	memcpy(out + 16 - (n - gap), w + gap, (size_t)(n - gap));
	return 1;
}

void across_add_peer_host(const char *arg)
{
	if (npeer_hosts >= MAX_PEER_HOSTS)
		fail("too many --peer-host addresses", 0, 0);
	uint8_t *a = peer_hosts[npeer_hosts].a;
	if (parse_v4(arg, a))
		peer_hosts[npeer_hosts].family = AF_INET;
	else if (parse_v6(arg, a))
		peer_hosts[npeer_hosts].family = AF_INET6;
	else
		fail("--peer-host wants an IPv4 or IPv6 address, got: ", arg, 0);
	npeer_hosts++;
}

static void read_secret(const char *v)
{
	for (uint32_t i = 0; i < 32; i++) {
		int hi = hexval(v[2 * i]), lo = hi < 0 ? -1 : hexval(v[2 * i + 1]);
		if (hi < 0 || lo < 0)
			fail("CKPT_ACROSS_HOSTS_SECRET wants 64 hex digits", 0, 0);
		secret[i] = (uint8_t)(hi << 4 | lo);
	}
	if (v[64])
		fail("CKPT_ACROSS_HOSTS_SECRET wants 64 hex digits", 0, 0);
	secret_len = 32;
}

void across_read_env(char **envp)
{
	static const char name[] = "CKPT_ACROSS_HOSTS_WAIT_MS=", key[] = "CKPT_ACROSS_HOSTS_SECRET=";
	for (char **e = envp; *e; e++) {
		if (!memcmp(*e, key, sizeof key - 1))
			read_secret(*e + sizeof key - 1);
		if (memcmp(*e, name, sizeof name - 1))
			continue;
		uint64_t v = 0;
		for (const char *p = *e + sizeof name - 1; *p >= '0' && *p <= '9' && v < 86400000; p++)
			v = v * 10 + (uint64_t)(*p - '0');
		wait_ns = v * 1000000ull;
	}
}

/* The address bytes of a saved sockaddr, and their length (4 or 16). */
static const uint8_t *addr_bytes(const uint8_t *sa, uint32_t *len)
{
	*len = sa[0] == AF_INET ? 4 : 16;
	return sa + (sa[0] == AF_INET ? 4 : 8);
}

static int is_peer_host(const uint8_t *sa)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	for (uint32_t i = 0; i < npeer_hosts; i++) {
		const uint8_t *h = peer_hosts[i].a;
		if (sa[0] == AF_INET && peer_hosts[i].family == AF_INET && !memcmp(sa + 4, h, 4))
			return 1;
		if (sa[0] == AF_INET6 && peer_hosts[i].family == AF_INET6 && !memcmp(sa + 8, h, 16))
			return 1;
		/* an IPv6 socket's IPv4-mapped peer, ::ffff:a.b.c.d */
		if (sa[0] == AF_INET6 && peer_hosts[i].family == AF_INET && !memcmp(sa + 8, mapped, 12) &&
		    !memcmp(sa + 20, h, 4))
			return 1;
	}
	return 0;
}

/* 1 when the saved local end is the lower one: it listens */
static int local_is_lower(const struct ckpt_fd *f)
{
	uint32_t ll, pl;
	const uint8_t *l = addr_bytes(f->sock.local, &ll), *p = addr_bytes(f->sock.peer, &pl);
	int c = memcmp(l, p, ll < pl ? ll : pl);
	if (c)
		return c < 0;
	unsigned lport = (unsigned)f->sock.local[2] << 8 | f->sock.local[3];
	unsigned pport = (unsigned)f->sock.peer[2] << 8 | f->sock.peer[3];
	return lport < pport;
}

struct conn {
	struct image *im;
	struct ckpt_fd *f;
	int listens;
	int lst;     /* its listener (listens) */
	int same_as; /* another process's record of the same socket, or -1 */
	long fd;
	uint8_t hdr_out[HDR_MAX], hdr_in[HDR_MAX]; /* the secret if any, then the length */
	uint64_t out_done, in_done, echo_done; /* header included in the first two */
	uint64_t in_len;
	char *in;
};
static struct conn *conns;
static uint32_t nconns;
static long *listeners;
static uint32_t nlisteners;
static uint64_t deadline;

static const char *hex = "0123456789abcdef";

/* "10.1.0.2:5000" or "[fe80:0:0:0:0:0:0:1]:5000" */
static void format_addr(char *out, const uint8_t *sa)
{
	char *o = out;
	char num[24];
	if (sa[0] == AF_INET) {
		for (int i = 0; i < 4; i++) {
			path_num(num, sizeof num, i ? "." : "", sa[4 + i]);
			memcpy(o, num, strlen(num)), o += strlen(num);
		}
	} else {
		*o++ = '[';
		for (int i = 0; i < 8; i++) {
			unsigned v = (unsigned)sa[8 + 2 * i] << 8 | sa[9 + 2 * i];
			int started = 0;
			if (i)
				*o++ = ':';
			for (int sh = 12; sh >= 0; sh -= 4)
				if ((v >> sh & 15) || started || !sh)
					*o++ = hex[v >> sh & 15], started = 1;
		}
		*o++ = ']';
	}
	path_num(num, sizeof num, ":", (unsigned)sa[2] << 8 | sa[3]);
	memcpy(o, num, strlen(num) + 1);
}

__attribute__((noreturn)) static void conn_fail(struct conn *c, const char *reason, const char *more)
{
	static char what[160], fdnum[64];
	image_enter(c->im);
	path_num(fdnum, sizeof fdnum, "cannot remake the connection of fd ", c->f->h.fd);
	char addr[64];
	format_addr(addr, c->f->sock.peer);
	size_t a = strlen(fdnum), b = strlen(addr);
	memcpy(what, fdnum, a);
	memcpy(what + a, " to ", 4);
	memcpy(what + a + 4, addr, b);
	memcpy(what + a + 4 + b, " across hosts: ", 16);
	fail(what, reason, more);
}

static long remaining_ms(void)
{
	uint64_t now = now_ns();
	return now >= deadline ? 0 : (long)((deadline - now + 999999) / 1000000);
}

static const char *wait_text(void)
{
	static char t[48];
	path_num(t, sizeof t, " within ", (long)(wait_ns / 1000000));
	memcpy(t + strlen(t), " ms", 4);
	return t;
}

static long tcp_socket(struct conn *c, int flags)
{
	long s = sys3(NR_socket, c->f->sock.domain, SOCK_STREAM | SOCK_CLOEXEC | flags, 0);
	if (s < 0)
		conn_fail(c, "socket: ", errno_name(s));
	/* SO_REUSEPORT as well, for the moment the connection is made: an end
	 * that connects may have the address and port of a throwaway listener
	 * (a program's port where connections came from either side) */
	int one = 1;
	sys6(NR_setsockopt, s, SOL_SOCKET, SO_REUSEADDR, (long)&one, sizeof one, 0);
	sys6(NR_setsockopt, s, SOL_SOCKET, SO_REUSEPORT, (long)&one, sizeof one, 0);
	if (c->f->sock.domain == AF_INET6) {
		int v = !!(c->f->sock.options & CKPT_SOCK_V6ONLY);
		sys6(NR_setsockopt, s, IPPROTO_IPV6, IPV6_V6ONLY, (long)&v, sizeof v, 0);
	}
	long r = sys3(NR_bind, s, c->f->sock.local, c->f->sock.local_len);
	if (r < 0)
		conn_fail(c, "cannot bind its saved local address: ", errno_name(r));
	return s;
}

/* the program's connection as a program's own would be: blocking, without
 * SO_REUSEPORT (the engine gives every TCP socket SO_REUSEADDR anyway) */
static void made(struct conn *c, long fd)
{
	int zero = 0;
	sys3(NR_fcntl, fd, F_SETFL, 0);
	sys6(NR_setsockopt, fd, SOL_SOCKET, SO_REUSEPORT, (long)&zero, sizeof zero, 0);
	c->fd = fd;
}

static void make_listeners(void)
{
	for (uint32_t i = 0; i < nconns; i++) {
		struct conn *c = &conns[i];
		if (!c->listens || c->same_as >= 0)
			continue;
		c->lst = -1;
		for (uint32_t k = 0; k < i && c->lst < 0; k++)
			if (conns[k].listens && conns[k].same_as < 0 && conns[k].f->sock.local_len == c->f->sock.local_len &&
			    !memcmp(conns[k].f->sock.local, c->f->sock.local, c->f->sock.local_len))
				c->lst = conns[k].lst;
		if (c->lst >= 0)
			continue;
		long s = tcp_socket(c, SOCK_NONBLOCK);
		long r = sys2(NR_listen, s, 4096);
		if (r < 0)
			conn_fail(c, "cannot listen at its saved local address: ", errno_name(r));
		c->lst = (int)nlisteners;
		listeners[nlisteners++] = s;
	}
}

static int wait_for(long fd, short events)
{
	struct pollfd p = { (int)fd, events, 0 };
	long r;
	do
		r = sys3(NR_poll, &p, 1, remaining_ms());
	while (r == -EINTR);
	return r > 0;
}

static void sleep_10ms(void)
{
	long ts[2] = { 0, 10000000 };
	sys2(NR_nanosleep, ts, 0);
}

static void connect_all(void)
{
	for (uint32_t i = 0; i < nconns; i++) {
		struct conn *c = &conns[i];
		if (c->listens || c->same_as >= 0)
			continue;
		for (;;) {
			long s = tcp_socket(c, SOCK_NONBLOCK);
			long r = sys3(NR_connect, s, c->f->sock.peer, c->f->sock.peer_len);
			if (r == -EINPROGRESS) {
				if (!wait_for(s, POLLOUT))
					conn_fail(c, "the other host's restorer did not accept", wait_text());
				int err = 0;
				uint32_t el = sizeof err;
				sys5(NR_getsockopt, s, SOL_SOCKET, SO_ERROR, &err, &el);
				r = -err;
			}
			if (r == 0) {
				made(c, s);
				break;
			}
			sys1(NR_close, s);
			if (r != -ECONNREFUSED && r != -ETIMEDOUT)
				conn_fail(c, "connect: ", errno_name(r));
			if (!remaining_ms())
				conn_fail(c, "nobody listened there (the other host's restorer did not come)", wait_text());
			sleep_10ms();
		}
	}
}

static void accept_all(void)
{
	for (uint32_t i = 0; i < nconns; i++) {
		struct conn *c = &conns[i];
		while (c->listens && c->same_as < 0 && c->fd < 0) {
			long l = listeners[c->lst];
			if (!wait_for(l, POLLIN))
				conn_fail(c, "the other host's restorer did not connect", wait_text());
			uint8_t got[128];
			uint32_t glen = sizeof got;
			long a = sys4(NR_accept4, l, got, &glen, SOCK_CLOEXEC);
			if (a < 0) {
				if (a == -EAGAIN || a == -EINTR || a == -ECONNREFUSED)
					continue;
				conn_fail(c, "accept: ", errno_name(a));
			}
			/* the one it waits for, or another end at the same listener */
			struct conn *to = 0;
			for (uint32_t k = i; k < nconns && !to; k++)
				if (conns[k].listens && conns[k].same_as < 0 && conns[k].lst == c->lst && conns[k].fd < 0 &&
				    conns[k].f->sock.peer_len == glen && !memcmp(conns[k].f->sock.peer, got, glen))
					to = &conns[k];
			if (to)
				made(to, a);
			else
				sys1(NR_close, a); /* somebody else's */
		}
	}
	for (uint32_t i = 0; i < nlisteners; i++)
		sys1(NR_close, listeners[i]);
}

/* Whether two secrets are the same, in time that does not depend on where they differ. */
static int same_secret(const uint8_t *a)
{
	uint8_t d = 0;
	for (uint32_t i = 0; i < secret_len; i++)
		d |= (uint8_t)(a[i] ^ secret[i]);
	return d == 0;
}

/* One step of a connection's exchange; 1 when it is over. */
static int exchange_step(struct conn *c, short revents)
{
	const uint64_t H = secret_len + 8, L = c->f->sock.data_len;
	const char *own = c->im->fddata + c->f->sock.data_offset;
	if (c->out_done < H + L && (revents & POLLOUT)) {
		const char *p = c->out_done < H ? (const char *)c->hdr_out + c->out_done : own + (c->out_done - H);
		uint64_t len = c->out_done < H ? H - c->out_done : H + L - c->out_done;
		long r = sys6(NR_sendto, c->fd, (long)p, (long)len, MSG_DONTWAIT | MSG_NOSIGNAL, 0, 0);
		if (r < 0 && r != -EAGAIN && r != -EINTR)
			conn_fail(c, "sending its end's saved bytes: ", errno_name(r));
		if (r > 0)
			c->out_done += (uint64_t)r;
	}
	if ((c->in_done < H || c->in_done < H + c->in_len) && revents) {
		char *p = c->in_done < H ? (char *)c->hdr_in + c->in_done : c->in + (c->in_done - H);
		uint64_t len = c->in_done < H ? H - c->in_done : H + c->in_len - c->in_done;
		long r = sys6(NR_recvfrom, c->fd, (long)p, (long)len, MSG_DONTWAIT, 0, 0);
		if (r == 0)
			conn_fail(c, "the other host's restorer closed the connection", 0);
		if (r < 0 && r != -EAGAIN && r != -EINTR)
			conn_fail(c, "reading the peer's saved bytes: ", errno_name(r));
		if (r > 0 && (c->in_done += (uint64_t)r) == H) {
			if (!same_secret(c->hdr_in))
				conn_fail(c, "the connection did not carry this restart's secret (not the other host's restorer)", 0);
			memcpy(&c->in_len, c->hdr_in + secret_len, 8);
			if (c->in_len > (1ull << 32))
				conn_fail(c, "the other host's restorer sent a bad length", 0);
			c->in = arena_alloc(c->in_len + 1);
		}
	}
	int in_whole = c->in_done >= H && c->in_done == H + c->in_len;
	/* the peer's bytes go back to it after our own, as they came */
	if (c->out_done == H + L && in_whole && c->echo_done < c->in_len && (revents & POLLOUT)) {
		long r = sys6(NR_sendto, c->fd, (long)(c->in + c->echo_done), (long)(c->in_len - c->echo_done),
			      MSG_DONTWAIT | MSG_NOSIGNAL, 0, 0);
		if (r < 0 && r != -EAGAIN && r != -EINTR)
			conn_fail(c, "giving the peer's saved bytes back: ", errno_name(r));
		if (r > 0)
			c->echo_done += (uint64_t)r;
	}
	return c->out_done == H + L && in_whole && c->echo_done == c->in_len;
}

static void exchange_bytes(void)
{
	const uint64_t H = secret_len + 8;
	struct pollfd *p = arena_alloc(nconns * sizeof *p);
	uint32_t *which = arena_alloc(nconns * sizeof *which);
	for (uint32_t i = 0; i < nconns; i++) {
		uint64_t L = conns[i].f->sock.data_len;
		memcpy(conns[i].hdr_out, secret, secret_len);
		memcpy(conns[i].hdr_out + secret_len, &L, 8); /* little endian: x86_64 */
	}
	for (;;) {
		uint32_t k = 0;
		for (uint32_t i = 0; i < nconns; i++)
			if (conns[i].same_as < 0 && !exchange_step(&conns[i], 0)) {
				struct conn *c = &conns[i];
				int in_whole = c->in_done >= H && c->in_done == H + c->in_len;
				p[k].fd = (int)c->fd;
				p[k].events = (short)((in_whole ? 0 : POLLIN) |
						      (c->out_done < H + c->f->sock.data_len || in_whole ? POLLOUT : 0));
				p[k].revents = 0;
				which[k++] = i;
			}
		if (!k)
			return;
		long r = sys3(NR_poll, p, k, remaining_ms());
		if (r == 0)
			conn_fail(&conns[which[0]], "the saved bytes were not exchanged", wait_text());
		for (uint32_t j = 0; r > 0 && j < k; j++)
			if (p[j].revents)
				exchange_step(&conns[which[j]], p[j].revents);
	}
}

void sockets_across_create(struct image *ims, uint32_t n)
{
	if (!npeer_hosts)
		return;
	uint32_t cap = 1;
	for (uint32_t k = 0; k < n; k++)
		cap += ims[k].nfds;
	conns = arena_alloc(cap * sizeof *conns);
	listeners = arena_alloc(cap * sizeof *listeners);
	for (uint32_t k = 0; k < n; k++)
		for (uint32_t i = 0; i < ims[k].nfds; i++) {
			struct ckpt_fd *f = &ims[k].fds[i];
			struct image *pim;
			struct ckpt_fd *pf;
			if (f->h.kind != CKPT_FD_SOCKET || f->h.dup_of >= 0 || f->sock.listening || f->sock.type != SOCK_STREAM ||
			    (f->sock.domain != AF_INET && f->sock.domain != AF_INET6) || !f->sock.peer_len ||
			    f->sock.local[0] != f->sock.peer[0] || !is_peer_host(f->sock.peer) ||
			    socket_find_partner(ims, n, f, &pim, &pf))
				continue;
			struct conn *c = &conns[nconns];
			memset(c, 0, sizeof *c);
			c->im = &ims[k];
			c->f = f;
			c->fd = -1;
			c->same_as = -1;
			c->listens = local_is_lower(f);
			for (uint32_t j = 0; j < nconns && c->same_as < 0; j++)
				if (conns[j].f->sock.ino == f->sock.ino)
					c->same_as = (int)j; /* one socket, inherited by several processes */
			nconns++;
		}
	if (!nconns)
		return;
	deadline = now_ns() + wait_ns;
	make_listeners();
	connect_all();
	accept_all();
	exchange_bytes();
	for (uint32_t i = 0; i < nconns; i++) {
		struct conn *c = &conns[i];
		long fd = c->same_as >= 0 ? sys3(NR_fcntl, conns[c->same_as].fd, F_DUPFD_CLOEXEC, 600) : c->fd;
		if (fd < 0)
			conn_fail(c, "", errno_name(fd));
		fd = fd_lift((int)fd, 600);
		if (c->same_as < 0)
			c->fd = fd;
		socket_add_made(c->im, c->f->h.fd, (int)fd);
	}
}
