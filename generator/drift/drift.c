/* drift.c: one stack's drift report (drift.h): template, parameters and
 * tags against the deployed stack, then CloudFormation's resource drift
 * through the ignore list, then Lambda's code and aliases. */
#include "drift/drift.h"

#include "aws/aws.h"
#include "aws/cloudformation.h"
#include "core/err.h"
#include "deploy/deploy.h"
#include "deploy/poll.h"
#include "template/diff.h"
#include "template/load.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Give up on a drift detection after this long (CloudFormation's own
 * take minutes on big stacks). */
#define DETECT_LIMIT_MS (30L * 60 * 1000)

static int nomem(struct gen_err *e)
{
    return err_set(e, GEN_ENOMEM, NULL, 0, "out of memory");
}

/* A string member of o, "" when absent. */
static const char *sv(const json_t *o, const char *k)
{
    const char *v = json_string_value(json_object_get(o, k));

    return v ? v : "";
}

static int ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), m = strlen(tail);

    return n >= m && !strcmp(s + n - m, tail);
}

/* A scalar as CloudFormation reads it: every scalar is text to it. */
static int scalar_text(const json_t *v, char *out, size_t n)
{
    if (json_is_string(v))
        return snprintf(out, n, "%s", json_string_value(v)) < (int)n ? 0 : -1;
    if (json_is_integer(v))
        snprintf(out, n, "%lld", (long long)json_integer_value(v));
    else if (json_is_real(v))
        drift_number_text(json_real_value(v), out, n);
    else if (json_is_boolean(v))
        snprintf(out, n, "%s", json_is_true(v) ? "true" : "false");
    else
        return -1;
    return 0;
}

/* 512 and "512", true and "true": the same to CloudFormation. */
static int same_scalar(const json_t *a, const json_t *b)
{
    char x[256], y[256];

    if (scalar_text(a, x, sizeof x) < 0 || scalar_text(b, y, sizeof y) < 0)
        return 0;
    if (!strcmp(x, y))
        return 1;
    /* 1.0 and 1: the same number */
    if (json_is_number(a) && json_is_number(b))
        return json_number_value(a) == json_number_value(b);
    return 0;
}

static json_t *section(json_t *report, const char *name)
{
    json_t *s = json_pack("{s:b, s:[]}", "checked", 1, "differences");

    if (s && json_object_set_new(report, name, s) < 0)
        return NULL;
    return s;
}

/* -------------------------------------------------------------- template */

/* {"Fn::GetAtt": "A.B.C"} (CloudFormation takes it in JSON too) as
 * {"Fn::GetAtt": ["A", "B.C"]}, in place, everywhere in v. */
static int getatt_arrays(json_t *v, int depth)
{
    const char *k;
    json_t *x;
    size_t i;

    if (depth > 200)
        return 0;
    if (json_is_array(v)) {
        json_array_foreach(v, i, x)
            if (getatt_arrays(x, depth + 1) < 0)
                return -1;
        return 0;
    }
    if (!json_is_object(v))
        return 0;
    x = json_object_get(v, "Fn::GetAtt");
    if (json_object_size(v) == 1 && json_is_string(x) && strchr(json_string_value(x), '.')) {
        const char *t = json_string_value(x), *dot = strchr(t, '.');
        json_t *pair = json_pack("[s%, s]", t, (size_t)(dot - t), dot + 1);

        return pair && json_object_set_new(v, "Fn::GetAtt", pair) == 0 ? 0 : -1;
    }
    json_object_foreach(v, k, x)
        if (getatt_arrays(x, depth + 1) < 0)
            return -1;
    return 0;
}

static int template_drift(struct aws *a, const struct deploy_target *t, json_t *report,
                          const json_t **rendered, struct template_doc *mine,
                          struct gen_err *e)
{
    struct template_doc theirs = { 0 };
    json_t *sec = section(report, "template"), *diffs, *d;
    char *body = NULL, label[300];
    size_t i;
    int rc;

