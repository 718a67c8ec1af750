/* test_template.c: the template model: loading JSON and YAML (short
 * forms, YAML 1.1 scalars, anchors, merge keys, lines, errors), JSON paths,
 * the data diff, the reference check, capabilities and retained
 * resources, and YAML written back as the same data. */
#include "core/buf.h"
#include "core/err.h"
#include "template/diff.h"
#include "template/emit_json.h"
#include "template/emit_yaml.h"
#include "template/load.h"
#include "template/path.h"
#include "template/references.h"
#include "template/template.h"
#include "template/yaml_scalar.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

/* Load YAML text; the data, or NULL with the error in *e. */
static json_t *yaml(const char *text, struct gen_err *e)
{
    struct template_doc d;
    json_t *v;

    err_clear(e);
    if (load_template("t.yaml", text, strlen(text), LOAD_YAML, &d, e) < 0)
        return NULL;
    v = json_incref(d.data);
    load_free(&d);
    return v;
}

/* Does YAML text load as the same data as JSON text? */
static int yaml_is(const char *text, const char *want_json)
{
    struct gen_err e;
    json_t *got = yaml(text, &e), *want = json_loads(want_json, JSON_DECODE_ANY, NULL);
    int same = got && want && json_equal(got, want);

    if (!same) {
        char *s = got ? json_dumps(got, JSON_COMPACT) : NULL;

        fprintf(stderr, "  got %s (%s)\n  want %s\n", s ? s : "NULL", got ? "" : e.msg,
                want_json);
        free(s);
    }
    json_decref(got);
    json_decref(want);
    return same;
}

/* Does loading fail at line with a message containing text? */
static int fails_at(const char *name, const char *src, int line, const char *text)
{
    struct template_doc d;
    struct gen_err e;
    int ok;

    err_clear(&e);
    if (load_template(name, src, strlen(src), LOAD_AUTO, &d, &e) == 0) {
        int rc = references_check(&d, name, &e);

        load_free(&d);
        if (rc == 0) {
            fprintf(stderr, "  %s loaded and checked without an error\n", name);
            return 0;
        }
    }
    ok = e.line == line && strstr(e.msg, text) && !strcmp(e.file, name);
    if (!ok)
        fprintf(stderr, "  %s: got %s:%d: %s\n", name, e.file, e.line, e.msg);
    return ok;
}

/* Does src load, and name nothing that is not there? */
static int clean(const char *name, const char *src)
{
    struct template_doc d;
    struct gen_err e;
    int rc;

    err_clear(&e);
    if (load_template(name, src, strlen(src), LOAD_AUTO, &d, &e) < 0) {
        fprintf(stderr, "  %s:%d: %s\n", name, e.line, e.msg);
        return 0;
    }
    rc = references_check(&d, name, &e);
    load_free(&d);
    if (rc < 0)
        fprintf(stderr, "  %s:%d: %s\n", name, e.line, e.msg);
    return rc == 0;
}

