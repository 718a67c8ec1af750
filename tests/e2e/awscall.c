/* awscall.c: drives the AWS client's S3, Lambda, STS and CloudFormation
 * drift calls for tests/e2e/test_services.py and test_drift_api.py (built
 * by `make units` as build/tests/awscall; the shipped binary has no S3 or
 * Lambda commands yet). Prints the result
 * as one JSON object on stdout and exits 0; on failure prints
 * {"error": {"rc", "message", "code", "status", "attempts", "throttled",
 * "unexpected"}} (the message as luaform would show it) and exits 1.
 *
 *   awscall [--region R] [--endpoint-url U] [--profile P] [--max-attempts N] OP ARGS
 *
 *   put BUCKET KEY FILE [--checksum B64 | --sha256] [--content-type T]
 *   template-put BUCKET KEY FILE        (aws_s3_put, as deploy uses it)
 *   copy FROM_BUCKET FROM_KEY BUCKET KEY [--version V]
 *   head BUCKET KEY [--version V]
 *   get BUCKET KEY PATH [--version V] [--max BYTES]
 *   versions BUCKET [--prefix P] [--page N]
 *   get-function FUNCTION [--qualifier Q]
 *   get-alias FUNCTION ALIAS
 *   list-versions FUNCTION [--page N]
 *   publish FUNCTION [--code-sha256 S] [--revision R] [--description D]
 *   update-alias FUNCTION ALIAS [--version V] [--revision R] [--description D]
 *                [--weights JSON]
 *   account
 *   endpoint SERVICE
 *   describe-stack STACK       {"exists", "name", "id", "status", "reason",
 *                               "termination_protection", "outputs",
 *                               "parameters", "tags"}
 *   list-stack-resources STACK {"resources": [...]}  (cfn_list_stack_resources)
 *   detect-drift STACK         {"detection_id": ID}
 *   drift-status ID            {"detection_status", "stack_drift_status",
 *                               "reason", "drifted_count"}
 *   resource-drifts STACK      {"drifts": [...]}     (cfn_describe_resource_drifts)
 *
 * Ctrl-C is caught as luaform catches it (core/interrupt.h). */
#include "aws/aws.h"
#include "aws/cloudformation.h"
#include "aws/lambda.h"
#include "aws/s3.h"
#include "aws/sigv4.h"
#include "core/err.h"
#include "core/files.h"
#include "core/interrupt.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The words after OP, and its --name value options. */
struct args {
    const char *pos[8];
    int npos;
    const char *opt[16][2];
    int nopt;
};

static const char *opt(const struct args *g, const char *name)
{
    int i;

    for (i = 0; i < g->nopt; i++)
        if (!strcmp(g->opt[i][0], name))
            return g->opt[i][1] ? g->opt[i][1] : "";
    return NULL;
}

static int usage(const char *why)
{
    fprintf(stderr, "awscall: %s (see tests/e2e/awscall.c)\n", why);
    return 2;
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *object_json(const struct s3_object *o)
{
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:I}", "etag", str_or_null(o->etag),
                     "version_id", str_or_null(o->version_id),
                     "checksum_sha256", str_or_null(o->checksum_sha256),
                     "last_modified", str_or_null(o->last_modified),
                     "copy_source_version_id", str_or_null(o->copy_source_version_id),
                     "size", (json_int_t)o->size);
}

static json_t *function_json(const struct lambda_function *f)
{
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:I}", "name", str_or_null(f->name),
                     "arn", str_or_null(f->arn), "version", str_or_null(f->version),
                     "code_sha256", str_or_null(f->code_sha256),
                     "revision_id", str_or_null(f->revision_id),
                     "state", str_or_null(f->state), "description", str_or_null(f->description),
                     "code_size", (json_int_t)f->code_size);
}

static json_t *alias_json(const struct lambda_alias *al)
{
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:O}", "name", str_or_null(al->name),
                     "arn", str_or_null(al->arn),
                     "function_version", str_or_null(al->function_version),
                     "revision_id", str_or_null(al->revision_id),
                     "description", str_or_null(al->description),
                     "weights", al->weights ? al->weights : json_null());
}

