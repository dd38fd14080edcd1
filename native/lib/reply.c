/* Answers to the coordinator, built with the JSON writer (see reply.h). */
#include "reply.h"

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
