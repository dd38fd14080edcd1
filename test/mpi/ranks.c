/*
 * A small Open MPI job for the debugger: each rank computes a value, rank 1
 * in a branch of its own, and rank 0 prints every rank's value and the sum
 * (at most 64 ranks).
 *
 *   mpirun -np N ranks
 */
#include <mpi.h>
#include <stdio.h>

int main(int argc, char **argv)
{
	MPI_Init(&argc, &argv);
	int rank, size;
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &size);
	long value = (rank + 1) * 100;
	if (rank == 1) {
		long doubled = value * 2;
		value = doubled + 7; // #RANK1
	}
	long total = 0, values[64];
	MPI_Allreduce(&value, &total, 1, MPI_LONG, MPI_SUM, MPI_COMM_WORLD); // #ALL
	MPI_Gather(&value, 1, MPI_LONG, values, 1, MPI_LONG, 0, MPI_COMM_WORLD);
	if (!rank) {
		for (int r = 0; r < size && r < 64; r++)
			printf("rank %d: value %ld\n", r, values[r]);
		printf("total %ld over %d ranks\n", total, size);
	}
	MPI_Finalize();
	return 0;
}