static int s3_op(struct aws *a, const char *op, const struct args *g, json_t **out,
                 struct gen_err *e)
{
    struct s3_ref ref = { g->pos[0], g->pos[1], opt(g, "--version") };
    struct s3_object o;
    char sum[45], *data = NULL;
    size_t len = 0;
    int rc;

    memset(&o, 0, sizeof o);
    if (!strcmp(op, "put") || !strcmp(op, "template-put")) {
        struct s3_put p = { g->pos[0], g->pos[1], NULL, 0, opt(g, "--content-type"),
                            opt(g, "--checksum") };
        char *url = NULL;

        if (g->npos != 3)
            return usage("put BUCKET KEY FILE");
        if ((rc = files_read(g->pos[2], NULL, (size_t)1 << 30, 0, &data, &len, e)) < 0)
            return rc;
        p.data = data;
        p.len = len;
        if (opt(g, "--sha256") && sigv4_sha256_base64(data, len, sum) == 0)
            p.checksum_sha256 = sum;
        if (!strcmp(op, "template-put")) {
            rc = aws_s3_put(a, p.bucket, p.key, data, len, &url, e);
            if (rc == 0)
                *out = json_pack("{s:s}", "url", url);
            free(url);
        } else if ((rc = s3_put_object(a, &p, &o, e)) == 0) {
            *out = object_json(&o);
        }
        free(data);
    } else if (!strcmp(op, "copy")) {
        ref.bucket = g->pos[0];
        ref.key = g->pos[1];
        if (g->npos != 4)
            return usage("copy FROM_BUCKET FROM_KEY BUCKET KEY");
        if ((rc = s3_copy_object(a, &ref, g->pos[2], g->pos[3], &o, e)) == 0)
            *out = object_json(&o);
    } else if (!strcmp(op, "head")) {
        if ((rc = s3_head_object(a, &ref, &o, e)) == 0)
            *out = object_json(&o);
    } else {
        if (g->npos != 3)
            return usage("get BUCKET KEY PATH");
        rc = s3_get_object(a, &ref, g->pos[2], opt(g, "--max") ?
                           (size_t)strtoull(opt(g, "--max"), NULL, 10) : 0, &o, e);
        if (rc == 0)
            *out = object_json(&o);
    }
    s3_object_free(&o);
    return rc;
}

static int versions_op(struct aws *a, const struct args *g, json_t **out, struct gen_err *e)
{
    struct s3_versions l;
    json_t *arr;
    size_t i;
    int rc;

    rc = s3_list_object_versions(a, g->pos[0], opt(g, "--prefix"),
                                 opt(g, "--page") ? atoi(opt(g, "--page")) : 0, &l, e);
    if (rc < 0)
        return rc;
    arr = json_array();
    for (i = 0; i < l.n; i++)
        json_array_append_new(arr, json_pack("{s:s, s:s, s:o, s:I, s:b, s:b}",
                              "key", l.v[i].key, "version_id", l.v[i].version_id,
                              "etag", str_or_null(l.v[i].etag), "size",
                              (json_int_t)l.v[i].size, "latest", l.v[i].latest,
                              "delete_marker", l.v[i].delete_marker));
    *out = json_pack("{s:o}", "versions", arr);
    s3_versions_free(&l);
    return 0;
}

static int lambda_reads(struct aws *a, const char *op, const struct args *g, json_t **out,
                        struct gen_err *e)
{
    struct lambda_function f;
    struct lambda_alias al;
    struct lambda_versions l;
    json_t *arr;
    size_t i;
    int rc;

