/* extract.c: the policy model of a template (extract.h). */
#include "review/extract.h"
#include "review/readable.h"
#include "core/buf.h"
#include "core/err.h"
#include "template/path.h"

#include <stdlib.h>
#include <string.h>

/* ---- values ---------------------------------------------------------- */

static json_t *rstr(const json_t *v)
{
    char *s = readable(v);
    json_t *j = s ? json_string(s) : NULL;

    free(s);
    return j;
}

/* The Fn::If [cond, a, b] v holds, or NULL. */
static const json_t *fn_if(const json_t *v)
{
    const json_t *f = json_object_size(v) == 1 ? json_object_get(v, "Fn::If") : NULL;

    return json_is_array(f) && json_array_size(f) == 3 ? f : NULL;
}

static int is_novalue(const json_t *v)
{
    const json_t *r = json_object_get(v, "Ref");

    return json_is_string(r) && !strcmp(json_string_value(r), "AWS::NoValue");
}

/* append v's items to a: a list item by item, an Fn::If as both branches'
 * items (a reviewer must assume either), AWS::NoValue as none */
static void add_items(json_t *a, const json_t *v)
{
    const json_t *f = fn_if(v), *x;
    size_t i;

    if (f) {
        add_items(a, json_array_get(f, 1));
        add_items(a, json_array_get(f, 2));
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, x)
            add_items(a, x);
    } else if (v && !is_novalue(v)) {
        json_array_append_new(a, rstr(v));
    }
}

/* v as a list of readable strings (add_items) */
static json_t *rlist(const json_t *v)
{
    json_t *a = json_array();

    if (a)
        add_items(a, v);
    return a;
}

/* A statement's Effect: an Fn::If is "Allow" when either branch is */
static json_t *effect(const json_t *v)
{
    const json_t *f = fn_if(v);
    json_t *a, *b;

    if (!v)
        return json_string("Allow");
    if (!f)
        return rstr(v);
    a = effect(json_array_get(f, 1));
    b = effect(json_array_get(f, 2));
    if (json_is_string(b) && !strcmp(json_string_value(b), "Allow")) {
        json_decref(a);
        return b;
    }
    json_decref(b);
    return a;
}

/* operator -> key -> [readable values] */
static json_t *condition(const json_t *c)
{
    json_t *out, *ops;
    const char *op, *k;
    const json_t *keys, *v;

    if (!json_is_object(c))
        return c ? rstr(c) : json_null();
    out = json_object();
    json_object_foreach((json_t *)c, op, keys) {
        if (!json_is_object(keys)) {
            json_object_set_new(out, op, rstr(keys));
            continue;
        }
        ops = json_object();
        json_object_foreach((json_t *)keys, k, v)
            json_object_set_new(ops, k, rlist(v));
        json_object_set_new(out, op, ops);
    }
    return out;
}

/* merge principal p into out ({type: [...]}); 1 when a branch is "*" */
static int add_principal(json_t *out, const json_t *p)
{
    const json_t *f = fn_if(p), *v;
    const char *k;
    json_t *l;

    if (f)
        return add_principal(out, json_array_get(f, 1)) |
               add_principal(out, json_array_get(f, 2));
    if (json_is_string(p) && !strcmp(json_string_value(p), "*"))
        return 1;
    json_object_foreach((json_t *)p, k, v) {
        l = json_object_get(out, k);
        if (!l) {
            l = json_array();
            json_object_set_new(out, k, l);
        }
        add_items(l, v);
    }
    return 0;
}

/* "*", or {"AWS": [...], "Service": [...], ...}, or null; an Fn::If is
 * "*" when either branch is, else both branches merged */
static json_t *principal(const json_t *p)
{
    json_t *out;

    if (!p)
        return json_null();
    if (!fn_if(p) && (!json_is_object(p) || json_object_get(p, "Ref")))
        return json_is_string(p) && !strcmp(json_string_value(p), "*") ? json_string("*")
                                                                        : rstr(p);
    out = json_object();
    if (add_principal(out, p)) {
        json_decref(out);
        return json_string("*");
    }
    return out;
}