    if (!sec)
        return nomem(e);
    rc = load_template("the rendered template", t->body, t->len, LOAD_JSON, mine, e);
    if (rc < 0)
        return rc;
    *rendered = mine->data;
    rc = cfn_get_template(a, t->stack, &body, e);
    if (rc < 0)
        return rc;
    snprintf(label, sizeof label, "the deployed template of %s", t->stack);
    rc = load_template(label, body, strlen(body), LOAD_AUTO, &theirs, e);
    free(body);
    if (rc < 0)
        return rc;
    if (getatt_arrays(theirs.data, 0) < 0 || getatt_arrays(mine->data, 0) < 0) {
        load_free(&theirs);
        return nomem(e);
    }
    diffs = diff_templates(theirs.data, mine->data);
    load_free(&theirs);
    if (!diffs)
        return nomem(e);
    json_array_foreach(diffs, i, d) {
        const char *kind = json_string_value(json_object_get(d, "kind"));
        const json_t *old = json_object_get(d, "old"), *new_ = json_object_get(d, "new");
        json_t *item;

        if (!strcmp(kind, "changed") && same_scalar(old, new_))
            continue;
        item = json_pack("{s:O, s:s, s:O, s:O}", "path", json_object_get(d, "path"),
                         "kind", !strcmp(kind, "added") ? "missing" :
                                 !strcmp(kind, "removed") ? "extra" : "changed",
                         "expected", new_ ? new_ : json_null(),
                         "actual", old ? old : json_null());
        if (!item || json_array_append_new(json_object_get(sec, "differences"), item) < 0) {
            json_decref(diffs);
            return nomem(e);
        }
    }
    json_decref(diffs);
    return 0;
}

/* ------------------------------------------------------- parameters, tags */

static const char *stack_value(const json_t *list, const char *key_name, const char *value_name,
                               const char *key)
{
    size_t i;

    for (i = 0; i < json_array_size(list); i++) {
        const json_t *p = json_array_get(list, i);

        if (!strcmp(sv(p, key_name), key))
            return sv(p, value_name);
    }
    return NULL;
}

static int add_diff(json_t *sec, const char *key_name, const char *key, const char *expected,
                    const char *actual)
{
    json_t *d = json_pack("{s:s, s:s, s:o, s:o}", key_name, key, "kind",
                          !actual ? "missing" : !expected ? "extra" : "changed",
                          "expected", expected ? json_string(expected) : json_null(),
                          "actual", actual ? json_string(actual) : json_null());

    return d && json_array_append_new(json_object_get(sec, "differences"), d) == 0 ? 0 : -1;
}

/* The parameters the stack should have: each of the rendered template's,
 * with the target's value or its default. Into *expected {name: value}. */
static int parameter_drift(const struct deploy_target *t, const json_t *tpl,
                           const struct cfn_stack *st, json_t *report, json_t **expected,
                           struct gen_err *e)
{
    json_t *sec = section(report, "parameters"), *skip = json_array(), *want = json_object();
    const char *name;
    json_t *decl;

    *expected = want;
    if (!sec || !skip || !want || json_object_set_new(sec, "not_compared", skip) < 0)
        return nomem(e);
    json_object_foreach(json_object_get(tpl, "Parameters"), name, decl) {
        const json_t *given = json_object_get(t->parameters, name);
        const json_t *def = json_object_get(decl, "Default");
        const json_t *noecho = json_object_get(decl, "NoEcho");
        const char *actual = stack_value(st->parameters, "ParameterKey", "ParameterValue", name);
        char value[4096];
        json_t *why;

        if ((json_is_true(noecho) || (json_is_string(noecho) &&
             !strcmp(json_string_value(noecho), "true")))) {
            /* still known, for resolving the template's values */
            if (given && json_is_string(given) &&
                json_object_set(want, name, (json_t *)given) < 0)
                return nomem(e);
            why = json_pack("{s:s, s:s}", "name", name, "reason",
                            "NoEcho: CloudFormation shows it as ****");
            if (!why || json_array_append_new(skip, why) < 0)
                return nomem(e);
            continue;
        }
        if (given && json_is_string(given))
            snprintf(value, sizeof value, "%s", json_string_value(given));
        else if (!def || scalar_text(def, value, sizeof value) < 0) {
            why = json_pack("{s:s, s:s}", "name", name, "reason", def ?
                            "its default is not a single value" :
                            "no value given and no default (give it with --parameter)");
            if (!why || json_array_append_new(skip, why) < 0)
                return nomem(e);
            continue;
        }
        if (json_object_set_new(want, name, json_string(value)) < 0)
            return nomem(e);
        if ((!actual || strcmp(actual, value)) && add_diff(sec, "name", name, value, actual) < 0)
            return nomem(e);
    }
    return 0;
}

