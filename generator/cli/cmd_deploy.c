/* cmd_deploy.c: luaform plan, deploy, delete and wait: CloudFormation
 * change sets with luaform's own client. */
#include "aws/aws.h"
#include "core/buf.h"
#include "aws/cloudformation.h"
#include "cli/cli.h"
#include "core/err.h"
#include "core/interrupt.h"
#include "template/render.h"
#include "aws/sigv4.h"
#include "deploy/wait.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define TEMPLATE_BODY_MAX 51200     /* bytes CloudFormation takes inline */
#define TEMPLATE_URL_MAX 1000000    /* bytes CloudFormation takes from S3 */

enum { O_STACK_NAME = 1, O_CONFIG, O_PARAM, O_REGION, O_PROFILE, O_ENDPOINT,
       O_ROLE_ARN, O_CFN_ROLE, O_S3_BUCKET, O_MAX_ATTEMPTS, O_DEBUG, O_YES,
       O_JSON, O_DISCARD, O_VERBOSE, O_HELP };

static const struct cli_opt aws_opts_table[] = {
    { "stack-name", 0, 1, O_STACK_NAME }, { "config", 'c', 1, O_CONFIG },
    { "param", 'p', 1, O_PARAM }, { "region", 0, 1, O_REGION },
    { "profile", 0, 1, O_PROFILE }, { "endpoint-url", 0, 1, O_ENDPOINT },
    { "role-arn", 0, 1, O_ROLE_ARN }, { "cfn-role-arn", 0, 1, O_CFN_ROLE },
    { "s3-bucket", 0, 1, O_S3_BUCKET }, { "max-attempts", 0, 1, O_MAX_ATTEMPTS },
    { "debug", 0, 0, O_DEBUG }, { "yes", 'y', 0, O_YES }, { "json", 0, 0, O_JSON },
    { "discard", 0, 0, O_DISCARD }, { "verbose", 'v', 0, O_VERBOSE },
    { "help", 'h', 0, O_HELP }, { NULL, 0, 0, 0 }
};

struct cmd {
    const char *name;
    char **stacks;
    int nstacks;
    const char *stack_name;
    const char *cfn_role;
    const char *s3_bucket;
    int yes, json, discard;
    struct render_opts ro;
    struct aws_opts ao;
    int tty, color;
};

static int parse(struct cmd *c, int argc, char **argv)
{
    struct cli_parse p;
    char **params = calloc((size_t)argc + 1, sizeof *params);
    int id, np = 0;

    c->stacks = calloc((size_t)argc + 1, sizeof *c->stacks);
    if (!params || !c->stacks) {
        free(params);
        return cli_errorf("out of memory");
    }
    c->ro.overrides = params;
    cli_parse_init(&p, argc, argv);
    while ((id = cli_next(&p, aws_opts_table, c->name)) != CLI_END) {
        switch (id) {
        case CLI_BAD: return EXIT_ERROR;
        case CLI_POSITIONAL: c->stacks[c->nstacks++] = (char *)p.arg; break;
        case O_STACK_NAME: c->stack_name = p.arg; break;
        case O_CONFIG: c->ro.config_path = p.arg; break;
        case O_PARAM: params[np++] = (char *)p.arg; break;
        case O_REGION: c->ao.region = p.arg; break;
        case O_PROFILE: c->ao.profile = p.arg; break;
        case O_ENDPOINT: c->ao.endpoint_url = p.arg; break;
        case O_ROLE_ARN: c->ao.role_arn = p.arg; break;
        case O_CFN_ROLE: c->cfn_role = p.arg; break;
        case O_S3_BUCKET: c->s3_bucket = p.arg; break;
        case O_MAX_ATTEMPTS:
            if (aws_parse_attempts(p.arg, &c->ao.max_attempts) < 0)
                return cli_errorf("%s: --max-attempts takes a number from 1 to %d, not '%s'",
                                  c->name, AWS_ATTEMPTS_MAX, p.arg);
            break;
        case O_DEBUG: c->ao.debug = 1; break;
        case O_YES: c->yes = 1; break;
        case O_JSON: c->json = 1; break;
        case O_DISCARD: c->discard = 1; break;
        case O_VERBOSE: c->ro.verbose = 1; break;
        case O_HELP: return cli_usage(c->name, EXIT_DONE) == EXIT_DONE ? -1 : EXIT_ERROR;
        }
    }
    c->ro.noverrides = np;
    c->tty = isatty(1);
    c->color = c->tty && !getenv("NO_COLOR");
    return 0;
}

