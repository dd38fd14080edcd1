/*
 * Open files with offsets. The program keeps appending numbered records to
 * one file through a plain O_WRONLY descriptor and keeps reading numbered
 * records from another (wrapping to the start at its end), while a third,
 * O_RDWR, descriptor sits at an odd offset. After the restart the written
 * file must hold exactly the records 0..n-1 in order, new writes must land
 * right after them, the reader must continue with the next record, and the
 * third descriptor must still be at its offset with its flags.
 */
#include "scenario.h"
#include <fcntl.h>

#define REC 13 /* "rec %08lu\n" */
#define NIN 20000

static void path(char *buf, size_t n, const char *name)
{
	snprintf(buf, n, "%s/%s", scen_workdir, name);
}

static void format(char *rec, unsigned long i)
{
	char tmp[REC + 1];
	snprintf(tmp, sizeof tmp, "rec %08lu\n", i);
	memcpy(rec, tmp, REC);
}

static void write_rec(int fd, unsigned long i)
{
	char rec[REC];
	format(rec, i);
	ssize_t w = write(fd, rec, REC);
	CHECK(w == REC, "write of record %lu gave %zd (%s)", i, w, strerror(errno));
}

/* Reads the next record and checks it is the one expected. */
static void read_rec(int fd, unsigned long *next)
{
	char rec[REC], want[REC];
	ssize_t r = read(fd, rec, REC);
	if (r == 0) {
		CHECK(*next == NIN, "end of input at record %lu", *next);
		CHECK(lseek(fd, 0, SEEK_SET) == 0, "rewind");
		*next = 0;
		r = read(fd, rec, REC);
	}
	CHECK(r == REC, "read gave %zd at record %lu (%s)", r, *next, strerror(errno));
	format(want, *next);
	CHECK(memcmp(rec, want, REC) == 0, "read %.12s where record %lu was due", rec, *next);
	(*next)++;
}

int main(int argc, char **argv)
{
	scen_init(argc, argv);
	char out_path[4096], in_path[4096], rw_path[4096];
	path(out_path, sizeof out_path, "written.dat");
	path(in_path, sizeof in_path, "read.dat");
	path(rw_path, sizeof rw_path, "rdwr.dat");

	int in = open(in_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(in >= 0, "create %s", in_path);
	for (unsigned long i = 0; i < NIN; i++)
		write_rec(in, i);
	close(in);

	int rw = open(rw_path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	CHECK(rw >= 0, "create %s", rw_path);
	char block[8192];
	memset(block, 'x', sizeof block);
	CHECK(write(rw, block, sizeof block) == (ssize_t)sizeof block, "fill rdwr");
	CHECK(lseek(rw, 4103, SEEK_SET) == 4103, "seek rdwr");
	int rw_flags = fcntl(rw, F_GETFL);

	int w = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	int r = open(in_path, O_RDONLY);
	CHECK(w >= 0 && r >= 0, "open");

	unsigned long written = 0, next = 0;
	for (int i = 0; i < 1000; i++) {
		write_rec(w, written++);
		read_rec(r, &next);
	}
	scen_ready();
	while (!scen_go()) {
		write_rec(w, written++);
		read_rec(r, &next);
		scen_sleep_us(200);
	}

	off_t pos = lseek(w, 0, SEEK_CUR);
	CHECK(pos == (off_t)(written * REC), "writer at %lld, want %lu", (long long)pos, written * REC);
	pos = lseek(r, 0, SEEK_CUR);
	CHECK(pos == (off_t)(next * REC), "reader at %lld, want %lu", (long long)pos, next * REC);
	pos = lseek(rw, 0, SEEK_CUR);
	CHECK(pos == 4103, "rdwr descriptor at %lld, want 4103", (long long)pos);
	CHECK(fcntl(rw, F_GETFL) == rw_flags, "rdwr flags %x, were %x", fcntl(rw, F_GETFL), rw_flags);
	CHECK(write(rw, "HERE", 4) == 4, "write through rdwr");

	for (int i = 0; i < 100; i++) {
		write_rec(w, written++);
		read_rec(r, &next);
	}

	/* The whole written file, read back through a fresh descriptor. */
	int check = open(out_path, O_RDONLY);
	CHECK(check >= 0, "reopen %s", out_path);
	off_t size = lseek(check, 0, SEEK_END);
	CHECK(size == (off_t)(written * REC), "written file has %lld bytes, want %lu",
	      (long long)size, written * REC);
	lseek(check, 0, SEEK_SET);
	for (unsigned long i = 0; i < written; i++) {
		char rec[REC], want[REC];
		CHECK(read(check, rec, REC) == REC, "read back record %lu", i);
		format(want, i);
		CHECK(memcmp(rec, want, REC) == 0, "record %lu reads %.12s", i, rec);
	}
	close(check);

	char got[4];
	CHECK(pread(rw, got, 4, 4103) == 4 && memcmp(got, "HERE", 4) == 0,
	      "rdwr write did not land at offset 4103");
	CHECK(pread(rw, got, 1, 4102) == 1 && got[0] == 'x', "rdwr byte before the write");
	printf("records written %lu, next to read %lu\n", written, next);
	scen_pass();
}
