/* luahost.c: the Lua host's entry points: run a stack description and
 * return its template, run a system manifest and return its table.
 *
 * Each job gets a fresh state (state.c: capped allocator over a pool,
 * count hook) with the sandbox's globals (sandbox.c, guard.c) and a
 * `require` over the library compiled into the binary (require.c). Errors
 * carry the description's file and line (error.c); the results come back
 * as JSON (convert.c). */
#include "lua/luahost.h"
#include "lua/chunk.h"
#include "lua/convert.h"
#include "lua/error.h"
#include "lua/require.h"
#include "lua/sandbox.h"
#include "lua/state.h"
#include "core/err.h"
#include "template/template.h"

#include <lauxlib.h>
#include <string.h>

/* Call require(name) and leave the module on the stack. */
static void push_module(lua_State *L, const char *name)
{
    lua_pushcfunction(L, require_module);
    lua_pushstring(L, name);
    lua_call(L, 1, 1);
}

/* Set field name of the table on top to j as Lua, when there is one. */
static void set_json(lua_State *L, const char *name, const json_t *j, int list_mt)
{
    if (!j)
        return;
    convert_push_json(L, j, list_mt);
    lua_setfield(L, -2, name);
}

/* Push the options luaform.render takes for job; may raise. */
static void push_options(lua_State *L, const struct luahost_job *job, int list_mt)
{
    lua_createtable(L, 0, 8);
    lua_pushstring(L, job->stack_name);
    lua_setfield(L, -2, "stack");
    if (job->manifest.name) {
        if (chunk_load(L, &job->manifest) != LUA_OK)
            lua_error(L);
        lua_setfield(L, -2, "manifest");
        lua_pushstring(L, job->manifest.name);
        lua_setfield(L, -2, "manifest_name");
        /* a built-in manifest's schema was checked by luahost_manifest */
        lua_pushboolean(L, !chunk_embedded(&job->manifest));
        lua_setfield(L, -2, "check_schema");
    }
    if (job->config_file) {
        lua_pushstring(L, job->config_file);
        lua_setfield(L, -2, "config_file");
    }
    set_json(L, "values", job->config, list_mt);
    set_json(L, "meta", job->config_meta, list_mt);
    set_json(L, "overrides", job->overrides, list_mt);
}

/* protected body of luahost_render: stack holds the job as light userdata */
static int render_body(lua_State *L)
{
    const struct luahost_job *job = lua_touserdata(L, 1);
    int list_mt;

    push_module(L, "luaform.core");
    lua_getfield(L, -1, "LIST");
    list_mt = lua_gettop(L);

    push_module(L, "luaform");
    lua_getfield(L, -1, "render");
    if (chunk_load(L, &job->desc) != LUA_OK)
        return lua_error(L);
    push_options(L, job, list_mt);
    lua_call(L, 2, 3);              /* render(desc, opts) -> tpl, loc, deploy */
    return 3;
}

/* Convert the rendered template; conversion errors name the line of the
 * section entry they are in. */
static int render_convert(lua_State *L, int tpl, int loc, json_t **out,
                          struct gen_err *e)
{
    struct conv c;
    char entry[300] = "";
    const char *dot, *dot2, *file;

    memset(&c, 0, sizeof c);
    c.L = L;
    *out = convert_to_json(&c, tpl);
    if (*out)
        return 0;
    dot = strchr(c.fail_path, '.');
    dot2 = dot ? strchr(dot + 1, '.') : NULL;
    snprintf(entry, sizeof entry, "%.*s",
             (int)(dot2 ? (size_t)(dot2 - c.fail_path) : strlen(c.fail_path)),
             c.fail_path);
    if (lua_getfield(L, loc, entry) != LUA_TTABLE && dot) {
        lua_pop(L, 1);          /* a top-level entry such as Metadata */
        snprintf(entry, sizeof entry, "%.*s", (int)(dot - c.fail_path), c.fail_path);
        lua_getfield(L, loc, entry);
    }
    if (lua_type(L, -1) == LUA_TTABLE) {
        lua_getfield(L, -1, "file");
        lua_getfield(L, -2, "line");
        file = lua_tostring(L, -2);
        err_set(e, GEN_ELUA, file ? file : "?", (int)lua_tointeger(L, -1), "%s", c.msg);
        lua_pop(L, 3);
        return GEN_ELUA;
    }
    lua_pop(L, 1);
    return err_set(e, GEN_ELUA, "?", 0, "%s", c.msg);
}