/* A name unique to this run: change set name and idempotency token. */
static void unique_name(char *out, size_t n, const char *prefix)
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

static int confirm(const char *question)
{
    char line[16];

    printf("%s [y/N] ", question);
    fflush(stdout);
    if (!fgets(line, sizeof line, stdin))
        return 0;
    return line[0] == 'y' || line[0] == 'Y';
}

static void print_outputs(const struct cfn_stack *s)
{
    size_t i;
    json_t *o;

    if (!s->outputs || !json_array_size(s->outputs))
        return;
    printf("Outputs of %s:\n", wait_text(s->name));
    json_array_foreach(s->outputs, i, o)
        printf("  %-32s %s\n", wait_text(json_string_value(json_object_get(o, "OutputKey"))),
               wait_text(json_string_value(json_object_get(o, "OutputValue"))));
}

/* A document for machines (steals doc): JSON, ASCII only, so text from
 * the service reaches a terminal escaped, never as control characters. */
static void print_json(json_t *doc)
{
    char *s = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_ENSURE_ASCII) : NULL;

    if (s)
        puts(s);
    free(s);
    json_decref(doc);
}

static void print_changes(const struct cmd *c, const char *stack, const char *cs,
                          const char *type, const struct cfn_changeset *ch)
{
    size_t i, wl = 10, wt = 4, iam = 0;

    if (c->json) {
        json_t *arr = json_array(), *doc;

        for (i = 0; i < ch->n; i++)
            json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}",
                "action", ch->changes[i].action, "logical_id", ch->changes[i].logical_id,
                "physical_id", ch->changes[i].physical_id, "type", ch->changes[i].type,
                "replacement", ch->changes[i].replacement,
                "properties", ch->changes[i].properties));
        doc = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "stack", stack, "change_set", cs,
                        "id", ch->id, "type", type, "status", ch->status, "changes", arr);
        print_json(doc);
        return;
    }
    printf("Change set %s for %s (%s), %zu change%s:\n", wait_text(cs), wait_text(stack),
           type, ch->n, ch->n == 1 ? "" : "s");
    for (i = 0; i < ch->n; i++) {
        if (strlen(wait_text(ch->changes[i].logical_id)) > wl)
            wl = strlen(wait_text(ch->changes[i].logical_id));
        if (strlen(wait_text(ch->changes[i].type)) > wt)
            wt = strlen(wait_text(ch->changes[i].type));
    }
    printf("  %-7s %-*s %-*s %-11s %s\n", "ACTION", (int)wl, "LOGICAL ID", (int)wt, "TYPE",
           "REPLACEMENT", "CHANGED");
    for (i = 0; i < ch->n; i++) {
        const struct cfn_change *x = &ch->changes[i];

        printf("  %-7s %-*s %-*s %-11s %s\n", wait_text(x->action), (int)wl,
               wait_text(x->logical_id), (int)wt, wait_text(x->type),
               x->replacement[0] ? wait_text(x->replacement) : "-", wait_text(x->properties));
        iam += !strncmp(x->type, "AWS::IAM::", 10);
    }
    if (iam) {
        printf("IAM changes (review them):\n");
        for (i = 0; i < ch->n; i++)
            if (!strncmp(ch->changes[i].type, "AWS::IAM::", 10))
                printf("  %s %s (%s)%s%s\n", wait_text(ch->changes[i].action),
                       wait_text(ch->changes[i].logical_id), wait_text(ch->changes[i].type),
                       ch->changes[i].properties[0] ? ": " : "",
                       wait_text(ch->changes[i].properties));
    }
}

static int is_no_change(const char *msg)
{
    return strstr(msg, "No updates are to be performed") ||
           strstr(msg, "didn't contain changes");
}

/* What a stack needs to be deployed: rendered template and settings. */
struct target {
    struct buf body;
    json_t *tpl, *deploy;
    const char *stack;
};

static const char *setting(const struct target *t, const char *key)
{
    return json_string_value(json_object_get(t->deploy, key));
}

