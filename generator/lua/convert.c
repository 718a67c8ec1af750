/* convert.c: Lua values to JSON and back. The rendered template is
 * converted with raw reads only (no metamethod of a description runs
 * here), its maps in sorted key order, and a failure names the path of
 * the value: "Resources.Web.Properties.Port: number is not finite". */
#include "lua/convert.h"

#include <lauxlib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 64

static json_t *to_json(struct conv *c, int idx, int depth);

static json_t *conv_fail(struct conv *c, const char *fmt, const char *arg)
{
    char m[400];

    snprintf(m, sizeof m, fmt, arg);
    if (!c->msg[0]) {
        snprintf(c->msg, sizeof c->msg, "%s: %s", c->path[0] ? c->path : "value", m);
        snprintf(c->fail_path, sizeof c->fail_path, "%s", c->path);
    }
    return NULL;
}

/* Append ".key" (or "[i]") to the path, cut to fit; returns the length
 * to cut back to. (Called for every value converted: no printf for keys.) */
static size_t path_push(struct conv *c, const char *key, lua_Integer i)
{
    size_t n = strlen(c->path), at = n, k;
    char num[32];

    if (!key) {
        snprintf(num, sizeof num, "[%lld]", (long long)i);
        key = num;
    } else if (n && at < sizeof c->path - 1) {
        c->path[at++] = '.';
    }
    k = strlen(key);
    if (k > sizeof c->path - 1 - at)
        k = sizeof c->path - 1 - at;
    memcpy(c->path + at, key, k);
    c->path[at + k] = '\0';
    return n;
}

static int keycmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* What the metatable of the table at idx makes it: 1 list, 2 map, 0 no
 * say (no metatable), -1 something that is not data (a handle). A config
 * table (__luaform_config) is pushed in its place, returning 3. */
static int table_kind(lua_State *L, int idx)
{
    const char *s;
    int kind;

    if (!lua_getmetatable(L, idx))
        return 0;
    lua_pushliteral(L, "__luaform_config");
    if (lua_rawget(L, -2) == LUA_TTABLE) {
        lua_remove(L, -2);
        return 3;
    }
    lua_pop(L, 1);
    lua_pushliteral(L, "__luaform");
    lua_rawget(L, -2);
    s = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
    kind = !s ? -1 : !strcmp(s, "list") ? 1 : !strcmp(s, "map") ? 2 : -1;
    lua_pop(L, 2);
    return kind;
}

/* Count the keys of the table at idx: strings into *nstr, positive
 * integers into *nint; -1 (failed) for any other key. */
static int count_keys(struct conv *c, int idx, lua_Integer *nstr, lua_Integer *nint)
{
    lua_State *L = c->L;

    lua_pushnil(L);
    while (lua_next(L, idx)) {
        size_t klen;

        if (lua_type(L, -2) == LUA_TSTRING &&
            strlen(lua_tolstring(L, -2, &klen)) != klen) {
            lua_pop(L, 2);
            conv_fail(c, "%s", "a key contains a NUL byte");
            return -1;
        }
        if (lua_type(L, -2) == LUA_TSTRING)
            (*nstr)++;
        else if (lua_isinteger(L, -2) && lua_tointeger(L, -2) >= 1)
            (*nint)++;
        else {
            lua_pop(L, 2);
            conv_fail(c, "table key of type %s cannot be rendered",
                      luaL_typename(L, -2));
            return -1;
        }
        lua_pop(L, 1);
    }
    return 0;
}

static json_t *list_to_json(struct conv *c, int idx, lua_Integer n, int depth)
{
    lua_State *L = c->L;
    json_t *out = json_array();
    lua_Integer i;

    for (i = 1; i <= n && out; i++) {
        size_t mark = path_push(c, NULL, i - 1);
        json_t *v;

        lua_rawgeti(L, idx, i);
        v = to_json(c, lua_gettop(L), depth + 1);
        lua_pop(L, 1);
        c->path[mark] = '\0';
        if (!v || json_array_append_new(out, v) < 0) {
            json_decref(out);
            out = NULL;
        }
    }
    return out;
}

