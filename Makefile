# Tollgate: build, run and test.  `make help` lists the targets.
#
# Two builds share the sources: the release build in build/ (binaries in
# build/bin/) and a sanitizer build in build/asan/ (AddressSanitizer and
# UndefinedBehaviorSanitizer), which the unit and end-to-end tests run.

BUILD    ?= build

# The build runs one job per core unless told otherwise (make -jN, or
# JOBS=N), and says one short line per step; make V=1 shows the commands.
JOBS     ?= $(shell nproc 2>/dev/null || echo 2)
ifeq ($(MAKELEVEL),0)
ifeq ($(filter -j%,$(MAKEFLAGS)),)
MAKEFLAGS += -j$(JOBS)
endif
endif
V        ?= 0
ifeq ($(V),1)
Q         =
say       = @true
else
Q         = @
say       = @printf '  %-7s %s\n'
endif
CC       ?= cc
AR       ?= ar
NODE     ?= node
NPM      ?= npm

PKGS      = libmicrohttpd jansson sqlite3 libcrypto lmdb libpq
CLI_PKGS  = jansson libcurl libcrypto

WARNINGS  = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
            -Wmissing-prototypes -Wpointer-arith -Wformat=2
CFLAGS_COMMON = -std=c17 $(WARNINGS) -D_POSIX_C_SOURCE=200809L \
            -D_DEFAULT_SOURCE -Iinclude -Idaemon -fno-strict-aliasing \
            $(shell pkg-config --cflags $(PKGS) $(CLI_PKGS) 2>/dev/null)