static int tag_drift(const struct deploy_target *t, const struct cfn_stack *st, json_t *report,
                     struct gen_err *e)
{
    json_t *sec = section(report, "tags"), *v;
    const char *k;

    if (!sec)
        return nomem(e);
    json_object_foreach(t->tags, k, v) {
        const json_t *have = json_object_get(st->tags, k);

        if ((!have || !json_equal(have, v)) &&
            add_diff(sec, "key", k, json_string_value(v),
                     have ? json_string_value(have) : NULL) < 0)
            return nomem(e);
    }
    json_object_foreach(st->tags, k, v) {
        if (!json_object_get(t->tags, k) && add_diff(sec, "key", k, NULL, json_string_value(v)) < 0)
            return nomem(e);
    }
    return 0;
}

/* -------------------------------------------------------------- resources */

struct detect {
    struct aws *a;
    const char *stack, *id;
    struct cfn_drift_status st;
    const struct drift_opts *o;
    long long start;
};

static int detect_step(void *ctx, struct gen_err *e)
{
    struct detect *d = ctx;
    int rc;

    cfn_drift_status_free(&d->st);
    rc = cfn_describe_drift_status(d->a, d->id, &d->st, e);
    if (rc < 0)
        return (rc == GEN_ENET || rc == GEN_EAWS) && aws_last_fault(d->a)->retryable ?
               POLL_SLOW : rc;
    if (d->o->progress)
        d->o->progress(d->o->progress_ctx, d->stack, "detecting resource drift",
                       poll_now_ms() - d->start);
    if (!strcmp(d->st.detection_status, "DETECTION_IN_PROGRESS"))
        return POLL_AGAIN;
    if (!strcmp(d->st.detection_status, "DETECTION_COMPLETE") ||
        !strcmp(d->st.detection_status, "DETECTION_FAILED"))
        return POLL_DONE;
    return err_set(e, GEN_EAWS, NULL, 0, "drift detection %s: unexpected DetectionStatus '%s'",
                   d->id, d->st.detection_status);
}

static int is_unchecked(const char *status)
{
    return !strcmp(status, "NOT_CHECKED") || !strcmp(status, "UNKNOWN") ||
           !strcmp(status, "UNSUPPORTED");
}

static const json_t *drift_of(const json_t *drifts, const char *id)
{
    size_t i;

    for (i = 0; i < json_array_size(drifts); i++) {
        const json_t *d = json_array_get(drifts, i);

        if (!strcmp(sv(d, "LogicalResourceId"), id))
            return d;
    }
    return NULL;
}

/* A value CloudFormation reports as JSON text: as JSON when it parses. */
static json_t *value_of(const char *text)
{
    json_t *v;

    if (!text)
        return json_null();
    v = json_loads(text, JSON_DECODE_ANY, NULL);
    return v ? v : json_string(text);
}

