/* report_sarif.c: the review report as SARIF 2.1.0, as GitHub code
 * scanning reads it (report.h). */
#include "review/report.h"
#include "aws/aws.h"
#include "core/buf.h"
#include "review/review.h"
#include "review/rules.h"
#include "core/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The project's home, shown by code scanning next to each rule: only when
 * the build names one (-DLUAFORM_URL=...); SARIF makes it optional, and an
 * address that is not the project's would mislead. */

static const char *str(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));

    return s ? s : "";
}

/* error for critical and high, warning for medium, note for low */
static const char *level_of(const char *severity)
{
    int r = review_rank(severity);

    return r >= 3 ? "error" : r == 2 ? "warning" : "note";
}

/* the title in PascalCase, letters and digits only: "WildcardAction..." */
static json_t *rule_name(const char *title)
{
    char name[128];
    size_t n = 0;
    int up = 1;

    for (; *title && n < sizeof name - 1; title++) {
        char c = *title;

        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
            name[n++] = (char)(up && c >= 'a' && c <= 'z' ? c - 32 : c);
            up = 0;
        } else {
            up = 1;
        }
    }
    name[n] = '\0';
    return json_string(name);
}

static json_t *rule(const struct review_rule *r)
{
    char score[16], *md = NULL;
    size_t n;
    json_t *o;

    snprintf(score, sizeof score, "%.1f", r->score);
    n = strlen(r->title) + strlen(r->why) + strlen(r->help) + 32;
    md = malloc(n);
    if (!md)
        return NULL;
    snprintf(md, n, "**%s**\n\n%s\n\n**Fix**: %s", r->title, r->why, r->help);
    o = json_pack("{s:s, s:o, s:{s:s}, s:{s:s}, s:{s:s, s:s}, s:{s:s}, "
                  "s:{s:s, s:[s], s:s}}",
                  "id", r->id, "name", rule_name(r->title),
                  "shortDescription", "text", r->title,
                  "fullDescription", "text", r->why,
                  "help", "text", r->help, "markdown", md,
                  "defaultConfiguration", "level", level_of(r->severity),
                  "properties", "security-severity", score, "tags", "security",
                  "precision", "high");
    free(md);
    return o;
}

/* The index of rule id in the table, or -1. */
static int rule_index(const struct review_rule *rules, size_t n, const char *id)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (!strcmp(rules[i].id, id))
            return (int)i;
    return -1;
}

/* Stable across runs and line moves: what the finding is about, not where. */
static json_t *fingerprint(const json_t *f)
{
    size_t n = strlen(str(f, "rule")) + strlen(str(f, "stack")) + strlen(str(f, "id")) +
               strlen(str(f, "path")) + strlen(str(f, "action")) + strlen(str(f, "resource")) + 8;
    char *s = malloc(n);
    json_t *o;

    if (!s)
        return NULL;
    snprintf(s, n, "%s|%s|%s|%s|%s|%s", str(f, "rule"), str(f, "stack"), str(f, "id"),
             str(f, "path"), str(f, "action"), str(f, "resource"));
    o = json_pack("{s:s}", "luaformFinding/v1", s);
    free(s);
    return o;
}

/* The file as a SARIF artifact URI: relative to the working directory
 * when it lies under it (code scanning wants paths from the repository's
 * root, where CI runs), percent-encoded (RFC 3986; '/' kept). */
static char *artifact_uri(const char *file)
{
    char cwd[4096];
    size_t n;
    struct buf b;

    if (file[0] == '/' && getcwd(cwd, sizeof cwd) && (n = strlen(cwd)) > 1 &&
        !strncmp(file, cwd, n) && file[n] == '/')
        file += n + 1;
    buf_init(&b);
    aws_urlencode(&b, file, 1);
    if (buf_failed(&b)) {
        buf_free(&b);
        return NULL;
    }
    return buf_detach(&b, NULL);
}

static json_t *result(const json_t *f, const struct review_rule *rules, size_t nrules,
                      int suppressed)
{
    json_int_t line = json_integer_value(json_object_get(f, "line"));
    int idx = rule_index(rules, nrules, str(f, "rule"));
    char *uri = artifact_uri(str(f, "file"));
    json_t *o;

    if (!uri)
        return NULL;
    o = json_pack("{s:s, s:s, s:{s:s}, s:[{s:{s:{s:s}, s:{s:I}}, s:[{s:s, s:s, s:s}]}], s:o}",
                  "ruleId", str(f, "rule"), "level", level_of(str(f, "severity")),
                  "message", "text", str(f, "message"),
                  "locations", "physicalLocation", "artifactLocation", "uri", uri,
                  "region", "startLine", line > 0 ? line : (json_int_t)1,
                  "logicalLocations", "name", str(f, "id"), "fullyQualifiedName",
                  str(f, "path"), "kind", "resource",
                  "partialFingerprints", fingerprint(f));
    if (o && idx >= 0)
        json_object_set_new(o, "ruleIndex", json_integer(idx));
    if (o && suppressed)
        json_object_set_new(o, "suppressions", json_pack("[{s:s, s:s}]", "kind", "inSource",
                                                         "justification", str(f, "reason")));
    free(uri);
    return o;
}

static json_t *sarif(const json_t *report)
{
    size_t nrules, i;
    const struct review_rule *rules = review_rules(&nrules);
    json_t *jrules = json_array(), *results = json_array(), *f, *driver;

    for (i = 0; i < nrules; i++)
        json_array_append_new(jrules, rule(&rules[i]));
    json_array_foreach(json_object_get(report, "findings"), i, f)
        json_array_append_new(results, result(f, rules, nrules, 0));
    json_array_foreach(json_object_get(report, "suppressed"), i, f)
        json_array_append_new(results, result(f, rules, nrules, 1));
    driver = json_pack("{s:s, s:s, s:o}", "name", "luaform",
                       "version", str(json_object_get(report, "tool"), "version"),
                       "rules", jrules);
#ifdef LUAFORM_URL
    if (driver)
        json_object_set_new(driver, "informationUri", json_string(LUAFORM_URL));
#endif
    return json_pack("{s:s, s:s, s:[{s:{s:o}, s:o}]}",
                     "$schema", "https://json.schemastore.org/sarif-2.1.0.json",
                     "version", "2.1.0",
                     "runs", "tool", "driver", driver,
                     "results", results);
}

int report_sarif(const json_t *report, struct buf *out, struct gen_err *e)
{
    json_t *s = sarif(report);
    int rc;

    if (!s)
        return err_set(e, GEN_ENOMEM, NULL, 0, "out of memory");
    rc = report_json(s, out, e);
    json_decref(s);
    return rc;
}
