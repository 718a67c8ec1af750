# tests/fuzz/fuzz.mk: libFuzzer targets, included from the Makefile.
#
#   make fuzz                       build, then fuzz each target FUZZ_SECONDS
#   make fuzz FUZZ_SECONDS=120      (default 30); a finding fails the run
#   make fuzz FUZZ_TARGETS="xml credentials"   only some targets
#   make fuzz-repro T=xml F=FILE    run one target on one input
#   make fuzz-clean                 remove build-fuzz/ (corpora included)
#
# The library objects are compiled again with clang, coverage
# instrumentation and ASan+UBSan into $(FUZZ_B)/, by a recursive make that
# sets B, as `make asan` does. Corpora, logs and findings stay under
# $(FUZZ_B)/ too (see tests/fuzz/run.sh).

FUZZ_B       ?= build-fuzz
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 30
FUZZ_TARGETS ?= xml config credentials isotime sigv4 render template drift
FUZZ_SAN      = -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_OPT      = -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link \
                $(FUZZ_SAN)
FUZZ_ALL      = xml config credentials isotime sigv4 render template drift
FUZZ_BINS     = $(FUZZ_ALL:%=$(FUZZ_B)/fuzz_%)

fuzz-build:
	@sh generator/tools/install-deps.sh fuzz
	@$(MAKE) --no-print-directory B=$(FUZZ_B) CC=$(FUZZ_CC) HOST_CC=$(FUZZ_CC) \
	  OPT="$(FUZZ_OPT)" CFLAGS=-Wno-unknown-warning-option fuzz-bins

fuzz-bins: $(FUZZ_BINS)

# Only inside the recursive make, where B is $(FUZZ_B) and CC is clang.
$(FUZZ_B)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(LIB_OBJS) \
                  $(HEADERS)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -fsanitize=fuzzer $(FUZZ_SAN) -o $@ $< \
	  $(LIB_OBJS) $(LDLIBS) $(if $(filter %sigv4,$*),$(shell $(PKG_CONFIG) --libs libcrypto))

fuzz: fuzz-build
	@FUZZ_SECONDS=$(FUZZ_SECONDS) sh tests/fuzz/run.sh $(FUZZ_B) $(FUZZ_TARGETS)

fuzz-repro: fuzz-build
	@test -n "$(T)" -a -n "$(F)" || \
	  { echo "usage: make fuzz-repro T=TARGET F=FILE" >&2; exit 2; }
	@sh tests/fuzz/run.sh --repro $(FUZZ_B) $(T) $(F)

fuzz-clean:
	rm -rf $(FUZZ_B)

.PHONY: fuzz fuzz-build fuzz-bins fuzz-repro fuzz-clean
