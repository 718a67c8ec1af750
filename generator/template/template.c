/* template.c: canonical key order for templates. */
#include "template/template.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum ctx { C_ANY, C_TOP, C_SECTION, C_RESOURCE, C_PARAMETER, C_OUTPUT,
           C_POLICY, C_STATEMENT, C_STATEMENTS };

static const char *const tm_sections[] = { "AWSTemplateFormatVersion", "Description",
    "Metadata", "Transform", "Parameters", "Rules", "Mappings", "Conditions",
    "Resources", "Outputs", NULL };

static const char *const resource_keys[] = { "Type", "Condition", "DependsOn",
    "Properties", "CreationPolicy", "UpdatePolicy", "DeletionPolicy",
    "UpdateReplacePolicy", "Metadata", NULL };
static const char *const parameter_keys[] = { "Type", "Description", "Default",
    "AllowedValues", "AllowedPattern", "MinLength", "MaxLength", "MinValue",
    "MaxValue", "ConstraintDescription", "NoEcho", NULL };
static const char *const output_keys[] = { "Description", "Condition", "Value",
    "Export", NULL };
static const char *const policy_keys[] = { "Version", "Id", "Statement", NULL };
static const char *const statement_keys[] = { "Sid", "Effect", "Principal",
    "NotPrincipal", "Action", "NotAction", "Resource", "NotResource",
    "Condition", NULL };

static const char *const *order_of(enum ctx c)
{
    switch (c) {
    case C_TOP: return tm_sections;
    case C_RESOURCE: return resource_keys;
    case C_PARAMETER: return parameter_keys;
    case C_OUTPUT: return output_keys;
    case C_POLICY: return policy_keys;
    case C_STATEMENT: return statement_keys;
    default: return NULL;
    }
}

static int rank(const char *const *order, const char *k)
{
    int i;

    for (i = 0; order && order[i]; i++)
        if (strcmp(order[i], k) == 0)
            return i;
    return 1000;
}

static const char *const *sort_order;

static int cmp_keys(const void *a, const void *b)
{
    const char *x = *(const char *const *)a, *y = *(const char *const *)b;
    int rx = rank(sort_order, x), ry = rank(sort_order, y);

    if (rx != ry)
        return rx < ry ? -1 : 1;
    return strcmp(x, y);
}

/* The context of a value found under key k of an object in context c. */
static enum ctx child_ctx(enum ctx c, const char *k, const json_t *v)
{
    if (c == C_TOP) {
        if (!strcmp(k, "Resources") || !strcmp(k, "Parameters") ||
            !strcmp(k, "Outputs"))
            return C_SECTION;
        return C_ANY;
    }
    if (c == C_SECTION)
        return C_ANY;   /* refined by the caller */
    if (!strcmp(k, "Statement") && json_is_array(v))
        return C_STATEMENTS;
    if (json_is_object(v) && json_object_get(v, "Statement"))
        return C_POLICY;
    return C_ANY;
}

static json_t *canon(const json_t *v, enum ctx c)
{
    json_t *out;
    size_t i, n;
    const char *k;
    json_t *x;

    if (json_is_array(v)) {
        out = json_array();
        json_array_foreach(v, i, x) {
            enum ctx cc = c == C_STATEMENTS && json_is_object(x) ? C_STATEMENT :
                          json_is_object(x) && json_object_get(x, "Statement") ?
                          C_POLICY : C_ANY;
            if (!out || json_array_append_new(out, canon(x, cc)) < 0) {
                json_decref(out);
                return NULL;
            }
        }
        return out;
    }
    if (!json_is_object(v))
        return json_deep_copy(v);
    n = json_object_size(v);
    {
        const char **keys = malloc((n + 1) * sizeof *keys);

        if (!keys)
            return NULL;
        i = 0;
        json_object_foreach((json_t *)v, k, x)
            keys[i++] = k;
        sort_order = order_of(c);
        qsort(keys, n, sizeof *keys, cmp_keys);
        out = json_object();
        for (i = 0; i < n && out; i++) {
            enum ctx cc;

            x = json_object_get(v, keys[i]);
            cc = child_ctx(c, keys[i], x);
            if (cc == C_SECTION) {
                /* entries of Resources, Parameters, Outputs */
                enum ctx ec = !strcmp(keys[i], "Resources") ? C_RESOURCE :
                              !strcmp(keys[i], "Parameters") ? C_PARAMETER :
                              C_OUTPUT;
                json_t *sec = json_object();
                const char **names = malloc((json_object_size(x) + 1) * sizeof *names);
                const char *name;
                json_t *def;
                size_t j = 0, m = json_object_size(x);

                if (!sec || !names) {
                    free(names);
                    json_decref(sec);
                    json_decref(out);
                    free(keys);
                    return NULL;
                }
                json_object_foreach(x, name, def)
                    names[j++] = name;
                sort_order = NULL;
                qsort(names, m, sizeof *names, cmp_keys);
                for (j = 0; j < m; j++)
                    json_object_set_new(sec, names[j],
                                        canon(json_object_get(x, names[j]), ec));
                free(names);
                json_object_set_new(out, keys[i], sec);
                sort_order = order_of(c);
                continue;
            }
            if (json_object_set_new(out, keys[i], canon(x, cc)) < 0) {
                json_decref(out);
                out = NULL;
            }
        }
        free(keys);
    }
    return out;
}

json_t *template_canonical(const json_t *tpl)
{
    return canon(tpl, C_TOP);
}

int template_precision(double v)
{
    char buf[40];
    int p;

    for (p = 15; p < 17; p++) {
        snprintf(buf, sizeof buf, "%.*g", p, v);
        if (strtod(buf, NULL) == v)
            return p;
    }
    return 17;      /* always enough for a double */
}
