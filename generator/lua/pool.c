/* pool.c: the region behind the small-block pool (pool.h): reserved once
 * per process, lent to one Lua state at a time. */
#define _DEFAULT_SOURCE         /* MAP_ANONYMOUS, MAP_NORESERVE */
#include "lua/pool.h"

#include <string.h>
#include <sys/mman.h>

static struct {
    char *base;                     /* NULL until first used, or when mmap failed */
    int busy;                       /* a state has it */
} region;

void pool_open(struct pool *p)
{
    memset(p, 0, sizeof *p);
    if (POOL_MAX == 0 || region.busy)
        return;
    if (!region.base) {
        void *m = mmap(NULL, POOL_REGION, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

        if (m == MAP_FAILED)
            return;
        region.base = m;
    }
    region.busy = 1;
    p->base = p->cur = region.base;
    p->end = region.base + POOL_REGION;
}

void pool_close(struct pool *p)
{
    if (p->base)
        region.busy = 0;
    memset(p, 0, sizeof *p);
}