static void test_short_forms(void)
{
    T(yaml_is("a: !Ref X", "{\"a\": {\"Ref\": \"X\"}}"));
    T(yaml_is("a: !Condition C", "{\"a\": {\"Condition\": \"C\"}}"));
    T(yaml_is("a: !GetAtt R.Arn", "{\"a\": {\"Fn::GetAtt\": [\"R\", \"Arn\"]}}"));
    T(yaml_is("a: !GetAtt R.Endpoint.Address",
              "{\"a\": {\"Fn::GetAtt\": [\"R\", \"Endpoint.Address\"]}}"));
    T(yaml_is("a: !GetAtt R", "{\"a\": {\"Fn::GetAtt\": [\"R\"]}}"));
    T(yaml_is("a: !GetAtt [R, !Ref N]",
              "{\"a\": {\"Fn::GetAtt\": [\"R\", {\"Ref\": \"N\"}]}}"));
    T(yaml_is("a: !Sub '${X}-y'", "{\"a\": {\"Fn::Sub\": \"${X}-y\"}}"));
    T(yaml_is("a: !Sub\n  - '${A}'\n  - A: !Ref B\n",
              "{\"a\": {\"Fn::Sub\": [\"${A}\", {\"A\": {\"Ref\": \"B\"}}]}}"));
    T(yaml_is("a: !Join ['', [!Sub 'x${Y}', z]]",
              "{\"a\": {\"Fn::Join\": [\"\", [{\"Fn::Sub\": \"x${Y}\"}, \"z\"]]}}"));
    T(yaml_is("a: !Select [0, !GetAZs '']",
              "{\"a\": {\"Fn::Select\": [0, {\"Fn::GetAZs\": \"\"}]}}"));
    T(yaml_is("a: !If [C, !Ref X, !Ref AWS::NoValue]",
              "{\"a\": {\"Fn::If\": [\"C\", {\"Ref\": \"X\"}, {\"Ref\": \"AWS::NoValue\"}]}}"));
    T(yaml_is("a: !Cidr [!Ref V, 4, 8]",
              "{\"a\": {\"Fn::Cidr\": [{\"Ref\": \"V\"}, 4, 8]}}"));
    T(yaml_is("a: !FindInMap [M, !Ref 'AWS::Region', K]",
              "{\"a\": {\"Fn::FindInMap\": [\"M\", {\"Ref\": \"AWS::Region\"}, \"K\"]}}"));
    T(yaml_is("a: !ImportValue {Fn::Sub: '${S}-x'}",
              "{\"a\": {\"Fn::ImportValue\": {\"Fn::Sub\": \"${S}-x\"}}}"));
    T(yaml_is("a: !Base64 abc", "{\"a\": {\"Fn::Base64\": \"abc\"}}"));
    T(yaml_is("a: !Split [',', 'a,b']", "{\"a\": {\"Fn::Split\": [\",\", \"a,b\"]}}"));
    T(yaml_is("a: !Equals [1, 1]", "{\"a\": {\"Fn::Equals\": [1, 1]}}"));
    T(yaml_is("a: !And [!Condition A, !Not [!Condition B]]",
              "{\"a\": {\"Fn::And\": [{\"Condition\": \"A\"}, {\"Fn::Not\": [{\"Condition\": \"B\"}]}]}}"));
    T(yaml_is("a: !Or [!Condition A, !Condition B]",
              "{\"a\": {\"Fn::Or\": [{\"Condition\": \"A\"}, {\"Condition\": \"B\"}]}}"));
    T(yaml_is("a: !Transform {Name: AWS::Include, Parameters: {Location: s3://b/k}}",
              "{\"a\": {\"Fn::Transform\": {\"Name\": \"AWS::Include\", "
              "\"Parameters\": {\"Location\": \"s3://b/k\"}}}}"));
    /* a tagged scalar is always a string, as cfn-lint constructs it */
    T(yaml_is("a: !Ref 123", "{\"a\": {\"Ref\": \"123\"}}"));
    T(yaml_is("a: !Ref", "{\"a\": {\"Ref\": \"\"}}"));
    /* standard tags */
    T(yaml_is("a: !!str 123\nb: !!int '42'\nc: !!float 7\nd: !!bool 'yes'\ne: !!null x\n"
              "f: !!seq [1]\ng: !!map {k: v}\nh: ! 12\n",
              "{\"a\": \"123\", \"b\": 42, \"c\": 7.0, \"d\": true, \"e\": null, \"f\": [1], "
              "\"g\": {\"k\": \"v\"}, \"h\": \"12\"}"));
}

