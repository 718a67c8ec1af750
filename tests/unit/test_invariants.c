/* test_invariants.c: the invariants a description declares, as C sees
 * them: the list render_checked hands back for the LTBase stacks, and
 * render_invariants checking a stack's invariants against a template
 * given for review (the rendered one, then altered copies that break
 * each invariant at its statement). */
#include "core/buf.h"
#include "core/err.h"
#include "template/path.h"
#include "template/render.h"
#include "test.h"

#include <string.h>

/* Render stack; its template into *tpl and its invariants into *inv. */
static int render_stack(const char *stack, struct render_set *s, struct render_opts *o,
                        json_t **tpl, json_t **inv, struct gen_err *e)
{
    struct buf out;
    int rc;

    memset(s, 0, sizeof *s);
    memset(o, 0, sizeof *o);
    memset(&out, 0, sizeof out);
    if (render_resolve(s, stack, e) < 0 || render_scope(s, 1, o, e) < 0)
        return -1;
    rc = render_checked(&s->v[0], o, &out, tpl, NULL, inv, e);
    buf_free(&out);
    return rc;
}

/* The value at a path of the template (path.h syntax); NULL if none. */
static json_t *at(json_t *tpl, const char *path)
{
    json_t *steps = NULL, *v = tpl, *step;
    size_t i;

    if (path_parse(path, &steps) < 0)
        return NULL;
    json_array_foreach(steps, i, step) {
        v = json_is_integer(step) ? json_array_get(v, (size_t)json_integer_value(step))
                                  : json_object_get(v, json_string_value(step));
    }
    json_decref(steps);
    return v;
}

/* The line the list gives invariant name; 0 when absent. */
static int line_of(const json_t *inv, const char *name)
{
    const json_t *x;
    size_t i;

    json_array_foreach(inv, i, x)
        if (!strcmp(json_string_value(json_object_get(x, "name")), name))
            return (int)json_integer_value(json_object_get(x, "line"));
    return 0;
}

/* Check altered tpl (freed here) against stack's invariants: it must
 * break name at the line inv gives, with msg containing want. */
static void breaks(const char *stack, json_t *tpl, const json_t *inv, const char *file,
                   const char *name, const char *want)
{
    struct render_set s;
    struct render_opts o;
    struct gen_err e;
    char head[300];
    int rc;

    memset(&s, 0, sizeof s);
    memset(&o, 0, sizeof o);
    err_clear(&e);
    T(render_resolve(&s, stack, &e) == 0 && render_scope(&s, 1, &o, &e) == 0);
    rc = render_invariants(&s.v[0], &o, tpl, NULL, &e);
    snprintf(head, sizeof head, "invariant '%s' broken: ", name);
    TMSG(rc < 0 && strstr(e.msg, head) && strstr(e.msg, want), "%s: %s", name, e.msg);
    TMSG(!strcmp(e.file, file) && e.line == line_of(inv, name) && e.line > 0, "%s:%d", e.file,
         e.line);
    render_set_free(&s);
    json_decref(tpl);
}

