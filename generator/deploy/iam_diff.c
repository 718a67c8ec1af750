/* iam_diff.c: the IAM changes between a deployed template and a new one,
 * compared statement by statement on their action, resource and principal
 * sets (IAM wildcards) and conditions; see iam_diff.h. */
#include "deploy/iam_diff.h"
#include "review/wildcard.h"
#include "core/err.h"
#include "review/extract.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ wildcards */

/* Is s covered by any string of list? */
static int any_covers(const json_t *list, const char *s, int icase)
{
    size_t i;
    json_t *v;

    json_array_foreach(list, i, v)
        if (json_is_string(v) && wildcard_covers(json_string_value(v), s, icase))
            return 1;
    return 0;
}

/* Do a and b name some string in common (either covers the other: close
 * enough for the lists IAM policies hold)? */
static int any_overlaps(const json_t *list, const char *s, int icase)
{
    size_t i;
    json_t *v;

    json_array_foreach(list, i, v) {
        const char *x = json_string_value(v);

        if (x && (wildcard_covers(x, s, icase) || wildcard_covers(s, x, icase)))
            return 1;
    }
    return 0;
}

/* ------------------------------------------------------------ statements */

static const json_t *list_of(const json_t *o, const char *key)
{
    static json_t *empty;
    const json_t *v = json_object_get(o, key);

    if (json_is_array(v))
        return v;
    if (!empty)
        empty = json_array();   /* one, never freed: a constant */
    return empty;
}

static int flag_of(const json_t *o, const char *key)
{
    return json_is_true(json_object_get(o, key));
}

