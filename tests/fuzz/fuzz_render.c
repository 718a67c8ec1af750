/* fuzz_render.c: description rendering. Runs the input as a description
 * through the sandbox (luahost_render) and checks that it fails with one
 * non-empty line and a known code, or gives a template that both emitters
 * write and whose JSON reads back; rendering the same input twice must
 * give the same template bytes (the sandbox promises deterministic
 * output; error messages are not compared, see below).
 *
 * Input: Lua. A first line "--@ltbase" renders it as a stack of the
 * built-in ltbase system (its system.lua and example.yaml, and
 * require("ltbase.common")); each line "--@p KEY=VALUE" is a -p override.
 *
 * Watchdog: a single C call (a pathological string.find pattern,
 * table.move over 2^40 slots) is not stopped by the host's instruction,
 * memory and time limits but by the CLI's alarm (30 s), which ends the
 * process (cli.c). The harness does the same, sooner so that fuzzing goes
 * on: past 3 s it saves the input
 * to $FUZZ_WATCHDOG_DIR (when set), says so on stderr and exits with
 * status 86, which tests/fuzz/run.sh takes as "abandoned, fuzz on" rather
 * than as a finding. Its timer is a POSIX timer on its own signal, as
 * libFuzzer's -timeout owns SIGALRM. */
#include "core/buf.h"
#include "template/config.h"
#include "template/emit_json.h"
#include "lua/embed.h"
#include "core/err.h"
#include "template/emit_yaml.h"
#include "fuzz.h"
#include "lua/luahost.h"

#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define WATCHDOG_SECONDS 3      /* cli.c's watchdog is 30 s: a last resort */
#define WATCHDOG_EXIT 86
#define LTBASE "--@ltbase\n"

static struct config ltbase;                  /* example.yaml, parsed once */
static const struct embed_file *manifest;
static timer_t timer;
static char wd_path[600];                  /* where an abandoned input goes */
static const uint8_t *wd_data;
static size_t wd_size;

