# SPDX-License-Identifier: GPL-2.0
#
# vhost-mdev: out-of-tree modules for Debian 12's 6.1 kernel.
# "make help" lists the targets.  Kbuild does the real work (see Kbuild).

# Kbuild reads Kbuild, not this file; a kernel that read this file instead
# would have set obj: hand over to Kbuild then.  (Not KERNELRELEASE, which
# DKMS sets on the command line of this make.)
ifneq ($(obj),)
include $(src)/Kbuild
else

SHELL := /bin/bash
REPO := $(CURDIR)
KERNEL_SH := $(REPO)/scripts/kernel.sh
VM_RUN := $(REPO)/tools/testing/vm/run

# Headers of the running kernel when they form a usable build tree (a real
# Debian host: install linux-headers-$(uname -r)), else the cached headers
# of the kernel the test VM boots.  "make KDIR=..." overrides both.
HOST_KDIR := /lib/modules/$(shell uname -r)/build
usable-kdir = $(and $(wildcard $(1)/Makefile),$(wildcard $(1)/Module.symvers),\
		$(wildcard $(1)/include/config/auto.conf),$(wildcard $(1)/scripts/basic/fixdep))
KDIR ?= $(if $(call usable-kdir,$(HOST_KDIR)),$(HOST_KDIR),$(shell $(KERNEL_SH) kdir))