static int ignored(json_t *report, const char *id, const char *type, const char *path,
                   const char *kind, const char *expected, const char *actual, const char *reason,
                   const char *source)
{
    json_t *i = json_pack("{s:s, s:s, s:s?, s:s?, s:o, s:o, s:s, s:s}", "logical_id", id,
                          "type", type, "path", path, "kind", kind,
                          "expected", value_of(expected), "actual", value_of(actual),
                          "reason", reason, "source", source);

    return i && json_array_append_new(json_object_get(report, "ignored"), i) == 0 ? 0 : -1;
}

/* One MODIFIED or DELETED resource through the ignore list and the
 * equivalences: 1 when something is left (added to drifted), 0 when not. */
static int judge(json_t *report, const char *stack, const char *stack_id, const json_t *d,
                 const json_t *rules, json_t *drifted, struct gen_err *e)
{
    const char *id = sv(d, "LogicalResourceId");
    const char *type = sv(d, "ResourceType");
    const char *status = sv(d, "StackResourceDriftStatus");
    const json_t *props = json_object_get(d, "PropertyDifferences"), *p, *rule;
    json_t *left = json_array(), *item;
    size_t i;

    if (!left)
        return nomem(e);
    if (!strcmp(status, "DELETED")) {
        rule = drift_ignore_match(rules, stack, id, type, NULL, NULL);
        if (rule) {
            json_decref(left);
            return ignored(report, id, type, NULL, "DELETED", NULL, NULL,
                           json_string_value(json_object_get(rule, "reason")),
                           json_string_value(json_object_get(rule, "source"))) < 0 ? nomem(e) : 0;
        }
    }
    json_array_foreach(props, i, p) {
        const char *path = sv(p, "PropertyPath");
        const char *kind = sv(p, "DifferenceType");
        const char *exp = json_string_value(json_object_get(p, "ExpectedValue"));
        const char *act = json_string_value(json_object_get(p, "ActualValue"));
        const char *why;

        /* an ADD has no expected value, a REMOVE no actual one */
        if (!strcmp(kind, "ADD") && exp && !*exp)
            exp = NULL;
        if (!strcmp(kind, "REMOVE") && act && !*act)
            act = NULL;
        why = !strcmp(kind, "NOT_EQUAL") ? drift_equivalent(exp, act, stack_id) : NULL;
        int rc = 0;

        rule = why ? NULL : drift_ignore_match(rules, stack, id, type, path, kind);
        if (why)
            rc = ignored(report, id, type, path, kind, exp, act, why, "equivalence");
        else if (rule)
            rc = ignored(report, id, type, path, kind, exp, act,
                         json_string_value(json_object_get(rule, "reason")),
                         json_string_value(json_object_get(rule, "source")));
        else {
            item = json_pack("{s:s, s:s, s:o, s:o}", "path", path, "kind", kind,
                             "expected", value_of(exp), "actual", value_of(act));
            rc = item ? json_array_append_new(left, item) : -1;
        }
        if (rc < 0) {
            json_decref(left);
            return nomem(e);
        }
    }
    if (!strcmp(status, "MODIFIED") && !json_array_size(left) && json_array_size(props)) {
        json_decref(left);
        return 0;               /* every difference explained */
    }
    item = json_pack("{s:s, s:s?, s:s, s:s, s:o}", "logical_id", id, "physical_id",
                     json_string_value(json_object_get(d, "PhysicalResourceId")),
                     "type", type, "status", status, "differences", left);
    return item && json_array_append_new(drifted, item) == 0 ? 1 : nomem(e);
}

static int resource_drift(struct aws *a, const struct deploy_target *t, const struct drift_opts *o,
                          const char *stack_id, const json_t *resources, json_t *report,
                          struct gen_err *e)
{
    struct detect d = { 0 };
    struct poll_opts po;
    json_t *sec, *drifts = NULL, *drifted = json_array(), *unchecked;
    char *id = NULL;
    size_t i;
    int rc, n_drifted = 0, n_sync = 0, n_reported = 0;

