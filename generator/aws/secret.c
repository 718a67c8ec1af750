/* secret.c: wiping and reading secrets; see secret.h. */
#include "aws/secret.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/files.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

/* A volatile loop the compiler cannot drop (explicit_bzero needs
 * _DEFAULT_SOURCE, which the Makefile does not set). */
void secret_wipe(void *p, size_t n)
{
    volatile unsigned char *v = p;

    while (n--)
        *v++ = 0;
}

void secret_free(char *s)
{
    if (s) {
        secret_wipe(s, strlen(s));
        free(s);
    }
}

void secret_buf_wipe(struct buf *b)
{
    if (b->data)
        secret_wipe(b->data, b->cap);
    buf_free(b);
}

int secret_buf_reserve(struct buf *b, size_t n)
{
    buf_init(b);
    b->data = malloc(n + 1);
    if (!b->data)
        return -1;
    b->data[0] = '\0';
    b->cap = n + 1;
    return 0;
}

void secret_json_wipe(json_t *v)
{
    const char *k;
    json_t *x;
    size_t i;

    if (json_is_string(v)) {
        secret_wipe((char *)json_string_value(v), json_string_length(v));
    } else if (json_is_object(v)) {
        json_object_foreach(v, k, x)
            secret_json_wipe(x);
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, x)
            secret_json_wipe(x);
    }
}

int secret_read_file(const char *path, const char *disp, size_t max, const char *what,
                     char **out, size_t *len, struct gen_err *e)
{
    char label[4200];

    snprintf(label, sizeof label, "%s '%s'", what, disp);
    return files_read(path, label, max, FILES_MISSING_OK | FILES_WIPE, out, len, e);
}
