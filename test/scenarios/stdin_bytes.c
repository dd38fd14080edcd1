/*
 * Standard input from outside the computation (a pipe from the driver): the
 * program reads its first line, prints ready and reads nothing more until
 * the driver asks for the check; then it reads the rest of its input to the
 * end and prints it as "rest: ..." (the lines waiting at the checkpoint,
 * saved with --kill, then what the restarting command's input brings).
 */
#include "scenario.h"

int main(int argc, char **argv)
{
	scen_init(argc, argv);
	char c, line[64];
	size_t n = 0;
	while (read(0, &c, 1) == 1 && c != '\n' && n < sizeof line - 1)
		line[n++] = c;
	line[n] = 0;
	CHECK(!strcmp(line, "first"), "the first line reads \"%s\"", line);
	scen_ready();
	scen_wait_go();
	char rest[256];
	size_t got = 0;
	ssize_t r;
	while (got < sizeof rest - 1 && (r = read(0, rest + got, sizeof rest - 1 - got)) > 0)
		got += (size_t)r;
	rest[got] = 0;
	for (char *p = rest; *p; p++)
		if (*p == '\n')
			*p = ' ';
	printf("rest: %s\n", rest);
	scen_finish();
	return 0;
}
