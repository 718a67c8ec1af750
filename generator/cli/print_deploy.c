/* print_deploy.c: the deploy library's events on a terminal or in a log. */
#include "cli/print_deploy.h"
#include "aws/cloudformation.h"
#include "cli/cli.h"
#include "core/err.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

const char *print_text(const char *s)
{
    static char *ring[8];
    static size_t cap[8];
    static unsigned next;
    unsigned i = next++ % 8;
    size_t need;

    if (!s)
        s = "";
    need = 4 * strlen(s) + 1;       /* "\xNN" is the longest escape of a byte */
    if (cap[i] < need) {
        char *p = realloc(ring[i], need);

        if (!p)
            return "(out of memory)";
        ring[i] = p;
        cap[i] = need;
    }
    err_escape(ring[i], cap[i], s);
    return ring[i];
}

static const char *paint(const struct print_deploy *p, const char *status)
{
    if (!p->color)
        return "";
    if (strstr(status, "FAILED") || strstr(status, "ROLLBACK"))
        return "\033[31m";
    if (strstr(status, "COMPLETE"))
        return "\033[32m";
    return "\033[33m";
}

static void clear_progress(struct print_deploy *p)
{
    if (p->shown) {
        fputs("\r\033[K", stdout);
        p->shown = 0;
    }
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

/* ------------------------------------------------------------ change sets */

static void changes_json(const struct deploy_event *ev)
{
    const struct cfn_changeset *ch = ev->changes;
    json_t *arr = json_array();
    size_t i;

    for (i = 0; i < ch->n; i++)
        json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}",
            "action", ch->changes[i].action, "logical_id", ch->changes[i].logical_id,
            "physical_id", ch->changes[i].physical_id, "type", ch->changes[i].type,
            "replacement", ch->changes[i].replacement,
            "properties", ch->changes[i].properties));
    print_json(json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:O?}", "stack", ev->stack,
                         "change_set", ev->change_set, "id", ch->id, "type", ev->change_type,
                         "status", ch->status, "changes", arr, "iam_diff", ev->iam));
}

static void changes_table(const struct deploy_event *ev)
{
    const struct cfn_changeset *ch = ev->changes;
    size_t i, wl = 10, wt = 4;

    printf("Change set %s for %s (%s), %zu change%s:\n", print_text(ev->change_set),
           print_text(ev->stack), ev->change_type, ch->n, ch->n == 1 ? "" : "s");
    for (i = 0; i < ch->n; i++) {
        if (strlen(print_text(ch->changes[i].logical_id)) > wl)
            wl = strlen(print_text(ch->changes[i].logical_id));
        if (strlen(print_text(ch->changes[i].type)) > wt)
            wt = strlen(print_text(ch->changes[i].type));
    }
    printf("  %-7s %-*s %-*s %-11s %s\n", "ACTION", (int)wl, "LOGICAL ID", (int)wt, "TYPE",
           "REPLACEMENT", "CHANGED");
    for (i = 0; i < ch->n; i++) {
        const struct cfn_change *x = &ch->changes[i];

        printf("  %-7s %-*s %-*s %-11s %s\n", print_text(x->action), (int)wl,
               print_text(x->logical_id), (int)wt, print_text(x->type),
               x->replacement[0] ? print_text(x->replacement) : "-", print_text(x->properties));
    }
}

/* ------------------------------------------------------------ IAM changes */

enum { IAM_COLS = 8 };      /* sign, principal, kind, effect, action, resource, who, condition */

struct iam_rows {
    char *(*cell)[IAM_COLS + 1];    /* the last: the note ("broadens: why") */
    size_t n, cap;
};

/* A list of strings joined with ", " ("-" when empty); prefix before it. */
static char *joined(const json_t *list, const char *prefix)
{
    size_t i, len = strlen(prefix) + 2;
    json_t *v;
    char *s;

    json_array_foreach(list, i, v)
        len += strlen(print_text(json_string_value(v))) + 2;
    if (!(s = malloc(len)))
        return NULL;
    strcpy(s, json_array_size(list) ? prefix : "-");
    json_array_foreach(list, i, v) {
        if (i)
            strcat(s, ", ");
        strcat(s, print_text(json_string_value(v)));
    }
    return s;
}