/* The logical id a Ref or Fn::GetAtt names, or NULL. */
static const char *ref_id(const json_t *v)
{
    const json_t *r = json_object_get(v, "Ref"), *g = json_object_get(v, "Fn::GetAtt");

    if (json_object_size(v) != 1)
        return NULL;
    if (json_is_string(r))
        return json_string_value(r);
    if (json_is_array(g) && json_is_string(json_array_get(g, 0)))
        return json_string_value(json_array_get(g, 0));
    return NULL;
}

/* ---- statements ------------------------------------------------------ */

struct walk {
    struct buf path;
    const char *policy;    /* the "policy" label of the statements */
    json_t *out;           /* the list they are appended to */
};

/* set key to a readable list of s's k (or of its Not form), with flag */
static void set_list(json_t *o, const json_t *s, const char *k, const char *notk,
                     const char *key, const char *flag)
{
    const json_t *v = json_object_get(s, k), *nv = json_object_get(s, notk);

    json_object_set_new(o, key, v || nv ? rlist(v ? v : nv) : json_array());
    json_object_set_new(o, flag, json_boolean(!v && nv));
}

static void add_statement(struct walk *w, const json_t *s)
{
    json_t *o = json_object();
    const json_t *sid = json_object_get(s, "Sid"), *p = json_object_get(s, "Principal"),
                 *np = json_object_get(s, "NotPrincipal");

    json_object_set_new(o, "path", json_string(buf_cstr(&w->path)));
    json_object_set_new(o, "policy", json_string(w->policy));
    json_object_set_new(o, "sid", sid ? rstr(sid) : json_null());
    json_object_set_new(o, "effect", effect(json_object_get(s, "Effect")));
    set_list(o, s, "Action", "NotAction", "action", "not_action");
    set_list(o, s, "Resource", "NotResource", "resource", "not_resource");
    json_object_set_new(o, "principal", principal(p ? p : np));
    json_object_set_new(o, "not_principal", json_boolean(!p && np));
    json_object_set_new(o, "condition", json_object_get(s, "Condition") ?
                        condition(json_object_get(s, "Condition")) : json_null());
    json_array_append_new(w->out, o);
}

static void walk_statement(struct walk *w, const json_t *s);

/* Fn::If [c, a, b]: both branches, path ...Fn::If[1] and ...Fn::If[2] */
static void walk_if(struct walk *w, const json_t *f,
                    void (*each)(struct walk *, const json_t *))
{
    size_t n = w->path.len, m, i;

    path_key(&w->path, "Fn::If");
    m = w->path.len;
    for (i = 1; i <= 2; i++) {
        path_index(&w->path, i);
        each(w, json_array_get(f, i));
        path_cut(&w->path, m);
    }
    path_cut(&w->path, n);
}

static void walk_statement(struct walk *w, const json_t *s)
{
    const json_t *f = fn_if(s);

    if (f)
        walk_if(w, f, walk_statement);
    else if (json_is_object(s) && !is_novalue(s))
        add_statement(w, s);
}

/* a Statement value: a list, one statement, or an Fn::If of either */
static void walk_statements(struct walk *w, const json_t *st)
{
    const json_t *f = fn_if(st), *x;
    size_t n = w->path.len, i;

    if (f) {
        walk_if(w, f, walk_statements);
    } else if (json_is_array(st)) {
        json_array_foreach(st, i, x) {
            path_index(&w->path, i);
            walk_statement(w, x);
            path_cut(&w->path, n);
        }
    } else {
        walk_statement(w, st);
    }
}

/* a policy document (or an Fn::If of documents) at path + key */
static void walk_doc(struct walk *w, const json_t *doc)
{
    const json_t *f = fn_if(doc);
    size_t n = w->path.len;

    if (f) {
        walk_if(w, f, walk_doc);
        return;
    }
    if (!json_is_object(doc) || !json_object_get(doc, "Statement"))
        return;
    path_key(&w->path, "Statement");
    walk_statements(w, json_object_get(doc, "Statement"));
    path_cut(&w->path, n);
}

/* Append the statements of props[key] (a policy document) to out. */
static void doc_statements(const char *rpath, const json_t *props, const char *key,
                           const char *policy, json_t *out)
{
    struct walk w;

    buf_init(&w.path);
    buf_adds(&w.path, rpath);
    path_key(&w.path, "Properties");
    path_key(&w.path, key);
    w.policy = policy;
    w.out = out;
    walk_doc(&w, json_object_get(props, key));
    buf_free(&w.path);
}

