# sbx — build, test, run. See README.md.
# `make test` and `make run` install what is missing (scripts/deps) first.

CC       ?= cc
CLANG    ?= clang
BPFTOOL  ?= bpftool
PREFIX   ?= /usr/local
# A sanitizer build lives in its own tree so it never mixes with the normal one.
ifneq ($(SANITIZE),)
B        ?= build-sanitize
else
B        ?= build
endif

.SECONDEXPANSION:

PKGS     := libseccomp jansson libbpf
CFLAGS   ?= -O2 -g
CFLAGS   += -std=gnu11 -Wall -Wextra -D_GNU_SOURCE -I. -I$(B) -MMD -MP
CFLAGS   += $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lelf -lz
TESTLIBS := -lcriterion

ifneq ($(SANITIZE),)
CFLAGS   += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer
LDFLAGS  += -fsanitize=$(SANITIZE)
endif

# Component libraries, in link order (a library may use those after it).
MODULES  := tools runtime sentry gofer policy loader microvm lib
DEPS_lib     :=
DEPS_policy  := lib
DEPS_loader  := lib
DEPS_microvm := lib
DEPS_gofer   := lib
DEPS_sentry  := lib
DEPS_runtime := sentry gofer policy loader microvm lib
DEPS_tools   := runtime sentry gofer policy loader microvm lib