/* Create a change set for t and wait until it can be read. Returns 0 with
 * *cs set; 1 for "no changes" (change set removed); <0 on error. */
static int make_change_set(struct cmd *c, struct aws *a, struct target *t,
                           const struct cfn_stack *before, char *cs, size_t ncs,
                           const char **type, struct cfn_changeset *ch,
                           struct gen_err *e)
{
    struct cfn_create cc;
    const char *caps[4];
    char *id = NULL, *url = NULL;
    double delay = 0.5;
    int rc, polls;

    *type = before->exists && strcmp(before->status, "REVIEW_IN_PROGRESS") ? "UPDATE" : "CREATE";
    if (before->exists && !strcmp(before->status, "ROLLBACK_COMPLETE"))
        return err_set(e, GEN_EINPUT, NULL, 0, "stack %s is ROLLBACK_COMPLETE (its creation "
                       "failed): delete it with 'luaform delete --stack-name %s' and deploy again",
                       t->stack, t->stack);
    if (before->exists && !cfn_status_done(before->status) &&
        strcmp(before->status, "REVIEW_IN_PROGRESS"))
        return err_set(e, GEN_EINPUT, NULL, 0, "stack %s is busy (%s): wait for it with "
                       "'luaform wait --stack-name %s'", t->stack, before->status, t->stack);
    unique_name(cs, ncs, "luaform");
    memset(&cc, 0, sizeof cc);
    if (t->body.len > TEMPLATE_BODY_MAX) {
        const char *bucket = c->s3_bucket ? c->s3_bucket : setting(t, "s3_bucket");
        char hash[65], key[256];

        if (!bucket)
            return err_set(e, GEN_EINPUT, NULL, 0, "the template of %s is %zu bytes, over the "
                           "%d CloudFormation takes inline: give --s3-bucket", t->stack,
                           t->body.len, TEMPLATE_BODY_MAX);
        sigv4_sha256_hex(t->body.data, t->body.len, hash);
        snprintf(key, sizeof key, "luaform/%s/%s.json", t->stack, hash);
        rc = aws_s3_put(a, bucket, key, t->body.data, t->body.len, &url, e);
        if (rc < 0)
            return rc;
        cc.template_url = url;
    } else {
        cc.template_body = t->body.data;
    }
    cfn_capabilities(t->tpl, caps);
    cc.stack_name = t->stack;
    cc.name = cs;
    cc.type = *type;
    cc.capabilities = caps;
    cc.parameters = json_object_get(t->deploy, "parameters");
    cc.tags = json_object_get(t->deploy, "tags");
    cc.role_arn = c->cfn_role ? c->cfn_role : setting(t, "role_arn");
    cc.client_token = cs;
    cc.description = "luaform";
    rc = cfn_create_change_set(a, &cc, &id, e);
    free(url);
    if (rc < 0)
        return is_no_change(e->msg) ? 1 : rc;
    for (polls = 0;; polls++) {
        rc = cfn_describe_change_set(a, t->stack, cs, ch, e);
        if (rc < 0 && interrupt_pending())
            rc = err_set(e, GEN_EINPUT, NULL, 0, "interrupted while change set %s was being "
                         "created; it is left as it is", cs);
        if (rc < 0)
            break;
        if (!strcmp(ch->status, "CREATE_COMPLETE"))
            break;
        if (!strcmp(ch->status, "FAILED")) {
            int none = is_no_change(ch->reason);

            rc = none ? 1 : err_set(e, GEN_EAWS, NULL, 0, "change set %s failed: %s", cs, ch->reason);
            cfn_changeset_free(ch);
            cfn_delete_change_set(a, t->stack, cs, NULL);
            break;
        }
        cfn_changeset_free(ch);
        if (interrupt_sleep_ms((long)(delay * 1000))) {
            rc = err_set(e, GEN_EINPUT, NULL, 0, "interrupted while change set %s was being "
                         "created; it is left as it is", cs);
            break;
        }
        delay = delay * 1.5 > 5 ? 5 : delay * 1.5;
    }
    free(id);
    return rc;
}

/* Remove the empty REVIEW_IN_PROGRESS stack a CREATE change set left;
 * after Ctrl-C, things are left as they are (and said so). */