static const char *str_of(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* A statement's principal as "Key:value" strings ("*" for everyone). */
static json_t *principals(const json_t *stmt)
{
    const json_t *p = json_object_get(stmt, "principal");
    json_t *out = json_array(), *vals, *v;
    const char *k;
    size_t i;
    char buf[1024];

    if (json_is_string(p)) {
        json_array_append_new(out, json_string(json_string_value(p)));
        return out;
    }
    json_object_foreach((json_t *)p, k, vals) {
        if (json_is_string(vals)) {
            snprintf(buf, sizeof buf, "%s:%s", k, json_string_value(vals));
            json_array_append_new(out, json_string(buf));
        }
        json_array_foreach(vals, i, v)
            if (json_is_string(v)) {
                snprintf(buf, sizeof buf, "%s:%s", k, json_string_value(v));
                json_array_append_new(out, json_string(buf));
            }
    }
    return out;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(json_string_value(*(json_t *const *)a), json_string_value(*(json_t *const *)b));
}

/* A sorted copy of a list of strings (what a set compares by). */
static json_t *sorted(const json_t *list)
{
    size_t i, n = json_array_size(list), k = 0;
    json_t **v = calloc(n + 1, sizeof *v), *out = json_array();

    for (i = 0; v && i < n; i++)
        if (json_is_string(json_array_get(list, i)))
            v[k++] = json_array_get(list, i);
    if (v)
        qsort(v, k, sizeof *v, cmp_str);
    for (i = 0; v && i < k; i++)
        json_array_append(out, v[i]);
    free(v);
    return out;
}

/* What two statements are compared by: their meaning, not where they are
 * written or what they are called. */
static json_t *meaning(const json_t *stmt)
{
    json_t *p = principals(stmt), *m;

    m = json_pack("{s:s?, s:o, s:b, s:o, s:b, s:o, s:b, s:O?}",
                  "effect", str_of(stmt, "effect"),
                  "action", sorted(list_of(stmt, "action")), "not_action", flag_of(stmt, "not_action"),
                  "resource", sorted(list_of(stmt, "resource")),
                  "not_resource", flag_of(stmt, "not_resource"),
                  "principal", sorted(p), "not_principal", flag_of(stmt, "not_principal"),
                  "condition", json_object_get(stmt, "condition"));
    json_decref(p);
    return m;
}

/* ------------------------------------------------------------ reasons */

/* How a reason is worded, by direction: what a wider statement has that a
 * narrower one has not. */
struct words {
    const char *item[3];        /* action, resource, principal: "adds %s" */
    const char *cond_missing;   /* the narrower has a condition the wider lacks: op, key */
    const char *cond_value;     /* op, key, value */
};

static const struct words grants_more = {
    { "adds %s", "adds resource %s", "adds principal %s" },
    "drops condition %s %s", "loosens condition %s %s (allows %s)"
};
static const struct words grants_less = {
    { "removes %s", "removes resource %s", "removes principal %s" },
    "adds condition %s %s", "tightens condition %s %s (no longer allows %s)"
};
static const struct words denies_less = {
    { "no longer denies %s", "no longer denies on resource %s", "no longer denies principal %s" },
    "adds condition %s %s to the Deny", "narrows the Deny's condition %s %s (%s)"
};
static const struct words denies_more = {
    { "also denies %s", "also denies on resource %s", "also denies principal %s" },
    "drops condition %s %s from the Deny", "widens the Deny's condition %s %s (%s)"
};

static void say(json_t *reasons, const char *fmt, const char *a, const char *b, const char *c)
{
    char buf[1024];

    snprintf(buf, sizeof buf, fmt, a, b, c);
    json_array_append_new(reasons, json_string(buf));
}

/* One of the three sets (dim 0 action, 1 resource, 2 principal): what
 * wide grants that narrow does not. A Not* list grants all but its items. */
static void set_gap(const json_t *wide, int wide_not, const json_t *narrow, int narrow_not,
                    int dim, const struct words *w, json_t *reasons)
{
    static const char *const not_name[] = { "NotAction", "NotResource", "NotPrincipal" };
    int icase = dim == 0;
    char subject[1024];
    size_t i;
    json_t *v;

    if (!wide_not && !narrow_not) {         /* each item wide names, narrow must cover */
        json_array_foreach(wide, i, v)
            if (json_is_string(v) && !any_covers(narrow, json_string_value(v), icase))
                say(reasons, w->item[dim], json_string_value(v), "", "");
    } else if (!wide_not) {                 /* narrow grants all but its list */
        json_array_foreach(wide, i, v)
            if (json_is_string(v) && any_overlaps(narrow, json_string_value(v), icase))
                say(reasons, w->item[dim], json_string_value(v), "", "");
    } else if (!narrow_not) {               /* wide grants all but its list */
        if (!any_covers(narrow, "*", icase)) {
            snprintf(subject, sizeof subject, "everything but what %s lists", not_name[dim]);
            say(reasons, w->item[dim], subject, "", "");
        }
    } else {                                /* both exclude: wide excludes less */
        json_array_foreach(narrow, i, v)
            if (json_is_string(v) && !any_covers(wide, json_string_value(v), icase)) {
                snprintf(subject, sizeof subject, "%s (%s)", json_string_value(v),
                         not_name[dim]);
                say(reasons, w->item[dim], subject, "", "");
            }
    }
}

/* Condition operators, by how their values bound a request. */
enum op_class { OP_ALLOWS, OP_ALLOWS_LIKE, OP_EXCLUDES, OP_EXCLUDES_LIKE, OP_EXACT };

static enum op_class op_class(const char *op)
{
    const char *colon = strchr(op, ':');
    const char *base = colon ? colon + 1 : op;     /* ForAnyValue:, ForAllValues: */
    int like = strstr(base, "Like") || !strncmp(base, "Arn", 3);
    int neg = strstr(base, "Not") != NULL;

    if (!strncmp(base, "String", 6) || !strncmp(base, "Arn", 3))
        return neg ? (like ? OP_EXCLUDES_LIKE : OP_EXCLUDES) : (like ? OP_ALLOWS_LIKE : OP_ALLOWS);
    if (!strncmp(base, "IpAddress", 9))
        return OP_ALLOWS;
    if (!strncmp(base, "NotIpAddress", 12))
        return OP_EXCLUDES;
    return OP_EXACT;            /* Bool, Null, Numeric*, Date*, Binary: any change counts */
}

/* v as a list (a single value becomes one item); a new reference. */
static json_t *as_list(const json_t *v)
{
    return json_is_array(v) ? json_incref((json_t *)v) : json_pack("[O]", v);
}

static int in_list(const json_t *list, const char *s, int like)
{
    size_t i;
    json_t *v;

    if (like)
        return any_covers(list, s, 0);
    json_array_foreach(list, i, v)
        if (json_is_string(v) && !strcmp(json_string_value(v), s))
            return 1;
    return 0;
}

/* One condition key in both: what wide's values let through that
 * narrow's do not (for an operator that excludes, what narrow excludes
 * and wide no longer does). */
static void values_gap(const char *op, const char *key, const json_t *wv, const json_t *nv,
                       const struct words *w, json_t *reasons)
{
    enum op_class c = op_class(op);
    int like = c == OP_ALLOWS_LIKE || c == OP_EXCLUDES_LIKE;
    int excludes = c == OP_EXCLUDES || c == OP_EXCLUDES_LIKE;
    json_t *a = as_list(wv), *b = as_list(nv);
    size_t i;
    json_t *v;

    if (c == OP_EXACT) {
        json_t *sa = sorted(a), *sb = sorted(b);

        if (!json_equal(sa, sb))
            say(reasons, w->cond_value, op, key, "values changed");
        json_decref(sa);
        json_decref(sb);
    } else {
        json_array_foreach(excludes ? b : a, i, v) {
            const char *s = json_string_value(v);

            if (s && !in_list(excludes ? a : b, s, like))
                say(reasons, w->cond_value, op, key, s);
        }
    }
    json_decref(a);
    json_decref(b);
}

/* Conditions: what wide lets through that narrow does not. A key narrow
 * tests and wide does not is a dropped condition. */
static void cond_gap(const json_t *wide, const json_t *narrow, const struct words *w,
                     json_t *reasons)
{
    const char *op, *key;
    json_t *keys, *nv;

    json_object_foreach((json_t *)narrow, op, keys) {
        json_object_foreach(keys, key, nv) {
            const json_t *wv = json_object_get(json_object_get(wide, op), key);

            if (!wv)
                say(reasons, w->cond_missing, op, key, "");
            else
                values_gap(op, key, wv, nv, w, reasons);
        }
    }
}

/* Everything wide grants that narrow does not (both of one effect). */
static void gap(const json_t *wide, const json_t *narrow, const struct words *w,
                json_t *reasons)
{
    static const char *const sets[] = { "action", "resource" };
    static const char *const nots[] = { "not_action", "not_resource" };
    json_t *pw = principals(wide), *pn = principals(narrow);
    int d;

    for (d = 0; d < 2; d++)
        set_gap(list_of(wide, sets[d]), flag_of(wide, nots[d]), list_of(narrow, sets[d]),
                flag_of(narrow, nots[d]), d, w, reasons);
    if (json_array_size(pw) || json_array_size(pn))
        set_gap(pw, flag_of(wide, "not_principal"), pn, flag_of(narrow, "not_principal"), 2,
                w, reasons);
    cond_gap(json_object_get(wide, "condition"), json_object_get(narrow, "condition"), w,
             reasons);
    json_decref(pw);
    json_decref(pn);
}

/* ------------------------------------------------------------ changes */

struct diff {
    json_t *changes;
    int broadening;
    const char *owner, *type;   /* the principal or resource policy compared */
    int owner_new, owner_gone;  /* a new role; a role removed (its Denies go with it) */
};

/* reasons joined into one line: the first four, and how many more. */
static json_t *why_of(const json_t *reasons)
{
    char buf[2048];
    size_t i, n = json_array_size(reasons), len = 0;

    buf[0] = '\0';
    for (i = 0; i < n && i < 4; i++)
        len += (size_t)snprintf(buf + len, len < sizeof buf ? sizeof buf - len : 0, "%s%s",
                                i ? "; " : "", json_string_value(json_array_get(reasons, i)));
    if (n > 4 && len < sizeof buf)
        snprintf(buf + len, sizeof buf - len, "; and %zu more", n - 4);
    return json_string(buf);
}

static void add_change(struct diff *d, const char *kind, const char *change, int broadens,
                       const json_t *stmt, const json_t *old, json_t *why)
{
    json_array_append_new(d->changes, json_pack("{s:s?, s:s?, s:s, s:s, s:b, s:O?, s:O?, s:o}",
        "principal", d->owner, "type", d->type, "kind", kind, "change", change,
        "broadens", broadens, "statement", stmt, "old", old, "why", why));
    if (broadens)
        d->broadening = 1;
}

/* "grants s3:GetObject, s3:PutObject to Service:lambda.amazonaws.com" */
static json_t *summary(const json_t *stmt, const char *verb, const char *prefix)
{
    const json_t *acts = list_of(stmt, "action");
    json_t *p = principals(stmt), *v;
    char buf[1024];
    size_t i, len = (size_t)snprintf(buf, sizeof buf, "%s%s%s", prefix, verb,
                                     flag_of(stmt, "not_action") ? " all but" : "");

    json_array_foreach(acts, i, v)
        if (i < 3 && len < sizeof buf)
            len += (size_t)snprintf(buf + len, sizeof buf - len, "%s %s", i ? "," : "",
                                    json_string_value(v));
    if (json_array_size(acts) > 3 && len < sizeof buf)
        len += (size_t)snprintf(buf + len, sizeof buf - len, " and %zu more",
                                json_array_size(acts) - 3);
    if (json_array_size(p) && len < sizeof buf)
        snprintf(buf + len, sizeof buf - len, " to %s%s", json_string_value(json_array_get(p, 0)),
                 json_array_size(p) > 1 ? " and others" : "");
    json_decref(p);
    return json_string(buf);
}

static int is_allow(const json_t *stmt)
{
    const char *eff = str_of(stmt, "effect");

    return !eff || strcmp(eff, "Deny");
}

static void added(struct diff *d, const char *kind, const json_t *stmt)
{
    int allow = is_allow(stmt);
    const char *pre = d->owner_new ? "new role: " : "";

    add_change(d, kind, "added", allow, stmt, NULL,
               summary(stmt, allow ? "grants" : "denies", pre));
}

static void removed(struct diff *d, const char *kind, const json_t *stmt)
{
    int allow = is_allow(stmt);

    add_change(d, kind, "removed", !allow && !d->owner_gone, stmt, NULL,
               summary(stmt, allow ? "no longer grants" : "no longer denies",
                       d->owner_gone ? "role removed: " : ""));
}

/* A statement that changed: does it broaden, or only narrow? */
static void changed(struct diff *d, const char *kind, const json_t *o, const json_t *n)
{
    int allow = is_allow(n);
    json_t *why = json_array();

    if (allow != is_allow(o)) {
        say(why, allow ? "turns a Deny into an Allow" : "turns an Allow into a Deny", "", "", "");
        add_change(d, kind, allow ? "broadened" : "narrowed", allow, n, o, why_of(why));
        json_decref(why);
        return;
    }
    if (allow)
        gap(n, o, &grants_more, why);
    else
        gap(o, n, &denies_less, why);
    if (json_array_size(why)) {
        add_change(d, kind, "broadened", 1, n, o, why_of(why));
    } else {
        if (allow)
            gap(o, n, &grants_less, why);
        else
            gap(n, o, &denies_more, why);
        if (!json_array_size(why))
            say(why, "grants nothing new (written differently)", "", "", "");
        add_change(d, kind, "narrowed", 0, n, o, why_of(why));
    }
    json_decref(why);
}

/* ------------------------------------------------------------ matching */

struct side {
    const json_t *list;
    size_t n;
    json_t **meaning;
    char *used;
};

static int side_init(struct side *s, const json_t *list)
{
    size_t i;

    s->list = list;
    s->n = json_array_size(list);
    s->meaning = calloc(s->n + 1, sizeof *s->meaning);
    s->used = calloc(s->n + 1, 1);
    if (!s->meaning || !s->used)
        return -1;
    for (i = 0; i < s->n; i++)
        s->meaning[i] = meaning(json_array_get(list, i));
    return 0;
}

static void side_free(struct side *s)
{
    size_t i;

    for (i = 0; s->meaning && i < s->n; i++)
        json_decref(s->meaning[i]);
    free(s->meaning);
    free(s->used);
}

static int same_str(const json_t *a, const json_t *b, const char *key)
{
    const char *x = str_of(a, key), *y = str_of(b, key);

    return x && y && !strcmp(x, y);
}

/* Do two statements of one effect share an action? */
static int share_action(const json_t *a, const json_t *b)
{
    size_t i;
    json_t *v;

    if (flag_of(a, "not_action") || flag_of(b, "not_action"))
        return flag_of(a, "not_action") == flag_of(b, "not_action");
    json_array_foreach(list_of(a, "action"), i, v)
        if (json_is_string(v) && any_overlaps(list_of(b, "action"), json_string_value(v), 1))
            return 1;
    return 0;
}

/* How well old statement o stands for new statement n: 0 not at all. */
static int kinship(int pass, const json_t *o, const json_t *n, const json_t *mo,
                   const json_t *mn)
{
    switch (pass) {
    case 0: return json_equal(mo, mn);          /* the same meaning: unchanged */
    case 1: return same_str(o, n, "sid") && same_str(o, n, "policy");
    case 2: return same_str(o, n, "policy") && is_allow(o) == is_allow(n) &&
                   share_action(o, n) ? 1 + same_str(o, n, "path") : 0;
    default: return same_str(o, n, "path");
    }
}

/* Pair old and new statements (pass by pass, the best kin first), report
 * the pairs that differ, then what is left: added and removed. */
static int diff_list(struct diff *d, const char *kind, const json_t *old, const json_t *new)
{
    struct side so = { 0 }, sn = { 0 };
    size_t i, j;
    int pass, rc = 0;

    if (side_init(&so, old) < 0 || side_init(&sn, new) < 0) {
        rc = -1;
        goto out;
    }
    for (pass = 0; pass < 4; pass++)
        for (j = 0; j < sn.n; j++) {
            const json_t *n = json_array_get(new, j);
            size_t best = so.n;
            int score = 0;

            for (i = 0; !sn.used[j] && i < so.n; i++) {
                int k = so.used[i] ? 0 : kinship(pass, json_array_get(old, i), n,
                                                  so.meaning[i], sn.meaning[j]);

                if (k > score) {
                    score = k;
                    best = i;
                }
            }
            if (best == so.n)
                continue;
            so.used[best] = sn.used[j] = 1;
            if (pass > 0)
                changed(d, kind, json_array_get(old, best), n);
        }
    for (j = 0; j < sn.n; j++)
        if (!sn.used[j])
            added(d, kind, json_array_get(new, j));
    for (i = 0; i < so.n; i++)
        if (!so.used[i])
            removed(d, kind, json_array_get(old, i));
out:
    side_free(&so);
    side_free(&sn);
    return rc;
}

/* ------------------------------------------------------------ principals */

static const json_t *find(const json_t *list, const json_t *item)
{
    const char *id = str_of(item, "id");
    size_t i;
    json_t *v;

    json_array_foreach(list, i, v)
        if (id && same_str(v, item, "id") && same_str(v, item, "type"))
            return v;
    return NULL;
}

static void diff_managed(struct diff *d, const json_t *old, const json_t *new)
{
    size_t i;
    json_t *v;
    char buf[1024];

    json_array_foreach(new, i, v)
        if (json_is_string(v) && !in_list(old, json_string_value(v), 0)) {
            snprintf(buf, sizeof buf, "%sattaches managed policy %s",
                     d->owner_new ? "new role: " : "", json_string_value(v));
            add_change(d, "managed", "added", 1, v, NULL, json_string(buf));
        }
    json_array_foreach(old, i, v)
        if (json_is_string(v) && !in_list(new, json_string_value(v), 0)) {
            snprintf(buf, sizeof buf, "detaches managed policy %s", json_string_value(v));
            add_change(d, "managed", "removed", 0, v, NULL, json_string(buf));
        }
}

static void diff_boundary(struct diff *d, const json_t *old, const json_t *new)
{
    const char *o = json_string_value(old), *n = json_string_value(new);
    char buf[2048];

    if ((!o && !n) || (o && n && !strcmp(o, n)))
        return;
    if (!o) {
        snprintf(buf, sizeof buf, "sets permissions boundary %s", n);
        add_change(d, "boundary", "added", 0, new, NULL, json_string(buf));
    } else if (!n) {
        snprintf(buf, sizeof buf, "removes permissions boundary %s", o);
        add_change(d, "boundary", "removed", 1, old, NULL, json_string(buf));
    } else {
        snprintf(buf, sizeof buf, "changes permissions boundary %s to %s", o, n);
        add_change(d, "boundary", "broadened", 1, new, old, json_string(buf));
    }
}

/* One principal: o or n NULL when it is new or removed. */
static int diff_principal(struct diff *d, const json_t *o, const json_t *n)
{
    const json_t *x = n ? n : o;

    d->owner = str_of(x, "id");
    d->type = str_of(x, "type");
    d->owner_new = !o;
    d->owner_gone = !n;
    if (diff_list(d, "trust", list_of(o, "trust"), list_of(n, "trust")) < 0 ||
        diff_list(d, "permission", list_of(o, "permissions"), list_of(n, "permissions")) < 0)
        return -1;
    diff_managed(d, list_of(o, "managed"), list_of(n, "managed"));
    if (o && n)
        diff_boundary(d, json_object_get(o, "boundary"), json_object_get(n, "boundary"));
    return 0;
}

static int diff_resource_policy(struct diff *d, const json_t *o, const json_t *n)
{
    const json_t *x = n ? n : o;

    d->owner = str_of(x, "id");
    d->type = str_of(x, "type");
    d->owner_new = d->owner_gone = 0;
    return diff_list(d, "resource-policy", list_of(o, "statements"), list_of(n, "statements"));
}

/* Every item of the old and the new list of a model, paired by id. */
static int diff_items(struct diff *d, const json_t *old, const json_t *new,
                      int (*one)(struct diff *, const json_t *, const json_t *))
{
    size_t i;
    json_t *v;

    json_array_foreach(new, i, v)
        if (one(d, find(old, v), v) < 0)
            return -1;
    json_array_foreach(old, i, v)
        if (!find(new, v) && one(d, v, NULL) < 0)
            return -1;
    return 0;
}

int iam_diff_models(const json_t *old_model, const json_t *new_model, json_t **out,
                    struct gen_err *e)
{
    struct diff d = { 0 };

    d.changes = json_array();
    if (!d.changes ||
        diff_items(&d, list_of(old_model, "principals"), list_of(new_model, "principals"),
                   diff_principal) < 0 ||
        diff_items(&d, list_of(old_model, "resource_policies"),
                   list_of(new_model, "resource_policies"), diff_resource_policy) < 0) {
        json_decref(d.changes);
        return err_set(e, GEN_ENOMEM, NULL, 0, "out of memory comparing IAM policies");
    }
    *out = json_pack("{s:o, s:b}", "changes", d.changes, "broadening", d.broadening);
    if (!*out)
        return err_set(e, GEN_ENOMEM, NULL, 0, "out of memory comparing IAM policies");
    return 0;
}

int iam_diff_templates(const json_t *old_tpl, const json_t *new_tpl, json_t **out,
                       struct gen_err *e)
{
    json_t *om = NULL, *nm = NULL;
    int rc;

    if ((old_tpl && (rc = extract_policies(old_tpl, &om, e)) < 0) ||
        (rc = extract_policies(new_tpl, &nm, e)) < 0) {
        json_decref(om);
        return rc;
    }
    rc = iam_diff_models(om, nm, out, e);
    json_decref(om);
    json_decref(nm);
    return rc;
}
