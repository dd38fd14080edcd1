/*
 * A ring plus Allreduce: each round passes a message of SIZE bytes around the
 * ring (rank r sends to r+1), checks every byte, reads the round's mark in
 * the previous rank's memory by its PID as Open MPI's shared-memory transport
 * does for large messages (process_vm_readv, "CMA"; on its own host only), and sums a value over
 * all ranks, errors counted in. Rank 0 prints one line per round. Before the
 * last ROUNDS/4 rounds
 * rank 0 waits for GATE to exist (see the tests' Workspace.gate), so that a
 * checkpoint lands with work still ahead whatever the machine's speed.
 *
 *   mpirun -np N ring ROUNDS SIZE GATE
 */
#define _GNU_SOURCE
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

static volatile long mark; /* the round's, read by the next rank */

struct peer {
	long pid;
	long mark_addr;
	long host; /* a hash of the host's name: memory is read by PID on the same host only */
};

static long host_hash(void)
{
	char name[256] = "";
	gethostname(name, sizeof name - 1);
	long h = 5381;
	for (const char *c = name; *c; c++)
		h = h * 33 + (unsigned char)*c;
	return h;
}

static unsigned char expected(int round, int from, size_t i) { return (unsigned char)(round * 31 + from * 7 + i); }

int main(int argc, char **argv)
{
	MPI_Init(&argc, &argv);
	int rank, size;
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &size);
	if (argc != 4) {
		if (!rank)
			fprintf(stderr, "usage: ring ROUNDS SIZE GATE\n");
		MPI_Abort(MPI_COMM_WORLD, 2);
	}
	int rounds = atoi(argv[1]);
	size_t len = (size_t)atol(argv[2]);
	const char *gate = argv[3];
	unsigned char *out = malloc(len), *in = malloc(len);
	struct peer me = { getpid(), (long)&mark, host_hash() }, *peers = malloc(size * sizeof *peers);
	MPI_Allgather(&me, 3, MPI_LONG, peers, 3, MPI_LONG, MPI_COMM_WORLD);
	long total = 0;
	for (int round = 0; round < rounds; round++) {
		if (round == rounds - rounds / 4) {
			if (!rank)
				while (access(gate, F_OK))
					usleep(20000);
			MPI_Barrier(MPI_COMM_WORLD);
		}
		for (size_t i = 0; i < len; i++)
			out[i] = expected(round, rank, i);
		mark = round * 1000 + rank;
		int next = (rank + 1) % size, prev = (rank + size - 1) % size;
		MPI_Sendrecv(out, (int)len, MPI_BYTE, next, round, in, (int)len, MPI_BYTE, prev, round, MPI_COMM_WORLD,
			     MPI_STATUS_IGNORE);
		long bad = 0;
		for (size_t i = 0; i < len; i++)
			bad += in[i] != expected(round, prev, i);
		/* prev set its mark before sending: it cannot go on before this
		 * round's Allreduce */
		long theirs = -1;
		struct iovec local = { &theirs, sizeof theirs }, remote = { (void *)peers[prev].mark_addr, sizeof theirs };
		if (peers[prev].host != me.host) {
			theirs = round * 1000 + prev; /* another host's memory is not ours to read */
		} else if (process_vm_readv((pid_t)peers[prev].pid, &local, 1, &remote, 1, 0) != (ssize_t)sizeof theirs) {
			fprintf(stderr, "rank %d: process_vm_readv of rank %d (pid %ld): %m\n", rank, prev, peers[prev].pid);
			bad++;
		} else if (theirs != round * 1000 + prev) {
			bad++;
		}
		long mine = (long)(rank + 1) * (round + 1) + bad * 1000000, sum = 0;
		MPI_Allreduce(&mine, &sum, 1, MPI_LONG, MPI_SUM, MPI_COMM_WORLD);
		total += sum;
		if (!rank) {
			printf("round %d sum %ld total %ld\n", round, sum, total);
			fflush(stdout);
		}
		usleep(10000);
	}
	if (!rank)
		printf("done %d ranks %d rounds\n", size, rounds);
	free(out);
	free(in);
	free(peers);
	MPI_Finalize();
	return 0;
}