    sec = json_pack("{s:b, s:I, s:o}", "checked", 1, "total",
                    (json_int_t)json_array_size(resources), "drifted_resources", drifted);
    if (!sec || !drifted || json_object_set_new(report, "resources", sec) < 0)
        return nomem(e);
    unchecked = json_object_get(report, "unchecked");
    /* not checked until the results are read */
    json_object_set_new(sec, "checked", json_false());
    json_object_set_new(sec, "skipped", json_string("drift detection failed"));
    rc = cfn_detect_stack_drift(a, t->stack, &id, e);
    if (rc < 0)
        return err_prefix(e, "drift detection of %s", t->stack), rc;
    d.a = a;
    d.stack = t->stack;
    d.id = id;
    d.o = o;
    d.start = poll_now_ms();
    poll_defaults(&po);
    po.limit_ms = DETECT_LIMIT_MS;
    rc = poll_run(&po, detect_step, &d, e);
    if (rc == POLL_INTERRUPTED)
        rc = err_set(e, GEN_EINPUT, NULL, 0, "interrupted while CloudFormation detected drift "
                     "(detection %s goes on)", id);
    else if (rc == POLL_TIMED_OUT || rc == POLL_GAVE_UP)
        rc = err_set(e, GEN_ENET, NULL, 0, "drift detection %s of %s: %s", id, t->stack,
                     rc == POLL_TIMED_OUT ? "not done after 30 minutes" :
                     "the service kept failing");
    if (rc == 0)
        json_object_set_new(sec, "detection", json_pack("{s:s, s:s, s:s, s:s}", "id", id,
                            "status", d.st.detection_status, "stack_drift_status",
                            d.st.stack_drift_status, "reason", d.st.reason));
    free(id);
    if (rc < 0) {
        cfn_drift_status_free(&d.st);
        return rc;
    }
    rc = cfn_describe_resource_drifts(a, t->stack, &drifts, e);
    if (rc == 0) {
        json_object_set_new(sec, "checked", json_true());
        json_object_del(sec, "skipped");
    }
    for (i = 0; rc >= 0 && i < json_array_size(resources); i++) {
        const json_t *r = json_array_get(resources, i), *dr;
        const char *lid = sv(r, "LogicalResourceId");
        const char *type = sv(r, "ResourceType");
        const char *status;
        json_t *u = NULL;

        dr = drift_of(drifts, lid);
        status = dr ? sv(dr, "StackResourceDriftStatus") : "";
        n_reported += !strcmp(status, "MODIFIED") || !strcmp(status, "DELETED");
        if (!dr)
            u = json_pack("{s:s, s:s, s:s, s:s}", "logical_id", lid, "type", type, "status",
                          "NOT_CHECKED", "reason", "no drift result: CloudFormation does not "
                          "check this resource");
        else if (is_unchecked(status))
            u = json_pack("{s:s, s:s, s:s, s:s}", "logical_id", lid, "type", type, "status",
                          status, "reason", *sv(dr, "DriftStatusReason") ?
                          sv(dr, "DriftStatusReason") : "CloudFormation did not check it");
        else if (!strcmp(status, "IN_SYNC"))
            n_sync++;
        else if ((rc = judge(report, t->stack, stack_id, dr, o->ignore, drifted, e)) == 1)
            n_drifted++;
        else if (rc == 0)
            n_sync++;
        if ((!dr || is_unchecked(status)) && (!u || json_array_append_new(unchecked, u) < 0))
            rc = nomem(e);
    }
    json_decref(drifts);
    json_object_set_new(sec, "drifted", json_integer(n_drifted));
    json_object_set_new(sec, "in_sync", json_integer(n_sync));
    /* CloudFormation's own verdict must agree with what it listed */
    if (rc >= 0 && ((!strcmp(d.st.stack_drift_status, "DRIFTED") && n_reported == 0) ||
                    (d.st.drifted_count >= 0 && d.st.drifted_count != n_reported))) {
        json_object_set_new(sec, "incomplete", json_true());
        rc = err_set(e, GEN_EAWS, NULL, 0, "drift detection of %s: CloudFormation counts %ld "
                     "drifted resources (stack %s) but lists %d", t->stack, d.st.drifted_count,
                     *d.st.stack_drift_status ? d.st.stack_drift_status : "status not given",
                     n_reported);
    }
    if (rc >= 0 && !strcmp(d.st.detection_status, "DETECTION_FAILED")) {
        json_object_set_new(sec, "incomplete", json_true());
        rc = err_set(e, GEN_EAWS, NULL, 0, "drift detection failed for %s: %s", t->stack,
                     *d.st.reason ? d.st.reason : "CloudFormation gave no reason");
    }
    cfn_drift_status_free(&d.st);
    return rc < 0 ? rc : 0;
}