# Tristate options become =m: the built-in list plus every tristate that a
# Kconfig of ours declares.  Also told to the preprocessor (IS_ENABLED()).
KCONFIG_FILES := $(wildcard Kconfig drivers/*/Kconfig drivers/*/*/Kconfig samples/*/Kconfig)
VMDEV_CONFIGS := $(sort VMDEV VHOST_MDEV VIRTIO_MDEV SAMPLE_MVNET \
	$(if $(KCONFIG_FILES),$(shell awk '/^[ \t]*(menu)?config[ \t]/ { c = $$2 } \
		/^[ \t]*(tristate|def_tristate)/ { if (c != "") print c; c = "" }' $(KCONFIG_FILES))))
KBUILD_ARGS := M=$(REPO) $(foreach c,$(VMDEV_CONFIGS),CONFIG_$(c)=m) \
	KCPPFLAGS="$(KCPPFLAGS) $(foreach c,$(VMDEV_CONFIGS),-DCONFIG_$(c)_MODULE=1)"

# Module files of this tree (what "install" and the VM load).
our-modules = $(shell find drivers samples -name '*.ko' 2>/dev/null)

.PHONY: all modules clean install lint selftests tools check check-debug check-interop \
	debug-modules vm-run-debug run vm-run bench deps deb check-deb help

all: modules

# Kernels without a vmlinux in their headers cannot make BTF: say it once here
# instead of once per module.
modules:
	@$(MAKE) -C $(KDIR) $(KBUILD_ARGS) modules 2>&1 | \
		grep -v 'Skipping BTF generation' ; exit $${PIPESTATUS[0]}

clean:
	@if [ -n "$(call usable-kdir,$(KDIR))" ] || [ -n "$(wildcard $(KDIR)/Makefile)" ]; then \
		$(MAKE) -C $(KDIR) $(KBUILD_ARGS) clean; fi
	rm -rf build

# Into the running kernel's module tree, as updates/ so that our modules win
# over any same-named ones.  A real host needs linux-headers-$(uname -r).
install: modules
	$(MAKE) -C $(KDIR) $(KBUILD_ARGS) INSTALL_MOD_DIR=updates modules_install
	depmod -a $$($(MAKE) -s -C $(KDIR) kernelrelease)

deps:
	@scripts/deps.sh --debug --interop --bench

lint:
	@scripts/lint.sh

# Static test binaries into build/selftests/<dir>/ (see the Makefile there);
# SELFTESTS_OUT elsewhere (check-debug's own, beside check-interop in CI).
SELFTESTS_OUT ?= $(REPO)/build/selftests
selftests:
	@$(MAKE) -s -C tools/testing/selftests \
		HARNESS_DIR=$$($(KERNEL_SH) harness) OUTPUT=$(SELFTESTS_OUT)

# libvmdev and the vmdevctl CLI (static) into build/tools/.
tools:
	@$(MAKE) -s -C tools/vmdev OUTPUT=$(REPO)/build/tools

# The Debian packages vhost-mdev-dkms (the sources, dkms.conf, modprobe.d
# and udev files) and vhost-mdev-tools (vmdevctl) into build/deb/.
deb:
	@scripts/deb.sh

# make deb, then the package installed on this machine, built by DKMS for
# the test VM's kernel, the VM booted with what DKMS installed, and the
# package purged; the last line is its totals.
check-deb:
	@scripts/check-deb.sh

# Everything CI runs: deps, build, lint, selftests in the VM; the last line is
# the totals.
check:
	@scripts/check.sh

# The same suite on the debug kernel (KASAN, lockdep, kmemleak), then the
# fault-injection pass; the last line is its totals.  See README.
check-debug:
	@scripts/check-debug.sh

# Unmodified DPDK and a nested QEMU against upstream vhost-vdpa (the peer,
# built from Debian's linux-source) and against ours; the last line is its
# totals.  See tools/testing/interop/README.
check-interop:
	@scripts/check-interop.sh

# Our modules for the debug kernel, built in a copy under build/debug/ (the
# .ko files in the tree stay Debian's).
debug-modules:
	@scripts/debug-modules.sh >/dev/null

# make vm-run-debug CMD='...' FILES='...': vm-run on the debug kernel.
vm-run-debug: debug-modules
	@$(VM_RUN) --debug $(foreach f,$(FILES),--file $(f)) -- sh -c '$(subst ','\'',$(CMD))'

# The VM boots the cached Debian kernel: build against its headers, whatever
# KDIR the host would pick, so that the modules load there.
vm-modules:
	@$(MAKE) -s modules KDIR=$$($(KERNEL_SH) kdir)

# Interactive: the demonstration, then a shell when stdin is a terminal.
run: vm-modules tools
	@$(VM_RUN) --shell --file tools/testing/vm/demo.sh \
		--file tools/testing/selftests/ktap.sh \
		--file tools/testing/selftests/vmdev_vf \
		--file build/tools/vmdevctl -- sh ./demo.sh

# make vm-run CMD='lsmod' FILES='a.out data.bin'
vm-run: vm-modules
	@$(VM_RUN) $(foreach f,$(FILES),--file $(f)) -- sh -c '$(subst ','\'',$(CMD))'

# Benchmarks against the upstream vDPA peer (tools/testing/bench/README):
# the report's packages, the programs into build/bench/, one VM per group
# (host.sh builds the peer's modules), results in build/bench/results.json
# and the report in build/bench/report/.
bench: vm-modules
	@scripts/deps.sh --bench --interop --qemu
	@$(MAKE) -s -C tools/testing/bench OUTPUT=$(REPO)/build/bench
	@tools/testing/bench/host.sh

help:
	@echo 'Targets:'
	@echo '  all, modules  build the modules (against KDIR, see the top of this file)'
	@echo '  clean         remove build products'
	@echo '  install       modules_install into updates/ of the running kernel + depmod'
	@echo '                (a real host needs linux-headers-$$(uname -r))'
	@echo '  deps          install the Debian packages build, tests, the debug kernel and'
	@echo '                the interop clients need'
	@echo '  lint          checkpatch --strict, sparse (C=2) and W=1: zero findings'
	@echo '  selftests     build the kselftests into build/selftests/'
	@echo '  tools         build libvmdev and vmdevctl into build/tools/'
	@echo '  deb           the Debian packages vhost-mdev-dkms and vhost-mdev-tools'
	@echo '                into build/deb/'
	@echo '  check-deb     make deb, install, DKMS build, the VM on its modules, purge'
	@echo '  check         deps, build, lint, selftests run in the test VM'
	@echo '  check-debug   selftests + kmemleak + fault injection on the debug kernel'
	@echo '                (KASAN, lockdep; built once into the cache, see README)'
	@echo '  check-interop DPDK testpmd and nested QEMU against upstream vhost-vdpa and ours'
	@echo '  debug-modules build the modules for the debug kernel into build/debug/'
	@echo '  run           boot the test VM, run the demo, then a shell (on a tty)'
	@echo "  vm-run        run CMD='...' in the test VM with FILES='...' in /extra"
	@echo "  vm-run-debug  the same on the debug kernel"
	@echo '  bench         ours against upstream vDPA, one VM per group; report in'
	@echo '                build/bench/report/ (tools/testing/bench/README)'
	@echo 'Variables: KDIR, VMDEV_CACHE (kernel cache), VM_MEM, VM_TIMEOUT (see tools/testing/vm/README)'

endif
