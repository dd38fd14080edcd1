/*
 * A changed world (the closed world assumption broken on purpose): files that
 * moved (--path-map OLD=NEW, by path prefix) and environment variables that
 * the program should see with new values when it reads them again
 * (--env NAME=VALUE: the program's environ array is replaced by a copy with
 * those entries changed).
 */
#include "rt.h"

#define MAX_MAPS 16
#define MAX_ENVS 32

static struct { const char *old, *new; size_t old_len; } maps[MAX_MAPS];
static int nmaps;
static const char *envs[MAX_ENVS];
static int nenvs;

void world_add_path_map(const char *arg)
{
	const char *eq = arg;
	while (*eq && *eq != '=')
		eq++;
	if (!*eq || eq == arg || !eq[1])
		fail("--path-map wants OLD=NEW, got: ", arg, 0);
	if (nmaps >= MAX_MAPS)
		fail("too many --path-map options", 0, 0);
	size_t ol = (size_t)(eq - arg);
	char *old = arena_alloc(ol + 1);
	memcpy(old, arg, ol);
	old[ol] = 0;
	char *new = arena_alloc(strlen(eq + 1) + 1);
	memcpy(new, eq + 1, strlen(eq + 1) + 1);
	uint64_t st[18];
	long r = sys2(NR_stat, new, st);
	if (r < 0)
		fail4("the --path-map target ", new, " does not exist: ", errno_name(r));
	maps[nmaps].old = old;
	maps[nmaps].new = new;
	maps[nmaps].old_len = ol;
	nmaps++;
}

void world_add_env(const char *arg)
{
	const char *eq = arg;
	while (*eq && *eq != '=')
		eq++;
	if (!*eq || eq == arg)
		fail("--env wants NAME=VALUE, got: ", arg, 0);
	if (nenvs >= MAX_ENVS)
		fail("too many --env options", 0, 0);
	char *copy = arena_alloc(strlen(arg) + 1);
	memcpy(copy, arg, strlen(arg) + 1);
	envs[nenvs++] = copy;
}

/* The path the program's file has now; sets *moved when a map applied. */
const char *world_path(const char *path, int *moved)
{
	if (moved)
		*moved = 0;
	for (int i = 0; i < nmaps; i++) {
		size_t ol = maps[i].old_len;
		if (memcmp(path, maps[i].old, ol) || (path[ol] && path[ol] != '/'))
			continue;
		size_t nl = strlen(maps[i].new), rest = strlen(path + ol);
		char *p = arena_alloc(nl + rest + 1);
		memcpy(p, maps[i].new, nl);
		memcpy(p + nl, path + ol, rest + 1);
		if (moved)
			*moved = 1;
		return p;
	}
	return path;
}

static size_t name_len(const char *kv)
{
	size_t n = 0;
	while (kv[n] && kv[n] != '=')
		n++;
	return n;
}

/* After memory is back: point the program's environ at a new array. */
void world_apply_env(uint64_t environ_addr)
{
	if (!nenvs || !environ_addr)
		return;
	char ***environ_p = (char ***)environ_addr;
	char **old = *environ_p;
	size_t count = 0;
	while (old && old[count])
		count++;
	size_t strings = 0;
	for (int i = 0; i < nenvs; i++)
		strings += strlen(envs[i]) + 1;
	size_t size = (count + (size_t)nenvs + 1) * sizeof(char *) + strings;
	size = (size + 4095) & ~4095ul;
	/* outside the restorer's window: it stays when the restorer goes */
	long m = sys6(NR_mmap, 0, (long)size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m < 0 && m > -4096)
		fail("cannot allocate memory for --env", 0, 0);
	char **arr = (char **)m;
	char *str = (char *)(arr + count + nenvs + 1);
	size_t n = 0;
	for (size_t i = 0; i < count; i++) {
		int replaced = 0;
		for (int k = 0; k < nenvs; k++)
			if (name_len(old[i]) == name_len(envs[k]) && !memcmp(old[i], envs[k], name_len(envs[k])))
				replaced = 1;
		if (!replaced)
			arr[n++] = old[i];
	}
	for (int k = 0; k < nenvs; k++) {
		size_t l = strlen(envs[k]) + 1;
		memcpy(str, envs[k], l);
		arr[n++] = str;
		str += l;
	}
	arr[n] = 0;
	*environ_p = arr;
}
