/* pool.h: the small-block pool behind a Lua state's allocator.
 *
 * A state's small blocks come from the pool: one region of address space
 * (reserved once per process, its pages used as needed and kept), one
 * free list per 16-byte size class, emptied at once when the state is
 * closed. A render makes tens of thousands of small objects, which the pool
 * hands out and takes back in a few instructions. What does not fit (a
 * block over 256 bytes, the region full, a second state open at the same
 * time) is malloc'd: memory stays within the limits plus the region. Under
 * AddressSanitizer there is no pool, so that it sees every block.
 *
 * Internal to the Lua host. The hot functions are inline: the allocator
 * calls them for every block. */
#ifndef LUAFORM_LUA_POOL_H
#define LUAFORM_LUA_POOL_H

#include <stdlib.h>
#include <string.h>

#if defined(__SANITIZE_ADDRESS__)
#define POOL_MAX 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define POOL_MAX 0
#endif
#endif
#ifndef POOL_MAX
#define POOL_MAX 256                /* bytes; larger blocks go to malloc */
#endif
#define POOL_STEP 16
#define POOL_REGION (8u << 20)

struct pool {
    void *free[POOL_MAX / POOL_STEP + 1];   /* per size class */
    char *base, *cur, *end;                 /* the region, if this state has it */
};

/* Take the region for a new state, if it is free (else: malloc only). */
void pool_open(struct pool *p);

/* Give the region back: every block in it is free again. */
void pool_close(struct pool *p);

static inline size_t pool_class(size_t n)
{
    return (n + POOL_STEP - 1) / POOL_STEP;     /* 1.. for n <= POOL_MAX */
}

static inline int pool_owns(const struct pool *p, const void *b)
{
    return (const char *)b >= p->base && (const char *)b < p->end;
}

static inline void *pool_get(struct pool *p, size_t n)
{
    size_t c = pool_class(n), size = c * POOL_STEP;
    void *b;

    if (n > POOL_MAX)
        return malloc(n);
    if ((b = p->free[c]) != NULL) {
        p->free[c] = *(void **)b;
        return b;
    }
    if ((size_t)(p->end - p->cur) < size)
        return malloc(n);               /* the region is full (or not ours) */
    b = p->cur;
    p->cur += size;
    return b;
}

static inline void pool_put(struct pool *p, void *b, size_t n)
{
    size_t c = pool_class(n);

    if (!pool_owns(p, b)) {
        free(b);
        return;
    }
    *(void **)b = p->free[c];
    p->free[c] = b;
}

/* realloc: a block of the pool stays where it is while its size class
 * does; a malloc'd one is realloc'd. */
static inline void *pool_realloc(struct pool *p, void *b, size_t old, size_t n)
{
    void *nb;

    if (!b)
        return pool_get(p, n);
    if (!pool_owns(p, b))
        return realloc(b, n);
    if (n <= POOL_MAX && pool_class(old) == pool_class(n))
        return b;
    nb = pool_get(p, n);
    if (!nb)
        return NULL;
    memcpy(nb, b, old < n ? old : n);
    pool_put(p, b, old);
    return nb;
}

#endif
