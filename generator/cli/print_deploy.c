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
    print_json(json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "stack", ev->stack,
                         "change_set", ev->change_set, "id", ch->id, "type", ev->change_type,
                         "status", ch->status, "changes", arr));
}

static void iam_changes(const struct cfn_changeset *ch)
{
    size_t i, n = 0;

    for (i = 0; i < ch->n; i++) {
        const struct cfn_change *x = &ch->changes[i];

        if (strncmp(x->type, "AWS::IAM::", 10))
            continue;
        if (!n++)
            printf("IAM changes (review them):\n");
        printf("  %s %s (%s)%s%s\n", print_text(x->action), print_text(x->logical_id),
               print_text(x->type), x->properties[0] ? ": " : "", print_text(x->properties));
    }
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
    iam_changes(ch);
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
