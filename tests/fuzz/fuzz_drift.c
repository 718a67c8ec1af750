/* fuzz_drift.c: what drift reads from a config and from AWS. The input is
 * three parts split by lines "%%": a YAML config (its drift: ignore list),
 * a JSON report list as drift_check makes them (stacks' values come from
 * AWS and templates: anything), and lines "EXPECTED<TAB>ACTUAL<TAB>PATH".
 * Checks that the ignore list loads or fails with one line naming a line
 * of the config; every rule has a path, a reason and a source; a rule
 * matching a path also matches it again (no state); the equivalences are
 * symmetric; the reports build, every GitHub annotation is one line that
 * starts with "::" (no value can end one or start another), at most 10 of
 * each kind, and no control character but '\n' reaches the text. */
#include "core/err.h"
#include "drift/drift.h"
#include "drift/report.h"
#include "template/config.h"
#include "fuzz.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define STACK "arn:aws:cloudformation:us-east-1:123456789012:stack/app/abc"

static void check_ignore(const char *yaml, size_t n, json_t **rules)
{
    struct config c;
    struct gen_err e;
    int rc;

    *rules = NULL;
    config_init(&c);
    err_clear(&e);
    rc = config_parse(&c, "fuzz.yaml", yaml, n, &e);
    if (rc == 0) {
        err_clear(&e);
        rc = drift_ignore_load(&c, rules, &e);
        if (rc < 0) {
            FZ_CHECK(rc == GEN_EINPUT || rc == GEN_ENOMEM, "returned %d", rc);
            FZ_CHECK(e.msg[0] && fz_one_line(e.msg), "message: %s", e.msg);
            FZ_CHECK(*rules == NULL, "rules kept on failure");
        } else {
            size_t i;
            const json_t *r;

            json_array_foreach(*rules, i, r) {
                FZ_CHECK(json_is_string(json_object_get(r, "path")) &&
                         json_is_string(json_object_get(r, "reason")) &&
                         json_is_string(json_object_get(r, "source")), "rule %zu incomplete", i);
                FZ_CHECK(json_object_get(r, "type") || json_object_get(r, "logical_id"),
                         "rule %zu names no resource", i);
            }
        }
    }
    config_free(&c);
}

static void check_pairs(const char *text, const json_t *rules)
{
    char *copy = strdup(text), *line, *save = NULL;

    for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *exp = line, *act = strchr(line, '\t'), *path;
        const char *a, *b;

        if (!act)
            continue;
        *act++ = '\0';
        path = strchr(act, '\t');
        if (path)
            *path++ = '\0';
        a = drift_equivalent(exp, act, STACK);
        b = drift_equivalent(act, exp, STACK);
        FZ_CHECK(!a == !b, "equivalence not symmetric: '%s' '%s'", exp, act);
        if (path && *path) {
            const json_t *m1 = drift_ignore_match(rules, "app", "Id", "AWS::S3::Bucket", path,
                                                  "NOT_EQUAL");
            const json_t *m2 = drift_ignore_match(rules, "app", "Id", "AWS::S3::Bucket", path,
                                                  "NOT_EQUAL");

            FZ_CHECK(m1 == m2, "two answers for one path");
        }
    }
    free(copy);
}

static void check_reports(const char *text, size_t n)
{
    json_t *reports = json_loadb(text, n, 0, NULL);
    struct gen_err e;
    struct buf b;
    const char *p;
    size_t kinds[3] = { 0, 0, 0 };

    if (!json_is_array(reports)) {
        json_decref(reports);
        return;
    }
    buf_init(&b);
    if (drift_report_github(reports, &b, &e) == 0) {
        for (p = buf_cstr(&b); *p; p = strchr(p, '\n') + 1) {
            FZ_CHECK(!strncmp(p, "::", 2), "an annotation line not starting with '::'");
            FZ_CHECK(strchr(p, '\n'), "an annotation without its line end");
            kinds[0] += !strncmp(p, "::error ", 8);
            kinds[1] += !strncmp(p, "::warning ", 10);
            kinds[2] += !strncmp(p, "::notice ", 9);
            if (!strchr(p, '\n'))
                break;
        }
        FZ_CHECK(kinds[0] <= DRIFT_ANNOTATIONS_MAX && kinds[1] <= DRIFT_ANNOTATIONS_MAX &&
                 kinds[2] <= DRIFT_ANNOTATIONS_MAX, "more than 10 annotations of a kind");
    }
    buf_free(&b);
    buf_init(&b);
    if (drift_report_text(reports, 0, &b, &e) == 0)
        for (p = buf_cstr(&b); *p; p++)
            FZ_CHECK((unsigned char)*p >= 0x20 || *p == '\n', "control character in the text");
    buf_free(&b);
    buf_init(&b);
    (void)drift_report_markdown(reports, &b, &e, 1);
    buf_free(&b);
    buf_init(&b);
    (void)drift_report_json(reports, &b, &e);
    buf_free(&b);
    (void)drift_report_exit(reports);
    json_decref(reports);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1), *sep1, *sep2;
    json_t *rules = NULL;

    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    sep1 = strstr(text, "\n%%\n");
    sep2 = sep1 ? strstr(sep1 + 4, "\n%%\n") : NULL;
    check_ignore(text, sep1 ? (size_t)(sep1 - text) : size, &rules);
    if (sep1) {
        check_reports(sep1 + 4, sep2 ? (size_t)(sep2 - sep1 - 4) : strlen(sep1 + 4));
        if (sep2)
            check_pairs(sep2 + 4, rules);
    }
    json_decref(rules);
    free(text);
    return 0;
}