static void test_scalars(void)
{
    static const struct { const char *text; enum yaml_scalar_kind kind; } cases[] = {
        { "yes", YAML_SCALAR_BOOL }, { "No", YAML_SCALAR_BOOL }, { "OFF", YAML_SCALAR_BOOL },
        { "oN", YAML_SCALAR_STRING }, { "y", YAML_SCALAR_STRING }, { "~", YAML_SCALAR_NULL },
        { "", YAML_SCALAR_NULL }, { "NULL", YAML_SCALAR_NULL }, { "nULL", YAML_SCALAR_STRING },
        { "0", YAML_SCALAR_INT }, { "-0", YAML_SCALAR_INT }, { "0123", YAML_SCALAR_INT },
        { "08", YAML_SCALAR_STRING }, { "0x1F", YAML_SCALAR_INT }, { "0x", YAML_SCALAR_STRING },
        { "0b101", YAML_SCALAR_INT }, { "1_000", YAML_SCALAR_INT }, { "1:30", YAML_SCALAR_INT },
        { "1:75", YAML_SCALAR_STRING }, { "01:30", YAML_SCALAR_STRING },
        { "1.5", YAML_SCALAR_FLOAT }, { "1.", YAML_SCALAR_FLOAT }, { ".5", YAML_SCALAR_FLOAT },
        { "-.5", YAML_SCALAR_STRING }, { "1e5", YAML_SCALAR_STRING },
        { "1.0e5", YAML_SCALAR_STRING }, { "1.0e+5", YAML_SCALAR_FLOAT },
        { "1:30.5", YAML_SCALAR_FLOAT }, { ".inf", YAML_SCALAR_FLOAT },
        { "-.Inf", YAML_SCALAR_FLOAT }, { ".NaN", YAML_SCALAR_FLOAT },
        { "2010-09-09", YAML_SCALAR_STRING }, { "1.2.3", YAML_SCALAR_STRING },
        { "<<", YAML_SCALAR_MERGE }, { "=", YAML_SCALAR_STRING }, { "+12", YAML_SCALAR_INT },
    };
    const char *why = NULL;
    json_t *v;
    size_t i;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
        TMSG(yaml_scalar_kind(cases[i].text, strlen(cases[i].text)) == cases[i].kind, "%s",
             cases[i].text);
    T(yaml_is("a: 0123\nb: 0x1F\nc: 0b101\nd: 1:30\ne: -1_000\nf: 1:30.5\ng: 2.\n"
              "h: 6.02e+23\ni: 9223372036854775807\nj: -9223372036854775808\n",
              "{\"a\": 83, \"b\": 31, \"c\": 5, \"d\": 90, \"e\": -1000, \"f\": 90.5, \"g\": 2.0,"
              " \"h\": 6.02e23, \"i\": 9223372036854775807, \"j\": -9223372036854775808}"));
    T(yaml_is("a: 2010-09-09\nb: '0123'\nc: \"yes\"\nd: 1e5\ne: =\nf: 1.10\ng: ~\nh:\n",
              "{\"a\": \"2010-09-09\", \"b\": \"0123\", \"c\": \"yes\", \"d\": \"1e5\", "
              "\"e\": \"=\", \"f\": 1.1, \"g\": null, \"h\": null}"));
    T(yaml_is("a: |\n  x\n   y\nb: >-\n  p\n  q\nc: |+\n  k\n\nd: x\n",
              "{\"a\": \"x\\n y\\n\", \"b\": \"p q\", \"c\": \"k\\n\\n\", \"d\": \"x\"}"));
    v = yaml_scalar_value("9223372036854775808", 19, YAML_SCALAR_INT, &why);
    T(!v && why && strstr(why, "64 bits"));
    v = yaml_scalar_value("0x_", 3, YAML_SCALAR_INT, &why);
    T(!v);
    v = yaml_scalar_value("1e999", 5, YAML_SCALAR_FLOAT, &why);
    T(!v && strstr(why, "finite"));
    v = yaml_scalar_value("ja", 2, YAML_SCALAR_BOOL, &why);
    T(!v && strstr(why, "boolean"));
    v = yaml_scalar_value("a\0b", 3, YAML_SCALAR_STRING, &why);
    T(!v && strstr(why, "NUL"));
}

static void test_anchors(void)
{
    /* aliases copy; merge keys: own keys win, then the first source */
    T(yaml_is("a: &x {k: 1, l: [2]}\nb: *x\n",
              "{\"a\": {\"k\": 1, \"l\": [2]}, \"b\": {\"k\": 1, \"l\": [2]}}"));
    T(yaml_is("base: &b {k: 1, m: 2}\nc:\n  m: 3\n  <<: *b\n",
              "{\"base\": {\"k\": 1, \"m\": 2}, \"c\": {\"k\": 1, \"m\": 3}}"));
    T(yaml_is("x: &x {k: x, a: 1}\ny: &y {k: y, b: 2}\nz: {<<: [*x, *y]}\n",
              "{\"x\": {\"k\": \"x\", \"a\": 1}, \"y\": {\"k\": \"y\", \"b\": 2}, "
              "\"z\": {\"k\": \"x\", \"a\": 1, \"b\": 2}}"));
    T(yaml_is("a: &s scalar\nb: *s\nc: {*s : v}\n",
              "{\"a\": \"scalar\", \"b\": \"scalar\", \"c\": {\"scalar\": \"v\"}}"));
    T(yaml_is("a: &r !Ref X\nb: *r\n", "{\"a\": {\"Ref\": \"X\"}, \"b\": {\"Ref\": \"X\"}}"));
    T(yaml_is("'<<': 1\n", "{\"<<\": 1}"));     /* quoted: a plain key */
    /* an alias bomb stops at the value limit, at its line */
    {
        struct buf b;
        struct gen_err e;
        json_t *v;
        int i;

        buf_init(&b);
        buf_adds(&b, "a0: &a0 [x, x, x, x, x, x, x, x]\n");
        for (i = 1; i < 12; i++)
            buf_printf(&b, "a%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d]\n",
                       i, i, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1);
        v = yaml(buf_cstr(&b), &e);
        T(!v && strstr(e.msg, "values (aliases expanded)") && e.line > 1 && e.line <= 12);
        json_decref(v);
        buf_free(&b);
    }
}