/* A statement's principal and condition as lists of "K:v" / "Op k=v". */
static json_t *pairs(const json_t *obj, const char *sep)
{
    json_t *out = json_array(), *inner, *vals, *v;
    const char *k, *k2;
    size_t i;
    char buf[2048];

    if (json_is_string(obj))
        json_array_append_new(out, json_string(json_string_value(obj)));
    json_object_foreach((json_t *)obj, k, inner) {
        if (!json_is_object(inner)) {
            json_t *one = json_is_array(inner) ? json_incref(inner) : json_pack("[O]", inner);

            json_array_foreach(one, i, v) {
                snprintf(buf, sizeof buf, "%s:%s", k, json_string_value(v) ? json_string_value(v) : "?");
                json_array_append_new(out, json_string(buf));
            }
            json_decref(one);
            continue;
        }
        json_object_foreach(inner, k2, vals) {
            char *j = json_dumps(vals, JSON_ENCODE_ANY | JSON_COMPACT);

            snprintf(buf, sizeof buf, "%s %s%s%s", k, k2, sep, j ? j : "?");
            json_array_append_new(out, json_string(buf));
            free(j);
        }
    }
    return out;
}

static char *xstrdup(const char *s)
{
    return strdup(s ? s : "-");
}

static void iam_row(struct iam_rows *r, const char *sign, const json_t *c, const json_t *stmt,
                    const char *note)
{
    const char *kind = json_string_value(json_object_get(c, "kind"));
    char **cell;
    json_t *who, *cond;

    if (r->n == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 16;
        void *p = realloc(r->cell, cap * sizeof *r->cell);

        if (!p)
            return;
        r->cell = p;
        r->cap = cap;
    }
    cell = r->cell[r->n++];
    cell[0] = xstrdup(sign);
    cell[1] = xstrdup(print_text(json_string_value(json_object_get(c, "principal"))));
    cell[2] = xstrdup(kind);
    if (json_is_string(stmt)) {             /* managed policy ARN, boundary */
        cell[3] = xstrdup("-");
        cell[4] = xstrdup(!strcmp(kind, "boundary") ? "(permissions boundary)" : "(managed policy)");
        cell[5] = xstrdup(print_text(json_string_value(stmt)));
        cell[6] = xstrdup("-");
        cell[7] = xstrdup("-");
    } else {
        int not_a = json_is_true(json_object_get(stmt, "not_action"));
        int not_r = json_is_true(json_object_get(stmt, "not_resource"));

        who = pairs(json_object_get(stmt, "principal"), "=");
        cond = pairs(json_object_get(stmt, "condition"), "=");
        cell[3] = xstrdup(print_text(json_string_value(json_object_get(stmt, "effect"))));
        cell[4] = joined(json_object_get(stmt, "action"), not_a ? "NotAction " : "");
        cell[5] = joined(json_object_get(stmt, "resource"), not_r ? "NotResource " : "");
        cell[6] = joined(who, json_is_true(json_object_get(stmt, "not_principal")) ?
                         "NotPrincipal " : "");
        cell[7] = joined(cond, "");
        json_decref(who);
        json_decref(cond);
    }
    cell[IAM_COLS] = xstrdup(note);
}

static void iam_print(struct print_deploy *p, struct iam_rows *r)
{
    static const char *const head[IAM_COLS] = { "", "PRINCIPAL", "KIND", "EFFECT", "ACTION",
                                                "RESOURCE", "WHO", "CONDITION" };
    size_t w[IAM_COLS], i, c;

    for (c = 0; c < IAM_COLS; c++)
        w[c] = strlen(head[c]);
    for (i = 0; i < r->n; i++)
        for (c = 0; c < IAM_COLS; c++)
            if (r->cell[i][c] && strlen(r->cell[i][c]) > w[c])
                w[c] = strlen(r->cell[i][c]);
    for (c = 0; c < IAM_COLS; c++)
        printf("%s%-*s", c ? "  " : "  ", (int)w[c], head[c]);
    printf("\n");
    for (i = 0; i < r->n; i++) {
        const char *col = !p->color ? "" : r->cell[i][0][0] == '+' ? "\033[32m" : "\033[31m";

        printf("  %s", col);
        for (c = 0; c < IAM_COLS; c++)
            printf("%s%-*s", c ? "  " : "", (int)w[c], r->cell[i][c] ? r->cell[i][c] : "?");
        printf("%s  %s\n", p->color ? "\033[0m" : "", r->cell[i][IAM_COLS]);
    }
    for (i = 0; i < r->n; i++)
        for (c = 0; c <= IAM_COLS; c++)
            free(r->cell[i][c]);
    free(r->cell);
}