/* ---- principals ------------------------------------------------------ */

static const char *const principal_types[][2] = {
    { "AWS::IAM::Role", "RoleName" }, { "AWS::IAM::User", "UserName" },
    { "AWS::IAM::Group", "GroupName" },
};

static const char *name_prop(const char *type)
{
    size_t i;

    for (i = 0; i < sizeof principal_types / sizeof principal_types[0]; i++)
        if (!strcmp(type, principal_types[i][0]))
            return principal_types[i][1];
    return NULL;
}

static char *resource_path(const char *id)
{
    struct buf b;

    buf_init(&b);
    path_key(&b, "Resources");
    path_key(&b, id);
    buf_cstr(&b);
    return buf_detach(&b, NULL);
}

/* inline Policies: [{PolicyName, PolicyDocument}] (an item may be an Fn::If) */
static void inline_policies(const char *rpath, const json_t *props, json_t *out)
{
    const json_t *pols = json_object_get(props, "Policies"), *p;
    size_t i;

    json_array_foreach(pols, i, p) {
        struct walk w;
        char *name = readable(json_object_get(p, "PolicyName"));
        struct buf label;

        buf_init(&label);
        buf_printf(&label, "inline policy '%s'", name ? name : "");
        buf_init(&w.path);
        buf_adds(&w.path, rpath);
        path_key(&w.path, "Properties");
        path_key(&w.path, "Policies");
        path_index(&w.path, i);
        path_key(&w.path, "PolicyDocument");
        w.policy = buf_cstr(&label);
        w.out = out;
        walk_doc(&w, json_object_get(p, "PolicyDocument"));
        buf_free(&w.path);
        buf_free(&label);
        free(name);
    }
}

static json_t *new_principal(const char *id, const char *type, const json_t *props)
{
    json_t *o = json_object(), *trust = json_array(), *perms = json_array();
    char *rpath = resource_path(id);
    const json_t *name = json_object_get(props, name_prop(type)),
                 *bound = json_object_get(props, "PermissionsBoundary");

    json_object_set_new(o, "id", json_string(id));
    json_object_set_new(o, "type", json_string(type));
    json_object_set_new(o, "path", json_string(rpath));
    json_object_set_new(o, "name", name ? rstr(name) : json_null());
    json_object_set_new(o, "boundary", bound ? rstr(bound) : json_null());
    if (!strcmp(type, "AWS::IAM::Role"))
        doc_statements(rpath, props, "AssumeRolePolicyDocument", "AssumeRolePolicyDocument",
                       trust);
    inline_policies(rpath, props, perms);
    json_object_set_new(o, "trust", trust);
    json_object_set_new(o, "permissions", perms);
    json_object_set_new(o, "managed", rlist(json_object_get(props, "ManagedPolicyArns")));
    free(rpath);
    return o;
}

/* The principal of the model named by v (a Ref / GetAtt of its logical
 * id, or its name as written), or NULL. */
static json_t *find_principal(json_t *principals, const json_t *v)
{
    const char *id = ref_id(v);
    char *name = id ? NULL : readable(v);
    json_t *p, *found = NULL;
    size_t i;

    json_array_foreach(principals, i, p) {
        const char *pid = json_string_value(json_object_get(p, "id")),
                   *pname = json_string_value(json_object_get(p, "name"));

        if ((id && !strcmp(id, pid)) || (name && pname && !strcmp(name, pname))) {
            found = p;
            break;
        }
    }
    free(name);
    return found;
}

/* Does principal p (props: its properties) list policy id in ManagedPolicyArns? */
static int lists_managed(const json_t *props, const char *id)
{
    const json_t *arns = json_object_get(props, "ManagedPolicyArns"), *a;
    size_t i;

    json_array_foreach(arns, i, a) {
        const char *r = ref_id(a);

        if (r && !strcmp(r, id))
            return 1;
    }
    return 0;
}

/* An AWS::IAM::Policy or ManagedPolicy (res: the template's Resources): its statements go to every
 * principal of the template it is attached to, else it is a resource
 * policy of its own (on: what it names). */
