#define _DEFAULT_SOURCE      /* flock */
/* test_model.c: buf, cfg (YAML config), tm (canonical order), ej/ey. */
#include "core/buf.h"
#include "template/config.h"
#include "template/emit_json.h"
#include "core/err.h"
#include "template/emit_yaml.h"
#include "core/files.h"
#include "test.h"
#include "template/template.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

static void test_buf(void)
{
    struct buf b;
    char *s;
    size_t n;
    int i;

    buf_init(&b);
    T(strcmp(buf_cstr(&b), "") == 0);
    for (i = 0; i < 1000; i++)
        buf_printf(&b, "%d,", i);
    T(b.len == strlen(b.data) && !strncmp(b.data, "0,1,2,", 6));
    buf_reset(&b);
    buf_add(&b, "a\0b", 3);
    T(b.len == 3 && b.data[3] == '\0');
    s = buf_detach(&b, &n);
    T(n == 3 && s[2] == 'b' && b.data == NULL);
    free(s);
    buf_free(&b);
}

static void test_cfg(void)
{
    static const char y[] =
        "# comment\n"
        "account: 012345678901\n"
        "name: 'quoted'\n"
        "n: 12\n"
        "f: 0.5\n"
        "b: true\n"
        "nested:\n"
        "  key: value\n"
        "  list: [a, b]\n";
    struct config c;
    struct gen_err e;
    json_t *m;

    config_init(&c);
    T(config_parse(&c, "x.yaml", y, sizeof y - 1, &e) == 0);
    T(json_integer_value(json_object_get(c.values, "n")) == 12);
    T(json_real_value(json_object_get(c.values, "f")) == 0.5);
    T(json_is_true(json_object_get(c.values, "b")));
    T(!strcmp(json_string_value(json_object_get(c.values, "name")), "quoted"));
    m = json_object_get(c.meta, "account");
    T(json_integer_value(json_object_get(m, "line")) == 2);
    T(!strcmp(json_string_value(json_object_get(m, "raw")), "012345678901"));
    T(json_is_true(json_object_get(m, "plain")));
    T(json_integer_value(json_object_get(json_object_get(c.meta, "nested.key"), "line")) == 8);
    T(json_integer_value(json_object_get(json_object_get(c.meta, "nested.list.2"), "line")) == 9);
    T(json_is_false(json_object_get(json_object_get(c.meta, "name"), "plain")));
    T(config_override(&c, "a.b=c=d", &e) == 0);
    T(!strcmp(json_string_value(json_object_get(json_array_get(c.overrides, 0), "value")), "c=d"));
    T(config_override(&c, "=x", &e) < 0);
    config_free(&c);

    config_init(&c);
    T(config_parse(&c, "d.yaml", "a: 1\nb: 2\na: 3\n", 15, &e) < 0);
    T(e.line == 3 && strstr(e.msg, "duplicate key 'a'") && !strcmp(e.file, "d.yaml"));
    config_free(&c);
    config_init(&c);
    T(config_parse(&c, "l.yaml", "- 1\n- 2\n", 8, &e) < 0 && e.line == 1);
    config_free(&c);
    config_init(&c);
    T(config_parse(&c, "two.yaml", "a: 1\n---\nb: 2\n", 14, &e) < 0 && strstr(e.msg, "more than one"));
    config_free(&c);
    config_init(&c);
    T(config_parse(&c, "empty.yaml", "", 0, &e) == 0 && json_object_size(c.values) == 0);
    config_free(&c);
}

/* Do a and b both occur in s, a first? (Comparing two strstr results
 * alone passes when either is missing.) */
static int before(const char *s, const char *a, const char *b)
{
    const char *pa = strstr(s, a), *pb = strstr(s, b);

    return pa && pb && pa < pb;
}

