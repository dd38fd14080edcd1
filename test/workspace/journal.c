/*
 * A small program worth debugging with snapshots: it keeps a running account of
 * the Collatz sequence of a number, one step at a time, and writes every step to
 * journal.log. Stop at #BP1, save a snapshot, run on, restore it: `step`, `value`
 * and `longest` are back, and so is the journal file's offset.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

struct account {
    long value;   /* the current number of the sequence */
    long longest; /* the highest number seen so far */
    int step;     /* how many steps taken */
};

static long next_value(long n) {
    return (n % 2 == 0) ? n / 2 : 3 * n + 1;
}

int main(int argc, char **argv) {
    long start = argc > 1 ? atol(argv[1]) : 27;
    FILE *journal = fopen("journal.log", "w");
    if (!journal) {
        perror("journal.log");
        return 1;
    }
    struct account acc = { start, start, 0 };
    while (acc.value != 1 && acc.step < 200) {
        acc.value = next_value(acc.value);
        acc.step++;
        if (acc.value > acc.longest) acc.longest = acc.value;
        fprintf(journal, "step %d: %ld\n", acc.step, acc.value);
        fflush(journal);
        int step = acc.step;
        printf("step %d: value %ld, longest %ld\n", step, acc.value, acc.longest); /* #BP1 */
        fflush(stdout);
        usleep(1000);
    }
    fclose(journal);
    printf("%ld reached 1 after %d steps; the highest value was %ld\n", start, acc.step, acc.longest);
    return 0;
}
