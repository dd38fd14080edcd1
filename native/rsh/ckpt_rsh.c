/*
 * ckpt-rsh: Open MPI's launcher agent (plm_rsh_agent) for a job under the
 * engine whose ranks run on other hosts. mpirun runs `ckpt-rsh HOST CMD...`
 * to start its daemon (orted) on HOST.
 *
 * This process is part of the computation (mpirun's child, saved and
 * restored with it). The link to HOST is not, and cannot be: its far side is
 * sshd, not a process of ours, and its encryption state lives there. So:
 *  - it asks its coordinator (the ctl.sock beside $CKPT_ENGINE_SOCKET) for an
 *    invitation: the port where the coordinator takes member coordinators, a
 *    token, the directory for HOST's part and the remote `ckpt` command;
 *  - it starts the agent ($CKPT_RSH_AGENT, words split at spaces; default
 *    ssh) outside the engine, through a waiter that is not its child (a child
 *    outside the engine would refuse every checkpoint):
 *    `AGENT HOST CKPT member-exec --leader-port P --dir DIR -- /bin/sh -c 'CMD...'`, the
 *    token on the agent's standard input (never on a command line);
 *  - the waiter writes the agent's exit status on a pipe, and this process
 *    exits with it, as the agent itself would have.
 * After a restart the pipe's writer is gone (end of file without a status):
 * HOST's processes were restored by their own coordinator, and this process
 * waits for them to end through a new agent, `CKPT member-wait --dir DIR`.
 *
 * Run without $CKPT_ENGINE_SOCKET (not under the engine), it is the agent.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAXW 512

static void die(const char *what, const char *detail)
{
	fprintf(stderr, "ckpt-rsh: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
	exit(255);
}

/* The agent's words: $CKPT_RSH_AGENT split at spaces, or ssh. */
static int agent_words(char **out, int max)
{
	const char *spec = getenv("CKPT_RSH_AGENT");
	if (!spec || !*spec)
		spec = "ssh";
	char *copy = strdup(spec), *save = 0;
	int n = 0;
	for (char *w = strtok_r(copy, " \t", &save); w && n < max; w = strtok_r(0, " \t", &save))
		out[n++] = w;
	if (n == 0)
		die("CKPT_RSH_AGENT names no program", 0);
	return n;
}

/* The environment without the engine: the agent and the waiter run outside it. */
static char **clean_env(void)
{
	extern char **environ;
	size_t n = 0;
	while (environ[n])
		n++;
	char **env = calloc(n + 1, sizeof *env);
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "LD_PRELOAD=", 11) && strncmp(environ[i], "CKPT_ENGINE_SOCKET=", 19) &&
		    strncmp(environ[i], "CKPT_SIGNAL=", 12) && strncmp(environ[i], "CKPT_RECORD=", 12))
			env[k++] = environ[i];
	return env;
}

/* A JSON string or number field of `reply`, copied into `out` (no escapes expected). */
static int field(const char *reply, const char *name, char *out, size_t cap)
{
	char key[64];
	snprintf(key, sizeof key, "\"%s\":", name);
	const char *p = strstr(reply, key);
	if (!p)
		return -1;
	p += strlen(key);
	int quoted = *p == '"';
	p += quoted;
	size_t n = 0;
	while (*p && n + 1 < cap && (quoted ? *p != '"' : (*p != ',' && *p != '}'))) {
		if (*p == '\\')
			return -1;
		out[n++] = *p++;
	}
	out[n] = 0;
	return n > 0 ? 0 : -1;
}

struct invite {
	char port[16], token[128], dir[4096], ckpt[4096];
};

/* Asks the coordinator for HOST's invitation (native/PROTOCOL.md, "invite"). */
static void get_invite(const char *engine_socket, const char *host, struct invite *inv)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	const char *slash = strrchr(engine_socket, '/');
	size_t dlen = slash ? (size_t)(slash - engine_socket) : 0;
	if (dlen + sizeof "/ctl.sock" > sizeof a.sun_path)
		die("the coordinator's directory is too long for a socket path", engine_socket);
	memcpy(a.sun_path, engine_socket, dlen);
	strcpy(a.sun_path + dlen, "/ctl.sock");
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof a) < 0)
		die("cannot reach the coordinator at", a.sun_path);
	char req[1024];
	int n = snprintf(req, sizeof req, "{\"cmd\":\"invite\",\"host\":\"%s\"}\n", host);
	if (strpbrk(host, "\"\\") || n >= (int)sizeof req || write(s, req, n) != n)
		die("cannot ask the coordinator for an invitation for host", host);
	static char reply[16384];
	size_t got = 0;
	for (;;) {
		ssize_t r = read(s, reply + got, sizeof reply - 1 - got);
		if (r <= 0)
			break;
		got += r;
		reply[got] = 0;
		/* progress lines have no "ok"; the last one has */
		char *line = reply, *nl;
		while ((nl = strchr(line, '\n'))) {
			*nl = 0;
			if (strstr(line, "\"ok\":")) {
				if (!strstr(line, "\"ok\":true")) {
					char err[1024] = "";
					field(line, "error", err, sizeof err);
					die("the coordinator refused", err[0] ? err : line);
				}
				if (field(line, "port", inv->port, sizeof inv->port) || field(line, "token", inv->token, sizeof inv->token) ||
				    field(line, "dir", inv->dir, sizeof inv->dir) || field(line, "ckpt", inv->ckpt, sizeof inv->ckpt))
					die("the coordinator's invitation is incomplete", line);
				close(s);
				return;
			}
			line = nl + 1;
		}
		if (got >= sizeof reply - 1)
			break;
	}
	die("the coordinator gave no invitation for host", host);
}