static void test_lines(void)
{
    static const char src[] =
        "Resources:\n"                          /* 1 */
        "  Fn:\n"                               /* 2 */
        "    Type: AWS::Lambda::Function\n"     /* 3 */
        "    Properties:\n"                     /* 4 */
        "      Role: !GetAtt Role.Arn\n"        /* 5 */
        "      Tags:\n"                         /* 6 */
        "        - Key: a\n"                    /* 7 */
        "          Value: !If\n"                /* 8 */
        "            - C\n"                     /* 9 */
        "            - x\n"                     /* 10 */
        "            - y\n"                     /* 11 */
        "      \"a.b\": &n 1\n"                 /* 12 */
        "      c: *n\n";                        /* 13 */
    struct template_doc d;
    struct gen_err e;

    T(load_template("t.yaml", src, sizeof src - 1, LOAD_AUTO, &d, &e) == 0);
    T(path_line(d.lines, "") == 1);
    T(path_line(d.lines, "Resources.Fn") == 2);
    T(path_line(d.lines, "Resources.Fn.Properties.Role") == 5);
    T(path_line(d.lines, "Resources.Fn.Properties.Role.Fn::GetAtt[1]") == 5);
    T(path_line(d.lines, "Resources.Fn.Properties.Tags[0]") == 7);
    T(path_line(d.lines, "Resources.Fn.Properties.Tags[0].Value.Fn::If[2]") == 11);
    T(path_line(d.lines, "Resources.Fn.Properties[\"a.b\"]") == 12);
    T(path_line(d.lines, "Resources.Fn.Properties.c") == 13);
    T(path_line(d.lines, "Resources.Nope.Deeper[3]") == 1);
    load_free(&d);
    /* JSON: lines from libyaml's marks */
    {
        static const char js[] = "{\n  \"Resources\": {\n    \"T\": {\n      \"Type\": \"X\"\n"
                                 "    }\n  }\n}\n";

        T(load_template("t.json", js, sizeof js - 1, LOAD_AUTO, &d, &e) == 0);
        T(path_line(d.lines, "Resources.T.Type") == 4);
        load_free(&d);
    }
}

static void test_errors(void)
{
    T(fails_at("a.yaml", "Resources:\n  A:\n    Type: X\n    P: !Foo x\n", 4,
               "unknown tag '!Foo'"));
    T(fails_at("a.yaml", "Resources:\n  A: !Bar {}\n", 2, "unknown tag '!Bar' on a mapping"));
    T(fails_at("a.yaml", "a: !!binary aGk=\n", 1, "tag '!!binary' is not supported"));
    T(fails_at("a.yaml", "a: !!map [1]\n", 1, "unknown tag '!!map' on a list"));
    T(fails_at("a.yaml", "Resources:\n  A: 1\n  B: 2\n  A: 3\n", 4,
               "duplicate key 'A' (first at line 2)"));
    T(fails_at("a.yaml", "a:\n  b: 1\n c: 2\n", 3, ""));
    T(fails_at("a.yaml", "a: *nothing\n", 1, "alias '*nothing' names no anchor"));
    T(fails_at("a.yaml", "a: &x [*x]\n", 1, "alias '*x' names no anchor"));
    T(fails_at("a.yaml", "a: 1\n---\nb: 2\n", 2, "one YAML document"));
    T(fails_at("a.yaml", "# nothing\n", 1, "the template is empty"));
    T(fails_at("a.yaml", "just text\n", 1, "not a scalar"));
    T(fails_at("a.yaml", "a:\n  ? [1]\n  : 2\n", 2, "a mapping key must be a string, not a list"));
    T(fails_at("a.yaml", "a:\n  <<: 1\n", 2, "a merge key '<<' takes a mapping"));
    T(fails_at("a.yaml", "a:\n  b: !!int 1.5\n", 2, "'1.5' is not an integer"));
    T(fails_at("a.yaml", "a: \"\\0\"\n", 1, "NUL"));
    T(fails_at("a.yaml", "a: \xff\n", 1, "invalid"));
    T(fails_at("a.json", "{\"a\": 1,\n \"a\": 2}", 2, "duplicate object key"));
    T(fails_at("a.json", "[1]", 1, "not an array"));
    T(fails_at("a.json", "{\"a\": \n", 1, ""));
    {   /* nesting past the limit */
        struct buf b;
        int i;

        buf_init(&b);
        buf_adds(&b, "a: ");
        for (i = 0; i < LOAD_MAX_DEPTH + 1; i++)
            buf_addc(&b, '[');
        T(fails_at("a.yaml", buf_cstr(&b), 1, "nested deeper than"));
        buf_free(&b);
    }
}

