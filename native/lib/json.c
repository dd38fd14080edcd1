/* A JSON writer into a caller's buffer: the engine answers the coordinator from
 * signal context, so no malloc and no stdio. */
#include "engine.h"

void ckpt_json_begin(struct ckpt_json *j, char *buf, size_t cap)
{
	j->buf = buf;
	j->cap = cap;
	j->len = 0;
	j->need_comma = 0;
	buf[0] = 0;
}

static void put(struct ckpt_json *j, char c)
{
	if (j->len + 1 < j->cap) {
		j->buf[j->len++] = c;
		j->buf[j->len] = 0;
	}
}

static void sep(struct ckpt_json *j)
{
	if (j->need_comma)
		put(j, ',');
	j->need_comma = 1;
}

void ckpt_json_open(struct ckpt_json *j, char c)
{
	sep(j);
	put(j, c);
	j->need_comma = 0;
}

void ckpt_json_close(struct ckpt_json *j, char c)
{
	put(j, c);
	j->need_comma = 1;
}

void ckpt_json_key(struct ckpt_json *j, const char *key)
{
	sep(j);
	put(j, '"');
	while (*key)
		put(j, *key++);
	put(j, '"');
	put(j, ':');
	j->need_comma = 0;
}

void ckpt_json_str(struct ckpt_json *j, const char *s)
{
	sep(j);
	put(j, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			put(j, '\\');
			put(j, (char)c);
		} else if (c < 0x20) {
			put(j, '\\');
			put(j, 'u');
			put(j, '0');
			put(j, '0');
			put(j, "0123456789abcdef"[c >> 4]);
			put(j, "0123456789abcdef"[c & 15]);
		} else {
			put(j, (char)c);
		}
	}
	put(j, '"');
}

void ckpt_json_int(struct ckpt_json *j, long v)
{
	char tmp[24];
	int i = 0;
	unsigned long u = v < 0 ? (unsigned long)-v : (unsigned long)v;
	sep(j);
	if (v < 0)
		put(j, '-');
	do {
		tmp[i++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	while (i)
		put(j, tmp[--i]);
}

void ckpt_json_raw(struct ckpt_json *j, const char *s)
{
	sep(j);
	while (*s)
		put(j, *s++);
}

/* The process's identity and thread table, shared by the hello and status
 * answers: "vpid", "pid", "vppid" and "threads":[{"vtid","tid"}]. */
void ckpt_json_identity(struct ckpt_json *j)
{
	ckpt_json_key(j, "vpid");
	ckpt_json_int(j, ckpt_rt.vpid);
	ckpt_json_key(j, "pid");
	ckpt_json_int(j, ckpt_rt.real_pid);
	ckpt_json_key(j, "vppid");
	ckpt_json_int(j, ckpt_rt.vppid);
	ckpt_json_key(j, "threads");
	ckpt_json_open(j, '[');
	for (int i = 0; i < CKPT_MAX_THREADS; i++) {
		if (!ckpt_rt.threads[i].used)
			continue;
		ckpt_json_open(j, '{');
		ckpt_json_key(j, "vtid");
		ckpt_json_int(j, ckpt_rt.threads[i].vtid);
		ckpt_json_key(j, "tid");
		ckpt_json_int(j, ckpt_rt.threads[i].tid);
		ckpt_json_close(j, '}');
	}
	ckpt_json_close(j, ']');
}