    if (!strcmp(op, "get-function")) {
        if ((rc = lambda_get_function(a, g->pos[0], opt(g, "--qualifier"), &f, e)) == 0)
            *out = function_json(&f);
        lambda_function_free(&f);
    } else if (!strcmp(op, "get-alias")) {
        if (g->npos != 2)
            return usage("get-alias FUNCTION ALIAS");
        if ((rc = lambda_get_alias(a, g->pos[0], g->pos[1], &al, e)) == 0)
            *out = alias_json(&al);
        lambda_alias_free(&al);
    } else {
        rc = lambda_list_versions(a, g->pos[0], opt(g, "--page") ? atoi(opt(g, "--page")) : 0,
                                  &l, e);
        if (rc < 0)
            return rc;
        arr = json_array();
        for (i = 0; i < l.n; i++)
            json_array_append_new(arr, function_json(&l.v[i]));
        *out = json_pack("{s:o}", "versions", arr);
        lambda_versions_free(&l);
    }
    return rc;
}

static int lambda_writes(struct aws *a, const char *op, const struct args *g, json_t **out,
                         struct gen_err *e)
{
    struct lambda_function f;
    struct lambda_alias al;
    json_t *weights = NULL;
    int rc;

    if (!strcmp(op, "publish")) {
        struct lambda_publish p = { g->pos[0], opt(g, "--code-sha256"), opt(g, "--revision"),
                                    opt(g, "--description") };

        if ((rc = lambda_publish_version(a, &p, &f, e)) == 0)
            *out = function_json(&f);
        lambda_function_free(&f);
        return rc;
    }
    if (g->npos != 2)
        return usage("update-alias FUNCTION ALIAS");
    if (opt(g, "--weights") && !(weights = json_loads(opt(g, "--weights"), 0, NULL)))
        return usage("--weights takes a JSON object");
    {
        struct lambda_alias_update u = { g->pos[0], g->pos[1], opt(g, "--version"),
                                         opt(g, "--revision"), opt(g, "--description"),
                                         weights };

        if ((rc = lambda_update_alias(a, &u, &al, e)) == 0)
            *out = alias_json(&al);
    }
    lambda_alias_free(&al);
    json_decref(weights);
    return rc;
}

static int cfn_stack_op(struct aws *a, const struct args *g, json_t **out, struct gen_err *e)
{
    struct cfn_stack s;
    int rc = cfn_describe_stack(a, g->pos[0], &s, e);

    if (rc < 0)
        return rc;
    *out = json_pack("{s:b, s:o, s:o, s:o, s:o, s:b, s:O, s:O, s:O}", "exists", s.exists,
                     "name", str_or_null(s.name), "id", str_or_null(s.id),
                     "status", str_or_null(s.status), "reason", str_or_null(s.reason),
                     "termination_protection", s.termination_protection,
                     "outputs", s.outputs ? s.outputs : json_null(),
                     "parameters", s.parameters ? s.parameters : json_null(),
                     "tags", s.tags ? s.tags : json_null());
    cfn_stack_free(&s);
    return 0;
}

static int cfn_drift_op(struct aws *a, const char *op, const struct args *g, json_t **out,
                        struct gen_err *e)
{
    struct cfn_drift_status st;
    json_t *list;
    char *id;
    int rc;

    if (!strcmp(op, "detect-drift")) {
        if ((rc = cfn_detect_stack_drift(a, g->pos[0], &id, e)) == 0)
            *out = json_pack("{s:s}", "detection_id", id);
        if (rc == 0)
            free(id);
    } else if (!strcmp(op, "drift-status")) {
        if ((rc = cfn_describe_drift_status(a, g->pos[0], &st, e)) == 0)
            *out = json_pack("{s:s, s:s, s:s, s:I}", "detection_status", st.detection_status,
                             "stack_drift_status", st.stack_drift_status, "reason", st.reason,
                             "drifted_count", (json_int_t)st.drifted_count);
        if (rc == 0)
            cfn_drift_status_free(&st);
    } else if (!strcmp(op, "list-stack-resources")) {
        if ((rc = cfn_list_stack_resources(a, g->pos[0], &list, e)) == 0)
            *out = json_pack("{s:o}", "resources", list);
    } else if ((rc = cfn_describe_resource_drifts(a, g->pos[0], &list, e)) == 0) {
        *out = json_pack("{s:o}", "drifts", list);
    }
    return rc;
}

static int run(struct aws *a, const char *op, const struct args *g, json_t **out,
               struct gen_err *e)
{
    char text[600];

    if (g->npos < 1 && strcmp(op, "account"))
        return usage("missing arguments");
    if (!strcmp(op, "put") || !strcmp(op, "template-put") || !strcmp(op, "copy") ||
        !strcmp(op, "head") || !strcmp(op, "get"))
        return g->npos < 2 ? usage("BUCKET KEY") : s3_op(a, op, g, out, e);
    if (!strcmp(op, "versions"))
        return versions_op(a, g, out, e);
    if (!strcmp(op, "get-function") || !strcmp(op, "get-alias") ||
        !strcmp(op, "list-versions"))
        return lambda_reads(a, op, g, out, e);
    if (!strcmp(op, "publish") || !strcmp(op, "update-alias"))
        return lambda_writes(a, op, g, out, e);
    if (!strcmp(op, "describe-stack"))
        return cfn_stack_op(a, g, out, e);
    if (!strcmp(op, "detect-drift") || !strcmp(op, "drift-status") ||
        !strcmp(op, "list-stack-resources") || !strcmp(op, "resource-drifts"))
        return cfn_drift_op(a, op, g, out, e);
    if (!strcmp(op, "account") && aws_account(a, text, sizeof text, e) == 0) {
        *out = json_pack("{s:s}", "account", text);
        return 0;
    }
    if (!strcmp(op, "endpoint") && aws_endpoint_url(a, g->pos[0], text, sizeof text, e) == 0) {
        *out = json_pack("{s:s}", "url", text);
        return 0;
    }
    return !strcmp(op, "account") || !strcmp(op, "endpoint") ? e->code : usage("unknown OP");
}

static void print(json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT);

    printf("%s\n", s ? s : "null");
    free(s);
    json_decref(j);
}

int main(int argc, char **argv)
{
    static const char *const globals[] = { "--region", "--endpoint-url", "--profile",
                                           "--max-attempts", NULL };
    struct aws_opts o;
    struct args g;
    struct aws *a = NULL;
    struct gen_err e;
    const struct aws_fault *f;
    const char *op = NULL;
    json_t *out = NULL;
    int i, k, rc;

    memset(&o, 0, sizeof o);
    memset(&g, 0, sizeof g);
    memset(&e, 0, sizeof e);
    for (i = 1; i < argc; i++) {
        for (k = 0; globals[k] && strcmp(argv[i], globals[k]); k++)
            ;
        if (globals[k] && i + 1 < argc) {
            const char *v = argv[++i];

            if (k == 0)
                o.region = v;
            else if (k == 1)
                o.endpoint_url = v;
            else if (k == 2)
                o.profile = v;
            else if (aws_parse_attempts(v, &o.max_attempts) < 0)
                return usage("--max-attempts takes 1 to 20");
        } else if (!strncmp(argv[i], "--", 2) && g.nopt < 16) {
            g.opt[g.nopt][0] = argv[i];
            g.opt[g.nopt++][1] = i + 1 < argc && strncmp(argv[i + 1], "--", 2) ? argv[++i] : NULL;
        } else if (!op) {
            op = argv[i];
        } else if (g.npos < 8) {
            g.pos[g.npos++] = argv[i];
        }
    }
    if (!op)
        return usage("no OP");
    interrupt_catch();
    rc = aws_new(&o, &a, &e);
    if (rc == 0)
        rc = run(a, op, &g, &out, &e);
    if (rc == 2 && !out)
        return 2;
    if (rc == 0) {
        print(out);
    } else {
        f = a ? aws_last_fault(a) : NULL;
        print(json_pack("{s:{s:i, s:s, s:s, s:i, s:i, s:b, s:b}}", "error", "rc", rc,
                        "message", e.msg, "code", f ? f->code : "", "status",
                        f ? f->http_status : 0, "attempts", f ? f->attempts : 0,
                        "throttled", f ? f->throttled : 0, "unexpected", f ? f->unexpected : 0));
        fprintf(stderr, "awscall: %s\n", e.msg);
    }
    aws_free(a);
    return rc == 0 ? 0 : 1;
}
