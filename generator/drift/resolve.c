/* resolve.c: a template value as the deployed stack made it, from what
 * the stack tells (its parameters, its resources' physical ids, its ARN):
 * enough for the names and versions Lambda drift needs, nothing more. */
#include "drift/drift.h"

#include "core/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *drift_physical_id(const json_t *resources, const char *logical_id)
{
    size_t i;

    for (i = 0; i < json_array_size(resources); i++) {
        const json_t *r = json_array_get(resources, i);
        const char *id = json_string_value(json_object_get(r, "LogicalResourceId"));
        const char *p = json_string_value(json_object_get(r, "PhysicalResourceId"));

        if (id && !strcmp(id, logical_id))
            return p && *p ? p : NULL;
    }
    return NULL;
}

void drift_number_text(double d, char *out, size_t n)
{
    int prec;

    for (prec = 15; prec < 17; prec++) {
        snprintf(out, n, "%.*g", prec, d);
        if (strtod(out, NULL) == d)
            return;
    }
    snprintf(out, n, "%.17g", d);
}

int drift_arn_field(const char *arn, int n, char *out, size_t size)
{
    const char *p = arn;
    size_t len;
    int i;

    if (!arn || strncmp(arn, "arn:", 4))
        return -1;
    for (i = 0; i <= n; i++) {
        p = strchr(p, ':');
        if (!p)
            return -1;
        p++;
    }
    len = strcspn(p, ":");
    if (!len || len >= size)
        return -1;
    memcpy(out, p, len);
    out[len] = '\0';
    return 0;
}

static char *pseudo(const struct drift_scope *s, const char *name, const char **why)
{
    char v[256];
    int field = !strcmp(name, "AWS::Partition") ? 0 : !strcmp(name, "AWS::Region") ? 2 :
                !strcmp(name, "AWS::AccountId") ? 3 : -1;

    if (field >= 0) {
        if (drift_arn_field(s->stack_id, field, v, sizeof v) < 0) {
            *why = "the stack's ARN does not say";
            return NULL;
        }
        return strdup(v);
    }
    if (!strcmp(name, "AWS::StackId"))
        return s->stack_id ? strdup(s->stack_id) : NULL;
    if (!strcmp(name, "AWS::StackName")) {
        const char *p = s->stack_id ? strstr(s->stack_id, ":stack/") : NULL;

        if (p) {
            p += 7;
            return strndup(p, strcspn(p, "/"));
        }
    }
    if (!strcmp(name, "AWS::URLSuffix")) {
        if (drift_arn_field(s->stack_id, 0, v, sizeof v) < 0) {
            *why = "the stack's ARN does not say";
            return NULL;
        }
        return strdup(!strcmp(v, "aws-cn") ? "amazonaws.com.cn" : "amazonaws.com");
    }
    *why = "a pseudo parameter luaform does not resolve";
    return NULL;
}

static char *ref(const struct drift_scope *s, const char *name, const char **why)
{
    const json_t *p = json_object_get(s->params, name);
    const char *phys;

    if (!strncmp(name, "AWS::", 5))
        return pseudo(s, name, why);
    if (json_is_string(p))
        return strdup(json_string_value(p));
    phys = drift_physical_id(s->resources, name);
    if (phys)
        return strdup(phys);
    *why = json_object_get(json_object_get(s->tpl, "Resources"), name) ?
           "a resource the stack does not have" : "a parameter without a value";
    return NULL;
}