static void test_formats(void)
{
    T(load_format_of("x.json", "a: 1", 4) == LOAD_JSON);
    T(load_format_of("x.yml", "{}", 2) == LOAD_YAML);
    T(load_format_of("x.template", " \n\t{}", 5) == LOAD_JSON);
    T(load_format_of("x.template", "Resources: {}", 13) == LOAD_YAML);
    T(load_format_of(NULL, "{\"a\": 1}", 8) == LOAD_JSON);
    T(load_is_template_name("a/b.yaml") && load_is_template_name("t.template") &&
      !load_is_template_name("x.lua") && !load_is_template_name(".json") &&
      !load_is_template_name("ltbase"));
}

static void test_paths(void)
{
    struct buf b;
    json_t *steps = NULL, *want;

    buf_init(&b);
    path_key(&b, "Resources");
    path_key(&b, "Fn");
    path_index(&b, 3);
    path_key(&b, "a.b");
    path_key(&b, "");
    path_key(&b, "say \"hi\" [x]");
    path_key(&b, "Fn::GetAtt");
    T(!strcmp(buf_cstr(&b), "Resources.Fn[3][\"a.b\"][\"\"][\"say \\\"hi\\\" [x]\"].Fn::GetAtt"));
    T(path_parse(buf_cstr(&b), &steps) == 0);
    want = json_pack("[s, s, i, s, s, s, s]", "Resources", "Fn", 3, "a.b", "",
                     "say \"hi\" [x]", "Fn::GetAtt");
    T(json_equal(steps, want));
    json_decref(steps);
    json_decref(want);
    buf_reset(&b);
    path_key(&b, "a.b");
    path_key(&b, "c");
    T(!strcmp(buf_cstr(&b), "[\"a.b\"].c"));
    T(path_parse("", &steps) == 0 && json_array_size(steps) == 0);
    json_decref(steps);
    steps = NULL;
    T(path_parse(".a", &steps) < 0 && path_parse("a[", &steps) < 0 &&
      path_parse("a[x]", &steps) < 0 && path_parse("a[\"x]", &steps) < 0 &&
      path_parse("a..b", &steps) < 0 && steps == NULL);
    buf_free(&b);
}

static json_t *diff_of(const char *a, const char *b)
{
    json_t *x = json_loads(a, 0, NULL), *y = json_loads(b, 0, NULL);
    json_t *d = diff_templates(x, y);

    json_decref(x);
    json_decref(y);
    return d;
}

static int diff_is(const char *a, const char *b, const char *want_json)
{
    json_t *d = diff_of(a, b), *want = json_loads(want_json, 0, NULL);
    int same = d && want && json_equal(d, want);

    if (!same) {
        char *s = d ? json_dumps(d, JSON_COMPACT) : NULL;

        fprintf(stderr, "  got %s\n  want %s\n", s ? s : "NULL", want_json);
        free(s);
    }
    json_decref(d);
    json_decref(want);
    return same;
}

static void test_diff(void)
{
    T(diff_is("{\"a\": 1}", "{\"a\": 1}", "[]"));
    T(diff_is("{\"Resources\": {\"Fn\": {\"Properties\": {\"Timeout\": 3}}}}",
              "{\"Resources\": {\"Fn\": {\"Properties\": {\"Timeout\": 5}}}}",
              "[{\"path\": \"Resources.Fn.Properties.Timeout\", \"kind\": \"changed\", "
              "\"old\": 3, \"new\": 5}]"));
    T(diff_is("{\"b\": 1, \"a\": {\"x\": 1}}", "{\"c\": [1], \"a\": {}}",
              "[{\"path\": \"a.x\", \"kind\": \"removed\", \"old\": 1},"
              " {\"path\": \"b\", \"kind\": \"removed\", \"old\": 1},"
              " {\"path\": \"c\", \"kind\": \"added\", \"new\": [1]}]"));
    T(diff_is("{\"l\": [1, 2, 3]}", "{\"l\": [1, 9]}",
              "[{\"path\": \"l[1]\", \"kind\": \"changed\", \"old\": 2, \"new\": 9},"
              " {\"path\": \"l[2]\", \"kind\": \"removed\", \"old\": 3}]"));
    T(diff_is("{\"l\": []}", "{\"l\": [{\"k\": 1}]}",
              "[{\"path\": \"l[0]\", \"kind\": \"added\", \"new\": {\"k\": 1}}]"));
    /* types: 3 is neither 3.0 nor "3"; an object becoming a list is one change */
    T(diff_is("{\"a\": 3, \"b\": 3, \"c\": {\"k\": 1}}", "{\"a\": 3.0, \"b\": \"3\", \"c\": [1]}",
              "[{\"path\": \"a\", \"kind\": \"changed\", \"old\": 3, \"new\": 3.0},"
              " {\"path\": \"b\", \"kind\": \"changed\", \"old\": 3, \"new\": \"3\"},"
              " {\"path\": \"c\", \"kind\": \"changed\", \"old\": {\"k\": 1}, \"new\": [1]}]"));
    T(diff_is("{\"C\": {\"token.actions.githubusercontent.com:sub\": \"repo:a/*\"}}",
              "{\"C\": {\"token.actions.githubusercontent.com:sub\": \"repo:a/b:*\"}}",
              "[{\"path\": \"C[\\\"token.actions.githubusercontent.com:sub\\\"]\", "
              "\"kind\": \"changed\", \"old\": \"repo:a/*\", \"new\": \"repo:a/b:*\"}]"));
    T(diff_is("{\"a\": null}", "{\"a\": false}",
              "[{\"path\": \"a\", \"kind\": \"changed\", \"old\": null, \"new\": false}]"));
    T(diff_is("{\"a\": 1}", "{}", "[{\"path\": \"a\", \"kind\": \"removed\", \"old\": 1}]"));
    /* a YAML template and its JSON twin are the same data */
    {
        json_t *y = yaml("Resources:\n  Q: {Type: 'AWS::SQS::Queue', Properties: "
                         "{DelaySeconds: !Ref D}}\n", &(struct gen_err){0});
        json_t *j = json_loads("{\"Resources\": {\"Q\": {\"Type\": \"AWS::SQS::Queue\", "
                               "\"Properties\": {\"DelaySeconds\": {\"Ref\": \"D\"}}}}}", 0, NULL);
        json_t *d = diff_templates(y, j);

        T(d && json_array_size(d) == 0);
        json_decref(d);
        json_decref(y);
        json_decref(j);
    }
}

