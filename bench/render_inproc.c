/* render_inproc.c: render every built-in stack N times in one process and
 * print the median time of one pass (all stacks, JSON, in memory) and the
 * peak RSS. With --process BIN ARGS..., run that command N times instead
 * (fork + exec from this small process, so the child's peak RSS is its
 * own, not a copy of a large parent's). Built by `make bench`; run by
 * bench/render. */
#define _DEFAULT_SOURCE     /* wait4 */
#include "core/buf.h"
#include "core/err.h"
#include "template/render.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

static double ms_since(const struct timespec *a)
{
    struct timespec b;

    clock_gettime(CLOCK_MONOTONIC, &b);
    return (double)(b.tv_sec - a->tv_sec) * 1e3 + (double)(b.tv_nsec - a->tv_nsec) / 1e6;
}

static double tv_ms(const struct timeval *a, const struct timeval *b)
{
    return (double)(a->tv_sec + b->tv_sec) * 1e3 + (double)(a->tv_usec + b->tv_usec) / 1e3;
}

/* render_inproc RUNS --process LABEL BIN ARGS... : wall time and CPU time
 * (user + system: less disturbed by other load on the machine) */
static int process_mode(int runs, const char *label, char **argv)
{
    double *t = calloc((size_t)runs, sizeof *t), *cpu = calloc((size_t)runs, sizeof *cpu);
    long peak = 0;
    int i;

    for (i = 0; i < runs; i++) {
        struct timespec a;
        struct rusage ru;
        int status;
        pid_t pid;

        clock_gettime(CLOCK_MONOTONIC, &a);
        pid = fork();
        if (pid == 0) {
            int fd = open("/dev/null", O_WRONLY);

            dup2(fd, 1);
            execv(argv[0], argv);
            _exit(127);
        }
        if (pid < 0 || wait4(pid, &status, 0, &ru) < 0 || !WIFEXITED(status) ||
            WEXITSTATUS(status) != 0)
            return fprintf(stderr, "render_inproc: %s failed\n", argv[0]), 1;
        t[i] = ms_since(&a);
        cpu[i] = tv_ms(&ru.ru_utime, &ru.ru_stime);
        if (ru.ru_maxrss > peak)
            peak = ru.ru_maxrss;
    }
    qsort(t, (size_t)runs, sizeof *t, cmp);
    qsort(cpu, (size_t)runs, sizeof *cpu, cmp);
    printf("%-34s median %6.2f ms  min %6.2f ms  CPU %5.2f ms  peak RSS %5.1f MB  (%d runs)\n",
           label, t[runs / 2], t[0], cpu[runs / 2], (double)peak / 1024.0, runs);
    free(t);
    free(cpu);
    return 0;
}

int main(int argc, char **argv)
{
    int runs = argc > 1 ? atoi(argv[1]) : 500, i;

    if (runs < 1)
        runs = 1;
    if (argc > 4 && !strcmp(argv[2], "--process"))
        return process_mode(runs, argv[3], argv + 4);
    double *t = calloc((size_t)runs, sizeof *t);
    struct render_opts o;
    struct rusage ru;
    size_t bytes = 0;

    memset(&o, 0, sizeof o);

    for (i = 0; i < runs; i++) {
        struct render_set set = { 0 };
        struct timespec a, b;
        struct gen_err e;
        size_t k;

        clock_gettime(CLOCK_MONOTONIC, &a);
        if (render_all(&set, &e) < 0)
            return fprintf(stderr, "%s\n", e.msg), 1;
        for (k = 0; k < set.n; k++) {
            struct buf out;

            buf_init(&out);
            if (render_render(&set.v[k], &o, &out, NULL, NULL, &e) < 0)
                return fprintf(stderr, "%s:%d: %s\n", e.file, e.line, e.msg), 1;
            bytes = i == 0 ? bytes + out.len : bytes;
            buf_free(&out);
        }
        clock_gettime(CLOCK_MONOTONIC, &b);
        t[i] = (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
        render_set_free(&set);
    }
    qsort(t, (size_t)runs, sizeof *t, cmp);
    getrusage(RUSAGE_SELF, &ru);
    printf("%-34s median %6.2f ms  min %6.2f ms  peak RSS %5.1f MB  (%d runs, %zu bytes of JSON)\n",
           "in process: all built-in stacks", t[runs / 2], t[0], ru.ru_maxrss / 1024.0, runs, bytes);
    free(t);
    return 0;
}