/* -------------------------------------------------------------- summary */

static size_t count(const json_t *report, const char *sec)
{
    return json_array_size(json_object_get(json_object_get(report, sec), "differences"));
}

static void summarise(json_t *report)
{
    const json_t *res = json_object_get(report, "resources");
    const json_t *lam = json_object_get(report, "lambda");
    const char *state = json_string_value(json_object_get(report, "state"));
    char s[1024];
    size_t n = 0, k;
    static const char *const SECS[] = { "template", "parameters", "tags" };

#define ADD(...) (n += (size_t)snprintf(s + n, n < sizeof s ? sizeof s - n : 0, __VA_ARGS__), \
                  n = n < sizeof s ? n : sizeof s - 1)
    if (!strcmp(state, "not_deployed")) {
        ADD("not deployed");
    } else if (!strcmp(state, "busy")) {
        ADD("%s: not checked", json_string_value(json_object_get(report, "status")));
    } else {
        if (json_is_true(json_object_get(res, "checked")))
            ADD("%lld of %lld resources drifted%s; ",
                (long long)json_integer_value(json_object_get(res, "drifted")),
                (long long)json_integer_value(json_object_get(res, "total")),
                json_is_true(json_object_get(res, "incomplete")) ? " (detection incomplete)" : "");
        else if (res)
            ADD("resources not checked (%s); ",
                *sv(res, "skipped") ? sv(res, "skipped") : "error");
        for (k = 0; k < 3; k++) {
            size_t skipped = json_array_size(json_object_get(json_object_get(report, SECS[k]),
                                                             "not_compared"));

            if (!json_object_get(report, SECS[k]))
                continue;
            if (count(report, SECS[k]))
                ADD("%s drifted (%zu", SECS[k], count(report, SECS[k]));
            else
                ADD("%s in sync (", SECS[k]);
            if (skipped)
                ADD("%s%zu not compared", count(report, SECS[k]) ? ", " : "", skipped);
            if (n >= 1 && s[n - 1] == '(')
                s[n -= 2] = '\0';        /* "in sync (" with nothing inside */
            else
                ADD(")");
            ADD("; ");
        }
        if (json_is_true(json_object_get(lam, "checked")) &&
            json_integer_value(json_object_get(lam, "total")) > 0)
            ADD(count(report, "lambda") ? "Lambda code drifted (%zu); " :
                json_integer_value(json_object_get(lam, "in_sync")) ? "Lambda code in sync; " :
                "Lambda code unchecked; ", count(report, "lambda"));
        else if (lam && !json_is_true(json_object_get(lam, "checked")) &&
                 !strcmp(sv(lam, "skipped"), "error"))
            ADD("Lambda code not checked (error); ");
        if (json_array_size(json_object_get(report, "unchecked")))
            ADD("%zu unchecked; ", json_array_size(json_object_get(report, "unchecked")));
        if (json_array_size(json_object_get(report, "ignored")))
            ADD("%zu ignored; ", json_array_size(json_object_get(report, "ignored")));
        if (n >= 2 && !strcmp(s + n - 2, "; "))
            s[n -= 2] = '\0';
        if (!strcmp(state, "error"))
            ADD("%serror", n ? "; " : "");
    }