static void test_references(void)
{
    static const char head[] =
        "Parameters:\n  P: {Type: String}\n"
        "Conditions:\n  C: !Equals [!Ref P, x]\n"
        "Mappings:\n  M: {k: {v: 1}}\n"
        "Resources:\n  R:\n    Type: AWS::SNS::Topic\n";
    struct buf b;

#define OK(tail) do { buf_reset(&b); buf_adds(&b, head); buf_adds(&b, tail); \
        TMSG(clean("r.yaml", buf_cstr(&b)), "%s", tail); } while (0)
#define BAD(tail, line, text) do { buf_reset(&b); buf_adds(&b, head); buf_adds(&b, tail); \
        TMSG(fails_at("r.yaml", buf_cstr(&b), line, text), "%s", tail); } while (0)
    buf_init(&b);
    OK("    Properties:\n      A: !Ref P\n      B: !Ref R\n      C: !Ref AWS::Region\n"
       "      D: !GetAtt R.TopicName\n      E: !Sub '${P}${R}${R.TopicName}${AWS::StackName}'\n"
       "      F: !Sub ['${V}${V.W}${!Nothing}${!R.x}', {V: 1, V.W: 2}]\n"
       "      G: !If [C, 1, 2]\n      H: !FindInMap [M, k, v]\n"
       "      I: !Sub 'unterminated ${P'\n"
       "    DependsOn: [R]\n    Condition: C\n"
       "Outputs:\n  O: {Condition: C, Value: !Ref R}\n");
    BAD("    Properties: {A: !Ref Q}\n", 10, "'Q' in Ref names no parameter, resource");
    BAD("    Properties:\n      A: !Ref AWS::Regoin\n", 11, "'AWS::Regoin' in Ref");
    BAD("    Properties:\n      A: !GetAtt Q.Arn\n", 11, "'Q' in Fn::GetAtt names no resource");
    BAD("    Properties:\n      A: {Fn::GetAtt: Q.Arn}\n", 11, "'Q' in Fn::GetAtt");
    BAD("    Properties:\n      A: !GetAtt P.Arn\n", 11, "'P' in Fn::GetAtt names no resource");
    BAD("    Properties:\n      A: !Sub 'a-${Q}'\n", 11, "'${Q}' in Fn::Sub");
    BAD("    Properties:\n      A: !Sub 'a-${P.Arn}'\n", 11, "'${P.Arn}' in Fn::Sub names no resource");
    BAD("    Properties:\n      A: !Sub ['${V}${W}', {V: 1}]\n", 11, "'${W}' in Fn::Sub");
    BAD("    Properties:\n      A: !If [D, 1, 2]\n", 11, "'D' in Fn::If names no condition");
    BAD("    Properties:\n      A: !FindInMap [N, k, v]\n", 11, "'N' in Fn::FindInMap");
    BAD("    DependsOn: S\n", 10, "'S' in DependsOn names no resource");
    BAD("    Condition: D\n", 10, "'D' in Condition names no condition");
    BAD("Outputs:\n  O:\n    Condition: D\n    Value: 1\n", 12, "'D' in Condition");
    BAD("Outputs:\n  O:\n    Value: !Ref Q\n", 12, "'Q' in Ref");
    buf_reset(&b);
    buf_adds(&b, "Conditions:\n  A: !Equals [1, 1]\n  B: !Or [!Condition A, !Condition Z]\n"
                 "Resources: {}\n");
    T(fails_at("r.yaml", buf_cstr(&b), 3, "'Z' in Condition names no condition"));
    /* a Transform (or Fn::Transform) defines names of its own: not checked */
    buf_reset(&b);
    buf_adds(&b, "Transform: AWS::Serverless-2016-10-31\nResources:\n  F:\n"
                 "    Type: AWS::Serverless::Function\n    Properties: {Role: !GetAtt FRole.Arn}\n");
    T(clean("r.yaml", buf_cstr(&b)));
    buf_reset(&b);
    buf_adds(&b, "Resources:\n  F:\n    Type: X\n    Properties:\n      A: !Ref Nope\n"
                 "      Fn::Transform: {Name: AWS::Include, Parameters: {Location: s3://b/k}}\n");
    T(clean("r.yaml", buf_cstr(&b)));
    /* JSON: the line from libyaml's marks */
    T(fails_at("r.json", "{\"Resources\": {\n  \"R\": {\"Type\": \"X\",\n"
               "   \"Properties\": {\"A\": {\"Ref\": \"Q\"}}}}}", 3, "'Q' in Ref"));
    buf_free(&b);