static char *get_att(const struct drift_scope *s, const json_t *v, const char **why)
{
    const char *id = NULL, *att = NULL, *type, *phys, *colon;
    char both[512];

    if (json_is_string(v)) {
        const char *dot = strchr(json_string_value(v), '.');

        if (dot && (size_t)snprintf(both, sizeof both, "%s", json_string_value(v)) < sizeof both) {
            both[dot - json_string_value(v)] = '\0';
            id = both;
            att = both + (dot - json_string_value(v)) + 1;
        }
    } else if (json_is_array(v) && json_array_size(v) == 2) {
        id = json_string_value(json_array_get(v, 0));
        att = json_string_value(json_array_get(v, 1));
    }
    if (!id || !att) {
        *why = "a Fn::GetAtt of an unexpected form";
        return NULL;
    }
    type = json_string_value(json_object_get(json_object_get(json_object_get(s->tpl,
                                "Resources"), id), "Type"));
    phys = drift_physical_id(s->resources, id);
    /* A version's physical id is its ARN, FUNCTION_ARN:VERSION. */
    if (type && !strcmp(type, "AWS::Lambda::Version") && !strcmp(att, "Version") && phys &&
        (colon = strrchr(phys, ':')) && colon[1])
        return strdup(colon + 1);
    *why = phys ? "an attribute luaform does not resolve" : "a resource the stack does not have";
    return NULL;
}

static char *sub(const struct drift_scope *s, const char *text, const char **why)
{
    struct buf b;
    const char *p = text;

    buf_init(&b);
    while (*p) {
        const char *open = strstr(p, "${"), *close;
        char name[256], *val;
        size_t n;

        if (!open) {
            buf_adds(&b, p);
            break;
        }
        buf_add(&b, p, (size_t)(open - p));
        if (open[2] == '!') {           /* ${!Literal} is the text ${Literal} */
            buf_adds(&b, "${");
            p = open + 3;
            continue;
        }
        close = strchr(open, '}');
        n = close ? (size_t)(close - open - 2) : 0;
        if (!close || !n || n >= sizeof name) {
            *why = "a Fn::Sub luaform cannot read";
            buf_free(&b);
            return NULL;
        }
        memcpy(name, open + 2, n);
        name[n] = '\0';
        if (strchr(name, '.')) {
            json_t *att = json_string(name);

            val = get_att(s, att, why);
            json_decref(att);
        } else {
            val = ref(s, name, why);
        }
        if (!val) {
            buf_free(&b);
            return NULL;
        }
        buf_adds(&b, val);
        free(val);
        p = close + 1;
    }
    return buf_failed(&b) ? (buf_free(&b), NULL) : buf_detach(&b, NULL);
}

char *drift_resolve(const struct drift_scope *s, const json_t *v, const char **why)
{
    const char *k;
    json_t *arg;
    char num[64];

    *why = NULL;
    if (json_is_string(v))
        return strdup(json_string_value(v));
    if (json_is_integer(v)) {
        snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
        return strdup(num);
    }
    if (json_is_real(v)) {
        drift_number_text(json_real_value(v), num, sizeof num);
        return strdup(num);
    }
    if (!json_is_object(v) || json_object_size(v) != 1) {
        *why = "not a single value";
        return NULL;
    }
    k = json_object_iter_key(json_object_iter((json_t *)v));
    arg = json_object_get(v, k);
    if (!strcmp(k, "Ref") && json_is_string(arg))
        return ref(s, json_string_value(arg), why);
    if (!strcmp(k, "Fn::GetAtt"))
        return get_att(s, arg, why);
    if (!strcmp(k, "Fn::Sub") && json_is_string(arg))
        return sub(s, json_string_value(arg), why);
    if (!strcmp(k, "Fn::Join") && json_is_array(arg) && json_array_size(arg) == 2 &&
        json_is_string(json_array_get(arg, 0)) && json_is_array(json_array_get(arg, 1))) {
        const json_t *parts = json_array_get(arg, 1);
        struct buf b;
        size_t i;

        buf_init(&b);
        for (i = 0; i < json_array_size(parts); i++) {
            char *one = drift_resolve(s, json_array_get(parts, i), why);

            if (!one) {
                buf_free(&b);
                return NULL;
            }
            if (i)
                buf_adds(&b, json_string_value(json_array_get(arg, 0)));
            buf_adds(&b, one);
            free(one);
        }
        return buf_failed(&b) ? (buf_free(&b), NULL) : buf_detach(&b, NULL);
    }
    *why = "an intrinsic function luaform does not resolve";
    return NULL;
}
