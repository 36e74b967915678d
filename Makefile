# Tollgate: build, run and test.  `make help` lists the targets.
#
# Two builds share the sources: the release build in build/ (binaries in
# build/bin/) and a sanitizer build in build/asan/ (AddressSanitizer and
# UndefinedBehaviorSanitizer), which the unit and end-to-end tests run.

BUILD    ?= build
CC       ?= cc
AR       ?= ar
NODE     ?= node
NPM      ?= npm

PKGS      = libmicrohttpd jansson sqlite3 libcrypto lmdb
CLI_PKGS  = jansson libcurl libcrypto

WARNINGS  = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
            -Wmissing-prototypes -Wpointer-arith -Wformat=2
CFLAGS_COMMON = -std=c17 $(WARNINGS) -D_POSIX_C_SOURCE=200809L \
            -D_DEFAULT_SOURCE -Iinclude -Idaemon -fno-strict-aliasing \
            $(shell pkg-config --cflags $(PKGS) $(CLI_PKGS) 2>/dev/null)
RELEASE_FLAGS = -O2 -g
ASAN_FLAGS    = -O1 -g -fno-omit-frame-pointer \
            -fsanitize=address,undefined -fno-sanitize-recover=all

LDLIBS_DAEMON = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread -lm
LDLIBS_CLI    = $(shell pkg-config --libs $(CLI_PKGS) 2>/dev/null) -lm
LDLIBS_UNIT   = $(shell pkg-config --libs cmocka libcrypto 2>/dev/null) -lm