static void drop_shell(struct aws *a, const char *stack, const char *type)
{
    struct cfn_stack s;
    struct gen_err e;

    if (strcmp(type, "CREATE") || interrupt_pending() || cfn_describe_stack(a, stack, &s, &e) < 0)
        return;
    if (s.exists && !strcmp(s.status, "REVIEW_IN_PROGRESS")) {
        char token[128];

        unique_name(token, sizeof token, "luaform-delete");
        cfn_delete_stack(a, stack, token, NULL, &e);
    }
    cfn_stack_free(&s);
}

static int check_account(struct aws *a, const struct target *t, struct gen_err *e)
{
    const char *want = setting(t, "account");
    char got[64];
    int rc;

    if (!want)
        return 0;
    rc = aws_account(a, got, sizeof got, e);
    if (rc < 0)
        return rc;
    if (strcmp(got, want))
        return err_set(e, GEN_EINPUT, NULL, 0, "the credentials are for account %s, but %s is "
                       "for account %s (config 'account')", got, t->stack, want);
    return 0;
}

/* Turn on the termination protection deploy{} asks for, if it is off. */
static void protect(struct aws *a, const struct target *t, const struct cfn_stack *s)
{
    struct gen_err e;

    if (!json_is_true(json_object_get(t->deploy, "termination_protection")) ||
        !s->exists || s->termination_protection)
        return;
    if (cfn_update_termination_protection(a, t->stack, 1, &e) == 0)
        printf("%s: termination protection on\n", wait_text(t->stack));
    else
        fprintf(stderr, "luaform: warning: %s: could not turn on termination protection: %s\n",
                wait_text(t->stack), e.msg);
}

/* After Ctrl-C while waiting: the operation goes on without us. */
static void reattach_hint(const char *stack)
{
    cli_errorf("interrupted; CloudFormation goes on with %s. Reattach with: "
               "luaform wait --stack-name %s", stack, stack);
}

/* plan or deploy one stack */
static int one(struct cmd *c, struct aws *a, struct target *t, int execute)
{
    struct cfn_stack before, after;
    struct cfn_changeset ch;
    struct wait_opts wo;
    struct gen_err e;
    const char *type = "CREATE";
    char cs[128], last[256], token[128];
    int rc, w;

    memset(&ch, 0, sizeof ch);
    if ((rc = check_account(a, t, &e)) < 0)
        return cli_error(&e);
    if ((rc = cfn_describe_stack(a, t->stack, &before, &e)) < 0)
        return cli_error(&e);
    rc = make_change_set(c, a, t, &before, cs, sizeof cs, &type, &ch, &e);
    if (rc == 1) {
        if (c->json)
            print_json(json_pack("{s:s, s:s, s:[]}", "stack", t->stack, "status", "NO_CHANGES",
                                 "changes"));
        else
            printf("%s: no changes; the stack is up to date\n", wait_text(t->stack));
        if (!before.exists)
            drop_shell(a, t->stack, type);
        else if (execute)
            protect(a, t, &before);
        cfn_stack_free(&before);
        return EXIT_DONE;
    }
    if (rc < 0) {
        if (!before.exists)
            drop_shell(a, t->stack, type);
        cfn_stack_free(&before);
        return cli_error(&e);
    }
    print_changes(c, t->stack, cs, type, &ch);
    if (!execute) {
        if (c->discard) {
            cfn_delete_change_set(a, t->stack, cs, NULL);
            if (!before.exists)
                drop_shell(a, t->stack, type);
            if (!c->json)
                printf("change set %s discarded\n", cs);
        } else if (!c->json) {
            printf("change set %s left for review; execute it with 'luaform deploy' "
                   "or discard it with 'luaform plan --discard'\n", cs);
        }
        cfn_changeset_free(&ch);
        cfn_stack_free(&before);
        return EXIT_DONE;
    }
    if (!c->yes && !confirm("Execute this change set?") && !interrupt_pending()) {
        cfn_delete_change_set(a, t->stack, cs, NULL);
        if (!before.exists)
            drop_shell(a, t->stack, type);
        printf("not deployed; change set deleted\n");
        cfn_changeset_free(&ch);
        cfn_stack_free(&before);
        return EXIT_ERROR;
    }
    if (!interrupt_pending() && wait_last_event(a, t->stack, last, sizeof last, &e) < 0)
        last[0] = '\0';
    if (interrupt_pending()) {  /* Ctrl-C before it was executed: it never is */
        cli_errorf("interrupted: change set %s of %s was not executed; it is left for "
                   "review", cs, wait_text(t->stack));
        cfn_changeset_free(&ch);
        cfn_stack_free(&before);
        return EXIT_ERROR;
    }
    snprintf(token, sizeof token, "%s-exec", cs);
    rc = cfn_execute_change_set(a, t->stack, cs, token, &e);
    if (rc < 0) {
        cli_error(&e);
        if (!before.exists)     /* leave no empty stack behind, as CDK does */
            drop_shell(a, t->stack, type);
        cfn_changeset_free(&ch);
        cfn_stack_free(&before);
        return EXIT_ERROR;
    }
    printf("executing %s on %s\n", cs, wait_text(t->stack));
    fflush(stdout);
    memset(&wo, 0, sizeof wo);
    wo.stack = t->stack;
    wo.token = token;
    wo.last_event = last;
    wo.total = (int)ch.n;
    wo.tty = c->tty;
    wo.color = c->color;
    wo.out = stdout;
    w = wait_stack(a, &wo, &after, &e);
    cfn_changeset_free(&ch);
    rc = EXIT_ERROR;
    if (w == WAIT_INTERRUPTED) {
        reattach_hint(t->stack);
    } else if (w < 0) {
        cli_error(&e);
    } else if (w == WAIT_OK) {
        printf("%s: %s\n", wait_text(t->stack), wait_text(after.status));
        protect(a, t, &after);
        print_outputs(&after);
        rc = EXIT_DONE;
    } else {
        cli_errorf("deploy of %s failed: %s", t->stack, after.status ? after.status : "stack gone");
    }
    cfn_stack_free(&after);
    cfn_stack_free(&before);
    return rc;
}