struct convert_job {
    struct gen_err *e;
    const char *name;
    int want_deploy;
    json_t *raw, *deploy;
    int rc;
};

/* protected: (job, tpl, loc, deploy) -> the JSON of tpl and deploy */
static int convert_body(lua_State *L)
{
    struct convert_job *cj = lua_touserdata(L, 1);

    cj->rc = render_convert(L, 2, 3, &cj->raw, cj->e);
    if (cj->rc == 0 && cj->want_deploy) {
        struct conv c;

        memset(&c, 0, sizeof c);
        c.L = L;
        snprintf(c.path, sizeof c.path, "deploy");
        cj->deploy = convert_to_json(&c, 4);
        if (!cj->deploy)
            cj->rc = err_set(cj->e, GEN_ELUA, cj->name, 0, "%s", c.msg);
    }
    return 0;
}

/* The stack holds msgh at base and render's results above it: convert
 * them under pcall as well, so an allocation failure in the middle is an
 * error, not a panic. */
static int render_finish(struct lh *s, int base, const struct luahost_job *job,
                         json_t **tpl, json_t **deploy, struct gen_err *e)
{
    lua_State *L = s->L;
    struct convert_job cj;
    int rc, status;

    memset(&cj, 0, sizeof cj);
    cj.e = e;
    cj.name = job->desc.name;
    cj.want_deploy = deploy != NULL;
    lua_pushcfunction(L, convert_body);
    lua_pushlightuserdata(L, &cj);
    lua_pushvalue(L, base + 1);
    lua_pushvalue(L, base + 2);
    lua_pushvalue(L, base + 3);
    status = lua_pcall(L, 4, 0, base);
    if (status != LUA_OK) {
        json_decref(cj.raw);
        json_decref(cj.deploy);
        return error_report(s, status, job->desc.name, e);
    }
    if ((rc = cj.rc) == 0) {
        *tpl = template_canonical(cj.raw);
        if (deploy)
            *deploy = cj.deploy;
        else
            json_decref(cj.deploy);
        if (!*tpl)
            rc = err_set(e, GEN_ENOMEM, job->desc.name, 0, "out of memory");
    } else {
        json_decref(cj.deploy);
    }
    json_decref(cj.raw);
    return rc;
}

/* protected: (job, tpl) -> check the description's invariants against
 * the job's `against` or else tpl, the rendered template as the Lua
 * tables that were converted to JSON (the same data; not converted back),
 * and, when the job asks, leave their list in *job->invariants */
static int invariants_body(lua_State *L)
{
    const struct luahost_job *job = lua_touserdata(L, 1);
    json_t *list;
    lua_Integer i, n;
    int list_mt;

    push_module(L, "luaform");
    if (lua_getfield(L, -1, "invariants") != LUA_TTABLE ||
        ((n = luaL_len(L, -1)) == 0 && !job->invariants))
        return 0;
    lua_pop(L, 1);
    push_module(L, "luaform.core");
    lua_getfield(L, -1, "LIST");
    list_mt = lua_gettop(L);
    lua_getfield(L, -3, "check_invariants");
    if (job->against)
        convert_push_json(L, job->against, list_mt);
    else
        lua_pushvalue(L, 2);
    lua_call(L, 1, 1);
    if (!job->invariants)
        return 0;
    if (!(list = json_array()))
        return luaL_error(L, "out of memory");
    *job->invariants = list;        /* the caller frees it on error too */
    n = luaL_len(L, -1);
    for (i = 1; i <= n; i++) {
        json_t *o;

        lua_geti(L, -1, i);
        lua_getfield(L, -1, "name");
        lua_getfield(L, -2, "file");
        lua_getfield(L, -3, "line");
        o = json_pack("{s:s, s:s, s:s, s:I, s:b}", "name", lua_tostring(L, -3),
                      "stack", job->stack_name, "file", lua_tostring(L, -2),
                      "line", (json_int_t)lua_tointeger(L, -1), "holds", 1);
        if (!o || json_array_append_new(list, o) < 0)
            return luaL_error(L, "out of memory");
        lua_pop(L, 4);
    }
    return 0;
}

/* Check the invariants (under pcall, with the message handler at base). */
static int render_invariants(struct lh *s, int base, const struct luahost_job *job,
                             struct gen_err *e)
{
    int status;