static void test_tm_emit(void)
{
    json_error_t je;
    json_t *in = json_loads(
        "{\"Resources\": {\"B\": {\"Properties\": {\"z\": 1, \"a\": [\"true\", \"2010-09-09\", "
        "\"\", \"plain\", \"- dash\", \"multi\\nline\"]}, \"Type\": \"AWS::X::Y\", "
        "\"DeletionPolicy\": \"Retain\"}, \"A\": {\"Type\": \"AWS::X::Y\", \"Properties\": "
        "{\"P\": {\"Statement\": [{\"Resource\": \"*\", \"Action\": \"s3:*\", \"Effect\": \"Allow\"}],"
        " \"Version\": \"2012-10-17\"}, \"R\": {\"Fn::GetAtt\": [\"B\", \"Arn\"]}, \"W\": 0.01}}},"
        " \"Description\": \"d\", \"AWSTemplateFormatVersion\": \"2010-09-09\"}", 0, &je);
    json_t *c;
    struct buf j, y;
    struct gen_err e;

    T(in != NULL);
    c = template_canonical(in);
    buf_init(&j);
    buf_init(&y);
    T(emit_json(c, &j, &e) == 0);
    T(before(j.data, "AWSTemplateFormatVersion", "Description") &&
      before(j.data, "Description", "Resources"));
    T(before(j.data, "\"A\"", "\"B\""));
    T(strstr(j.data, "\"Type\": \"AWS::X::Y\",\n      \"Properties\""));
    T(before(j.data, "\"Effect\"", "\"Action\"") && before(j.data, "\"Action\"", "\"Resource\""));
    T(before(j.data, "\"Version\"", "\"Statement\""));
    T(strstr(j.data, "\"W\": 0.01\n"));
    T(emit_yaml(c, &y, &e) == 0);
    T(strstr(y.data, "AWSTemplateFormatVersion: '2010-09-09'"));
    T(strstr(y.data, "- 'true'") && strstr(y.data, "- '2010-09-09'") && strstr(y.data, "- ''"));
    T(strstr(y.data, "- plain\n"));
    T(strstr(y.data, "R: !GetAtt B.Arn"));
    T(strstr(y.data, "W: 0.01"));
    T(strstr(y.data, "|-\n") || strstr(y.data, "|\n"));
    buf_free(&j);
    buf_free(&y);
    json_decref(c);
    json_decref(in);
}

/* Is there a file in dir whose name contains needle? */
static int dir_has(const char *dir, const char *needle)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    int found = 0;

    while (d && (de = readdir(d)))
        if (strstr(de->d_name, needle))
            found = 1;
    if (d)
        closedir(d);
    return found;
}

/* Numbers in their shortest exact form, in JSON and YAML; strings that
 * look like numbers untouched. */
static void test_numbers(void)
{
    json_t *in = json_pack("{s:f, s:f, s:f, s:f, s:f, s:f, s:I, s:s, s:s}",
                           "max", 1.7976931348623157e308, "third", 0.30000000000000004,
                           "tenth", 0.1, "small", 1e-05, "two", 2.0, "neg", -2.5e-300,
                           "big", (json_int_t)9007199254740993LL,
                           "str", "1.25 \"0.1000000000000000055511151231257827\" 3e5",
                           "esc", "\\\"0.30000000000000004");
    struct buf j, y;
    struct gen_err e;
    json_t *back;
    json_error_t je;

    buf_init(&j);
    buf_init(&y);
    T(emit_json(in, &j, &e) == 0);
    T(strstr(j.data, "\"max\": 1.7976931348623157e308,"));
    T(strstr(j.data, "\"third\": 0.30000000000000004,"));
    T(strstr(j.data, "\"tenth\": 0.1,"));
    T(strstr(j.data, "\"small\": 1e-5,"));
    T(strstr(j.data, "\"two\": 2.0,"));
    T(strstr(j.data, "\"neg\": -2.5e-300,"));
    T(strstr(j.data, "\"big\": 9007199254740993,"));
    back = json_loads(j.data, 0, &je);
    T(back && json_equal(back, in));
    json_decref(back);
    T(emit_yaml(in, &y, &e) == 0);
    T(strstr(y.data, "max: 1.7976931348623157e+308\n"));
    T(strstr(y.data, "third: 0.30000000000000004\n"));
    T(strstr(y.data, "tenth: 0.1\n"));
    T(strstr(y.data, "small: 1.0e-05\n"));
    buf_free(&j);
    buf_free(&y);
    json_decref(in);
    T(template_precision(0.1) == 15 && template_precision(0.30000000000000004) == 17 &&
      template_precision(1.7976931348623157e308) == 17);
}