/*
 * The waiter: `ckpt-rsh --waiter FD AGENT...`, outside the engine. It forks
 * and its first self exits at once (so the process of the computation that
 * started it reaps it, and the rest has no parent in the computation); the
 * second runs the agent and writes its status (one byte) on FD.
 */
static int waiter(int argc, char **argv)
{
	int fd = atoi(argv[2]);
	pid_t w = fork();
	if (w < 0)
		return 255;
	if (w > 0)
		return 0;
	setsid();
	pid_t agent = fork();
	if (agent == 0) {
		close(fd);
		execvp(argv[3], argv + 3);
		fprintf(stderr, "ckpt-rsh: cannot run %s: %s\n", argv[3], strerror(errno));
		_exit(255);
	}
	int status = 0;
	while (agent > 0 && waitpid(agent, &status, 0) < 0 && errno == EINTR)
		;
	unsigned char code = agent < 0 ? 255 : WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	(void)!write(fd, &code, 1);
	return 0;
}

/* This program's own path, read at the start: a restored process's
 * /proc/self/exe may name the restorer. */
static char self_path[4096];

/*
 * Runs `words` through a waiter, the token (if any) on the agent's standard
 * input; returns the agent's exit status, or -1 when the waiter is gone
 * without one (this process was restored from a snapshot).
 */
static int run_agent(char **words, const char *token)
{
	int status_pipe[2], token_pipe[2];
	if (pipe2(status_pipe, O_CLOEXEC) < 0 || pipe(token_pipe) < 0)
		die("cannot make a pipe", strerror(errno));
	char fdtext[16], *argv[MAXW + 4];
	snprintf(fdtext, sizeof fdtext, "%d", status_pipe[1]);
	int n = 0;
	argv[n++] = "ckpt-rsh";
	argv[n++] = "--waiter";
	argv[n++] = fdtext;
	for (int i = 0; words[i] && n < MAXW + 3; i++)
		argv[n++] = words[i];
	argv[n] = 0;
	pid_t c = fork();
	if (c < 0)
		die("cannot fork", strerror(errno));
	if (c == 0) {
		dup2(token_pipe[0], 0);
		close(token_pipe[0]);
		close(token_pipe[1]);
		fcntl(status_pipe[1], F_SETFD, 0);
		execve(self_path, argv, clean_env());
		_exit(255);
	}
	close(token_pipe[0]);
	close(status_pipe[1]);
	if (token)
		dprintf(token_pipe[1], "%s\n", token);
	close(token_pipe[1]);
	int st;
	while (waitpid(c, &st, 0) < 0 && errno == EINTR)
		;
	unsigned char code;
	ssize_t r;
	while ((r = read(status_pipe[0], &code, 1)) < 0 && errno == EINTR)
		;
	close(status_pipe[0]);
	return r == 1 ? code : -1;
}

/* A word for the remote shell: quoted unless plain. */
static char *shell_word(const char *w)
{
	if (*w && strspn(w, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/._-=:,+@") == strlen(w))
		return strdup(w);
	char *q = malloc(strlen(w) * 4 + 3), *o = q;
	*o++ = '\'';
	for (; *w; w++) {
		if (*w == '\'') {
			memcpy(o, "'\\''", 4);
			o += 4;
		} else {
			*o++ = *w;
		}
	}
	*o++ = '\'';
	*o = 0;
	return q;
}

int main(int argc, char **argv)
{
	if (argc >= 4 && !strcmp(argv[1], "--waiter"))
		return waiter(argc, argv);
	if (argc < 3) {
		fprintf(stderr, "usage: ckpt-rsh HOST COMMAND...   (Open MPI's plm_rsh_agent under the checkpoint engine)\n");
		return 255;
	}
	char *words[MAXW + 1];
	int n = agent_words(words, MAXW / 2);
	if (readlink("/proc/self/exe", self_path, sizeof self_path - 1) <= 0)
		die("cannot read its own path", strerror(errno));
	const char *engine_socket = getenv("CKPT_ENGINE_SOCKET");
	if (!engine_socket) {
		/* not under the engine: just the agent */
		for (int i = 1; i < argc && n < MAXW; i++)
			words[n++] = argv[i];
		words[n] = 0;
		execvp(words[0], words);
		die("cannot run the agent", words[0]);
	}
	const char *host = argv[1];
	static struct invite inv;
	get_invite(engine_socket, host, &inv);
	words[n++] = (char *)host;
	char *ckpt = strdup(inv.ckpt), *save = 0;
	for (char *w = strtok_r(ckpt, " ", &save); w && n < MAXW - 8; w = strtok_r(0, " ", &save))
		words[n++] = shell_word(w);
	int ckpt_end = n;
	words[n++] = "member-exec";
	words[n++] = "--leader-port";
	words[n++] = inv.port;
	words[n++] = "--dir";
	words[n++] = shell_word(inv.dir);
	words[n++] = "--";
	/* mpirun's words are a command line for the remote shell (quoted, and with
	 * `PATH=...; export PATH;` before orted when mpirun was named by its path):
	 * a shell there runs it, under the engine */
	size_t len = 1;
	for (int i = 2; i < argc; i++)
		len += strlen(argv[i]) + 1;
	char *line = calloc(len, 1);
	for (int i = 2; i < argc; i++) {
		strcat(line, argv[i]);
		if (i + 1 < argc)
			strcat(line, " ");
	}
	words[n++] = "/bin/sh";
	words[n++] = "-c";
	words[n++] = shell_word(line);
	words[n] = 0;
	int status = run_agent(words, inv.token);
	while (status < 0) {
		/* restored: wait for HOST's part through a new link */
		n = ckpt_end;
		words[n++] = "member-wait";
		words[n++] = "--dir";
		words[n++] = shell_word(inv.dir);
		words[n] = 0;
		status = run_agent(words, 0);
	}
	return status;
}