static void targets_free(struct target *v, size_t n)
{
    size_t i;

    for (i = 0; v && i < n; i++) {
        buf_free(&v[i].body);
        json_decref(v[i].tpl);
        json_decref(v[i].deploy);
    }
    free(v);
}

static int plan_or_deploy(int argc, char **argv, const char *name, int execute)
{
    struct cmd c;
    struct render_set set = { 0 };
    struct target *tv = NULL;
    struct aws *a = NULL;
    struct gen_err e;
    size_t i;
    int rc, code = EXIT_ERROR;

    memset(&c, 0, sizeof c);
    c.name = name;
    rc = parse(&c, argc, argv);
    if (rc)
        goto out_parse;
    if (c.nstacks == 0) {
        cli_errorf("%s: which stack? (a description file, a built-in stack or a system; "
                   "see 'luaform render --list')", name);
        goto out;
    }
    if (execute && !c.yes && !isatty(0)) {
        cli_errorf("%s: standard input is not a terminal: pass --yes to deploy without a prompt",
                   name);
        goto out;
    }
    for (i = 0; i < (size_t)c.nstacks; i++)
        if (render_resolve(&set, c.stacks[i], &e) < 0) {
            cli_error(&e);
            goto out;
        }
    if (render_scope(&set, 1, &c.ro, &e) < 0) {
        cli_error(&e);
        goto out;
    }
    if (c.stack_name && set.n > 1) {
        cli_errorf("%s: --stack-name names one stack, but %zu are selected", name, set.n);
        goto out;
    }
    tv = calloc(set.n, sizeof *tv);
    if (!tv)
        goto out;
    for (i = 0; i < set.n; i++) {
        struct target *t = &tv[i];
        int r;

        buf_init(&t->body);
        cli_watchdog(set.v[i].desc.name, CLI_WATCHDOG_SECONDS);
        r = render_render(&set.v[i], &c.ro, &t->body, &t->tpl, &t->deploy, &e);
        cli_watchdog(NULL, 0);
        if (r < 0) {
            cli_error(&e);
            goto out;
        }
        t->stack = c.stack_name ? c.stack_name : setting(t, "stack_name") ?
                   setting(t, "stack_name") : set.v[i].name;
        /* refused before any call */
        if (t->body.len > TEMPLATE_URL_MAX) {
            cli_errorf("%s: the template of %s is %zu bytes; CloudFormation takes at most %d",
                       name, t->stack, t->body.len, TEMPLATE_URL_MAX);
            goto out;
        }
        if (t->body.len > TEMPLATE_BODY_MAX && !c.s3_bucket && !setting(t, "s3_bucket")) {
            cli_errorf("%s: the template of %s is %zu bytes, over the %d CloudFormation takes "
                       "inline: give --s3-bucket", name, t->stack, t->body.len, TEMPLATE_BODY_MAX);
            goto out;
        }
    }
    /* one client for all the stacks: they must agree on the region */
    for (i = 0; i < set.n; i++) {
        const char *r = setting(&tv[i], "region");

        if (r && c.ao.default_region && strcmp(r, c.ao.default_region)) {
            cli_errorf("%s: the stacks are in different regions (%s, %s): deploy them one by one",
                       name, c.ao.default_region, r);
            goto out;
        }
        if (r)
            c.ao.default_region = r;
    }
    if (aws_new(&c.ao, &a, &e) < 0) {
        cli_error(&e);
        goto out;
    }
    interrupt_catch();
    for (i = 0; i < set.n; i++) {
        code = one(&c, a, &tv[i], execute);
        if (code != EXIT_DONE)
            break;
    }
out:
    aws_free(a);
    targets_free(tv, set.n);
    render_set_free(&set);
out_parse:
    free((void *)c.ro.overrides);
    free(c.stacks);
    return rc < 0 ? EXIT_DONE : rc > 0 ? rc : code;
}