/* A map of nstr string keys, in sorted key order. */
static json_t *map_to_json(struct conv *c, int idx, lua_Integer nstr, int depth)
{
    lua_State *L = c->L;
    const char **keys = calloc((size_t)nstr + 1, sizeof *keys);
    lua_Integer k = 0, i;
    json_t *out;

    if (!keys)
        return conv_fail(c, "%s", "out of memory");
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        keys[k++] = lua_tostring(L, -2);   /* anchored by the table */
        lua_pop(L, 1);
    }
    qsort(keys, (size_t)k, sizeof *keys, keycmp);
    out = json_object();
    for (i = 0; i < k && out; i++) {
        size_t mark = path_push(c, keys[i], 0);
        json_t *v;

        lua_pushstring(L, keys[i]);
        lua_rawget(L, idx);
        v = to_json(c, lua_gettop(L), depth + 1);
        lua_pop(L, 1);
        c->path[mark] = '\0';
        if (v && json_object_set_new(out, keys[i], v) < 0) {
            path_push(c, keys[i], 0);
            conv_fail(c, "%s", "key is not valid UTF-8");
            v = NULL;
        }
        if (!v) {
            json_decref(out);
            out = NULL;
        }
    }
    free(keys);
    return out;
}

static json_t *table_to_json(struct conv *c, int idx, int depth)
{
    lua_State *L = c->L;
    lua_Integer n, nint = 0, nstr = 0;
    json_t *out;
    int kind;

    if (depth > MAX_DEPTH)
        return conv_fail(c, "nested more than %s levels deep", "64");
    if (!lua_checkstack(L, 8))
        return conv_fail(c, "%s", "nested too deeply");
    kind = table_kind(L, idx);
    if (kind == 3) {                /* a config table: its values */
        out = table_to_json(c, lua_gettop(L), depth + 1);
        lua_pop(L, 1);
        return out;
    }
    if (kind < 0)
        return conv_fail(c, "%s cannot be rendered (a handle or object; "
                         "use :ref() or a value)", "this table");
    if (count_keys(c, idx, &nstr, &nint) < 0)
        return NULL;
    n = (lua_Integer)lua_rawlen(L, idx);
    if (kind == 0) {
        if (nstr == 0 && nint == 0)
            return conv_fail(c, "%s", "empty table is ambiguous: write list{} or map{}");
        kind = nstr ? 2 : 1;
    }
    if (kind == 1) {
        if (nstr || nint != n)
            return conv_fail(c, "%s", "a list must have keys 1..n only");
        return list_to_json(c, idx, n, depth);
    }
    if (nint)
        return conv_fail(c, "%s", "a table mixes list items and map keys");
    return map_to_json(c, idx, nstr, depth);
}

static json_t *to_json(struct conv *c, int idx, int depth)
{
    lua_State *L = c->L;
    size_t len;
    const char *s;
    json_t *v;

    switch (lua_type(L, idx)) {
    case LUA_TSTRING:
        s = lua_tolstring(L, idx, &len);
        v = json_stringn(s, len);
        return v ? v : conv_fail(c, "%s", "string is not valid UTF-8");
    case LUA_TBOOLEAN:
        return json_boolean(lua_toboolean(L, idx));
    case LUA_TNUMBER:
        if (lua_isinteger(L, idx))
            return json_integer((json_int_t)lua_tointeger(L, idx));
        if (!isfinite(lua_tonumber(L, idx)))
            return conv_fail(c, "%s", "number is not finite");
        return json_real(lua_tonumber(L, idx));
    case LUA_TTABLE:
        return table_to_json(c, idx, depth);
    default:
        return conv_fail(c, "a %s cannot be rendered", luaL_typename(L, idx));
    }
}

json_t *convert_to_json(struct conv *c, int idx)
{
    return to_json(c, idx, 0);
}

void convert_push_json(lua_State *L, const json_t *j, int list_mt)
{
    size_t i;
    const char *k;
    json_t *v;

    switch (json_typeof(j)) {
    case JSON_OBJECT:
        lua_createtable(L, 0, (int)json_object_size(j));
        json_object_foreach((json_t *)j, k, v) {
            convert_push_json(L, v, list_mt);
            lua_setfield(L, -2, k);
        }
        break;
    case JSON_ARRAY:
        lua_createtable(L, (int)json_array_size(j), 0);
        json_array_foreach(j, i, v) {
            convert_push_json(L, v, list_mt);
            lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
        lua_pushvalue(L, list_mt);
        lua_setmetatable(L, -2);
        break;
    case JSON_STRING:
        lua_pushlstring(L, json_string_value(j), json_string_length(j));
        break;
    case JSON_INTEGER:
        lua_pushinteger(L, (lua_Integer)json_integer_value(j));
        break;
    case JSON_REAL:
        lua_pushnumber(L, json_real_value(j));
        break;
    case JSON_TRUE:
        lua_pushboolean(L, 1);
        break;
    case JSON_FALSE:
        lua_pushboolean(L, 0);
        break;
    default:
        lua_pushnil(L);
    }
}