/* The IAM changes as cdk diff's security table: a changed statement as its
 * old row (-) and its new one (+), each change marked broadens or narrows. */
static void iam_table(struct print_deploy *p, const struct deploy_event *ev)
{
    const json_t *changes = json_object_get(ev->iam, "changes");
    struct iam_rows r = { NULL, 0, 0 };
    size_t i;
    json_t *c;
    char note[2048];

    if (!ev->iam) {
        printf("IAM statement changes: unknown (see the warning): approval is required\n");
        return;
    }
    if (!json_array_size(changes)) {
        printf("%s: no IAM changes\n", print_text(ev->stack));
        return;
    }
    printf("IAM statement changes of %s%s:\n", print_text(ev->stack),
           json_is_true(json_object_get(ev->iam, "broadening")) ? " (broadening)" : "");
    json_array_foreach(changes, i, c) {
        const char *change = json_string_value(json_object_get(c, "change"));
        int broadens = json_is_true(json_object_get(c, "broadens"));

        snprintf(note, sizeof note, "%s: %s", broadens ? "BROADENS" : "narrows",
                 print_text(json_string_value(json_object_get(c, "why"))));
        if (json_object_get(c, "old") && !json_is_null(json_object_get(c, "old")))
            iam_row(&r, "-", c, json_object_get(c, "old"), "");
        iam_row(&r, !strcmp(change, "removed") ? "-" : "+", c, json_object_get(c, "statement"),
                note);
    }
    iam_print(p, &r);
}

/* ------------------------------------------------------------ stack events */

static void stack_event(struct print_deploy *p, const struct cfn_event *x)
{
    struct tm tm;
    char t[16];

    gmtime_r(&x->when, &tm);
    strftime(t, sizeof t, "%H:%M:%S", &tm);
    printf("%s  %s%-28s%s %-34s %s%s%s\n", t, paint(p, x->status), print_text(x->status),
           p->color ? "\033[0m" : "", print_text(x->type), print_text(x->logical_id),
           x->reason[0] ? "  " : "", print_text(x->reason));
}

static void progress(struct print_deploy *p, const struct deploy_event *ev)
{
    int s = (int)(ev->elapsed_ms / 1000);

    if (!p->tty)
        return;
    if (ev->total)
        printf("  %zu/%d resources  %02d:%02d  %s", ev->done, ev->total, s / 60, s % 60,
               print_text(ev->status));
    else
        printf("  %zu resources  %02d:%02d  %s", ev->done, s / 60, s % 60,
               print_text(ev->status));
    p->shown = 1;
}

static void outputs(const struct deploy_event *ev)
{
    size_t i;
    json_t *o;

    printf("Outputs of %s:\n", print_text(ev->stack));
    json_array_foreach(ev->stack_info->outputs, i, o)
        printf("  %-32s %s\n", print_text(json_string_value(json_object_get(o, "OutputKey"))),
               print_text(json_string_value(json_object_get(o, "OutputValue"))));
}

static void failed(const struct deploy_event *ev)
{
    size_t i;

    printf("\n%s ended in %s%s%s\n", print_text(ev->stack), print_text(ev->status),
           ev->reason && ev->reason[0] ? ": " : "", print_text(ev->reason));
    if (ev->ncauses)
        printf("root cause:\n");
    for (i = 0; i < ev->ncauses; i++) {
        const struct cfn_event *x = &ev->causes[i];

        printf("  %s (%s) %s: %s\n", print_text(x->logical_id), print_text(x->type),
               print_text(x->status), x->reason[0] ? print_text(x->reason) : "(no reason given)");
    }
}

/* ------------------------------------------------------------ the sink */