static void test_foundation(void)
{
    static const char *const names[] = {
        "role A only puts artifacts under the vendor prefix",
        "only the vendor repository may assume role A",
        "role B holds no IAM write",
        "role B cannot change role A, itself, the bucket policy or the foundation stack",
        "no role the app stacks create escapes the permissions boundary",
    };
    const char *file = "templates/ltbase/foundation.lua";
    struct render_set s;
    struct render_opts o;
    struct gen_err e;
    json_t *tpl = NULL, *inv = NULL, *again = NULL, *copy, *v;
    size_t i;

    err_clear(&e);
    TMSG(render_stack("ltbase-foundation", &s, &o, &tpl, &inv, &e) == 0, "%s", e.msg);
    T(json_array_size(inv) == 5);
    for (i = 0; i < 5 && i < json_array_size(inv); i++) {
        json_t *x = json_array_get(inv, i);

        T(!strcmp(json_string_value(json_object_get(x, "name")), names[i]));
        T(!strcmp(json_string_value(json_object_get(x, "stack")), "ltbase-foundation"));
        T(!strcmp(json_string_value(json_object_get(x, "file")), file));
        T(json_integer_value(json_object_get(x, "line")) > 200);
        T(json_is_true(json_object_get(x, "holds")));
    }
    /* the rendered template itself holds, checked through render_invariants */
    T(render_invariants(&s.v[0], &o, tpl, &again, &e) == 0 && json_equal(again, inv));
    json_decref(again);

    /* role A gets a second action */
    copy = json_deep_copy(tpl);
    v = at(copy, "Resources.ArtifactReceiverRole.Properties.Policies[0].PolicyDocument.Statement[0].Action");
    T(json_array_append_new(v, json_string("s3:GetObject")) == 0);
    breaks("ltbase-foundation", copy, inv, file, names[0],
           "Resources.ArtifactReceiverRole.Properties.Policies[0].PolicyDocument.Statement[0]: "
           "allows s3:GetObject");

    /* role A's trust loses its audience */
    copy = json_deep_copy(tpl);
    v = at(copy, "Resources.ArtifactReceiverRole.Properties.AssumeRolePolicyDocument.Statement[0]"
                 ".Condition.StringEquals");
    T(json_object_del(v, "token.actions.githubusercontent.com:aud") == 0);
    breaks("ltbase-foundation", copy, inv, file, names[1],
           "Resources.ArtifactReceiverRole.Properties.AssumeRolePolicyDocument.Statement[0]: "
           "does not require token.actions.githubusercontent.com:aud = sts.amazonaws.com");

    /* role B gets iam:* (its Deny covers Put*, not Change*) */
    copy = json_deep_copy(tpl);
    v = at(copy, "Resources.DeploymentRole.Properties.Policies[0].PolicyDocument.Statement");
    T(json_array_append_new(v, json_pack("{s:s, s:[s], s:[s]}", "Effect", "Allow",
                                         "Action", "iam:*", "Resource", "*")) == 0);
    breaks("ltbase-foundation", copy, inv, file, names[2],
           "Resources.DeploymentRole.Properties.Policies[0].PolicyDocument.Statement[10]: "
           "allows iam:*");

    /* role B may execute change sets on the foundation stack */
    copy = json_deep_copy(tpl);
    v = at(copy, "Resources.DeploymentRole.Properties.Policies[0].PolicyDocument.Statement[0].Resource");
    T(json_array_append_new(v, json_pack("{s:s}", "Fn::Sub", "arn:${AWS::Partition}:cloudformation:"
        "${AWS::Region}:${AWS::AccountId}:stack/ltbase-foundation/*")) == 0);
    breaks("ltbase-foundation", copy, inv, file, names[3],
           "Statement[0]: allows cloudformation:DeleteChangeSet on arn:${AWS::Partition}:"
           "cloudformation:${AWS::Region}:${AWS::AccountId}:stack/ltbase-foundation/*");

    /* the service role may create roles without the boundary */
    copy = json_deep_copy(tpl);
    v = at(copy, "Resources.CloudFormationServiceRole.Properties.Policies[0].PolicyDocument.Statement[1]");
    T(json_object_del(v, "Condition") == 0);
    breaks("ltbase-foundation", copy, inv, file, names[4],
           "Resources.CloudFormationServiceRole.Properties.Policies[0].PolicyDocument.Statement[1]: "
           "allows iam:CreateRole without requiring the boundary");

    json_decref(tpl);
    json_decref(inv);
    render_set_free(&s);
}

static void test_app(void)
{
    const char *name = "no role the app stacks create escapes the permissions boundary";
    struct render_set s;
    struct render_opts o;
    struct gen_err e;
    json_t *tpl = NULL, *inv = NULL, *copy;

    err_clear(&e);
    TMSG(render_stack("ltbase-beta", &s, &o, &tpl, &inv, &e) == 0, "%s", e.msg);
    T(json_array_size(inv) == 1 && line_of(inv, name) > 0);
    T(!strcmp(json_string_value(json_object_get(json_array_get(inv, 0), "file")),
              "templates/ltbase/app.lua"));
    copy = json_deep_copy(tpl);
    T(json_object_del(at(copy, "Resources.ExecutionRole.Properties"), "PermissionsBoundary") == 0);
    breaks("ltbase-beta", copy, inv, "templates/ltbase/app.lua", name,
           "Resources.ExecutionRole.Properties.PermissionsBoundary: is missing, not the app boundary");
    json_decref(tpl);
    json_decref(inv);
    render_set_free(&s);
}

/* A template file declares no invariants: [] from render_checked, an
 * error from render_invariants. */
static void test_template_file(void)
{
    struct render_set s;
    struct render_opts o;
    struct gen_err e;
    json_t *tpl = NULL, *inv = NULL;

    err_clear(&e);
    TMSG(render_stack("out/ltbase-beta.json", &s, &o, &tpl, &inv, &e) == 0, "%s", e.msg);
    T(json_is_array(inv) && json_array_size(inv) == 0);
    T(render_invariants(&s.v[0], &o, tpl, NULL, &e) < 0 && strstr(e.msg, "declares no invariants"));
    json_decref(tpl);
    json_decref(inv);
    render_set_free(&s);
}

int main(void)
{
    test_foundation();
    test_app();
    test_template_file();
    return t_report();
}
