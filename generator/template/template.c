/* template.c: the template model: canonical key order; capabilities and
 * retained resources. */
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
        /* a section that is not a mapping (a mistake CloudFormation
         * reports) is kept as it is, not emptied */
        if (json_is_object(v) && (!strcmp(k, "Resources") || !strcmp(k, "Parameters") ||
                                  !strcmp(k, "Outputs")))
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

int template_has_key(const json_t *v, const char *k)
{
    const char *key;
    json_t *x;
    size_t i;

    if (json_is_object(v)) {
        json_object_foreach((json_t *)v, key, x)
            if (!strcmp(key, k) || template_has_key(x, k))
                return 1;
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, x)
            if (template_has_key(x, k))
                return 1;
    }
    return 0;
}

void template_capabilities(const json_t *tpl, const char *out[4])
{
    static const char *const named[] = { "RoleName", "ManagedPolicyName", "UserName",
                                         "GroupName", "InstanceProfileName", NULL };
    json_t *res = json_object_get(tpl, "Resources"), *r, *props;
    const char *k;
    int iam = 0, is_named = 0, expand = 0, n = 0, i;

    json_object_foreach(res, k, r) {
        const char *type = json_string_value(json_object_get(r, "Type"));

        if (!type)
            continue;
        props = json_object_get(r, "Properties");
        if (!strncmp(type, "AWS::IAM::", 10)) {
            iam = 1;
            for (i = 0; named[i]; i++)
                if (json_object_get(props, named[i]))
                    is_named = 1;
        }
        if ((!strcmp(type, "AWS::Serverless::Function") ||
             !strcmp(type, "AWS::Serverless::StateMachine")) && !json_object_get(props, "Role"))
            iam = 1;
        if (!strcmp(type, "AWS::CloudFormation::Stack") || !strcmp(type, "AWS::Serverless::Application"))
            expand = 1;
    }
    if (json_object_get(tpl, "Transform") || template_has_key(tpl, "Fn::Transform"))
        expand = 1;
    if (is_named)
        out[n++] = "CAPABILITY_NAMED_IAM";
    else if (iam)
        out[n++] = "CAPABILITY_IAM";
    if (expand)
        out[n++] = "CAPABILITY_AUTO_EXPAND";
    out[n] = NULL;
}

json_t *template_retained(const json_t *tpl)
{
    json_t *out = json_array(), *r;
    const char *k;

    json_object_foreach(json_object_get(tpl, "Resources"), k, r) {
        const char *dp = json_string_value(json_object_get(r, "DeletionPolicy"));
        const char *type = json_string_value(json_object_get(r, "Type"));

        if (out && dp && (!strcmp(dp, "Retain") || !strcmp(dp, "RetainExceptOnCreate")) &&
            json_array_append_new(out, json_pack("{s:s, s:s}", "id", k, "type",
                                                 type ? type : "")) < 0) {
            json_decref(out);
            out = NULL;
        }
    }
    return out;
}
