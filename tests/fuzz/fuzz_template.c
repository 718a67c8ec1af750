/* fuzz_template.c: the template loader and what works on its model.
 *
 * The first byte of the input picks the format: 'j' JSON, 'y' YAML,
 * anything else LOAD_AUTO (by the text, as for a .template file); the rest
 * is the template. Checks that a load fails with a one-line message naming
 * the file and a line of it, or gives an object with lines; and then that
 *   - references_check passes or fails with a one-line message;
 *   - template_canonical is the same data (it only orders keys);
 *   - what emit_json and emit_yaml write loads back (LOAD_JSON, LOAD_YAML)
 *     as the same data (json_equal), and the emitters never fail;
 *   - every line recorded is a line of the input;
 *   - the diff of the template with itself and with each copy read back
 *     is empty. */
#include "core/buf.h"
#include "core/err.h"
#include "template/diff.h"
#include "template/emit_json.h"
#include "template/emit_yaml.h"
#include "template/load.h"
#include "template/references.h"
#include "template/template.h"
#include "fuzz.h"

#include <stdint.h>
#include <string.h>

#define NAME "fuzz.template"

static int nlines;              /* lines in the input */

/* A failure: the code returned, in e, with a message on one line. */
static void check_error(const struct gen_err *e, int rc, const char *what)
{
    FZ_CHECK(rc == GEN_EINPUT || rc == GEN_ENOMEM, "%s returned %d", what, rc);
    FZ_CHECK(e->code == rc, "%s: e.code %d, returned %d", what, e->code, rc);
    FZ_CHECK(e->msg[0] && fz_one_line(e->msg), "%s: message '%s'", what, e->msg);
}

static void check_empty_diff(const json_t *a, const json_t *b, const char *what)
{
    json_t *d = diff_templates(a, b);
    char *s = d && json_array_size(d) ? json_dumps(d, JSON_COMPACT) : NULL;

    FZ_CHECK(d && json_array_size(d) == 0, "diff with %s: %s", what,
             s ? s : d ? "[]" : "(out of memory)");
    json_decref(d);
}

/* Emit tpl with emit, load it back as fmt: the same data as want. */
static void round_trip(const json_t *tpl, const json_t *want,
                       int (*emit)(const json_t *, struct buf *, struct gen_err *),
                       enum load_format fmt, const char *what)
{
    struct template_doc back;
    struct gen_err e;
    struct buf out;
    int rc;

    buf_init(&out);
    err_clear(&e);
    rc = emit(tpl, &out, &e);
    FZ_CHECK(rc == 0, "%s failed: %s", what, e.msg);
    rc = load_template(what, buf_cstr(&out), out.len, fmt, &back, &e);
    FZ_CHECK(rc == 0, "what %s wrote does not load: %s:%d: %s\n%s", what,
             e.file, e.line, e.msg, buf_cstr(&out));
    FZ_CHECK(json_equal(back.data, want), "what %s wrote loads as other data:\n%s",
             what, buf_cstr(&out));
    check_empty_diff(want, back.data, what);
    load_free(&back);
    buf_free(&out);
}

static void check_loaded(const struct template_doc *doc)
{
    struct gen_err e;
    json_t *canon;
    int rc;

    const char *path;
    json_t *line;

    FZ_CHECK(json_is_object(doc->data) && json_is_object(doc->lines),
             "no object after success");
    json_object_foreach(doc->lines, path, line)
        FZ_CHECK(json_is_integer(line) && json_integer_value(line) >= 0 &&
                 json_integer_value(line) <= nlines, "'%s' at line %lld of %d",
                 path, (long long)json_integer_value(line), nlines);
    err_clear(&e);
    rc = references_check(doc, NAME, &e);
    if (rc < 0)
        check_error(&e, rc, "references_check");
    canon = template_canonical(doc->data);
    FZ_CHECK(canon && json_equal(canon, doc->data), "canonical order changed the data");
    check_empty_diff(doc->data, doc->data, "itself");
    round_trip(canon, doc->data, emit_json, LOAD_JSON, "emit_json");
    round_trip(canon, doc->data, emit_yaml, LOAD_YAML, "emit_yaml");
    json_decref(canon);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    enum load_format fmt = LOAD_AUTO;
    struct template_doc doc;
    struct gen_err e;
    char *text;
    size_t i;
    int rc;

    if (size == 0)
        return 0;
    if (data[0] == 'j')
        fmt = LOAD_JSON;
    else if (data[0] == 'y')
        fmt = LOAD_YAML;
    data++;
    size--;
    /* in its own allocation, not NUL-terminated: a read past it is seen */
    text = malloc(size ? size : 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    nlines = 1;
    for (i = 0; i < size; i++)     /* an upper bound: CR, NEL, LS, PS too */
        nlines += data[i] == '\n' || data[i] == '\r' || data[i] == 0x85 ||
                  data[i] == 0xE2;
    err_clear(&e);
    rc = load_template(NAME, text, size, fmt, &doc, &e);
    if (rc < 0) {
        check_error(&e, rc, "load_template");
        FZ_CHECK(strcmp(e.file, NAME) == 0, "error names '%s'", e.file);
        FZ_CHECK(e.line >= 0 && e.line <= nlines, "error at line %d of %d",
                 e.line, nlines);
    } else {
        FZ_CHECK(rc == 0, "load_template returned %d", rc);
        check_loaded(&doc);
        load_free(&doc);
    }
    free(text);
    return 0;
}