RELEASE_FLAGS = -O2 -g
ASAN_FLAGS    = -O1 -g -fno-omit-frame-pointer \
            -fsanitize=address,undefined -fno-sanitize-recover=all \
            -DTG_CRASH_POINTS

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
               test/e2e/*.mjs test/e2e/lib/*.mjs test/e2e/corpus/*.mjs \
               bench/*.mjs bench/lib/*.mjs bench/*.c))

# The daemon's sources that unit tests may link, all but its main().
DAEMON_LIB_SRCS := $(filter-out daemon/main.c,$(DAEMON_SRCS))

# $(call variant,DIR,FLAGS): the rules of one build.
define variant
$(1)/obj/%.o: %.c
	@mkdir -p $$(@D)
	$$(say) CC $$@
	$$(Q)$$(CC) $$(CFLAGS_COMMON) $(2) -MMD -MP -c $$< -o $$@

$(1)/libtollgate.a: $$(LIB_SRCS:%.c=$(1)/obj/%.o)
	$$(say) AR $$@
	$$(Q)rm -f $$@ && $$(AR) rcs $$@ $$^

$(1)/libtollgated.a: $$(DAEMON_LIB_SRCS:%.c=$(1)/obj/%.o)
	$$(say) AR $$@
	$$(Q)rm -f $$@ && $$(AR) rcs $$@ $$^

$(1)/bin/tollgated: $(1)/obj/daemon/main.o $(1)/libtollgated.a \
                    $(1)/libtollgate.a
	@mkdir -p $$(@D)
	$$(say) LD $$@
	$$(Q)$$(CC) $(2) $$^ $$(LDLIBS_DAEMON) -o $$@

$(1)/bin/tollgate: $$(CLI_SRCS:%.c=$(1)/obj/%.o) $(1)/libtollgate.a
	@mkdir -p $$(@D)
	$$(say) LD $$@
	$$(Q)$$(CC) $(2) $$^ $$(LDLIBS_CLI) -o $$@

$(1)/test/%: $(1)/obj/test/unit/%.o $(1)/obj/test/unit/fixture.o \
             $(1)/libtollgated.a $(1)/libtollgate.a
	@mkdir -p $$(@D)
	$$(say) LD $$@
	$$(Q)$$(CC) $(2) $$^ $$(LDLIBS_UNIT) $$(LDLIBS_DAEMON) -o $$@
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
	$(Q)rm -rf $(BUILD)/nginx-src && mkdir -p $(BUILD)/nginx
	$(Q)cp -r $(NGINX_SRC) $(BUILD)/nginx-src
	$(say) NGINX "configure: Debian's nginx sources with the modules (log: $(BUILD)/nginx/configure.log)"
	$(Q)cd $(BUILD)/nginx-src && ./configure --with-compat --with-cc-opt=-O2 \
	    --add-dynamic-module=$(CURDIR)/nginx \
	    --add-dynamic-module=$(CURDIR)/nginx/echo \
	    >../nginx/configure.log 2>&1 \
	    || { cat ../nginx/configure.log; exit 1; }
	$(say) NGINX "make modules (log: $(BUILD)/nginx/make.log)"
	$(Q)$(MAKE) -C $(BUILD)/nginx-src -f objs/Makefile modules \
	    $(if $(Q),>$(BUILD)/nginx/make.log 2>&1 \
	    || { cat $(BUILD)/nginx/make.log; exit 1; })
	$(say) CP "$(NGINX_MODULE) $(NGINX_ECHO)"
	$(Q)cp $(BUILD)/nginx-src/objs/ngx_http_tollgate_module.so $(NGINX_MODULE).new
	$(Q)cp $(BUILD)/nginx-src/objs/ngx_http_tollgate_echo_module.so $(NGINX_ECHO).new
	@# (renamed into place: a running nginx keeps the file it loaded intact)
	$(Q)mv -f $(NGINX_MODULE).new $(NGINX_MODULE)
	$(Q)mv -f $(NGINX_ECHO).new $(NGINX_ECHO)

# The web console (console/): npm ci, then esbuild into static assets
# that tollgated serves at /console/ (its console_dir setting; by default
# ../console beside the binary, so $(BUILD)/console for $(BUILD)/bin/).
CONSOLE_OUT  = $(BUILD)/console
CONSOLE_DEPS = console/package.json console/package-lock.json \
               console/build.mjs $(shell find console/src -type f 2>/dev/null)

$(CONSOLE_OUT)/index.html: $(CONSOLE_DEPS)
	@cd console && $(NPM) ci --no-audit --no-fund --loglevel=error
	@$(NODE) console/build.mjs $(CURDIR)/$(CONSOLE_OUT)

console: $(CONSOLE_OUT)/index.html

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

.PHONY: docs-actions docs-check
.PHONY: bench-report deps-bench
.PHONY: all help deps deps-build build asan run test unit e2e e2e-pg e2e-deps \
        console bench fuzz fuzz-smoke format format-check clean install deb \
        nginx-asan e2e-nginx-asan valgrind
.SECONDARY:

all: build

help:
	@echo 'make run           install, build and start the stack (./var)'
	@echo 'make test          install, build and run every test'
	@echo 'make deps          install the Debian packages (idempotent)'
	@echo 'make build         build build/bin/tollgated and tollgate'
	@echo 'make console       build the web console into build/console'
	@echo 'make asan          build the sanitizer binaries and unit tests'
	@echo 'make unit          run the C unit tests, plain and sanitized'
	@echo 'make e2e           run the end-to-end tests (sanitized daemon)'
	@echo 'make nginx-asan    build nginx and the module with ASan/UBSan'
	@echo 'make e2e-nginx-asan  the gateway tests in that nginx'
	@echo 'make valgrind      run the C unit tests under valgrind'
	@echo 'make e2e-pg        run them again with the store in PostgreSQL'
	@echo 'make bench         measure (not part of the tests); see bench/'
	@echo 'make bench-report  render the last bench run again (docs/performance.md)'
	@echo 'make fuzz          run each libFuzzer target FUZZ_SECONDS (not a test)'
	@echo 'make fuzz-smoke    run each libFuzzer target FUZZ_SMOKE_SECONDS'
	@echo 'make install       install under PREFIX (/usr/local), DESTDIR'
	@echo 'make deb           build the Debian package in $(BUILD)/'
	@echo 'make format        format every source file'
	@echo 'make format-check  fail if a file is not formatted'
	@echo 'make docs-actions  regenerate the actions table of docs/access-control.md'
	@echo 'make clean         remove build/'

deps:
	@./scripts/deps.sh test

deps-build:
	@./scripts/deps.sh build

deps-bench:
	@./scripts/deps.sh bench

build: $(BINS) console

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
	@$(MAKE) --no-print-directory docs-check
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory fuzz-smoke
	@$(MAKE) --no-print-directory e2e
	@$(MAKE) --no-print-directory e2e-nginx-asan
	@$(MAKE) --no-print-directory e2e-pg

# The unit tests that open a store (through test/unit/fixture.h) run
# again, sanitized, against PostgreSQL: a throwaway server that
# scripts/pg-test.sh starts.  Not those that read the SQLite file
# themselves (they include sqlite3.h).
PG_UNIT_NAMES := $(patsubst test/unit/%.c,%,$(shell grep -L '<sqlite3.h>' \
                   $$(grep -l '"fixture.h"' $(UNIT_SRCS))))
PG_UNITS      := $(PG_UNIT_NAMES:%=$(BUILD)/asan/test/%)

unit: $(UNITS) $(ASAN_UNITS)
	@set -e; for t in $(UNITS) $(ASAN_UNITS); do \
	    echo "== $$t"; $$t; \
	done
	@./scripts/pg-test.sh sh -c 'set -e; for t in $(PG_UNITS); do \
	    echo "== $$t (PostgreSQL)"; $$t; \
	done'

e2e-deps:
	@cd test/e2e && $(NPM) ci --no-audit --no-fund --loglevel=error

e2e: $(ASAN_BINS) $(BUILD)/test/tools/hold_projection \
     $(BUILD)/test/tools/projection_check e2e-deps console
	TOLLGATE_BIN_DIR=$(CURDIR)/$(BUILD)/asan/bin \
	    $(NODE) --test --test-reporter=spec test/e2e/*.test.mjs

# The end-to-end suite again with the store in PostgreSQL (a throwaway
# server, scripts/pg-test.sh; each daemon a schema of its own), less the
# files about SQLite itself or that start servers of their own:
#   durability  the SQLite file's WAL, fsync and damage
#   package     the installed Debian package's daemon, on its default store
#   cluster     starts its own PostgreSQL, Redis and three nodes
#   gateway_redis  starts its own Redis; the store is not its subject
E2E_PG_SKIP  = durability package cluster gateway_redis
E2E_PG_TESTS = $(filter-out $(E2E_PG_SKIP:%=test/e2e/%.test.mjs), \
               $(sort $(wildcard test/e2e/*.test.mjs)))

e2e-pg: $(ASAN_BINS) $(BUILD)/test/tools/hold_projection \
        $(BUILD)/test/tools/projection_check e2e-deps console
	@./scripts/pg-test.sh sh -c 'TOLLGATE_E2E_PG=$$TOLLGATE_TEST_PG_URL \
	    TOLLGATE_BIN_DIR=$(CURDIR)/$(BUILD)/asan/bin \
	    $(NODE) --test --test-reporter=spec $(E2E_PG_TESTS)'

# The table of actions in docs/access-control.md is generated from the
# authorizer's (test/tools/print_actions.c): docs-actions rewrites it,
# docs-check (in make test) fails when the page's copy differs.
ACTIONS_DOC = docs/access-control.md
ACTIONS_BEGIN = <!-- actions:begin (make docs-actions) -->
ACTIONS_END = <!-- actions:end -->

$(BUILD)/test/tools/print_actions: test/tools/print_actions.c \
        $(BUILD)/libtollgated.a $(BUILD)/libtollgate.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_COMMON) $(RELEASE_FLAGS) $^ $(LDLIBS_DAEMON) -o $@

docs-actions: $(BUILD)/test/tools/print_actions
	@$< > $(BUILD)/actions.md
	@awk -v b='$(ACTIONS_BEGIN)' -v e='$(ACTIONS_END)' \
	    -v t='$(BUILD)/actions.md' \
	    '$$0 == b { print; while ((getline l < t) > 0) print l; skip = 1; next } \
	     $$0 == e { skip = 0 } !skip { print }' \
	    $(ACTIONS_DOC) > $(BUILD)/actions.page && \
	    mv $(BUILD)/actions.page $(ACTIONS_DOC)

docs-check: $(BUILD)/test/tools/print_actions
	@$< > $(BUILD)/actions.md
	@awk -v b='$(ACTIONS_BEGIN)' -v e='$(ACTIONS_END)' \
	    '$$0 == e { on = 0 } on { print } $$0 == b { on = 1 }' \
	    $(ACTIONS_DOC) | diff -u - $(BUILD)/actions.md \
	    || { echo "$(ACTIONS_DOC): the actions table differs from the" \
	         "code's; run make docs-actions"; exit 1; }

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
	$(say) CC $@
	$(Q)$(CC) $(CFLAGS_COMMON) $(RELEASE_FLAGS) $^ -llmdb -o $@

# Compares a data directory's projection with its store, record by
# record, for test/e2e/crash.test.mjs.
$(BUILD)/test/tools/projection_check: test/tools/projection_check.c \
                                      $(BUILD)/libtollgated.a $(BUILD)/libtollgate.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_COMMON) $(RELEASE_FLAGS) $^ $(LDLIBS_DAEMON) -o $@

# Benchmarks print figures; they are never part of the tests.
# Fills a projection with synthetic apps for bench/gateway.mjs.
$(BUILD)/bench/fill_projection: bench/fill_projection.c $(BUILD)/libtollgate.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_COMMON) $(RELEASE_FLAGS) $^ -llmdb -lcrypto -lm -o $@

# Fills a stopped tollgated's store with synthetic apps for bench/scale.mjs.
$(BUILD)/bench/fill_store: bench/fill_store.c $(BUILD)/libtollgated.a \
                           $(BUILD)/libtollgate.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_COMMON) $(RELEASE_FLAGS) $^ $(LDLIBS_DAEMON) -o $@

# The cost of one bare HMAC, the unit of the gateway's figures.
$(BUILD)/bench/hmac_cost: bench/hmac_cost.c $(BUILD)/libtollgate.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_COMMON) $(RELEASE_FLAGS) $^ -lcrypto -lm -o $@

# BENCH_BASELINE=<git revision>: the control-plane figures are measured
# beside that revision's tollgated too, built in $(BUILD)/baseline.
BENCH_BASELINE ?=

# `make bench` runs every script (each even if one before it failed),
# then bench/report.mjs: the table, bench/results/<date>.json, the chart
# and docs/performance.md (bench/README.md).  BENCH_QUICK=1: a smoke run
# of the whole pipeline in minutes (small sizes, one round: its figures
# mean nothing).  make bench-report renders the last run again, or
# BENCH_FROM=bench/results/<date>.json.
BENCH_QUICK ?=
BENCH_FROM  ?=
BENCH_ENV    = TOLLGATE_BIN_DIR=$(CURDIR)/$(BUILD)/bin BENCH_QUICK=$(BENCH_QUICK) \
    $(if $(BENCH_BASELINE),TOLLGATE_BASELINE_BIN_DIR=$(CURDIR)/$(BUILD)/baseline/build/bin)
# $(call bench_run,NAME,QUICK ARGS): bench/NAME.mjs, a failure noted.
bench_run    = $(BENCH_ENV) $(NODE) bench/$(1).mjs $(if $(BENCH_QUICK),$(2)) \
               || echo $(1) >> bench/results/failed.txt

bench: deps-bench
	@$(MAKE) --no-print-directory build $(BUILD)/bench/fill_projection \
	    $(BUILD)/bench/hmac_cost $(BUILD)/bench/fill_store
	@if [ -n "$(BENCH_BASELINE)" ]; then \
	    rm -rf $(BUILD)/baseline && mkdir -p $(BUILD)/baseline && \
	    git archive $(BENCH_BASELINE) | tar -x -C $(BUILD)/baseline && \
	    $(MAKE) --no-print-directory -C $(BUILD)/baseline build/bin/tollgated; \
	fi
	@$(NODE) bench/report.mjs start
	$(call bench_run,mgmt_latency,100 1)
	$(call bench_run,gateway,1 1)
	$(call bench_run,propagation,20 200)
	$(call bench_run,scale,)
	$(call bench_run,cluster,)
	@$(NODE) bench/report.mjs
	@if [ -s bench/results/failed.txt ]; then \
	    echo "bench: failed:" $$(cat bench/results/failed.txt) >&2; exit 1; \
	fi

bench-report: deps-bench
	@$(NODE) bench/report.mjs $(if $(BENCH_FROM),--from $(BENCH_FROM))

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
	$(say) CC $@
	$(Q)$(FUZZ_CC) $(CFLAGS_COMMON) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link \
	    -MMD -MP -c $< -o $@

FUZZ_DAEMON_BINS = $(filter $(BUILD)/fuzz/fuzz_daemon_%,$(FUZZ_BINS))

$(FUZZ_DAEMON_BINS): $(BUILD)/fuzz/%: $(BUILD)/fuzz/obj/test/fuzz/%.o \
                     $(FUZZ_DAEMON_SRCS:%.c=$(BUILD)/fuzz/obj/%.o) \
                     $(LIB_SRCS:%.c=$(BUILD)/fuzz/obj/%.o)
	$(say) LD $@
	$(Q)$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer $^ $(LDLIBS_DAEMON) -o $@

$(filter-out $(FUZZ_DAEMON_BINS),$(FUZZ_BINS)): $(BUILD)/fuzz/%: \
        $(BUILD)/fuzz/obj/test/fuzz/%.o $(LIB_SRCS:%.c=$(BUILD)/fuzz/obj/%.o)
	$(say) LD $@
	$(Q)$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer $^ \
	    $(shell pkg-config --libs jansson libcrypto 2>/dev/null) -o $@

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

# Installs the binaries, the module, the manual pages, the units and the
# configuration (as examples) under $(DESTDIR)$(PREFIX); and builds the
# Debian package from a staged tree.  See docs/service.md.
PREFIX  ?= /usr/local
DESTDIR ?=

install: build
	BUILD=$(BUILD) ./packaging/install.sh local "$(DESTDIR)" "$(PREFIX)"

deb: build
	@BUILD=$(BUILD) NGINX_SRC=$(NGINX_SRC) ./packaging/deb.sh

format:
	clang-format -i $(FORMATTED)

format-check:
	$(Q)clang-format --dry-run -Werror $(FORMATTED)
	$(Q)for f in $(filter bench/%.mjs,$(FORMATTED)); do $(NODE) --check $$f || exit 1; done

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' -type f 2>/dev/null)
