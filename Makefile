# luaform: render, review and deploy CloudFormation stacks described in Lua.
#
#   make            build ./luaform
#   make demo       install what is missing, build, run the main job
#   make test       install what is missing, build, run every test
#   make asan       the tests under AddressSanitizer + UBSan
#   make bench      benchmarks (print figures, never fail on time)

VERSION    := 0.1.0
PKG_CONFIG ?= pkg-config
HOST_CC    ?= $(CC)
LUA_PC     := $(firstword $(foreach p,lua5.4 lua-5.4 lua54 lua,\
                $(shell $(PKG_CONFIG) --exists $(p) 2>/dev/null && echo $(p))))
# libcurl and libcrypto are compiled against but loaded at run time
# (dlopen, see http.c and sigv4.c), so commands that never sign or touch
# the network do not pay for them.
PKGS        = $(LUA_PC) jansson yaml-0.1 expat

CPPFLAGS += -Iinclude -D_POSIX_C_SOURCE=200809L -DLUAFORM_VERSION='"$(VERSION)"'
OPT      ?= -O2 -g
WFLAGS    = -std=c11 -Wall -Wextra -Werror -Wshadow -Wno-format-truncation \
            $(shell $(PKG_CONFIG) --cflags $(PKGS) libcrypto libcurl 2>/dev/null)
ALL_CFLAGS = $(OPT) $(WFLAGS) $(CFLAGS)
# Lua, jansson, libyaml and expat are linked from their static archives
# (shipped by the same -dev packages): a process then maps and relocates
# libc, libm and libcrypto only, which is a tenth of a short `luaform
# render` (see bench/render). LINK_STATIC= links them all dynamically.
LINK_STATIC ?= $(LUA_PC) jansson yaml-0.1 expat
LINK_DYNAMIC = $(filter-out $(LINK_STATIC),$(PKGS))
STATIC_LIBS  = $(if $(strip $(LINK_STATIC)),-Wl$(comma)-Bstatic \
               $(shell $(PKG_CONFIG) --libs $(LINK_STATIC) 2>/dev/null) -Wl$(comma)-Bdynamic)
comma := ,
LDLIBS   += $(STATIC_LIBS) $(shell $(PKG_CONFIG) --libs $(LINK_DYNAMIC) 2>/dev/null) -ldl -lm

B ?= build

# Library sources: everything but main.c, so unit tests can link them.
LIB_SRCS = $(addprefix generator/, \
             core/err.c core/buf.c core/files.c core/isotime.c core/interrupt.c \
             lua/embed.c lua/pool.c lua/state.c lua/error.c lua/require.c lua/chunk.c \
             lua/guard.c lua/sandbox.c lua/convert.c lua/luahost.c \
             template/template.c template/path.c template/yaml_scalar.c \
             template/load.c template/load_yaml.c template/references.c template/diff.c \
             template/emit_json.c template/emit_yaml.c \
             template/config.c template/scope.c template/render.c \
             aws/http.c aws/http_response.c aws/retry.c aws/redact.c aws/trace.c \
             aws/sigv4.c aws/xml.c aws/secret.c aws/ini.c aws/profile.c \
             aws/region.c aws/endpoints.c aws/process.c aws/web_identity.c \
             aws/chain.c aws/credentials.c aws/fault.c aws/aws.c \
             aws/query.c aws/sts.c aws/cloudformation.c aws/cloudformation_drift.c \
             aws/s3.c aws/lambda.c \
             deploy/poll.c deploy/event.c deploy/wait.c deploy/target.c deploy/plan.c \
             deploy/execute.c deploy/attach.c deploy/delete.c \
             review/wildcard.c review/readable.c review/extract.c review/describe.c \
             review/suppress.c review/review.c review/report_text.c review/report_json.c \
             review/report_markdown.c review/report_sarif.c \
             review/rules.c review/rules_iam.c review/rules_principal.c review/rules_oidc.c \
             review/rules_escalation.c review/rules_resources.c \
             deploy/iam_diff.c \
             drift/ignore.c drift/resolve.c drift/lambda_code.c drift/drift.c drift/report.c \
             workflow/settings.c workflow/workflow.c workflow/workflow_ci.c \
             workflow/workflow_deploy.c)
CLI_SRCS = $(addprefix generator/cli/, cli.c outputs.c cmd_render.c cmd_review.c print_deploy.c deploy_args.c \
             cmd_plan.c cmd_drift.c cmd_deploy.c cmd_delete.c cmd_wait.c cmd_workflows.c main.c)
GEN_SRC  = $(B)/lua_embed.c

HEADERS  = $(wildcard include/*/*.h)

LIB_OBJS = $(LIB_SRCS:%.c=$(B)/%.o) $(B)/lua_embed.o
CLI_OBJS = $(CLI_SRCS:%.c=$(B)/%.o)

EMBED_FILES = $(sort $(shell find lua templates -type f \( -name '*.lua' -o -name '*.yaml' \) 2>/dev/null))

# Unit tests are listed, not globbed, so a test for a module not yet in
# LIB_SRCS cannot break the build.
UNIT_NAMES = test_model test_template test_sigv4 test_http test_retry test_redact test_credentials \
             test_xml test_aws test_fault test_poll test_target test_review test_rules \
             test_iam_diff test_invariants test_drift
UNIT_TESTS = $(UNIT_NAMES:%=$(B)/tests/%)
# Programs the e2e tests drive (not tests themselves: tests/run.sh runs test_*).
TEST_PROGS = $(B)/tests/awscall

all: luaform

luaform: $(B)/luaform
	cp $< $@

$(B)/luaform: $(LIB_OBJS) $(CLI_OBJS)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/%.o: %.c $(HEADERS) | $(B)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

$(B)/lua_embed.o: $(GEN_SRC)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

# The embed tool compiles the Lua files into bytecode with the host's Lua.
$(B)/embed: generator/tools/embed.c include/lua/embed.h | $(B)
	$(HOST_CC) -O2 -std=c11 -Wall -Wextra -Werror -Iinclude -D_POSIX_C_SOURCE=200809L \
	  $(shell $(PKG_CONFIG) --cflags $(LUA_PC)) -o $@ $< $(shell $(PKG_CONFIG) --libs $(LUA_PC)) -lm

$(GEN_SRC): $(B)/embed $(EMBED_FILES)
	$(B)/embed $@ $(EMBED_FILES)

$(B)/tests/%: tests/unit/%.c $(LIB_OBJS) $(HEADERS) tests/unit/test.h tests/unit/server.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(LIB_OBJS) $(LDLIBS)

$(B)/tests/awscall: tests/e2e/awscall.c $(LIB_OBJS) $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(LIB_OBJS) $(LDLIBS)

$(B):
	@mkdir -p $(B)

deps:
	@sh generator/tools/install-deps.sh

units: $(UNIT_TESTS) $(TEST_PROGS)

test: deps
	@$(MAKE) --no-print-directory luaform units
	@sh tests/run.sh $(B)

asan:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory B=build-asan \
	  OPT="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
	  LDFLAGS="-fsanitize=address,undefined" build-asan/luaform units
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=99 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=99 \
	  LUAFORM_BIN=build-asan/luaform sh tests/run.sh build-asan

demo: deps
	@$(MAKE) --no-print-directory luaform
	@sh generator/tools/demo.sh

$(B)/bench/render_inproc: bench/render_inproc.c $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(LIB_OBJS) $(LDLIBS)

bench: luaform $(B)/bench/render_inproc
	@bench/render
	@bench/deploy

clean:
	rm -rf build build-asan luaform

.PHONY: all deps units test asan demo bench clean
include tests/fuzz/fuzz.mk