static void test_fsx(void)
{
    char dir[] = "/tmp/luaform-fsx-XXXXXX", path[256], sub[256], fifo[256], *data = NULL;
    struct files_staged a, b;
    size_t n;
    struct gen_err e;
    int fd = -1;

    T(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/a/b/c.json", dir);
    snprintf(sub, sizeof sub, "%s/a/b", dir);
    T(files_write_atomic(path, "hello\n", 6, &e) == 0);
    T(files_read(path, NULL, 100, 0, &data, &n, &e) == 0 && n == 6 && !strcmp(data, "hello\n"));
    free(data);
    T(files_write_atomic(path, "x", 1, &e) == 0);
    T(files_read(path, NULL, 100, 0, &data, &n, &e) == 0 && n == 1);
    free(data);
    T(files_read("/nonexistent/file", NULL, 100, 0, &data, &n, &e) < 0 &&
      strstr(e.msg, "cannot read '/nonexistent/file': No such file"));
    T(files_read("/nonexistent/file", NULL, 100, FILES_MISSING_OK, &data, &n, &e) == 1);

    /* bounded: never a device, a FIFO or a directory; never past max */
    T(files_read("/dev/zero", NULL, 100, 0, &data, &n, &e) < 0 &&
      strstr(e.msg, "not a regular file"));
    snprintf(fifo, sizeof fifo, "%s/fifo", dir);
    T(mkfifo(fifo, 0600) == 0);
    T(files_read(fifo, NULL, 100, 0, &data, &n, &e) < 0 && strstr(e.msg, "not a regular file"));
    T(files_read(dir, "the thing", 100, 0, &data, &n, &e) < 0 &&
      !strcmp(e.msg, "cannot read the thing: Is a directory"));
    T(files_read(path, NULL, 0, 0, &data, &n, &e) < 0 && strstr(e.msg, "larger than 0 bytes"));

    /* a set: nothing replaced until commit; a discarded temp file is gone */
    T(files_stage(&a, path, "new", 3, &e) == 0 && a.tmp && dir_has(sub, ".tmp."));
    T(files_read(path, NULL, 100, 0, &data, &n, &e) == 0 && !strcmp(data, "x"));
    free(data);
    T(files_commit(&a, &e) == 0 && !a.tmp && !dir_has(sub, ".tmp."));
    T(files_read(path, NULL, 100, 0, &data, &n, &e) == 0 && !strcmp(data, "new"));
    free(data);
    T(files_stage(&b, path, "newer", 5, &e) == 0);
    files_discard(&b);
    T(!dir_has(sub, ".tmp."));
    T(files_stage(&b, path, "newest", 6, &e) == 0);
    files_remove_temps();                 /* what a signal handler does */
    T(!dir_has(sub, ".tmp."));
    files_discard(&b);

    /* a directory where the file should go: the error names the target */
    T(files_stage(&a, sub, "x", 1, &e) < 0 && strstr(e.msg, "cannot write '") &&
      strstr(e.msg, "/a/b': Is a directory") && !strstr(e.msg, ".tmp."));
    T(files_stage(&a, "/proc/nope/x.json", "x", 1, &e) < 0 && !strstr(e.msg, ".tmp."));

    /* the directory lock: exclusive, released by unlock */
    T(files_lock_dir(sub, &fd, &e) == 0 && fd >= 0);
    {
        int other = open(sub, O_RDONLY | O_DIRECTORY);

        T(other >= 0 && flock(other, LOCK_EX | LOCK_NB) != 0);
        files_unlock_dir(fd);
        T(flock(other, LOCK_EX | LOCK_NB) == 0);
        close(other);
    }
    unlink(path);
    unlink(fifo);
}

int main(void)
{
    test_buf();
    test_cfg();
    test_tm_emit();
    test_numbers();
    test_fsx();
    return t_report();
}