#undef ADD
    json_object_set_new(report, "summary", json_string(s));
}

static int drifted(const json_t *report)
{
    return count(report, "template") || count(report, "parameters") || count(report, "tags") ||
           count(report, "lambda") ||
           json_integer_value(json_object_get(json_object_get(report, "resources"), "drifted")) > 0;
}

json_t *drift_error_report(const char *stack, const char *region, const char *error)
{
    json_t *r = json_pack("{s:s, s:s?, s:n, s:s, s:s, s:[], s:[]}", "stack", stack, "region",
                          region, "status", "state", "error", "error", error, "unchecked",
                          "ignored");

    if (r)
        summarise(r);
    return r;
}

int drift_verdict(const json_t *report)
{
    const char *state = json_string_value(json_object_get(report, "state"));

    if (!state || !strcmp(state, "error") || !strcmp(state, "busy"))
        return 1;
    return !strcmp(state, "in_sync") ? 0 : 2;
}

/* -------------------------------------------------------------- one stack */

int drift_check(struct aws *a, const struct deploy_target *t, const struct drift_opts *o,
                json_t **report, struct gen_err *e)
{
    struct cfn_stack st = { 0 };
    struct template_doc mine = { 0 };
    const json_t *rendered = NULL;
    json_t *r, *resources = NULL, *params = NULL;
    int rc;

    *report = NULL;
    rc = cfn_describe_stack(a, t->stack, &st, e);
    if (rc < 0) {
        cfn_stack_free(&st);
        return rc;
    }
    r = json_pack("{s:s, s:s?, s:s?, s:[], s:[]}", "stack", t->stack, "region", aws_region(a),
                  "status", st.exists ? st.status : NULL, "unchecked", "ignored");
    if (!r) {
        cfn_stack_free(&st);
        return nomem(e);
    }
    if (!st.exists || !strcmp(st.status, "REVIEW_IN_PROGRESS") ||
        !strcmp(st.status, "ROLLBACK_COMPLETE")) {      /* never created */
        json_object_set_new(r, "state", json_string("not_deployed"));
    } else if (ends_with(st.status, "_IN_PROGRESS")) {
        char why[300];

        snprintf(why, sizeof why, "the stack is %s: check again when it has settled "
                 "(luaform wait %s)", st.status, t->stack);
        json_object_set_new(r, "state", json_string("busy"));
        json_object_set_new(r, "error", json_string(why));
    } else {
        rc = template_drift(a, t, r, &rendered, &mine, e);
        if (rc == 0)
            rc = parameter_drift(t, rendered, &st, r, &params, e);
        if (rc == 0)
            rc = tag_drift(t, &st, r, e);
        if (rc == 0 && o->template_only) {
            json_object_set_new(r, "resources", json_pack("{s:b, s:s}", "checked", 0,
                                "skipped", "--template-only"));
            json_object_set_new(r, "lambda", json_pack("{s:b, s:s}", "checked", 0,
                                "skipped", "--template-only"));
        } else if (rc == 0) {
            rc = cfn_list_stack_resources(a, t->stack, &resources, e);
            if (rc == 0)
                rc = resource_drift(a, t, o, st.id, resources, r, e);
            if (rc == 0)
                rc = drift_lambda(a, rendered, st.id, resources, params, r, e);
        }
        if (rc < 0 && rc != GEN_ENOMEM) {
            char msg[sizeof e->msg + 300];

            err_format(e, msg, sizeof msg);
            json_object_set_new(r, "state", json_string("error"));
            json_object_set_new(r, "error", json_string(msg));
            rc = 0;
        } else if (rc == 0) {
            json_object_set_new(r, "state", json_string(drifted(r) ? "drifted" : "in_sync"));
        }
    }
    json_decref(resources);
    json_decref(params);
    load_free(&mine);
    cfn_stack_free(&st);
    if (rc < 0) {
        json_decref(r);
        return rc;
    }
    summarise(r);
    *report = r;
    return 0;
}