int cmd_plan(int argc, char **argv)
{
    return plan_or_deploy(argc, argv, "plan", 0);
}

int cmd_deploy(int argc, char **argv)
{
    return plan_or_deploy(argc, argv, "deploy", 1);
}

/* ------------------------------------------------------------ delete, wait */

static int stack_cmd(int argc, char **argv, const char *name, struct cmd *c, struct aws **a)
{
    struct gen_err e;
    int rc;

    memset(c, 0, sizeof *c);
    c->name = name;
    rc = parse(c, argc, argv);
    if (rc)
        return rc;
    if (!c->stack_name && c->nstacks == 1)
        c->stack_name = c->stacks[0];
    if (!c->stack_name || c->nstacks > 1)
        return cli_errorf("%s: give the stack with --stack-name NAME", name);
    if (aws_new(&c->ao, a, &e) < 0)
        return cli_error(&e);
    interrupt_catch();
    return 0;
}

static int wait_and_report(struct cmd *c, struct aws *a, const char *token, const char *last,
                           int deleting)
{
    struct cfn_stack after;
    struct wait_opts wo;
    struct gen_err e;
    int w, rc = EXIT_ERROR;

    memset(&wo, 0, sizeof wo);
    wo.stack = c->stack_name;
    wo.token = token;
    wo.last_event = last;
    wo.tty = c->tty;
    wo.color = c->color;
    wo.out = stdout;
    w = wait_stack(a, &wo, &after, &e);
    if (w == WAIT_INTERRUPTED)
        reattach_hint(c->stack_name);
    else if (w < 0)
        cli_error(&e);
    else if (w == WAIT_GONE)
        rc = deleting ? (printf("%s: deleted\n", wait_text(c->stack_name)), EXIT_DONE) :
             cli_errorf("stack %s no longer exists", c->stack_name);
    else if (w == WAIT_OK && !deleting) {
        printf("%s: %s\n", wait_text(c->stack_name), wait_text(after.status));
        print_outputs(&after);
        rc = EXIT_DONE;
    } else
        cli_errorf("%s ended in %s", c->stack_name, after.status ? after.status : "?");
    cfn_stack_free(&after);
    return rc;
}

