/* emit_yaml.c: YAML emitter on libyaml.
 *
 * Strings a YAML 1.1 reader would take for something else (true, no, 1e3,
 * 2010-09-09, ~, ...) are quoted. In a template, a one-key object
 * {"Ref": x} or {"Fn::Name": x} becomes the tag !Ref x / !Name x, when it
 * reads back as the same data; Fn::GetAtt with two strings becomes
 * !GetAtt Res.Attr. Other data (emit_yaml_data) is written without tags. */
#include "template/emit_yaml.h"
#include "core/err.h"
#include "template/template.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <yaml.h>

static const char *const short_forms[] = { "Fn::Base64", "Fn::Cidr",
    "Fn::FindInMap", "Fn::GetAtt", "Fn::GetAZs", "Fn::ImportValue", "Fn::Join",
    "Fn::Select", "Fn::Split", "Fn::Sub", "Fn::Transform", "Fn::And",
    "Fn::Equals", "Fn::If", "Fn::Not", "Fn::Or", "Ref", "Condition", NULL };

static int write_handler(void *data, unsigned char *p, size_t n)
{
    buf_add(data, p, n);
    return !buf_failed(data);
}

/* Would a plain scalar with this text be read back as a non-string? */
static int needs_quotes(const char *s)
{
    static const char *const words[] = { "y", "n", "yes", "no", "on", "off",
        "true", "false", "null", "~", "=", "<<", NULL };
    char low[8];
    size_t i, n = strlen(s);

    if (n == 0)
        return 1;
    if (n < sizeof low) {
        for (i = 0; i <= n; i++)
            low[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
        for (i = 0; words[i]; i++)
            if (strcmp(low, words[i]) == 0)
                return 1;
    }
    /* numbers, dates, times, sexagesimals: anything starting like one */
    if (strchr("0123456789+-.", s[0]))
        return 1;
    return 0;
}

static int scalar(yaml_emitter_t *em, const char *tag, const char *s, size_t n,
                  yaml_scalar_style_t style, int implicit)
{
    yaml_event_t ev;

    if (!yaml_scalar_event_initialize(&ev, NULL, (yaml_char_t *)tag,
                                      (yaml_char_t *)s, (int)n, implicit,
                                      implicit, style))
        return 0;
    return yaml_emitter_emit(em, &ev);
}

static int string_scalar(yaml_emitter_t *em, const char *tag, const char *s,
                         size_t n)
{
    yaml_scalar_style_t st = YAML_ANY_SCALAR_STYLE;

    if (needs_quotes(s))
        st = YAML_SINGLE_QUOTED_SCALAR_STYLE;
    else if (memchr(s, '\n', n))
        st = YAML_LITERAL_SCALAR_STYLE;
    return scalar(em, tag, s, n, st, tag == NULL);
}

static int node(yaml_emitter_t *em, const json_t *v, const char *tag, int forms);

static const char *short_tag(const json_t *v, char *tag, size_t n)
{
    const char *k;
    int i;

    if (!json_is_object(v) || json_object_size(v) != 1)
        return NULL;
    k = json_object_iter_key(json_object_iter((json_t *)v));
    for (i = 0; short_forms[i]; i++)
        if (strcmp(k, short_forms[i]) == 0) {
            snprintf(tag, n, "!%s", strncmp(k, "Fn::", 4) == 0 ? k + 4 : k);
            return k;
        }
    return NULL;
}

/* Does {k: x} read back the same written as a tag? A tagged scalar is
 * always read as a string, and !GetAtt "A.B" as the list [A, B]. */
static int taggable(const char *k, const json_t *x)
{
    if (json_is_string(x))
        return strcmp(k, "Fn::GetAtt") != 0;
    return json_is_array(x) || json_is_object(x);
}

/* forms: write CloudFormation's short forms as tags */
static int node(yaml_emitter_t *em, const json_t *v, const char *tag, int forms)
{
    yaml_event_t ev;
    char num[64], stag[32];
    const char *k;
    json_t *x;
    size_t i;
    int implicit = tag == NULL;

    switch (json_typeof(v)) {
    case JSON_OBJECT:
        if (forms && (k = short_tag(v, stag, sizeof stag)) && !tag &&
            taggable(k, json_object_get(v, k))) {
            x = json_object_get(v, k);
            /* !GetAtt Res.Attr (read back split at the first dot) */
            if (!strcmp(k, "Fn::GetAtt") && json_array_size(x) == 2 &&
                json_is_string(json_array_get(x, 0)) &&
                !strchr(json_string_value(json_array_get(x, 0)), '.') &&
                json_is_string(json_array_get(x, 1))) {
                char dotted[600];
                int n = snprintf(dotted, sizeof dotted, "%s.%s",
                                 json_string_value(json_array_get(x, 0)),
                                 json_string_value(json_array_get(x, 1)));

                if (n > 0 && (size_t)n < sizeof dotted)
                    return string_scalar(em, stag, dotted, (size_t)n);
                /* too long for the dotted form: the list form */
            }
            return node(em, x, stag, forms);
        }
        if (!yaml_mapping_start_event_initialize(&ev, NULL, (yaml_char_t *)tag,
                implicit, json_object_size(v) ? YAML_BLOCK_MAPPING_STYLE :
                YAML_FLOW_MAPPING_STYLE) || !yaml_emitter_emit(em, &ev))
            return 0;
        json_object_foreach((json_t *)v, k, x) {
            if (!string_scalar(em, NULL, k, strlen(k)) || !node(em, x, NULL, forms))
                return 0;
        }
        return yaml_mapping_end_event_initialize(&ev) && yaml_emitter_emit(em, &ev);
    case JSON_ARRAY:
        if (!yaml_sequence_start_event_initialize(&ev, NULL, (yaml_char_t *)tag,
                implicit, json_array_size(v) ? YAML_BLOCK_SEQUENCE_STYLE :
                YAML_FLOW_SEQUENCE_STYLE) || !yaml_emitter_emit(em, &ev))
            return 0;
        json_array_foreach(v, i, x)
            if (!node(em, x, NULL, forms))
                return 0;
        return yaml_sequence_end_event_initialize(&ev) && yaml_emitter_emit(em, &ev);
    case JSON_STRING:
        return string_scalar(em, tag, json_string_value(v), json_string_length(v));
    case JSON_INTEGER:
        snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
        return scalar(em, tag, num, strlen(num), YAML_PLAIN_SCALAR_STYLE, implicit);
    case JSON_REAL:
        snprintf(num, sizeof num, "%.*g", template_precision(json_real_value(v)),
                 json_real_value(v));
        if (!strchr(num, '.') && !strpbrk(num, "ni")) {
            /* YAML 1.1 reads 1e-05 as a string: make it 1.0e-05 */
            char *exp = strpbrk(num, "eE");
            size_t at = exp ? (size_t)(exp - num) : strlen(num);

            memmove(num + at + 2, num + at, strlen(num + at) + 1);
            memcpy(num + at, ".0", 2);
        }
        return scalar(em, tag, num, strlen(num), YAML_PLAIN_SCALAR_STYLE, implicit);
    case JSON_TRUE:
        return scalar(em, tag, "true", 4, YAML_PLAIN_SCALAR_STYLE, implicit);
    case JSON_FALSE:
        return scalar(em, tag, "false", 5, YAML_PLAIN_SCALAR_STYLE, implicit);
    default:
        return scalar(em, tag, "null", 4, YAML_PLAIN_SCALAR_STYLE, implicit);
    }
}

static int emit(const json_t *tpl, int forms, struct buf *out, struct gen_err *e)
{
    yaml_emitter_t em;
    yaml_event_t ev;
    int ok;

    if (!yaml_emitter_initialize(&em))
        return err_set(e, GEN_ENOMEM, NULL, 0, "cannot start the YAML emitter");
    yaml_emitter_set_output(&em, write_handler, out);
    yaml_emitter_set_unicode(&em, 1);
    yaml_emitter_set_width(&em, -1);
    yaml_emitter_set_indent(&em, 2);
    ok = yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING) &&
         yaml_emitter_emit(&em, &ev) &&
         yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1) &&
         yaml_emitter_emit(&em, &ev) &&
         node(&em, tpl, NULL, forms) &&
         yaml_document_end_event_initialize(&ev, 1) &&
         yaml_emitter_emit(&em, &ev) &&
         yaml_stream_end_event_initialize(&ev) &&
         yaml_emitter_emit(&em, &ev) &&
         yaml_emitter_flush(&em);
    if (!ok) {
        err_set(e, GEN_EINTERNAL, NULL, 0, "YAML emitter: %s",
                em.problem ? em.problem : "failed");
        yaml_emitter_delete(&em);
        return GEN_EINTERNAL;
    }
    yaml_emitter_delete(&em);
    return 0;
}

int emit_yaml(const json_t *tpl, struct buf *out, struct gen_err *e)
{
    return emit(tpl, 1, out, e);
}

int emit_yaml_data(const json_t *v, struct buf *out, struct gen_err *e)
{
    return emit(v, 0, out, e);
}
