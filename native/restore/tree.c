/*
 * A computation of several processes comes back as the same tree: each
 * restorer process forks the restorers of its children (and of its children
 * that had exited unreaped, which exit again at once) before it restores itself,
 * so parents are parents again and `wait` works. The processes share one page
 * where each writes its new real PID; once all have, every process knows the
 * whole virtual ↔ real table, sessions and process groups are made again in
 * order (sessions, then group leaders, then members), and each restores its own
 * image (main.c), meeting the others at the barriers where one's work must be
 * done before any runs on.
 */
#include "rt.h"

#define ZONE_SHARED (ZONE_TEMP + 0x10000000ul)
#define CLD_EXITED 1

struct shared {
	volatile int32_t nmap;
	volatile int32_t phase[5];
	int32_t total; /* map entries: processes and exited children */
	int32_t live;  /* processes that restore an image */
	volatile int32_t claimed;
	struct { int32_t vpid, pid; } map[CKPT_MAX_PROCS];
};

static struct shared *sh;
static struct image *images;
static uint32_t nimages;

static void futex_wait_shared(volatile int32_t *addr, int32_t val)
{
	long ts[2] = { 0, 2000000 };
	sys4(NR_futex, addr, 0 /* FUTEX_WAIT, shared */, val, ts);
}

static void futex_wake_shared(volatile int32_t *addr) { sys3(NR_futex, addr, 1 /* FUTEX_WAKE */, 0x7fffffff); }

static void arrive_and_wait(volatile int32_t *counter, int32_t total, uint64_t timeout_s)
{
	__atomic_add_fetch(counter, 1, __ATOMIC_ACQ_REL);
	futex_wake_shared(counter);
	for (uint64_t deadline = now_ns() + timeout_s * 1000000000ull;;) {
		int32_t v = __atomic_load_n(counter, __ATOMIC_ACQUIRE);
		if (v >= total)
			return;
		if (now_ns() > deadline)
			fail("the other processes of the snapshot did not come back", 0, 0);
		futex_wait_shared(counter, v);
	}
}

static void publish(int32_t vpid, int32_t pid)
{
	/* slots are claimed by their own counter, so that nmap counts finished entries */
	int32_t slot = __atomic_fetch_add(&sh->claimed, 1, __ATOMIC_ACQ_REL);
	if (slot >= CKPT_MAX_PROCS)
		fail("too many processes in the snapshot", 0, 0);
	sh->map[slot].vpid = vpid;
	sh->map[slot].pid = pid;
	__atomic_add_fetch(&sh->nmap, 1, __ATOMIC_ACQ_REL);
	futex_wake_shared(&sh->nmap);
}

static int32_t real_of(int32_t vpid)
{
	for (int32_t i = 0; i < sh->total && i < CKPT_MAX_PROCS; i++)
		if (sh->map[i].vpid == vpid)
			return sh->map[i].pid;
	return -1;
}

static void make_zombies(struct image *im)
{
	for (uint32_t z = 0; z < im->nzombies; z++) {
		struct ckpt_img_zombie *zz = &im->zombies[z];
		long pid = sys0(NR_fork);
		if (pid < 0)
			fail("cannot recreate an exited child: ", errno_name(pid), 0);
		if (pid == 0) {
			if (zz->code == CLD_EXITED)
				sys1(NR_exit_group, zz->status);
			uint64_t none = 0;
			sys4(NR_rt_sigprocmask, 2 /* SIG_SETMASK */, &none, 0, 8);
			sys2(NR_kill, sys0(NR_getpid), zz->status);
			sys1(NR_exit_group, 128 + zz->status);
		}
		publish(zz->vpid, (int32_t)pid);
	}
}

static void restore_subtree(uint32_t i)
{
	struct image *im = &images[i];
	for (uint32_t c = 0; c < nimages; c++) {
		if (c == i || images[c].proc->vppid != im->proc->vpid)
			continue;
		long pid = sys0(NR_fork);
		if (pid < 0)
			fail("cannot recreate a child process: ", errno_name(pid), 0);
		if (pid == 0) {
			restore_subtree(c);
			return;
		}
	}
	make_zombies(im);
	images = im; /* from here on this process is only this image */
	image_enter(im);
	nimages = 1;
	publish(im->proc->vpid, (int32_t)sys0(NR_getpid));
}

static int has_parent(struct image *ims, uint32_t n, uint32_t i)
{
	for (uint32_t k = 0; k < n; k++)
		if (k != i && ims[k].proc->vpid == ims[i].proc->vppid)
			return 1;
	return 0;
}

/* An orphan is made as it was: by a process that exits at once, so that it
 * is reparented to init (or the nearest subreaper). Returns 1 in the orphan,
 * 0 in the caller, which reaps the go-between. */