#undef OK
#undef BAD
}

/* The capabilities of a template (JSON text), comma-joined. */
static int caps_are(const char *tpl, const char *want)
{
    const char *caps[4];
    char got[128] = "";
    json_t *t = json_loads(tpl, 0, NULL);
    int i;

    template_capabilities(t, caps);
    for (i = 0; caps[i]; i++)
        snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s", i ? "," : "", caps[i]);
    json_decref(t);
    if (strcmp(got, want))
        fprintf(stderr, "  %s: got '%s', want '%s'\n", tpl, got, want);
    return !strcmp(got, want);
}

static void test_capabilities(void)
{
    T(caps_are("{\"Resources\": {\"T\": {\"Type\": \"AWS::SNS::Topic\"}}}", ""));
    T(caps_are("{}", ""));
    T(caps_are("{\"Resources\": {\"R\": {\"Type\": \"AWS::IAM::Role\", \"Properties\": {}}}}",
               "CAPABILITY_IAM"));
    T(caps_are("{\"Transform\": \"AWS::Serverless-2016-10-31\", \"Resources\": {\"R\": "
               "{\"Type\": \"AWS::IAM::Role\", \"Properties\": {\"RoleName\": \"x\"}}}}",
               "CAPABILITY_NAMED_IAM,CAPABILITY_AUTO_EXPAND"));
    /* SAM makes a role for a function without one */
    T(caps_are("{\"Transform\": \"AWS::Serverless-2016-10-31\", \"Resources\": {\"F\": "
               "{\"Type\": \"AWS::Serverless::Function\", \"Properties\": {}}}}",
               "CAPABILITY_IAM,CAPABILITY_AUTO_EXPAND"));
    T(caps_are("{\"Resources\": {\"F\": {\"Type\": \"AWS::Serverless::Function\", "
               "\"Properties\": {\"Role\": \"arn:aws:iam::1:role/r\"}}, \"T\": {\"Type\": "
               "\"AWS::SNS::Topic\", \"Properties\": {\"Fn::Transform\": {\"Name\": \"M\"}}}}}",
               "CAPABILITY_AUTO_EXPAND"));
    T(caps_are("{\"Resources\": {\"S\": {\"Type\": \"AWS::CloudFormation::Stack\"}}}",
               "CAPABILITY_AUTO_EXPAND"));
}

static void test_retained(void)
{
    json_t *t = yaml("Resources:\n"
                     "  A: {Type: 'AWS::S3::Bucket', DeletionPolicy: Retain}\n"
                     "  B: {Type: 'AWS::SNS::Topic'}\n"
                     "  C: {Type: 'AWS::RDS::DBInstance', DeletionPolicy: Snapshot}\n"
                     "  D: {Type: 'AWS::DynamoDB::Table', DeletionPolicy: RetainExceptOnCreate}\n"
                     "  E: {DeletionPolicy: Retain}\n", &(struct gen_err){0});
    json_t *r = template_retained(t), *want = json_loads(
        "[{\"id\": \"A\", \"type\": \"AWS::S3::Bucket\"}, {\"id\": \"D\", \"type\": "
        "\"AWS::DynamoDB::Table\"}, {\"id\": \"E\", \"type\": \"\"}]", 0, NULL);

    T(r && json_equal(r, want));
    json_decref(r);
    json_decref(want);
    json_decref(t);
    t = json_loads("{}", 0, NULL);
    r = template_retained(t);
    T(r && json_array_size(r) == 0);
    json_decref(r);
    json_decref(t);
}

