/* fuzz_config.c: the YAML config reader. The input is a YAML file; each
 * comment line "#-p KEY=VALUE" in it is also given to config_override. Checks
 * that config_parse fails with one GEN_EINPUT line naming a line of the file,
 * or gives a map whose every value has a meta entry (line, raw text for
 * scalars) and no NUL in any key, a `system` taken out with its line;
 * that parsing twice gives the same; and
 * that an accepted override is recorded as the key and value it was. */
#include "template/config.h"
#include "core/err.h"
#include "fuzz.h"

#include <stdint.h>
#include <string.h>

#define NAME "fuzz.yaml"

static int nlines;              /* lines in the input */

static void check_meta(const json_t *meta, const char *path, int scalar)
{
    const json_t *m = json_object_get(meta, path), *line;

    /* paths are cut at 511 bytes in config.c; such keys are not looked up */
    if (strlen(path) >= 500)
        return;
    FZ_CHECK(json_is_object(m), "no meta for '%s'", path);
    line = json_object_get(m, "line");
    FZ_CHECK(json_is_integer(line) && json_integer_value(line) >= 1 &&
             json_integer_value(line) <= nlines + 1,
             "meta line of '%s' is %lld (%d lines)", path,
             (long long)json_integer_value(line), nlines);
    if (scalar)
        FZ_CHECK(json_is_string(json_object_get(m, "raw")) &&
                 json_is_boolean(json_object_get(m, "plain")),
                 "scalar '%s' has no raw text", path);
}

static void walk(const json_t *meta, const json_t *v, const char *path)
{
    char sub[1200];
    const char *k;
    json_t *x;
    size_t i;

    if (json_is_object(v)) {
        json_object_foreach((json_t *)v, k, x) {
            FZ_CHECK(*k && !strchr(k, '.'), "key '%s' accepted", k);
            FZ_CHECK(!json_is_null(x), "'%s' in '%s' is null", k, path);
            snprintf(sub, sizeof sub, "%s%s%s", path, *path ? "." : "", k);
            if (strlen(sub) < sizeof sub - 1)
                walk(meta, x, sub);
        }
        if (*path)
            check_meta(meta, path, 0);
    } else if (json_is_array(v)) {
        json_array_foreach((json_t *)v, i, x) {
            snprintf(sub, sizeof sub, "%s%s%zu", path, *path ? "." : "",
                     i + 1);
            if (strlen(sub) < sizeof sub - 1)
                walk(meta, x, sub);
        }
        check_meta(meta, path, 0);
    } else {
        if (json_is_string(v))
            FZ_CHECK(strlen(json_string_value(v)) == json_string_length(v),
                     "NUL in the value of '%s'", path);
        check_meta(meta, path, 1);
    }
}

static void check_error(const struct gen_err *e, int rc)
{
    FZ_CHECK(rc == GEN_EINPUT || rc == GEN_ENOMEM, "returned %d", rc);
    FZ_CHECK(e->code == rc, "e.code %d, returned %d", e->code, rc);
    FZ_CHECK(e->msg[0] && fz_one_line(e->msg), "message: %s", e->msg);
}

/* Each "#-p KEY=VALUE" line, through config_override. */
static void overrides(struct config *c, const char *text)
{
    const char *p = text;

    while ((p = strstr(p, "#-p ")) != NULL) {
        const char *eol = strchr(p, '\n');
        size_t n = eol ? (size_t)(eol - p - 4) : strlen(p + 4);
        char *kv = strndup(p + 4, n);
        size_t before = json_array_size(c->overrides);
        struct gen_err e;
        int rc;

        err_clear(&e);
        rc = config_override(c, kv, &e);
        if (rc < 0) {
            check_error(&e, rc);
            FZ_CHECK(json_array_size(c->overrides) == before,
                     "a refused override was kept");
        } else {
            const json_t *o = json_array_get(c->overrides, before);
            const char *eq = strchr(kv, '=');

            FZ_CHECK(rc == 0 && json_array_size(c->overrides) == before + 1,
                     "override not recorded");
            FZ_CHECK(eq && json_is_string(json_object_get(o, "key")) &&
                     json_is_string(json_object_get(o, "value")),
                     "override '%s' recorded without a string key and value",
                     kv);
            FZ_CHECK(strlen(json_string_value(json_object_get(o, "key"))) ==
                     (size_t)(eq - kv) &&
                     strncmp(json_string_value(json_object_get(o, "key")), kv,
                             (size_t)(eq - kv)) == 0 &&
                     strcmp(json_string_value(json_object_get(o, "value")),
                            eq + 1) == 0,
                     "override '%s' recorded as something else", kv);
        }
        free(kv);
        p += 4;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct config c, again;
    struct gen_err e;
    char *text = malloc(size ? size : 1), *z;
    size_t i;
    int rc;

    if (!text)
        return 0;
    memcpy(text, data, size);
    nlines = 1;
    for (i = 0; i < size; i++)     /* an upper bound: NEL, LS, PS too */
        nlines += data[i] == '\n' || data[i] == '\r' || data[i] == 0x85 ||
                  data[i] == 0xE2;
    config_init(&c);
    err_clear(&e);
    rc = config_parse(&c, NAME, text, size, &e);
    if (rc < 0) {
        check_error(&e, rc);
        FZ_CHECK(strcmp(e.file, NAME) == 0, "error names '%s'", e.file);
        FZ_CHECK(e.line >= 0 && e.line <= nlines + 1, "error at line %d of "
                 "%d", e.line, nlines);
    } else {
        FZ_CHECK(rc == 0 && json_is_object(c.values) &&
                 json_is_object(c.meta), "no map after success");
        walk(c.meta, c.values, "");
        /* `system: NAME` is taken out of the values, kept with its line */
        FZ_CHECK(!json_object_get(c.values, "system") && !json_object_get(c.meta, "system") &&
                 (!c.system || (*c.system && fz_one_line(c.system) &&
                                c.system_line >= 1 && c.system_line <= nlines + 1)),
                 "system '%s' at line %d", c.system ? c.system : "(none)", c.system_line);
        config_init(&again);
        FZ_CHECK(config_parse(&again, NAME, text, size, &e) == 0 &&
                 json_equal(again.values, c.values) &&
                 json_equal(again.meta, c.meta) && !again.system == !c.system &&
                 (!c.system || !strcmp(again.system, c.system)), "a second parse differs");
        config_free(&again);
    }
    /* the overrides, from a NUL-terminated copy */
    z = fz_strndup(data, size);
    overrides(&c, z);
    free(z);
    config_free(&c);
    free(text);
    return 0;
}
