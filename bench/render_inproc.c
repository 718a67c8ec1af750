/* render_inproc.c: render every built-in stack N times in one process and
 * print the median time of one pass (all stacks, JSON, in memory) and the
 * peak RSS. Built by `make bench`; run by bench/render. */
#include "buf.h"
#include "err.h"
#include "lh.h"
#include "rn.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    int runs = argc > 1 ? atoi(argv[1]) : 500, i;
    double *t = calloc((size_t)runs, sizeof *t);
    struct rn_opts o = { 0 };
    struct rusage ru;
    size_t bytes = 0;

    for (i = 0; i < runs; i++) {
        struct rn_set set = { 0 };
        struct timespec a, b;
        struct gen_err e;
        size_t k;

        clock_gettime(CLOCK_MONOTONIC, &a);
        if (rn_all(&set, &e) < 0)
            return fprintf(stderr, "%s\n", e.msg), 1;
        for (k = 0; k < set.n; k++) {
            struct buf out;

            buf_init(&out);
            if (rn_render(&set.v[k], &o, &out, NULL, NULL, &e) < 0)
                return fprintf(stderr, "%s:%d: %s\n", e.file, e.line, e.msg), 1;
            bytes = i == 0 ? bytes + out.len : bytes;
            buf_free(&out);
        }
        clock_gettime(CLOCK_MONOTONIC, &b);
        t[i] = (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
        rn_set_free(&set);
    }
    qsort(t, (size_t)runs, sizeof *t, cmp);
    getrusage(RUSAGE_SELF, &ru);
    printf("%-34s median %6.2f ms  min %6.2f ms  peak RSS %5.1f MB  (%d runs, %zu bytes of JSON)\n",
           "in process: all built-in stacks", t[runs / 2], t[0], ru.ru_maxrss / 1024.0, runs, bytes);
    free(t);
    lh_cleanup();
    return 0;
}