static void attach_policy(const json_t *res, const char *id, const char *type, json_t *model)
{
    static const char *const lists[] = { "Roles", "Users", "Groups" };
    json_t *principals = json_object_get(model, "principals"), *stmts = json_array(),
           *on = json_array(), *p;
    const json_t *props = json_object_get(json_object_get(res, id), "Properties"), *v;
    char *rpath = resource_path(id), *name;
    struct buf label;
    size_t i, k, attached = 0;

    name = json_object_get(props, "PolicyName") ? readable(json_object_get(props, "PolicyName"))
                                                  : strdup(id);
    buf_init(&label);
    buf_printf(&label, "%s %s", type, name ? name : id);
    doc_statements(rpath, props, "PolicyDocument", buf_cstr(&label), stmts);
    for (k = 0; k < sizeof lists / sizeof lists[0]; k++) {
        json_array_foreach(json_object_get(props, lists[k]), i, v) {
            p = find_principal(principals, v);
            if (p) {
                json_array_extend(json_object_get(p, "permissions"), stmts);
                attached++;
            }
            json_array_append_new(on, ref_id(v) ? json_string(ref_id(v)) : rstr(v));
        }
    }
    json_array_foreach(principals, i, p) {
        const char *pid = json_string_value(json_object_get(p, "id"));
        const json_t *pprops = json_object_get(json_object_get(res, pid), "Properties");

        if (lists_managed(pprops, id)) {
            json_array_extend(json_object_get(p, "permissions"), stmts);
            attached++;
        }
    }
    if (!attached) {
        json_t *o = json_object();

        json_object_set_new(o, "id", json_string(id));
        json_object_set_new(o, "type", json_string(type));
        json_object_set_new(o, "path", json_string(rpath));
        json_object_set_new(o, "on", json_incref(on));
        json_object_set_new(o, "statements", json_incref(stmts));
        json_array_append_new(json_object_get(model, "resource_policies"), o);
    }
    json_decref(on);
    json_decref(stmts);
    buf_free(&label);
    free(name);
    free(rpath);
}

/* ---- resource policies ----------------------------------------------- */

/* type, the property holding the document, the property naming what it governs */
static const char *const resource_types[][3] = {
    { "AWS::S3::BucketPolicy", "PolicyDocument", "Bucket" },
    { "AWS::SQS::QueuePolicy", "PolicyDocument", "Queues" },
    { "AWS::SQS::QueueInlinePolicy", "PolicyDocument", "Queue" },
    { "AWS::SNS::TopicPolicy", "PolicyDocument", "Topics" },
    { "AWS::SNS::TopicInlinePolicy", "PolicyDocument", "TopicArn" },
    { "AWS::KMS::Key", "KeyPolicy", NULL },
    { "AWS::SecretsManager::ResourcePolicy", "ResourcePolicy", "SecretId" },
    { "AWS::Lambda::Permission", NULL, "FunctionName" },
};

/* on: the logical ids (or readable values) of what v names */
static json_t *governs(const json_t *v, const char *self)
{
    json_t *on = json_array();
    const json_t *x;
    size_t i;

    if (!v) {
        if (self)
            json_array_append_new(on, json_string(self));
        return on;
    }
    if (!json_is_array(v)) {
        json_array_append_new(on, ref_id(v) ? json_string(ref_id(v)) : rstr(v));
        return on;
    }
    json_array_foreach(v, i, x)
        json_array_append_new(on, ref_id(x) ? json_string(ref_id(x)) : rstr(x));
    return on;
}

/* a Lambda permission's principal: "*", an AWS service, or an account/ARN */
static json_t *lambda_principal(const json_t *p)
{
    const char *s = json_string_value(p);
    json_t *o;

    if (s && !strcmp(s, "*"))
        return json_string("*");
    o = json_object();
    json_object_set_new(o, s && strstr(s, ".amazonaws.com") ? "Service" : "AWS", rlist(p));
    return o;
}

static void cond_add(json_t *c, const char *op, const char *key, const json_t *v)
{
    json_t *o = json_object_get(c, op);

    if (!v)
        return;
    if (!o) {
        o = json_object();
        json_object_set_new(c, op, o);
    }
    json_object_set_new(o, key, rlist(v));
}