/* Events only a person reads (plan --json prints the change set alone). */
static void human(struct print_deploy *p, const struct deploy_event *ev)
{
    const char *st = print_text(ev->stack);

    switch (ev->type) {
    case DEPLOY_EV_CHANGES: changes_table(ev); break;
    case DEPLOY_EV_IAM_DIFF: iam_table(p, ev); break;
    case DEPLOY_EV_NO_CHANGES: printf("%s: no changes; the stack is up to date\n", st); break;
    case DEPLOY_EV_DISCARDED: printf("change set %s discarded\n", print_text(ev->change_set)); break;
    case DEPLOY_EV_EXECUTING: printf("executing %s on %s\n", print_text(ev->change_set), st); break;
    case DEPLOY_EV_DELETING: printf("deleting %s\n", st); break;
    case DEPLOY_EV_ATTACHED: printf("%s: %s; waiting\n", st, print_text(ev->status)); break;
    case DEPLOY_EV_REVIEW_PENDING:
        printf("%s: REVIEW_IN_PROGRESS: nothing is running; a change set waits for review\n", st);
        break;
    case DEPLOY_EV_STACK_EVENT: stack_event(p, ev->event); break;
    case DEPLOY_EV_EVENTS_SKIPPED:
        printf("luaform: the newest %zu events since the last poll are shown; older ones were "
               "skipped (%s)\n", ev->count, ev->message);
        break;
    case DEPLOY_EV_PROGRESS: progress(p, ev); break;
    case DEPLOY_EV_SLOWED:
        if (!p->slowed++)
            printf("luaform: polling slowed: %s\n", print_text(ev->message));
        break;
    case DEPLOY_EV_DONE: printf("%s: %s\n", st, print_text(ev->status)); break;
    case DEPLOY_EV_OUTPUTS: outputs(ev); break;
    case DEPLOY_EV_PROTECTED: printf("%s: termination protection on\n", st); break;
    case DEPLOY_EV_FAILED: failed(ev); break;
    case DEPLOY_EV_GONE: printf("%s: deleted\n", st); break;
    case DEPLOY_EV_RETAINED:
        if (!p->retained++)
            printf("retained (still in the account, delete them yourself if you must):\n");
        printf("  %s (%s)\n", print_text(ev->logical_id), print_text(ev->resource_type));
        break;
    default: break;
    }
}

static void emit(void *ctx, const struct deploy_event *ev)
{
    struct print_deploy *p = ctx;

    clear_progress(p);
    if (ev->type == DEPLOY_EV_CHANGE_SET_CREATED || ev->type == DEPLOY_EV_EXECUTING ||
        ev->type == DEPLOY_EV_DELETING || ev->type == DEPLOY_EV_ATTACHED)
        p->slowed = 0;      /* a new wait: say it again if it slows */
    if ((ev->type == DEPLOY_EV_DONE || ev->type == DEPLOY_EV_FAILED) && ev->status) {
        snprintf(p->status, sizeof p->status, "%s", ev->status);
        p->failed = ev->type == DEPLOY_EV_FAILED;
    }
    if (ev->type == DEPLOY_EV_WARNING)
        cli_warnf("%s: %s", ev->stack, ev->message);
    else if (ev->type == DEPLOY_EV_INTERRUPTED)
        cli_errorf("interrupted; %s with %s. Reattach with: luaform wait --stack-name %s",
                   ev->message, ev->stack, ev->stack);
    else if (p->json && ev->type == DEPLOY_EV_CHANGES)
        changes_json(ev);
    else if (p->json && ev->type == DEPLOY_EV_NO_CHANGES)
        print_json(json_pack("{s:s, s:s, s:[]}", "stack", ev->stack, "status", "NO_CHANGES",
                             "changes"));
    else if (!p->json)
        human(p, ev);
    fflush(stdout);     /* stream, also into a pipe (CI logs) */
}

struct deploy_sink print_deploy_init(struct print_deploy *p, int json)
{
    struct deploy_sink s = { emit, p };

    memset(p, 0, sizeof *p);
    p->json = json;
    p->tty = isatty(1);
    p->color = p->tty && !getenv("NO_COLOR");
    return s;
}