/* emit_yaml writes what reads back as the same data, even where a short
 * form would not: a tagged scalar reads as a string, !GetAtt A.B splits
 * at the first dot. */
static void test_yaml_fidelity(void)
{
    static const char *const docs[] = {
        "{\"a\": {\"Ref\": 5}, \"b\": {\"Ref\": null}, \"c\": {\"Fn::Base64\": true}}",
        "{\"a\": {\"Fn::GetAtt\": \"R.Arn\"}, \"b\": {\"Fn::GetAtt\": [\"R.x\", \"Arn\"]}}",
        "{\"a\": {\"Fn::GetAtt\": [\"R\", \"Endpoint.Address\"]}, \"b\": {\"Fn::GetAtt\": [\"R\"]}}",
        "{\"a\": {\"Ref\": {\"Ref\": \"X\"}}, \"b\": {\"Condition\": \"C\"}, \"c\": {\"Fn::Sub\": [\"x\", {}]}}",
        "{\"y\": [\"yes\", \"No\", \"~\", \"null\", \"\", \"0123\", \"1e5\", \"2010-09-09\", \"=\", \"<<\","
        " \"1:30\", \".5\", \"-\", \"- a\", \"!Ref x\", \"*a\", \"&a\", \"a: b\", \"#c\", \" s \","
        " \"l1\\nl2\", \"tab\\t\", \"\\u001b\", \"é\", \"@x\", \"%x\", \"`x\", \"{x}\", \"[x]\"],"
        " \"n\": [0, -1, 1.5, 1e+300, 0.1, 9223372036854775807, true, false, null]}",
        "{\"<<\": {\"k\": 1}, \"yes\": 1, \"1\": 2, \"\": 3, \"a.b\": 4}",
    };
    size_t i;

    for (i = 0; i < sizeof docs / sizeof docs[0]; i++) {
        json_t *in = json_loads(docs[i], 0, NULL), *back;
        struct buf y;
        struct gen_err e;

        buf_init(&y);
        T(in && emit_yaml(in, &y, &e) == 0);
        back = yaml(buf_cstr(&y), &e);
        TMSG(back && json_equal(in, back), "%s\n%s", docs[i], buf_cstr(&y));
        json_decref(back);
        json_decref(in);
        buf_free(&y);
    }
}

/* emit_yaml_data writes data that is not a template (a workflow) with no
 * tags: a one-key {"Ref": x} stays a map. */
static void test_yaml_data(void)
{
    json_t *in = json_loads("{\"on\": {\"Ref\": \"x\"}, \"if\": {\"Fn::Sub\": \"z\"}}", 0,
                            NULL);
    struct buf y;
    struct gen_err e;

    buf_init(&y);
    T(in && emit_yaml_data(in, &y, &e) == 0);
    TMSG(!strcmp(buf_cstr(&y), "'on':\n  Ref: x\nif:\n  Fn::Sub: z\n"), "%s", buf_cstr(&y));
    buf_reset(&y);
    T(emit_yaml(in, &y, &e) == 0 && strstr(buf_cstr(&y), "!Ref x"));
    json_decref(in);
    buf_free(&y);
}

/* Inputs fuzz_template found (tests/fuzz/seeds/template/fixed-*). */
static void test_fuzz_findings(void)
{
    /* libyaml ends a last line without a newline with a line of its own:
     * the error named line 3 of a 2-line file */
    T(fails_at("a.yaml", "- 1Fn:n:ioJ_000rces\n-Fn::FindInMap", 2, "expected ':'"));
    T(fails_at("a.yaml", "a: [1,\n", 1, ""));
    /* ... and the empty value at the end of such a text was on line 4 of 3 */
    T(fails_at("a.yaml", "%YAML 1.1\n---\n# only a comment", 3, "not a scalar"));
    {   /* template_canonical emptied a section that is not a mapping */
        json_t *in = json_loads("{\"Resources\": \"x\", \"Outputs\": [1], "
                                "\"Parameters\": null}", 0, NULL);
        json_t *c = template_canonical(in);

        T(in && c && json_equal(in, c));
        json_decref(in);
        json_decref(c);
    }
}

int main(void)
{
    test_short_forms();
    test_scalars();
    test_anchors();
    test_lines();
    test_errors();
    test_formats();
    test_paths();
    test_diff();
    test_references();
    test_capabilities();
    test_retained();
    test_yaml_fidelity();
    test_yaml_data();
    test_fuzz_findings();
    return t_report();
}