srcs_of   = $(filter-out $(1)/main.c $(1)/%_main.c,$(wildcard $(1)/*.c))
objs_of   = $(patsubst %.c,$(B)/%.o,$(call srcs_of,$(1)))
libs_for  = $(foreach m,$(1) $(DEPS_$(1)),$(B)/lib$(m).a)

BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(B)/bpf/%.bpf.o,$(BPF_SRCS))
BPF_SKEL := $(patsubst bpf/%.bpf.c,$(B)/bpf/%.skel.h,$(BPF_SRCS))

UNIT_SRCS := $(wildcard tests/unit/*.c)
UNIT_BINS := $(patsubst %.c,$(B)/%,$(UNIT_SRCS))
INTEG_SRCS := $(wildcard tests/integration/*.c)
INTEG_BINS := $(patsubst %.c,$(B)/%,$(INTEG_SRCS))
VM_SRCS := $(wildcard tests/vm/*.c)
VM_BINS := $(patsubst %.c,$(B)/%,$(VM_SRCS))
TEST_HELPERS := $(patsubst tests/helpers/%.c,$(B)/tests/helpers/%,$(wildcard tests/helpers/*.c))

.PHONY: all deps build rootfs test unit integration test-vm run bench vmlinux install clean format
all: build
build: $(B)/sbx $(B)/sbx-sentry $(B)/sbx-gofer $(B)/sbx-trace $(B)/sbxd $(B)/sbx-initramfs.cpio \
       $(TEST_HELPERS)

deps:
	@scripts/deps

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

# Loader sources include the generated skeletons.
$(call objs_of,loader): $(BPF_SKEL)
# The default policy is embedded with .incbin.
$(B)/policy/default_policy.o: policy/default.json
$(B)/policy/default_policy.o: CFLAGS += -DSBX_DEFAULT_POLICY_PATH='"$(CURDIR)/policy/default.json"'

define module_lib
$(B)/lib$(1).a: $(call objs_of,$(1))
	@mkdir -p $(B)
	rm -f $$@ && ar rcs $$@ $$^
endef
$(foreach m,$(MODULES),$(eval $(call module_lib,$(m))))

$(B)/bpf/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.h) vmlinux/vmlinux.h
	@mkdir -p $(dir $@)
	$(CLANG) -g -O2 -target bpf -D__TARGET_ARCH_x86 -Ivmlinux -I. -I/usr/include/$(shell uname -m)-linux-gnu -c $< -o $@

$(B)/bpf/%.skel.h: $(B)/bpf/%.bpf.o
	$(BPFTOOL) gen skeleton $< > $@.tmp && mv $@.tmp $@

$(B)/sbx: $(B)/runtime/main.o $(call libs_for,runtime)
	$(CC) $(LDFLAGS) -o $@ $< $(call libs_for,runtime) $(LDLIBS)

# sbx-trace (tools/): the syscall tracer; it loads bpf/trace.bpf.c only while it runs.
$(B)/sbx-trace: $(B)/tools/trace_main.o $(call libs_for,tools)
	$(CC) $(LDFLAGS) -o $@ $< $(call libs_for,tools) $(LDLIBS)

# sbxd (tools/sbxd_*.c): the per-node daemon and seccomp agent.
$(B)/sbxd: $(B)/tools/sbxd_main.o $(call libs_for,tools)
	$(CC) $(LDFLAGS) -o $@ $< $(call libs_for,tools) $(LDLIBS)

# The sentry runs one per sandbox for its whole life: a static binary of its own keeps its
# memory small (no shared libbpf, libelf, zlib) and its start fast (no dynamic linking).
SENTRY_LIBS := $(B)/libruntime.a $(B)/libsentry.a $(B)/libpolicy.a $(B)/liblib.a
$(B)/sbx-sentry: $(B)/runtime/sentry_main.o $(SENTRY_LIBS)
	$(CC) $(LDFLAGS) $(if $(SANITIZE),,-static) -o $@ $< $(SENTRY_LIBS) -lseccomp -ljansson

# The gofer too: it runs in an empty root, so it must need no shared library.
GOFER_LIBS := $(B)/libgofer.a $(B)/liblib.a
$(B)/sbx-gofer: $(B)/runtime/gofer_main.o $(GOFER_LIBS)
	$(CC) $(LDFLAGS) $(if $(SANITIZE),,-static) -o $@ $< $(GOFER_LIBS) -lseccomp -ljansson

# The microVM's PID 1 (microvm/agent/): static, it is alone in the initramfs. It finishes the
# workload with the same code as a container's init (runtime/process.c).
AGENT_OBJS := $(patsubst %.c,$(B)/%.o,$(wildcard microvm/agent/*.c))
AGENT_LIBS := $(B)/libruntime.a $(B)/libpolicy.a $(B)/libloader.a $(B)/libmicrovm.a $(B)/liblib.a
$(B)/sbx-agent: $(AGENT_OBJS) $(AGENT_LIBS)
	$(CC) $(LDFLAGS) -static -o $@ $(AGENT_OBJS) $(AGENT_LIBS) -lseccomp -ljansson -lutil \
	    -lbpf -lelf -lz

# The guest kernel: the newest under /boot (linux-image-amd64), unless GUEST_KVER says.
GUEST_KVER ?= $(shell ls /boot/vmlinuz-* 2>/dev/null | sed 's|^/boot/vmlinuz-||' | sort -V | tail -n1)
$(B)/sbx-initramfs.cpio: $(B)/sbx-agent microvm/mkinitramfs
	microvm/mkinitramfs $@ $(B)/sbx-agent $(GUEST_KVER)

# tests/unit/<module>_*.c links that module and what it depends on.
$(B)/tests/unit/%: tests/unit/%.c $$(call libs_for,$$(firstword $$(subst _, ,$$*)))
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(call libs_for,$(firstword $(subst _, ,$*))) $(LDLIBS) $(TESTLIBS)

$(B)/tests/integration/%: tests/integration/%.c tests/integration/harness.h $(call libs_for,runtime)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(call libs_for,runtime) $(LDLIBS) $(TESTLIBS)

# tests/vm/*.c run inside the microVM (tests/vm/run), built like the integration tests.
$(B)/tests/vm/%: tests/vm/%.c tests/integration/harness.h $(call libs_for,runtime)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(call libs_for,runtime) $(LDLIBS) $(TESTLIBS)

$(B)/tests/helpers/%: tests/helpers/%.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -Wall -Wextra -D_GNU_SOURCE -static -o $@ $<

rootfs: $(B)/rootfs/.done
$(B)/rootfs/.done: scripts/mkrootfs
	scripts/mkrootfs $(B)/rootfs

vmlinux:
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > vmlinux/vmlinux.h

unit: $(UNIT_BINS)
	@set -e; for t in $(UNIT_BINS); do echo "== $$t"; $$t; done

integration: build rootfs $(INTEG_BINS)
	@set -e; for t in $(INTEG_BINS); do echo "== $$t"; $$t --jobs 1; done

# In a microVM whose kernel allows what this host may refuse (BPF-LSM): see tests/vm/run.
VM_SMOKE := $(patsubst %,$(B)/tests/integration/%,enforce gofer lifecycle trace)
test-vm: build rootfs $(VM_BINS) $(VM_SMOKE)
	tests/vm/run $(CURDIR)/tests/vm/guest

test: deps
	$(MAKE) build rootfs
	$(MAKE) unit
	$(MAKE) test-deploy
	$(MAKE) SANITIZE=address,undefined unit
	$(MAKE) integration
	$(MAKE) test-vm

# sbx-hook (tools/): the OCI hook that gives runc/crun containers the cgroup-BPF layer.
build: $(B)/sbx-hook
$(B)/sbx-hook: $(B)/tools/hook_main.o $(call libs_for,tools)
	$(CC) $(LDFLAGS) -o $@ $< $(call libs_for,tools) $(LDLIBS)

# Kubernetes deployment (deploy/): sbx-install against containerd configs in a temp dir, and
# the manifests against the Kubernetes schemas (kubernetes-models and yaml from npm, pinned
# in tests/deploy/package-lock.json, installed under $(B)/deploy-node).
DEPLOY_NODE := $(B)/deploy-node
$(DEPLOY_NODE)/.done: tests/deploy/package.json tests/deploy/package-lock.json
	rm -rf $(DEPLOY_NODE) && mkdir -p $(DEPLOY_NODE)
	cp tests/deploy/package.json tests/deploy/package-lock.json $(DEPLOY_NODE)/
	cd $(DEPLOY_NODE) && npm ci --no-audit --no-fund --loglevel=error --cache .npm-cache
	touch $@

.PHONY: test-deploy
test-deploy: build rootfs $(DEPLOY_NODE)/.done
	shellcheck -s sh -x deploy/sbx-install deploy/stage-tree tests/deploy/*.sh
	tests/deploy/installer.sh
	B=$(B) tests/deploy/tree.sh
	cp tests/deploy/manifests.mjs $(DEPLOY_NODE)/
	node $(DEPLOY_NODE)/manifests.mjs deploy/*.yaml deploy/hooks.d/*.json
	node $(DEPLOY_NODE)/manifests.mjs --expect-invalid tests/deploy/invalid/*

run: deps
	$(MAKE) build rootfs
	scripts/demo $(B)/sbx

bench: deps
	$(MAKE) build rootfs
	bench/run $(B)/sbx

install: build rootfs
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/sbx
	install -m 0755 $(B)/sbx $(DESTDIR)$(PREFIX)/bin/sbx
	install -m 0755 $(B)/sbx-trace $(DESTDIR)$(PREFIX)/bin/sbx-trace
	install -m 0755 $(B)/sbxd $(DESTDIR)$(PREFIX)/bin/sbxd
	install -m 0755 $(B)/sbx-hook $(DESTDIR)$(PREFIX)/bin/sbx-hook
	install -d $(DESTDIR)$(PREFIX)/libexec/sbx
	install -m 0755 $(B)/sbx-sentry $(DESTDIR)$(PREFIX)/libexec/sbx/sbx-sentry
	install -m 0755 $(B)/sbx-gofer $(DESTDIR)$(PREFIX)/libexec/sbx/sbx-gofer
	install -m 0644 $(B)/sbx-initramfs.cpio $(B)/sbx-initramfs.cpio.kver \
		$(DESTDIR)$(PREFIX)/libexec/sbx/
	rm -rf $(DESTDIR)$(PREFIX)/share/sbx/rootfs
	cp -a $(B)/rootfs $(DESTDIR)$(PREFIX)/share/sbx/rootfs
	rm -f $(DESTDIR)$(PREFIX)/share/sbx/rootfs/.done

format:
	clang-format -i $$(git ls-files '*.c' '*.h' | grep -v '^vmlinux/')

clean:
	rm -rf $(B)


-include $(shell find $(B) -name '*.d' 2>/dev/null)