LIB_SRCS    := $(sort $(wildcard lib/*.c))
DAEMON_SRCS := $(sort $(wildcard daemon/*.c daemon/*/*.c daemon/*/*/*.c))
CLI_SRCS    := $(sort $(wildcard cli/*.c))
UNIT_SRCS   := $(sort $(wildcard test/unit/test_*.c))
UNIT_NAMES  := $(UNIT_SRCS:test/unit/%.c=%)
FUZZ_SRCS   := $(sort $(wildcard test/fuzz/fuzz_*.c))
FORMATTED   := $(sort $(wildcard include/tollgate/*.h lib/*.c daemon/*.[ch] \
               daemon/*/*.[ch] daemon/*/*/*.[ch] \
               cli/*.[ch] test/unit/*.[ch] test/fuzz/*.[ch] test/tools/*.c \
               nginx/*.[ch] nginx/*/*.[ch] \
               test/e2e/*.mjs test/e2e/lib/*.mjs bench/*.mjs bench/*.c))

# The daemon's sources that unit tests may link, all but its main().
DAEMON_LIB_SRCS := $(filter-out daemon/main.c,$(DAEMON_SRCS))

# $(call variant,DIR,FLAGS): the rules of one build.
define variant
$(1)/obj/%.o: %.c
	@mkdir -p $$(@D)
	$$(CC) $$(CFLAGS_COMMON) $(2) -MMD -MP -c $$< -o $$@

$(1)/libtollgate.a: $$(LIB_SRCS:%.c=$(1)/obj/%.o)
	rm -f $$@ && $$(AR) rcs $$@ $$^

$(1)/libtollgated.a: $$(DAEMON_LIB_SRCS:%.c=$(1)/obj/%.o)
	rm -f $$@ && $$(AR) rcs $$@ $$^

$(1)/bin/tollgated: $(1)/obj/daemon/main.o $(1)/libtollgated.a \
                    $(1)/libtollgate.a
	@mkdir -p $$(@D)
	$$(CC) $(2) $$^ $$(LDLIBS_DAEMON) -o $$@

$(1)/bin/tollgate: $$(CLI_SRCS:%.c=$(1)/obj/%.o) $(1)/libtollgate.a
	@mkdir -p $$(@D)
	$$(CC) $(2) $$^ $$(LDLIBS_CLI) -o $$@

$(1)/test/%: $(1)/obj/test/unit/%.o $(1)/obj/test/unit/fixture.o \
             $(1)/libtollgated.a $(1)/libtollgate.a
	@mkdir -p $$(@D)
	$$(CC) $(2) $$^ $$(LDLIBS_UNIT) $$(LDLIBS_DAEMON) -o $$@
endef

$(eval $(call variant,$(BUILD),$(RELEASE_FLAGS)))
$(eval $(call variant,$(BUILD)/asan,$(ASAN_FLAGS)))

# The nginx module, built against Debian's nginx sources (nginx-dev) with
# --with-compat, so that Debian's nginx binary loads it; and the sample
# upstream of `tollgate up` (tollgate_echo), a module of its own that
# production nginx does not load.
NGINX_SRC    ?= /usr/share/nginx/src
NGINX_MODULE  = $(BUILD)/nginx/ngx_http_tollgate_module.so
NGINX_ECHO    = $(BUILD)/nginx/ngx_http_tollgate_echo_module.so
NGINX_DEPS   := nginx/config $(wildcard nginx/*.[ch]) nginx/echo/config \
                $(wildcard nginx/echo/*.c) $(LIB_SRCS) \
                $(wildcard include/tollgate/*.h)

$(NGINX_MODULE) $(NGINX_ECHO) &: $(NGINX_DEPS)
	rm -rf $(BUILD)/nginx-src && mkdir -p $(BUILD)/nginx
	cp -r $(NGINX_SRC) $(BUILD)/nginx-src
	cd $(BUILD)/nginx-src && ./configure --with-compat \
	    --add-dynamic-module=$(CURDIR)/nginx \
	    --add-dynamic-module=$(CURDIR)/nginx/echo \
	    >../nginx/configure.log 2>&1 \
	    || { cat ../nginx/configure.log; exit 1; }
	$(MAKE) -C $(BUILD)/nginx-src -f objs/Makefile modules
	cp $(BUILD)/nginx-src/objs/ngx_http_tollgate_module.so $(NGINX_MODULE)
	cp $(BUILD)/nginx-src/objs/ngx_http_tollgate_echo_module.so $(NGINX_ECHO)

# nginx itself, built from Debian's source with ASan and UBSan, and the
# module built against it (scripts/nginx-asan.sh): configured once, in
# $(BUILD)/nginx-asan, then rebuilt only where the module changed.  The
# gateway's end-to-end tests run in it (e2e-nginx-asan); the suppression
# files name the reports of nginx's own code that are benign.
NGINX_ASAN        = $(BUILD)/nginx-asan/sbin/nginx
NGINX_ASAN_MODULE = $(BUILD)/nginx-asan/ngx_http_tollgate_module.so
NGINX_ASAN_TESTS  = $(sort $(wildcard test/e2e/gateway*.test.mjs \
                    test/e2e/*_gateway.test.mjs))
NGINX_ASAN_ENV    = \
    ASAN_OPTIONS=abort_on_error=1:suppressions=$(CURDIR)/scripts/nginx-asan.supp \
    UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1:suppressions=$(CURDIR)/scripts/nginx-ubsan.supp \
    LSAN_OPTIONS=suppressions=$(CURDIR)/scripts/nginx-lsan.supp \
    TOLLGATE_NGINX=$(CURDIR)/$(NGINX_ASAN) \
    TOLLGATE_NGINX_MODULE=$(CURDIR)/$(NGINX_ASAN_MODULE)

$(NGINX_ASAN) $(NGINX_ASAN_MODULE) &: scripts/nginx-asan.sh $(NGINX_DEPS)
	./scripts/nginx-asan.sh $(BUILD)/nginx-asan

BINS      = $(BUILD)/bin/tollgated $(BUILD)/bin/tollgate $(NGINX_MODULE) \
            $(NGINX_ECHO)
ASAN_BINS = $(BUILD)/asan/bin/tollgated $(BUILD)/asan/bin/tollgate
UNITS      = $(UNIT_NAMES:%=$(BUILD)/test/%)
ASAN_UNITS = $(UNIT_NAMES:%=$(BUILD)/asan/test/%)

.PHONY: all help deps deps-build build asan run test unit e2e e2e-deps \
        bench fuzz fuzz-smoke format format-check clean nginx-asan \
        e2e-nginx-asan valgrind
.SECONDARY:

all: build

help:
	@echo 'make run           install, build and start the stack (./var)'
	@echo 'make test          install, build and run every test'
	@echo 'make deps          install the Debian packages (idempotent)'
	@echo 'make build         build build/bin/tollgated and tollgate'
	@echo 'make asan          build the sanitizer binaries and unit tests'
	@echo 'make unit          run the C unit tests, plain and sanitized'
	@echo 'make e2e           run the end-to-end tests (sanitized daemon)'
	@echo 'make nginx-asan    build nginx and the module with ASan/UBSan'
	@echo 'make e2e-nginx-asan  the gateway tests in that nginx'
	@echo 'make valgrind      run the C unit tests under valgrind'
	@echo 'make bench         measure (not part of the tests); see bench/'
	@echo 'make fuzz          run each libFuzzer target FUZZ_SECONDS (not a test)'
	@echo 'make fuzz-smoke    run each libFuzzer target FUZZ_SMOKE_SECONDS'
	@echo 'make format        format every source file'
	@echo 'make format-check  fail if a file is not formatted'
	@echo 'make clean         remove build/'

deps:
	@./scripts/deps.sh test

deps-build:
	@./scripts/deps.sh build

build: $(BINS)

asan: $(ASAN_BINS) $(ASAN_UNITS)

# Starts the whole stack in the foreground (tollgated, and nginx with the
# module, in front of the sample upstream); flags of `tollgate up` go in
# ARGS, e.g. make run ARGS='--upstream http://127.0.0.1:3000'.
run: deps-build
	@$(MAKE) --no-print-directory build
	exec $(BUILD)/bin/tollgate up $(ARGS)

test: deps
	@$(MAKE) --no-print-directory format-check
	@$(MAKE) --no-print-directory build asan
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory fuzz-smoke
	@$(MAKE) --no-print-directory e2e
	@$(MAKE) --no-print-directory e2e-nginx-asan

unit: $(UNITS) $(ASAN_UNITS)
	@set -e; for t in $(UNITS) $(ASAN_UNITS); do \
	    echo "== $$t"; $$t; \
	done

e2e-deps:
	@cd test/e2e && $(NPM) ci --no-audit --no-fund --loglevel=error

e2e: $(ASAN_BINS) $(BUILD)/test/tools/hold_projection e2e-deps
	TOLLGATE_BIN_DIR=$(CURDIR)/$(BUILD)/asan/bin \
	    $(NODE) --test --test-reporter=spec test/e2e/*.test.mjs

nginx-asan: $(NGINX_ASAN) $(NGINX_ASAN_MODULE)

e2e-nginx-asan: $(ASAN_BINS) $(NGINX_ASAN) $(NGINX_ASAN_MODULE) e2e-deps
	$(NGINX_ASAN_ENV) TOLLGATE_BIN_DIR=$(CURDIR)/$(BUILD)/asan/bin \
	    $(NODE) --test --test-reporter=spec $(NGINX_ASAN_TESTS)

# The unit tests (the release build's) under valgrind, a leak an error;
# threads scheduled in turn, or a test's writers starve past busy_ms.
VALGRIND = valgrind -q --fair-sched=yes --leak-check=full \
           --errors-for-leak-kinds=definite,indirect --error-exitcode=1

valgrind: $(UNITS)
	@set -e; for t in $(UNITS); do \
	    echo "== valgrind $$t"; $(VALGRIND) $$t; \
	done

# A stuck projection reader, for test/e2e/health.test.mjs.
$(BUILD)/test/tools/hold_projection: test/tools/hold_projection.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_COMMON) $(RELEASE_FLAGS) $^ -llmdb -o $@

# Benchmarks print figures; they are never part of the tests.
# Fills a projection with synthetic apps for bench/gateway.mjs.
$(BUILD)/bench/fill_projection: bench/fill_projection.c $(BUILD)/libtollgate.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_COMMON) $(RELEASE_FLAGS) $^ -llmdb -lcrypto -lm -o $@

# The cost of one bare HMAC, the unit of the gateway's figures.
$(BUILD)/bench/hmac_cost: bench/hmac_cost.c $(BUILD)/libtollgate.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_COMMON) $(RELEASE_FLAGS) $^ -lcrypto -lm -o $@

# BENCH_BASELINE=<git revision>: the control-plane figures are measured
# beside that revision's tollgated too, built in $(BUILD)/baseline.
BENCH_BASELINE ?=

bench: deps
	@$(MAKE) --no-print-directory build $(BUILD)/bench/fill_projection \
	    $(BUILD)/bench/hmac_cost
	@if [ -n "$(BENCH_BASELINE)" ]; then \
	    rm -rf $(BUILD)/baseline && mkdir -p $(BUILD)/baseline && \
	    git archive $(BENCH_BASELINE) | tar -x -C $(BUILD)/baseline && \
	    $(MAKE) --no-print-directory -C $(BUILD)/baseline build/bin/tollgated; \
	fi
	TOLLGATE_BIN_DIR=$(CURDIR)/$(BUILD)/bin \
	    $(if $(BENCH_BASELINE),TOLLGATE_BASELINE_BIN_DIR=$(CURDIR)/$(BUILD)/baseline/build/bin) \
	    $(NODE) bench/mgmt_latency.mjs
	TOLLGATE_BIN_DIR=$(CURDIR)/$(BUILD)/bin $(NODE) bench/gateway.mjs
	TOLLGATE_BIN_DIR=$(CURDIR)/$(BUILD)/bin $(NODE) bench/propagation.mjs

# libFuzzer targets (clang), built with the library's sources (and, for a
# test/fuzz/fuzz_daemon_*.c driver, the daemon's, less its HTTP server:
# such a driver brings a fake of daemon/http/http.h, test/fuzz/fuzz_http.h);
# each runs FUZZ_SECONDS on its own corpus in build/fuzz/, seeded from
# test/fuzz/corpus/<driver>/.  fuzz-smoke runs each FUZZ_SMOKE_SECONDS, in
# the tests.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 1
FUZZ_SAN      = -fsanitize=address,undefined -fno-sanitize-recover=all
# (The store's SQL is written as concatenated literals, which clang warns of.)
FUZZ_FLAGS    = -O1 -g -fno-omit-frame-pointer $(FUZZ_SAN) \
            -Wno-string-concatenation
FUZZ_DAEMON_SRCS := $(filter-out daemon/http/http.c,$(DAEMON_LIB_SRCS))
FUZZ_BINS     = $(FUZZ_SRCS:test/fuzz/%.c=$(BUILD)/fuzz/%)

$(BUILD)/fuzz/obj/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CFLAGS_COMMON) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link \
	    -MMD -MP -c $< -o $@

FUZZ_DAEMON_BINS = $(filter $(BUILD)/fuzz/fuzz_daemon_%,$(FUZZ_BINS))

$(FUZZ_DAEMON_BINS): $(BUILD)/fuzz/%: $(BUILD)/fuzz/obj/test/fuzz/%.o \
                     $(FUZZ_DAEMON_SRCS:%.c=$(BUILD)/fuzz/obj/%.o) \
                     $(LIB_SRCS:%.c=$(BUILD)/fuzz/obj/%.o)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer $^ $(LDLIBS_DAEMON) -o $@

$(filter-out $(FUZZ_DAEMON_BINS),$(FUZZ_BINS)): $(BUILD)/fuzz/%: \
        $(BUILD)/fuzz/obj/test/fuzz/%.o $(LIB_SRCS:%.c=$(BUILD)/fuzz/obj/%.o)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer $^ \
	    $(shell pkg-config --libs libcrypto 2>/dev/null) -o $@

# $(call fuzz_run,SECONDS): runs each driver on its corpus, seeds first.
define fuzz_run
@set -e; for f in $(FUZZ_BINS); do \
    n=$${f##*/}; mkdir -p $$f.corpus; \
    echo "== $$n"; \
    $$f -max_total_time=$(1) -print_final_stats=1 -artifact_prefix=$$f- \
        $$f.corpus \
        $$(test -d test/fuzz/corpus/$$n && echo test/fuzz/corpus/$$n) \
        2>$$f.log || { cat $$f.log; exit 1; }; \
    grep -aE '^stat::number_of_executed_units' $$f.log; \
done
endef

fuzz: $(FUZZ_BINS)
	$(call fuzz_run,$(FUZZ_SECONDS))

fuzz-smoke: $(FUZZ_BINS)
	$(call fuzz_run,$(FUZZ_SMOKE_SECONDS))

format:
	clang-format -i $(FORMATTED)

format-check:
	clang-format --dry-run -Werror $(FORMATTED)

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