static int restore_orphan(void)
{
	long pid = sys0(NR_fork);
	if (pid < 0)
		fail("cannot recreate a process whose parent had exited: ", errno_name(pid), 0);
	if (pid == 0) {
		long orphan = sys0(NR_fork);
		if (orphan < 0)
			fail("cannot recreate a process whose parent had exited: ", errno_name(orphan), 0);
		if (orphan == 0)
			return 1;
		sys1(NR_exit_group, 0);
	}
	int st;
	sys4(NR_wait4, pid, &st, 0, 0);
	return 0;
}

int32_t tree_real_of(int32_t vpid) { return real_of(vpid); }

static int in_computation(int32_t vpid) { return real_of(vpid) > 0; }

static void sessions_and_groups(struct image *im, struct ckpt_runtime *extra, int32_t *nextra)
{
	int32_t vpid = im->proc->vpid, vsid = im->proc->sid, vpgid = im->proc->pgid;
	if (vsid == vpid)
		sys0(NR_setsid);
	arrive_and_wait(&sh->phase[0], sh->live, 30);
	if (vpgid == vpid && vsid != vpid)
		sys2(NR_setpgid, 0, 0);
	arrive_and_wait(&sh->phase[1], sh->live, 30);
	if (vpgid != vpid && in_computation(vpgid))
		sys2(NR_setpgid, 0, real_of(vpgid));
	arrive_and_wait(&sh->phase[2], sh->live, 30);
	/* ids that named something outside the computation now name what this
	 * process has instead (the restarting command's session and group) */
	int32_t real_sid = (int32_t)sys1(NR_getsid, 0), real_pgid = (int32_t)sys1(NR_getpgid, 0);
	if (!in_computation(vsid) && vsid != real_sid && *nextra < 2) {
		extra->pidmap[*nextra].vpid = vsid;
		extra->pidmap[(*nextra)++].pid = real_sid;
	}
	if (!in_computation(vpgid) && vpgid != real_pgid && vpgid != vsid && *nextra < 2) {
		extra->pidmap[*nextra].vpid = vpgid;
		extra->pidmap[(*nextra)++].pid = real_pgid;
	}
}

static uint32_t root;

void tree_plan(struct image *ims, uint32_t n)
{
	images = ims;
	nimages = n;
	/* the first image is the computation's first process (the command line
	 * orders them so); other images without a parent in the snapshot are
	 * orphans whose parent had exited (`(cmd &)`, daemons) */
	root = n;
	int32_t total = 0;
	for (uint32_t i = 0; i < n; i++) {
		if (!has_parent(ims, n, i) && root == n)
			root = i;
		total += 1 + (int32_t)ims[i].nzombies;
	}
	if (root == n)
		fail("the snapshot's processes have no first process (each has a parent in it)", 0, 0);
	if (total > CKPT_MAX_PROCS)
		fail("too many processes in the snapshot", 0, 0);
	long m = sys6(NR_mmap, ZONE_SHARED, 4096 * 4, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (m != (long)ZONE_SHARED)
		fail("cannot allocate memory: ", errno_name(m), 0);
	sh = (struct shared *)m;
	sh->total = total;
	sh->live = (int32_t)n;
}

/* ids that named something outside the computation (sid, pgid) */
static struct ckpt_runtime outside; /* only its pidmap is used */
static int32_t noutside;

struct image *tree_fork(void)
{
	struct image *ims = images;
	uint32_t n = nimages, me = root;
	for (uint32_t i = 0; i < n; i++)
		if (i != root && !has_parent(ims, n, i) && restore_orphan()) {
			me = i;
			break;
		}
	restore_subtree(me);
	for (uint64_t deadline = now_ns() + 30000000000ull;;) { /* everyone's real PID known */
		int32_t v = __atomic_load_n(&sh->nmap, __ATOMIC_ACQUIRE);
		if (v >= sh->total)
			break;
		if (now_ns() > deadline)
			fail("the other processes of the snapshot did not come back", 0, 0);
		futex_wait_shared(&sh->nmap, v);
	}
	sessions_and_groups(images, &outside, &noutside);
	return images;
}

/* phases 0-2 are sessions_and_groups'; a large image takes its time */
void tree_barrier(enum tree_phase phase) { arrive_and_wait(&sh->phase[phase], sh->live, 600); }

void tree_pidmap(struct image *im, struct ckpt_runtime *rt)
{
	rt->npids = 0;
	for (int32_t i = 0; i < sh->total; i++)
		if (sh->map[i].vpid != im->proc->vpid) {
			rt->pidmap[rt->npids].vpid = sh->map[i].vpid;
			rt->pidmap[rt->npids++].pid = sh->map[i].pid;
		}
	for (int32_t i = 0; i < noutside && rt->npids < CKPT_MAX_PROCS; i++) {
		rt->pidmap[rt->npids].vpid = outside.pidmap[i].vpid;
		rt->pidmap[rt->npids++].pid = outside.pidmap[i].pid;
	}
}
