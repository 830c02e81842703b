# paperboy - plain Makefile with pkg-config (see README.md).
#
#   make          build ./paperboy (-O2, -Werror)
#   make test     deps-dev, build an ASan+UBSan tree in build/asan, run every test
#   make deps     install the Debian packages building and running need
#   make deps-dev deps plus what tests and benchmarks use (browser, wrk, ...)
#   make demo     deps, build, import the bundled sample, serve it on :8080
#                 (DEMO_SMOKE=1: fetch the first page, print the time, exit)
#   make fuzz     build libFuzzer targets with clang into build/fuzz
#   make bench    run the benchmarks in bench/ (whole corpus; slow)
#   make deb      the Debian package in build/deb/ (debhelper), then lintian

PKGS     := sqlite3 libpq jansson expat liblzma zlib libutf8proc libmicrohttpd libcurl libsodium libcmark
CC       ?= cc
WARN     := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wformat=2 -Werror
BASEFLAGS:= -std=gnu17 -g -D_GNU_SOURCE -Isrc $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
CFLAGS   ?= -O2
LIBS     := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lstemmer -llinear -lpthread -lm

LIB_SRC  := $(shell find src -name '*.c' ! -path 'src/cli/*' | sort)
CLI_SRC  := $(sort $(wildcard src/cli/*.c))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
HDRS     := $(shell find src tests -name '*.h')
# object files track their own header dependencies (-MMD); binaries that
# compile sources directly still depend on every header
DEPFLAGS := -MMD -MP
Q        ?= @

# libpq (the PostgreSQL store) is one of PKGS: pkg-config gives its
# -I/usr/include/postgresql and -lpq once `make deps` installed libpq-dev.
# The pkg-config flags above are read when make parses this file: targets
# that install packages first (demo, test) build through a second make run
# started after the install, which reads them again.

# --- release tree ---------------------------------------------------------
REL      := build/rel
REL_OBJ  := $(LIB_SRC:%.c=$(REL)/%.o)

all: paperboy

$(REL)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(BASEFLAGS) $(CFLAGS) $(WARN) $(DEPFLAGS) -c $< -o $@

$(REL)/libpaperboy.a: $(REL_OBJ)
	@rm -f $@
	$(Q)ar rcs $@ $^

paperboy: $(CLI_SRC) $(REL)/libpaperboy.a $(HDRS)
	@echo "  LD      $@"
	$(Q)$(CC) $(BASEFLAGS) $(CFLAGS) $(WARN) $(LDFLAGS) $(CLI_SRC) $(REL)/libpaperboy.a $(LIBS) -o $@

# --- sanitizer tree (make test) ------------------------------------------
ASAN     := build/asan
SANFLAGS := -O1 -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
ASAN_OBJ := $(LIB_SRC:%.c=$(ASAN)/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(ASAN)/unit/%)
REPLAY_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(ASAN)/fuzz/%)

$(ASAN)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC asan $<"
	$(Q)$(CC) $(BASEFLAGS) $(SANFLAGS) $(WARN) $(DEPFLAGS) -c $< -o $@

$(ASAN)/libpaperboy.a: $(ASAN_OBJ)
	@rm -f $@
	$(Q)ar rcs $@ $^

$(ASAN)/paperboy: $(CLI_SRC) $(ASAN)/libpaperboy.a $(HDRS)
	@echo "  LD      $@"
	$(Q)$(CC) $(BASEFLAGS) $(SANFLAGS) $(WARN) $(CLI_SRC) $(ASAN)/libpaperboy.a $(LIBS) -o $@

$(ASAN)/unit/%: tests/unit/%.c $(ASAN)/libpaperboy.a $(HDRS)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(CC) $(BASEFLAGS) -Itests $(SANFLAGS) $(WARN) $< $(ASAN)/libpaperboy.a $(LIBS) -o $@

$(ASAN)/fuzz/%: tests/fuzz/%.c tests/fuzz/replay_main.c $(ASAN)/libpaperboy.a $(HDRS)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(CC) $(BASEFLAGS) -Itests $(SANFLAGS) $(WARN) $< tests/fuzz/replay_main.c $(ASAN)/libpaperboy.a $(LIBS) -o $@

test-build: $(ASAN)/paperboy $(UNIT_BIN) $(REPLAY_BIN) paperboy

test: deps-dev
	@$(MAKE) --no-print-directory test-build
	@tests/run.sh

# --- fuzzing with clang/libFuzzer ------------------------------------------
FUZZ     := build/fuzz
FUZZ_OBJ := $(LIB_SRC:%.c=$(FUZZ)/%.o)
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(FUZZ)/bin/%)
FUZZFLAGS:= -O1 -g -fsanitize=fuzzer-no-link,address,undefined

$(FUZZ)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC fuzz $<"
	$(Q)clang $(BASEFLAGS) $(FUZZFLAGS) $(DEPFLAGS) -c $< -o $@

$(FUZZ)/libpaperboy.a: $(FUZZ_OBJ)
	@rm -f $@
	$(Q)ar rcs $@ $^

$(FUZZ)/bin/%: tests/fuzz/%.c $(FUZZ)/libpaperboy.a
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)clang $(BASEFLAGS) -Itests -O1 -g -fsanitize=fuzzer,address,undefined $< $(FUZZ)/libpaperboy.a $(LIBS) -o $@

fuzz: $(FUZZ_BIN)

# --- the rest ---------------------------------------------------------------
deps:
	@scripts/deps.sh

deps-dev:
	@scripts/deps.sh --dev

DEMO_DB ?= demo.db
DEMO_PORT ?= 8080
DEMO_SMOKE ?=
demo:
	@t0=$$(date +%s.%N); scripts/deps.sh && $(MAKE) --no-print-directory paperboy && \
	  DEMO_T0=$$t0 DEMO_DB=$(DEMO_DB) DEMO_PORT=$(DEMO_PORT) DEMO_SMOKE=$(DEMO_SMOKE) scripts/demo.sh

# --- the Debian package (docs/DEPLOY.md) ------------------------------------
# built from a copy of the checkout's files in build/deb/, so the tree's
# own builds are left alone; the .deb lands in build/deb/
# `make deb` installs the packaging tools first (deps-dev: debhelper,
# dpkg-dev, lintian, git), then builds in a second make, as demo and test do.
deb:
	@scripts/deps.sh --dev && $(MAKE) --no-print-directory deb-build
deb-build:
	@v=$$(dpkg-parsechangelog -S Version) && d=build/deb/paperboy-$$v && \
	  rm -rf build/deb && mkdir -p $$d && \
	  if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
	    git ls-files -co --exclude-standard -z | grep -zv '^build/' | \
	      xargs -0 tar cf - | tar xf - -C $$d; \
	  else \
	    tar cf - --exclude=./build --exclude=./.git . | tar xf - -C $$d; \
	  fi && \
	  (cd $$d && dpkg-buildpackage -us -uc -b) && \
	  lintian --info --display-info --pedantic build/deb/paperboy_$${v}_*.changes && \
	  ls -l build/deb/*.deb

bench: deps-dev
	@$(MAKE) --no-print-directory paperboy
	@for b in bench/*/run.sh; do echo "== $$b"; $$b; done

clean:
	rm -rf build paperboy

-include $(shell find build -path build/deb -prune -o -name '*.d' -type f -print 2>/dev/null)

.PHONY: all test test-build fuzz deps deps-dev demo bench clean deb deb-build
.DELETE_ON_ERROR:
