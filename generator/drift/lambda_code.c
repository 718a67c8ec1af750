/* lambda_code.c: the Lambda drift CloudFormation cannot see. A function's
 * code is write-only to CloudFormation, so code swapped with
 * UpdateFunctionCode never shows as drift; an alias moved by hand often
 * does not either. Here: each function's CodeSha256 (GetFunction) against
 * the SHA-256 of the S3 artifact its template names, each version that
 * declares a CodeSha256 against it, and each alias's version and routing
 * weights (GetAlias) against the template. */
#include "drift/drift.h"

#include "aws/aws.h"
#include "aws/lambda.h"
#include "aws/s3.h"
#include "aws/sigv4.h"
#include "core/err.h"
#include "core/files.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* An artifact bigger than this is not read (Lambda takes 250 MB unzipped). */
#define ARTIFACT_MAX ((size_t)300 * 1024 * 1024)

struct lambda_walk {
    struct aws *a;
    struct drift_scope scope;
    json_t *diffs, *unchecked;
    int in_sync, total;
    struct gen_err *e;
};

static int nomem(struct gen_err *e)
{
    return err_set(e, GEN_ENOMEM, NULL, 0, "out of memory");
}

static int is_not_found(struct aws *a, int rc)
{
    const struct aws_fault *f = aws_last_fault(a);

    return rc == GEN_EAWS && (!strcmp(f->code, "ResourceNotFoundException") ||
                              !strcmp(f->code, "NotFound") || !strcmp(f->code, "NoSuchKey") ||
                              !strcmp(f->code, "NoSuchVersion") ||
                              !strcmp(f->code, "NoSuchBucket"));
}

static int unchecked(struct lambda_walk *w, const char *id, const char *type, const char *why)
{
    json_t *u = json_pack("{s:s, s:s, s:s, s:s}", "logical_id", id, "type", type,
                          "status", "NOT_CHECKED", "reason", why);

    return u && json_array_append_new(w->unchecked, u) == 0 ? 0 : nomem(w->e);
}

static int differ(struct lambda_walk *w, const char *id, const char *type, const char *what,
                  const char *function, json_t *expected, json_t *actual, const char *detail)
{
    json_t *d = json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:s}", "logical_id", id, "type", type,
                          "what", what, "function", function,
                          "expected", expected ? expected : json_null(),
                          "actual", actual ? actual : json_null(), "detail", detail);

    return d && json_array_append_new(w->diffs, d) == 0 ? 0 : nomem(w->e);
}

/* The SHA-256 (base64) of an S3 object version: the checksum S3 keeps for
 * it when it was put whole with one, else the object read and hashed.
 * 1 when the object does not exist, 0 when found, or an error. */
static int artifact_sha256(struct lambda_walk *w, const struct s3_ref *ref, char out[45])
{
    struct s3_object o = { 0 };
    const char *tmp = getenv("TMPDIR");
    char dir[512], path[540];
    char *data = NULL;
    size_t len = 0;
    int rc;

    rc = s3_head_object(w->a, ref, &o, w->e);
    if (rc < 0) {
        s3_object_free(&o);
        return is_not_found(w->a, rc) ? 1 : rc;
    }
    /* A multipart object's checksum is of its parts ("...-N"), not of it. */
    if (o.checksum_sha256 && !strchr(o.checksum_sha256, '-') &&
        strlen(o.checksum_sha256) == 44) {
        memcpy(out, o.checksum_sha256, 45);
        s3_object_free(&o);
        return 0;
    }
    s3_object_free(&o);
    snprintf(dir, sizeof dir, "%s/luaform-drift-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir))
        return err_set(w->e, GEN_EIO, NULL, 0, "cannot make a temporary directory");
    snprintf(path, sizeof path, "%s/artifact", dir);
    rc = s3_get_object(w->a, ref, path, ARTIFACT_MAX, &o, w->e);
    s3_object_free(&o);
    if (rc == 0 && (rc = files_read(path, "the artifact", ARTIFACT_MAX, 0, &data, &len, w->e)) == 0 &&
        sigv4_sha256_base64(data, len, out) < 0)
        rc = err_set(w->e, GEN_EINTERNAL, NULL, 0, "cannot hash the artifact");
    free(data);
    unlink(path);
    rmdir(dir);
    return rc < 0 && is_not_found(w->a, rc) ? 1 : rc;
}

/* Resolve a property, or say why not. */
static char *prop(struct lambda_walk *w, const json_t *props, const char *name, const char **why)
{
    const json_t *v = json_object_get(props, name);

    if (!v) {
        *why = "not set";
        return NULL;
    }
    return drift_resolve(&w->scope, v, why);
}

static int check_function(struct lambda_walk *w, const char *id, const json_t *res)
{
    static const char *TYPE = "AWS::Lambda::Function";
    const json_t *props = json_object_get(res, "Properties");
    const json_t *code = json_object_get(props, "Code");
    const char *fname = drift_physical_id(w->scope.resources, id), *why = NULL;
    char *bucket = NULL, *key = NULL, *version = NULL, want[45], where[1200], msg[1400];
    struct lambda_function f = { 0 };
    struct s3_ref ref;
    int rc = 0;

    if (!fname)
        return unchecked(w, id, TYPE, "the stack has no such function");
    if (json_object_get(code, "ZipFile"))
        return unchecked(w, id, TYPE, "inline code (Code.ZipFile): CloudFormation zips it, "
                         "so there is no artifact to compare with");
    if (json_object_get(code, "ImageUri"))
        return unchecked(w, id, TYPE, "a container image: its digest is not compared");
    bucket = prop(w, code, "S3Bucket", &why);
    if (bucket)
        key = prop(w, code, "S3Key", &why);
    if (bucket && key && json_object_get(code, "S3ObjectVersion"))
        version = prop(w, code, "S3ObjectVersion", &why);
    if (!bucket || !key || (json_object_get(code, "S3ObjectVersion") && !version)) {
        snprintf(msg, sizeof msg, "its code location cannot be resolved (%s)", why ? why : "no Code");
        rc = unchecked(w, id, TYPE, msg);
        goto out;
    }
    snprintf(where, sizeof where, "s3://%s/%s%s%s", bucket, key, version ? "?versionId=" : "",
             version ? version : "");
    ref.bucket = bucket;
    ref.key = key;
    ref.version_id = version;
    rc = artifact_sha256(w, &ref, want);
    if (rc == 1) {
        snprintf(msg, sizeof msg, "its artifact %s does not exist", where);
        rc = unchecked(w, id, TYPE, msg);
        goto out;
    }
    if (rc < 0) {
        err_prefix(w->e, "%s: artifact %s", id, where);
        goto out;
    }
    rc = lambda_get_function(w->a, fname, NULL, &f, w->e);
    if (rc < 0 && is_not_found(w->a, rc)) {
        rc = differ(w, id, TYPE, "function", fname, json_string(want), NULL,
                    "the function does not exist");
    } else if (rc < 0) {
        err_prefix(w->e, "%s", id);
    } else if (!f.code_sha256) {
        rc = err_set(w->e, GEN_EAWS, NULL, 0, "%s: GetFunction %s answered without a "
                     "CodeSha256", id, fname);
    } else if (strcmp(f.code_sha256, want)) {
        snprintf(msg, sizeof msg, "its code is not the artifact %s", where);
        rc = differ(w, id, TYPE, "code", fname, json_string(want),
                    f.code_sha256 ? json_string(f.code_sha256) : NULL, msg);
    } else {
        w->in_sync++;
    }
out:
    lambda_function_free(&f);
    free(bucket);
    free(key);
    free(version);
    return rc;
}

/* A version that declares its CodeSha256: does the published one have it? */
static int check_version(struct lambda_walk *w, const char *id, const json_t *res)
{
    static const char *TYPE = "AWS::Lambda::Version";
    const json_t *props = json_object_get(res, "Properties");
    const char *why = NULL, *arn = drift_physical_id(w->scope.resources, id), *colon;
    char *want, *fname, msg[600];
    struct lambda_function f = { 0 };
    int rc;

    if (!json_object_get(props, "CodeSha256"))
        return 0;               /* nothing declared to compare */
    if (!arn || !(colon = strrchr(arn, ':')) || !colon[1])
        return unchecked(w, id, TYPE, "the stack has no such version");
    want = prop(w, props, "CodeSha256", &why);
    if (!want) {
        snprintf(msg, sizeof msg, "its CodeSha256 cannot be resolved (%s)", why ? why : "?");
        return unchecked(w, id, TYPE, msg);
    }
    fname = strndup(arn, (size_t)(colon - arn));
    if (!fname) {
        free(want);
        return nomem(w->e);
    }
    rc = lambda_get_function(w->a, fname, colon + 1, &f, w->e);
    if (rc < 0 && is_not_found(w->a, rc)) {
        rc = differ(w, id, TYPE, "version", arn, json_string(want), NULL,
                    "the version does not exist");
    } else if (rc < 0) {
        err_prefix(w->e, "%s", id);
    } else if (!f.code_sha256) {
        rc = err_set(w->e, GEN_EAWS, NULL, 0, "%s: GetFunction %s answered without a "
                     "CodeSha256", id, arn);
    } else if (strcmp(f.code_sha256, want)) {
        rc = differ(w, id, TYPE, "code", arn, json_string(want),
                    f.code_sha256 ? json_string(f.code_sha256) : NULL,
                    "the published version's code is not the declared CodeSha256");
    } else {
        w->in_sync++;
    }
    lambda_function_free(&f);
    free(want);
    free(fname);
    return rc;
}

/* RoutingConfig.AdditionalVersionWeights as {"version": weight}. */
static json_t *weights_of(struct lambda_walk *w, const json_t *props, const char **why)
{
    const json_t *rc = json_object_get(props, "RoutingConfig");
    const json_t *list = json_object_get(rc, "AdditionalVersionWeights");
    json_t *out;
    size_t i;

    *why = NULL;
    /* a condition (Fn::If) or anything but the plain form: not guessed */
    if ((rc && (!json_is_object(rc) || (json_object_size(rc) && !list) ||
                json_object_size(rc) > 1)) ||
        (list && !json_is_array(list))) {
        *why = "RoutingConfig is not a plain list of weights (a condition?)";
        return NULL;
    }
    out = json_object();
    for (i = 0; out && i < json_array_size(list); i++) {
        const json_t *item = json_array_get(list, i), *wt = json_object_get(item, "FunctionWeight");
        char *v = drift_resolve(&w->scope, json_object_get(item, "FunctionVersion"), why);

        if (!v || !json_is_number(wt)) {
            if (!*why)
                *why = "a FunctionWeight that is not a number";
            free(v);
            json_decref(out);
            return NULL;
        }
        json_object_set_new(out, v, json_real(json_number_value(wt)));
        free(v);
    }
    if (!out && !*why)
        *why = "out of memory";
    return out;
}

static int same_weights(const json_t *want, const json_t *have)
{
    const char *k;
    json_t *v;
    size_t n = 0;

    json_object_foreach((json_t *)want, k, v) {
        const json_t *h = json_object_get(have, k);

        if (!h || fabs(json_number_value(h) - json_number_value(v)) > 1e-9)
            return 0;
        n++;
    }
    return n == json_object_size(have);
}

static int check_alias(struct lambda_walk *w, const char *id, const json_t *res)
{
    static const char *TYPE = "AWS::Lambda::Alias";
    const json_t *props = json_object_get(res, "Properties");
    const char *why = NULL;
    char *fname = prop(w, props, "FunctionName", &why), *name = NULL, *version = NULL;
    char msg[600];
    json_t *want = NULL;
    struct lambda_alias al = { 0 };
    int rc = 0;

    if (fname)
        name = prop(w, props, "Name", &why);
    if (name)
        version = prop(w, props, "FunctionVersion", &why);
    if (version)
        want = weights_of(w, props, &why);
    if (!want) {
        snprintf(msg, sizeof msg, "the alias cannot be resolved (%s)", why ? why : "?");
        rc = unchecked(w, id, TYPE, msg);
        goto out;
    }
    snprintf(msg, sizeof msg, "%s:%s", fname, name);
    rc = lambda_get_alias(w->a, fname, name, &al, w->e);
    if (rc < 0 && is_not_found(w->a, rc)) {
        rc = differ(w, id, TYPE, "alias", msg, json_string(version), NULL,
                    "the alias does not exist");
    } else if (rc < 0) {
        err_prefix(w->e, "%s", id);
    } else {
        int drifted = 0;

        if (!al.function_version || strcmp(al.function_version, version)) {
            drifted = 1;
            rc = differ(w, id, TYPE, "alias version", msg, json_string(version),
                        al.function_version ? json_string(al.function_version) : NULL,
                        "the alias serves another version");
        }
        if (rc == 0 && !same_weights(want, al.weights)) {
            drifted = 1;
            rc = differ(w, id, TYPE, "alias weights", msg, json_incref(want),
                        al.weights ? json_deep_copy(al.weights) : json_object(),
                        "the alias routes traffic otherwise (RoutingConfig."
                        "AdditionalVersionWeights)");
        }
        if (!drifted)
            w->in_sync++;
    }
out:
    lambda_alias_free(&al);
    json_decref(want);
    free(fname);
    free(name);
    free(version);
    return rc;
}

int drift_lambda(struct aws *a, const json_t *tpl, const char *stack_id, const json_t *resources,
                 const json_t *params, json_t *report, struct gen_err *e)
{
    struct lambda_walk w = { 0 };
    const json_t *res = json_object_get(tpl, "Resources"), *r;
    const char *id;
    json_t *section;
    int rc = 0;

    w.a = a;
    w.e = e;
    w.scope.tpl = tpl;
    w.scope.params = params;
    w.scope.resources = resources;
    w.scope.stack_id = stack_id;
    w.unchecked = json_object_get(report, "unchecked");
    w.diffs = json_array();
    section = json_pack("{s:b, s:o}", "checked", 1, "differences", w.diffs);
    if (!section || !w.unchecked || json_object_set_new(report, "lambda", section) < 0)
        return nomem(e);
    json_object_foreach((json_t *)res, id, r) {
        const char *type = json_string_value(json_object_get(r, "Type"));

        if (!type)
            continue;
        if (!strcmp(type, "AWS::Lambda::Function")) {
            w.total++;
            rc = check_function(&w, id, r);
        } else if (!strcmp(type, "AWS::Lambda::Version") &&
                   json_object_get(json_object_get(r, "Properties"), "CodeSha256")) {
            w.total++;
            rc = check_version(&w, id, r);
        } else if (!strcmp(type, "AWS::Lambda::Alias")) {
            w.total++;
            rc = check_alias(&w, id, r);
        }
        if (rc < 0)
            break;
    }
    json_object_set_new(section, "in_sync", json_integer(w.in_sync));
    json_object_set_new(section, "total", json_integer(w.total));
    if (rc < 0) {               /* what was found stays; the rest was not checked */
        json_object_set_new(section, "checked", json_false());
        json_object_set_new(section, "skipped", json_string("error"));
    }
    return rc;
}