static void on_watchdog(int sig)
{
    static const char msg[] = "fuzz_render: watchdog: the render ran past "
        "3 s (the CLI's watchdog would end it later); input abandoned\n";
    ssize_t w;

    (void)sig;
    w = write(2, msg, sizeof msg - 1);
    if (wd_path[0]) {
        int fd = open(wd_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

        if (fd >= 0) {
            w = write(fd, wd_data, wd_size);
            close(fd);
        }
    }
    (void)w;
    _exit(WATCHDOG_EXIT);
}

static void arm(int seconds)
{
    struct itimerspec its;

    memset(&its, 0, sizeof its);
    its.it_value.tv_sec = seconds;
    timer_settime(timer, 0, &its, NULL);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const struct embed_file *ex;
    struct sigaction sa;
    struct sigevent sev;
    struct gen_err e;

    (void)argc;
    (void)argv;
    manifest = embed_find("templates/ltbase/system.lua");
    ex = embed_find("templates/ltbase/example.yaml");
    config_init(&ltbase);
    if (!manifest || !ex ||
        config_parse(&ltbase, ex->path, ex->data, ex->len, &e) < 0) {
        fprintf(stderr, "fuzz_render: no usable ltbase system\n");
        exit(2);
    }
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_watchdog;
    sigaction(SIGRTMIN + 1, &sa, NULL);
    memset(&sev, 0, sizeof sev);
    sev.sigev_notify = SIGEV_SIGNAL;
    sev.sigev_signo = SIGRTMIN + 1;
    if (timer_create(CLOCK_MONOTONIC, &sev, &timer) < 0) {
        perror("timer_create");
        exit(2);
    }
    return 0;
}

/* The -p lines of the input, as config_override records them. */
static json_t *overrides(const char *text)
{
    struct config c;
    struct gen_err e;
    const char *p = text;
    json_t *o;

    config_init(&c);
    while ((p = strstr(p, "--@p ")) != NULL) {
        const char *eol = strchr(p, '\n');
        char *kv = strndup(p + 5, eol ? (size_t)(eol - p - 5) : strlen(p + 5));

        config_override(&c, kv, &e);
        free(kv);
        p += 5;
    }
    o = json_incref(c.overrides);
    config_free(&c);
    return o;
}

struct result {
    int rc;
    struct gen_err e;
    struct buf json, yaml;
};

static void render(const struct luahost_job *job, struct result *r)
{
    json_t *tpl = NULL, *deploy = NULL;

    memset(r, 0, sizeof *r);
    buf_init(&r->json);
    buf_init(&r->yaml);
    err_clear(&r->e);
    arm(WATCHDOG_SECONDS);
    r->rc = luahost_render(job, &tpl, &deploy, &r->e);
    if (r->rc == 0) {
        FZ_CHECK(json_is_object(tpl), "the template is not an object");
        FZ_CHECK(deploy == NULL || json_is_object(deploy),
                 "deploy settings are not an object");
        FZ_CHECK(emit_json(tpl, &r->json, &r->e) == 0, "JSON emitter: %s",
                 r->e.msg);
        FZ_CHECK(emit_yaml(tpl, &r->yaml, &r->e) == 0, "YAML emitter: %s",
                 r->e.msg);
    }
    arm(0);
    json_decref(tpl);
    json_decref(deploy);
}

static void check(const struct result *r)
{
    static const int codes[] = {GEN_ELUA, GEN_EINPUT, GEN_ENOMEM,
                                GEN_EINTERNAL};
    json_error_t jerr;
    json_t *back;
    size_t i;
    int ok = 0;

    if (r->rc < 0) {
        for (i = 0; i < sizeof codes / sizeof codes[0]; i++)
            ok |= r->rc == codes[i];
        FZ_CHECK(ok && r->e.code == r->rc, "returned %d, e.code %d: %s",
                 r->rc, r->e.code, r->e.msg);
        FZ_CHECK(r->e.msg[0] && fz_one_line(r->e.msg) &&
                 fz_one_line(r->e.file), "message: %s: %s", r->e.file,
                 r->e.msg);
        return;
    }
    FZ_CHECK(r->rc == 0, "luahost_render returned %d", r->rc);
    back = json_loadb(r->json.data, r->json.len, JSON_ALLOW_NUL, &jerr);
    FZ_CHECK(back != NULL, "the emitted JSON does not read back: %s",
             jerr.text);
    json_decref(back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct luahost_job job;
    struct result a, b;
    char *text;
    int lt;

    if (size > 65536)
        return 0;
    text = fz_strndup(data, size);
    lt = size >= strlen(LTBASE) && memcmp(data, LTBASE, strlen(LTBASE)) == 0;
    memset(&job, 0, sizeof job);
    job.desc.name = lt ? "templates/ltbase/fuzz.lua" : "fuzz.lua";
    job.desc.data = text;
    job.desc.len = size;
    job.stack_name = lt ? "ltbase-fuzz" : "fuzz";
    if (lt) {
        job.manifest.name = manifest->path;
        job.manifest.data = manifest->data;
        job.manifest.len = manifest->len;
        job.config_file = ltbase.file;
        job.config = ltbase.values;
        job.config_meta = ltbase.meta;
    }
    job.overrides = overrides(text);

    wd_data = data;
    wd_size = size;
    if (getenv("FUZZ_WATCHDOG_DIR"))
        snprintf(wd_path, sizeof wd_path, "%s/watchdog-%016llx",
                 getenv("FUZZ_WATCHDOG_DIR"),
                 (unsigned long long)fz_hash(data, size, 0));
    render(&job, &a);
    check(&a);
    /* Only a rendered template is promised to be deterministic: which of
     * several errors is reported may depend on hash order, and the
     * wall-clock limit on load. Failures (most inputs) are not run twice. */
    memset(&b, 0, sizeof b);
    if (a.rc == 0) {
        render(&job, &b);
        FZ_CHECK(b.rc == 0 || fz_has(b.e.msg, "limit exceeded"),
                 "a render succeeded, the same one again failed: %s",
                 b.e.msg);
        if (b.rc == 0)
            FZ_CHECK(a.json.len == b.json.len &&
                     memcmp(a.json.data, b.json.data, a.json.len) == 0,
                     "two renders differ:\n%.3000s\n----\n%.3000s",
                     buf_cstr(&a.json), buf_cstr(&b.json));
    }
    buf_free(&a.json);
    buf_free(&a.yaml);
    buf_free(&b.json);
    buf_free(&b.yaml);
    json_decref((json_t *)job.overrides);
    free(text);
    return 0;
}