/* AWS::Lambda::Permission as one statement */
static json_t *lambda_statement(const char *rpath, const char *id, const json_t *props)
{
    json_t *o = json_object(), *c = json_object();
    struct buf b;

    buf_init(&b);
    buf_printf(&b, "AWS::Lambda::Permission %s", id);
    cond_add(c, "ArnLike", "aws:SourceArn", json_object_get(props, "SourceArn"));
    cond_add(c, "StringEquals", "aws:SourceAccount", json_object_get(props, "SourceAccount"));
    cond_add(c, "StringEquals", "aws:PrincipalOrgID", json_object_get(props, "PrincipalOrgID"));
    cond_add(c, "StringEquals", "lambda:FunctionUrlAuthType",
             json_object_get(props, "FunctionUrlAuthType"));
    json_object_set_new(o, "path", json_string(rpath));
    json_object_set_new(o, "policy", json_string(buf_cstr(&b)));
    json_object_set_new(o, "sid", json_null());
    json_object_set_new(o, "effect", json_string("Allow"));
    json_object_set_new(o, "action", rlist(json_object_get(props, "Action")));
    json_object_set_new(o, "not_action", json_false());
    json_object_set_new(o, "resource", rlist(json_object_get(props, "FunctionName")));
    json_object_set_new(o, "not_resource", json_false());
    json_object_set_new(o, "principal", lambda_principal(json_object_get(props, "Principal")));
    json_object_set_new(o, "not_principal", json_false());
    if (json_object_size(c))
        json_object_set_new(o, "condition", c);
    else {
        json_object_set_new(o, "condition", json_null());
        json_decref(c);
    }
    buf_free(&b);
    return o;
}

static void resource_policy(const char *id, const json_t *props, size_t t, json_t *model)
{
    json_t *o = json_object(), *stmts = json_array();
    char *rpath = resource_path(id);
    struct buf label;

    buf_init(&label);
    buf_printf(&label, "%s %s", resource_types[t][0], id);
    if (resource_types[t][1])
        doc_statements(rpath, props, resource_types[t][1], buf_cstr(&label), stmts);
    else
        json_array_append_new(stmts, lambda_statement(rpath, id, props));
    json_object_set_new(o, "id", json_string(id));
    json_object_set_new(o, "type", json_string(resource_types[t][0]));
    json_object_set_new(o, "path", json_string(rpath));
    json_object_set_new(o, "on", governs(resource_types[t][2] ?
                                         json_object_get(props, resource_types[t][2]) : NULL,
                                         resource_types[t][2] ? NULL : id));
    json_object_set_new(o, "statements", stmts);
    json_array_append_new(json_object_get(model, "resource_policies"), o);
    buf_free(&label);
    free(rpath);
}

/* ---- the model ------------------------------------------------------- */

int extract_policies(const json_t *tpl, json_t **model, struct gen_err *e)
{
    const json_t *res = json_object_get(tpl, "Resources"), *r;
    json_t *m = json_object();
    const char *id, *type;
    size_t t;

    json_object_set_new(m, "principals", json_array());
    json_object_set_new(m, "resource_policies", json_array());
    json_object_foreach((json_t *)res, id, r) {
        type = json_string_value(json_object_get(r, "Type"));
        if (type && name_prop(type))
            json_array_append_new(json_object_get(m, "principals"),
                                  new_principal(id, type, json_object_get(r, "Properties")));
    }
    json_object_foreach((json_t *)res, id, r) {
        type = json_string_value(json_object_get(r, "Type"));
        if (!type)
            continue;
        if (!strcmp(type, "AWS::IAM::Policy") || !strcmp(type, "AWS::IAM::ManagedPolicy")) {
            attach_policy(res, id, type, m);
            continue;
        }
        for (t = 0; t < sizeof resource_types / sizeof resource_types[0]; t++)
            if (!strcmp(type, resource_types[t][0]))
                resource_policy(id, json_object_get(r, "Properties"), t, m);
    }
    if (!json_is_array(json_object_get(m, "resource_policies"))) {
        json_decref(m);
        return err_set(e, GEN_ENOMEM, NULL, 0, "out of memory");
    }
    *model = m;
    return 0;
}
