/* target.c: what a stack deploy needs: the template and the settings, the
 * command line's over the description's deploy{}; unique names for change
 * sets and request tokens. */
#include "deploy/deploy.h"
#include "core/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void deploy_unique_name(char *out, size_t n, const char *prefix)
{
    unsigned char r[4];
    struct tm tm;
    time_t t = time(NULL);
    char ts[32];
    FILE *f = fopen("/dev/urandom", "rb");

    if (!f || fread(r, 1, sizeof r, f) != sizeof r) {
        unsigned v = (unsigned)t ^ (unsigned)getpid();

        memcpy(r, &v, sizeof r);
    }
    if (f)
        fclose(f);
    gmtime_r(&t, &tm);
    strftime(ts, sizeof ts, "%Y%m%dT%H%M%SZ", &tm);
    snprintf(out, n, "%s-%s-%02x%02x%02x%02x", prefix, ts, r[0], r[1], r[2], r[3]);
}

/* A copy of base (an object, or NULL: empty) with KEY=VALUE items set over
 * it; flag ("--parameter") names the items in errors. */
static json_t *merge_items(const json_t *base, const char *const *items, int n, const char *flag,
                           struct gen_err *e)
{
    json_t *out = json_is_object(base) ? json_deep_copy(base) : json_object();
    json_t *given = json_object();
    int i;

    if (!out || !given)
        goto oom;
    for (i = 0; i < n; i++) {
        const char *eq = strchr(items[i], '=');
        char *key;

        if (!eq || eq == items[i]) {
            err_set(e, GEN_EINPUT, NULL, 0, "%s takes KEY=VALUE, not '%s'", flag, items[i]);
            goto fail;
        }
        if (!(key = strndup(items[i], (size_t)(eq - items[i]))))
            goto oom;
        if (json_object_get(given, key)) {
            err_set(e, GEN_EINPUT, NULL, 0, "%s '%s' is given twice", flag, key);
            free(key);
            goto fail;
        }
        if (json_object_set_new(given, key, json_true()) < 0 ||
            json_object_set_new(out, key, json_string(eq + 1)) < 0) {
            free(key);
            goto oom;
        }
        free(key);
    }
    json_decref(given);
    return out;
oom:
    err_set(e, GEN_ENOMEM, NULL, 0, "out of memory");
fail:
    json_decref(given);
    json_decref(out);
    return NULL;
}

static const char *setting(const json_t *settings, const char *key)
{
    return json_string_value(json_object_get(settings, key));
}

/* Refused before any call: too big for CloudFormation, or too big to go
 * inline with no bucket to put it in. */
static int check_size(const struct deploy_target *t, struct gen_err *e)
{
    if (t->len > DEPLOY_URL_MAX)
        return err_set(e, GEN_EINPUT, NULL, 0, "the template of %s is %zu bytes; "
                       "CloudFormation takes at most %d", t->stack, t->len, DEPLOY_URL_MAX);
    if (t->len > DEPLOY_BODY_MAX && !t->s3_bucket)
        return err_set(e, GEN_EINPUT, NULL, 0, "the template of %s is %zu bytes, over the %d "
                       "CloudFormation takes inline: give --s3-bucket", t->stack, t->len,
                       DEPLOY_BODY_MAX);
    return 0;
}

int deploy_target_init(struct deploy_target *t, const char *default_name,
                       const char *body, size_t len, const json_t *tpl,
                       const json_t *settings, const struct deploy_overrides *o,
                       struct gen_err *e)
{
    static const struct deploy_overrides none;

    if (!o)
        o = &none;
    memset(t, 0, sizeof *t);
    t->stack = o->stack_name ? o->stack_name : setting(settings, "stack_name") ?
               setting(settings, "stack_name") : default_name;
    t->body = body;
    t->len = len;
    t->tpl = tpl;
    t->role_arn = o->role_arn ? o->role_arn : setting(settings, "role_arn");
    t->s3_bucket = o->s3_bucket ? o->s3_bucket : setting(settings, "s3_bucket");
    t->account = setting(settings, "account");
    t->region = setting(settings, "region");
    t->termination_protection =
        json_is_true(json_object_get(settings, "termination_protection"));
    t->parameters = merge_items(json_object_get(settings, "parameters"), o->parameters,
                                o->nparameters, "--parameter", e);
    if (t->parameters)
        t->tags = merge_items(json_object_get(settings, "tags"), o->tags, o->ntags,
                              "--tags", e);
    if (!t->parameters || !t->tags || check_size(t, e) < 0) {
        int code = e ? e->code : GEN_EINPUT;

        deploy_target_free(t);
        return code;
    }
    return 0;
}

void deploy_target_free(struct deploy_target *t)
{
    json_decref(t->parameters);
    json_decref(t->tags);
    t->parameters = t->tags = NULL;
}