int cmd_wait(int argc, char **argv)
{
    struct cmd c;
    struct aws *a = NULL;
    struct cfn_stack s;
    struct gen_err e;
    char last[256];
    int rc;

    rc = stack_cmd(argc, argv, "wait", &c, &a);
    if (rc)
        goto out;
    rc = EXIT_ERROR;
    if (cfn_describe_stack(a, c.stack_name, &s, &e) < 0) {
        cli_error(&e);
        goto out;
    }
    if (!s.exists) {
        cli_errorf("wait: no stack named %s", c.stack_name);
    } else if (!strcmp(s.status, "REVIEW_IN_PROGRESS")) {
        printf("%s: REVIEW_IN_PROGRESS: nothing is running; a change set waits for review\n",
               wait_text(s.name));
        rc = EXIT_DONE;
    } else if (cfn_status_done(s.status)) {
        printf("%s: %s\n", wait_text(s.name), wait_text(s.status));
        print_outputs(&s);
        rc = cfn_status_failed(s.status) ? EXIT_ERROR : EXIT_DONE;
    } else {
        printf("%s: %s; waiting\n", wait_text(s.name), wait_text(s.status));
        fflush(stdout);
        if (wait_last_event(a, c.stack_name, last, sizeof last, &e) < 0)
            last[0] = '\0';
        rc = wait_and_report(&c, a, NULL, last, !strncmp(s.status, "DELETE_", 7));
    }
    cfn_stack_free(&s);
out:
    aws_free(a);
    free((void *)c.ro.overrides);
    free(c.stacks);
    return rc < 0 ? EXIT_DONE : rc;
}

int cmd_delete(int argc, char **argv)
{
    struct cmd c;
    struct aws *a = NULL;
    struct cfn_stack s;
    struct gen_err e;
    json_t *tpl = NULL, *r;
    char *body = NULL, token[128], last[256];
    const char *k;
    int rc;

    memset(&s, 0, sizeof s);
    rc = stack_cmd(argc, argv, "delete", &c, &a);
    if (rc)
        goto out;
    rc = EXIT_ERROR;
    if (!c.yes && !isatty(0)) {
        cli_errorf("delete: standard input is not a terminal: pass --yes to delete without a prompt");
        goto out;
    }
    if (cfn_describe_stack(a, c.stack_name, &s, &e) < 0) {
        cli_error(&e);
        goto out;
    }
    if (!s.exists) {
        printf("%s: no such stack; nothing to delete\n", wait_text(c.stack_name));
        rc = EXIT_DONE;
        goto out;
    }
    if (s.termination_protection) {
        cli_errorf("delete: %s has termination protection; turn it off first (aws cloudformation "
                   "update-termination-protection --no-enable-termination-protection --stack-name %s)",
                   c.stack_name, c.stack_name);
        goto out;
    }
    if (!cfn_status_done(s.status) && strcmp(s.status, "REVIEW_IN_PROGRESS")) {
        cli_errorf("delete: %s is busy (%s): wait for it with 'luaform wait --stack-name %s'",
                   c.stack_name, s.status, c.stack_name);
        goto out;
    }
    if (cfn_get_template(a, c.stack_name, &body, &e) == 0)
        tpl = json_loads(body, 0, NULL);
    if (!c.yes) {
        char q[300];

        snprintf(q, sizeof q, "Delete stack %s (%s)?", wait_text(c.stack_name),
                 wait_text(s.status));
        if (!confirm(q)) {
            printf("not deleted\n");
            goto out;
        }
    }
    if (wait_last_event(a, c.stack_name, last, sizeof last, &e) < 0)
        last[0] = '\0';
    unique_name(token, sizeof token, "luaform-delete");
    if (cfn_delete_stack(a, c.stack_name, token, NULL, &e) < 0) {
        cli_error(&e);
        goto out;
    }
    printf("deleting %s\n", wait_text(c.stack_name));
    fflush(stdout);
    rc = wait_and_report(&c, a, token, last, 1);
    if (rc == EXIT_DONE && tpl) {
        int n = 0;

        json_object_foreach(json_object_get(tpl, "Resources"), k, r) {
            const char *dp = json_string_value(json_object_get(r, "DeletionPolicy"));

            if (dp && (!strcmp(dp, "Retain") || !strcmp(dp, "RetainExceptOnCreate"))) {
                if (!n++)
                    printf("retained (still in the account, delete them yourself if you must):\n");
                printf("  %s (%s)\n", wait_text(k),
                       wait_text(json_string_value(json_object_get(r, "Type"))));
            }
        }
    }
out:
    json_decref(tpl);
    free(body);
    cfn_stack_free(&s);
    aws_free(a);
    free((void *)c.ro.overrides);
    free(c.stacks);
    return rc < 0 ? EXIT_DONE : rc;
}