    if (job->invariants)
        *job->invariants = NULL;
    lua_pushcfunction(s->L, invariants_body);
    lua_pushlightuserdata(s->L, (void *)job);
    lua_pushvalue(s->L, base + 1);          /* render's template */
    status = lua_pcall(s->L, 2, 0, base);
    if (status == LUA_OK)
        return 0;
    if (job->invariants) {
        json_decref(*job->invariants);
        *job->invariants = NULL;
    }
    return error_report(s, status, job->desc.name, e);
}

int luahost_render(const struct luahost_job *job, json_t **tpl, json_t **deploy,
              struct gen_err *e)
{
    struct lh s;
    int rc, status, base;

    if (state_open(&s, job->verbose) < 0)
        return err_set(e, GEN_ENOMEM, job->desc.name, 0, "cannot create a Lua state");
    sandbox_open(s.L);
    lua_pushcfunction(s.L, error_handler);
    base = lua_gettop(s.L);
    lua_pushcfunction(s.L, render_body);
    lua_pushlightuserdata(s.L, (void *)job);
    status = lua_pcall(s.L, 1, 3, base);
    if (status != LUA_OK)
        rc = error_report(&s, status, job->desc.name, e);
    else
        rc = render_finish(&s, base, job, tpl, deploy, e);
    if (rc == 0 && (rc = render_invariants(&s, base, job, e)) < 0) {
        json_decref(*tpl);
        *tpl = NULL;
        if (deploy) {
            json_decref(*deploy);
            *deploy = NULL;
        }
    }
    state_close(&s);
    return rc;
}

/* Replace the manifest's config schema (at m) by config_keys, checked
 * once here rather than for every stack. */
static void manifest_schema(lua_State *L, int m, const char *name)
{
    push_module(L, "luaform.config");
    lua_getfield(L, -1, "check_schema");
    if (lua_getfield(L, m, "config") == LUA_TNIL)
        return;
    lua_pushstring(L, name);
    lua_call(L, 2, 0);
    /* the host gets the keys it knows (config_keys); the schema itself is
     * for the render and is not converted */
    lua_pushliteral(L, "config_keys");
    lua_getfield(L, -2, "keys");
    lua_getfield(L, m, "config");
    lua_call(L, 1, 1);
    lua_rawset(L, m);
    lua_pushliteral(L, "config");
    lua_pushnil(L);
    lua_rawset(L, m);
}

/* A manifest is plain data: run it with the base library only. */
static int manifest_body(lua_State *L)
{
    const struct luahost_source *src = lua_touserdata(L, 1);
    int m;

    if (chunk_load(L, src) != LUA_OK)
        return lua_error(L);
    lua_newtable(L);            /* _ENV: reads fall through to the public globals */
    lua_createtable(L, 0, 1);
    sandbox_push_host(L);
    lua_getfield(L, -1, "public");
    lua_remove(L, -2);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, -2);
    if (!lua_setupvalue(L, -2, 1))
        lua_pop(L, 1);
    lua_call(L, 0, 1);
    if (!lua_istable(L, -1))
        return luaL_error(L, "a system manifest must return a table");
    m = lua_gettop(L);
    lua_getfield(L, m, "config");   /* the schema, which manifest_schema drops */
    manifest_schema(L, m, src->name);
    lua_settop(L, m + 1);
    push_module(L, "luaform.manifest");
    lua_getfield(L, -1, "check_deploy_workflow");
    lua_pushvalue(L, m);
    lua_pushstring(L, src->name);
    lua_pushvalue(L, m + 1);
    lua_call(L, 3, 0);
    lua_settop(L, m);
    return 1;
}

int luahost_manifest(const struct luahost_source *src, json_t **out, struct gen_err *e)
{
    struct lh s;
    struct conv c;
    int rc = 0, base;

    if (state_open(&s, 0) < 0)
        return err_set(e, GEN_ENOMEM, src->name, 0, "cannot create a Lua state");
    sandbox_open(s.L);
    lua_pushcfunction(s.L, error_handler);
    base = lua_gettop(s.L);
    lua_pushcfunction(s.L, manifest_body);
    lua_pushlightuserdata(s.L, (void *)src);
    if ((rc = lua_pcall(s.L, 1, 1, base)) != LUA_OK) {
        rc = error_report(&s, rc, src->name, e);
        state_close(&s);
        return rc;
    }
    memset(&c, 0, sizeof c);
    c.L = s.L;
    *out = convert_to_json(&c, base + 1);
    if (!*out)
        rc = err_set(e, GEN_ELUA, src->name, 0, "%s", c.msg);
    state_close(&s);
    return rc;
}
