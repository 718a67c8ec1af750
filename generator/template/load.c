/* load.c: load a template file: which format it is, and JSON (YAML is
 * load_yaml.c). */
#include "template/load.h"
#include "core/err.h"

#include <string.h>

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);

    return n > m && !strcmp(s + n - m, suffix);
}

int load_is_template_name(const char *name)
{
    return ends_with(name, ".json") || ends_with(name, ".yaml") ||
           ends_with(name, ".yml") || ends_with(name, ".template");
}

enum load_format load_format_of(const char *name, const char *text, size_t len)
{
    size_t i;

    if (name && ends_with(name, ".json"))
        return LOAD_JSON;
    if (name && (ends_with(name, ".yaml") || ends_with(name, ".yml")))
        return LOAD_YAML;
    i = len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3) ? 3 : 0;     /* a UTF-8 BOM */
    for (; i < len && strchr(" \t\r\n", text[i]) && text[i]; i++)
        ;
    return i < len && text[i] == '{' ? LOAD_JSON : LOAD_YAML;
}

int load_clamp_line(const char *text, size_t len, int line)
{
    int lines = len > 0 && text[len - 1] != '\n' && text[len - 1] != '\r';
    size_t i;

    /* line breaks as YAML counts them: LF, CRLF, and a lone CR */
    for (i = 0; i < len; i++)
        lines += text[i] == '\n' || (text[i] == '\r' && (i + 1 == len || text[i + 1] != '\n'));
    return line > lines ? lines : line > 0 ? line : 0;
}

int load_json(const char *name, const char *text, size_t len, struct template_doc *doc,
              struct gen_err *e)
{
    struct template_doc y;
    json_error_t je;
    json_t *v;
    size_t bom = len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3) ? 3 : 0;

    /* a UTF-8 BOM, as editors on Windows write and CloudFormation accepts */
    v = json_loadb(text + bom, len - bom, JSON_REJECT_DUPLICATES, &je);

    if (!v)
        return err_set(e, GEN_EINPUT, name, load_clamp_line(text, len, je.line), "%s", je.text);
    if (!json_is_object(v)) {
        json_decref(v);
        return err_set(e, GEN_EINPUT, name, 1, "a template is an object of sections "
                       "(Resources, ...), not an array");
    }
    /* lines: JSON is YAML's flow style, and libyaml has marks */
    memset(&y, 0, sizeof y);
    if (load_yaml(name, text, len, &y, NULL) == 0) {
        json_decref(y.data);
        doc->lines = y.lines;
    } else {
        doc->lines = json_object();
    }
    doc->data = v;
    if (!doc->lines) {
        load_free(doc);
        return err_set(e, GEN_ENOMEM, name, 0, "out of memory");
    }
    return 0;
}

int load_template(const char *name, const char *text, size_t len, enum load_format fmt,
                  struct template_doc *doc, struct gen_err *e)
{
    memset(doc, 0, sizeof *doc);
    if (fmt == LOAD_AUTO)
        fmt = load_format_of(name, text, len);
    return fmt == LOAD_JSON ? load_json(name, text, len, doc, e) :
                              load_yaml(name, text, len, doc, e);
}

void load_free(struct template_doc *doc)
{
    json_decref(doc->data);
    json_decref(doc->lines);
    doc->data = doc->lines = NULL;
}
