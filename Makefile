# Lazuli build. `make qemu` boots to the shell, `make test` runs every test.
# Both first install the toolchain with apt-get when it is missing.

TOOLPREFIX ?= riscv64-unknown-elf-
CC      = $(TOOLPREFIX)gcc
LD      = $(TOOLPREFIX)ld
OBJDUMP = $(TOOLPREFIX)objdump
QEMU    = qemu-system-riscv64
HOSTCC ?= gcc

CPUS ?= 3
MEM  ?= 128M
# Size of swap.img, the swap disk (SWAP=0: no swap disk).
SWAP ?= 64M
B    := build

MAKEFLAGS += --no-print-directory

CFLAGS  = -Wall -Werror -O2 -fno-omit-frame-pointer -ggdb -gdwarf-2 -MD
CFLAGS += -march=rv64gc_zicsr_zifencei -mabi=lp64d -mcmodel=medany -mno-relax
CFLAGS += -ffreestanding -fno-common -nostdlib -fno-builtin -fno-stack-protector
CFLAGS += -fno-pie -no-pie -Ikernel
ifdef COW
CFLAGS += -DCOW_DEFAULT=$(COW)   # make COW=0: fork copies by default
endif
# make POLICY=fifo|clock|aging|random (or 0-3): the page-replacement
# policy at boot (VMCONF_POLICY, docs/syscalls.md); clock by default.
POLICY_fifo := 0
POLICY_clock := 1
POLICY_aging := 2
POLICY_random := 3
ifdef POLICY
POLICY_NUM := $(or $(POLICY_$(POLICY)),$(POLICY))
ifeq ($(filter 0 1 2 3,$(POLICY_NUM)),)
$(error POLICY must be fifo, clock, aging, random or 0-3)
endif
CFLAGS += -DPOLICY_DEFAULT=$(POLICY_NUM)
endif
# make KPTI=1: separate page tables (the kernel in no user table) by default
ifdef KPTI
CFLAGS += -DKPTI_DEFAULT=$(KPTI)
endif
# make LARGEPAGE=0: anonymous memory uses small pages only by default
ifdef LARGEPAGE
CFLAGS += -DLARGEPAGE_DEFAULT=$(LARGEPAGE)
endif
# make EVICT=0: no eviction to swap by default (VMCONF_EVICT)
ifdef EVICT
CFLAGS += -DEVICT_DEFAULT=$(EVICT)
endif
KPTI_OTHER := $(if $(filter 1,$(KPTI)),0,1)
# make FORKSHARE=0: fork writes every PTE instead of sharing last-level
# page tables (VMCONF_FORKSHARE) by default
ifdef FORKSHARE
CFLAGS += -DFORKSHARE_DEFAULT=$(FORKSHARE)
endif
ASFLAGS = $(CFLAGS)
LDFLAGS = -z max-page-size=4096 --no-warn-rwx-segments

all: kernel/kernel fs.img

# ---- the kernel: every .c and .S under kernel/
KSRCS := $(shell find kernel -name '*.c' -o -name '*.S' | sort)
KOBJS := $(patsubst %,$(B)/%.o,$(basename $(KSRCS)))

kernel/kernel: $(KOBJS) kernel/kernel.ld
	@echo "  LD      $@"
	@$(LD) $(LDFLAGS) -T kernel/kernel.ld -o $@ $(KOBJS)
	@$(OBJDUMP) -S $@ > $(B)/kernel.asm

# The boot defaults chosen with make variables (COW, POLICY, KPTI, LARGEPAGE,
# FORKSHARE, EVICT) are compiled into stats.c: rebuild it when they change.
OPTFLAGS := $(filter -DCOW_DEFAULT=% -DPOLICY_DEFAULT=% -DKPTI_DEFAULT=% -DLARGEPAGE_DEFAULT=% \
                     -DFORKSHARE_DEFAULT=% -DEVICT_DEFAULT=%,$(CFLAGS))
$(B)/options: FORCE
	@mkdir -p $(B)
	@echo '$(OPTFLAGS)' | cmp -s - $@ || echo '$(OPTFLAGS)' > $@
$(B)/kernel/mm/stats.o: $(B)/options

# The same kernel with the other page-table design by default, for
# guest-test: only the file holding the default differs.
KOBJS_OTHER := $(filter-out $(B)/kernel/mm/stats.o,$(KOBJS)) $(B)/kpti$(KPTI_OTHER)/stats.o
$(B)/kernel-kpti$(KPTI_OTHER): $(KOBJS_OTHER) kernel/kernel.ld
	@echo "  LD      $@"
	@$(LD) $(LDFLAGS) -T kernel/kernel.ld -o $@ $(KOBJS_OTHER)

$(B)/kpti%/stats.o: kernel/mm/stats.c $(B)/options | toolchain
	@mkdir -p $(dir $@)
	@echo "  CC      $< (KPTI=$*)"
	@$(CC) $(filter-out -DKPTI_DEFAULT=%,$(CFLAGS)) -DKPTI_DEFAULT=$* -c -o $@ $<

$(B)/%.o: %.c | toolchain
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) -c -o $@ $<

$(B)/%.o: %.S | toolchain
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	@$(CC) $(ASFLAGS) -c -o $@ $<

# ---- user programs: user/lib is the library, every user/*.c a program
# (with the files of user/NAME/, if there is such a directory: a large
# test program split by concern)
ULIBSRCS := $(wildcard user/lib/*.c user/lib/*.S)
ULIBOBJS := $(patsubst %,$(B)/%.o,$(basename $(ULIBSRCS)))
UPROGS   := $(patsubst user/%.c,$(B)/fsroot/%,$(wildcard user/*.c))

# build/user/_NAME keeps the debug information (for gdb); the copy that
# goes on the small disk image is stripped of it.
.SECONDEXPANSION:
$(B)/user/_%: $(B)/user/%.o $$(addprefix $(B)/,$$(addsuffix .o,$$(basename $$(wildcard user/$$*/*.c)))) $(ULIBOBJS) user/user.ld
	@echo "  LD      $@"
	@$(LD) $(LDFLAGS) -T user/user.ld -o $@ $(filter %.o,$^)

$(B)/fsroot/%: $(B)/user/_%
	@mkdir -p $(dir $@)
	@$(TOOLPREFIX)objcopy --strip-debug $< $@

# ---- the file system image
$(B)/mkfs: tools/mkfs.c kernel/abi/fs.h kernel/abi/param.h
	@mkdir -p $(B)
	$(HOSTCC) -Wall -Werror -O2 -Ikernel -o $@ tools/mkfs.c

fs.img: $(B)/mkfs README.md $(UPROGS)
	$(B)/mkfs $@ README.md $(UPROGS)

# ---- the swap disk: SWAP bytes of nothing (the kernel keeps no state on
# it across boots). truncate sets the size whatever the file was before.
swap.img: FORCE
	@truncate -s $(SWAP) $@

# Keep every intermediate file (objects, unstripped programs): faster
# rebuilds, and no "rm" chatter after the test summary.
.SECONDARY:
.PHONY: all qemu qemu-gdb test host-test guest-test toolchain clean bench bench-paging bench-forkshare fuzz FORCE

QEMUOPTS = -machine virt -bios none -kernel kernel/kernel -m $(MEM) -smp $(CPUS) -nographic
QEMUOPTS += -global virtio-mmio.force-legacy=false
QEMUOPTS += -drive file=fs.img,if=none,format=raw,id=x0
QEMUOPTS += -device virtio-blk-device,drive=x0,bus=virtio-mmio-bus.0
# The swap disk in the next slot; the file system keeps slot 0.
ifeq ($(SWAP),0)
SWAPIMG :=
else
SWAPIMG := swap.img
QEMUOPTS += -drive file=swap.img,if=none,format=raw,id=x1
QEMUOPTS += -device virtio-blk-device,drive=x1,bus=virtio-mmio-bus.1
endif

qemu: kernel/kernel fs.img $(SWAPIMG)
	$(QEMU) $(QEMUOPTS)

GDBPORT ?= 26000
qemu-gdb: kernel/kernel fs.img $(SWAPIMG)
	@tools/install-deps.sh gdb
	@echo "*** now run: gdb-multiarch kernel/kernel -x tools/gdb/lazuli.py -ex 'target remote localhost:$(GDBPORT)'"
	@echo "*** (lz-ps, lz-vmprint PID, lz-pte PID VA: see tools/gdb/lazuli.py)"
	$(QEMU) $(QEMUOPTS) -S -gdb tcp::$(GDBPORT)

# Install what is missing (a fresh Debian machine has no RISC-V toolchain).
toolchain:
	@tools/install-deps.sh

# The in-guest stages: the suite in both page-table designs (this
# kernel's default, then the other one), then the gdb commands against a
# live kernel. tools/teststages.py runs every stage even after one fails
# and ends with one line adding up their counts.
GUEST_IMAGES := kernel/kernel $(B)/kernel-kpti$(KPTI_OTHER) fs.img
RUNTESTS = python3 tools/runtests.py --cpus $(CPUS) --mem $(MEM) --swap $(SWAP)
GUEST_STAGES = --stage "guest tests" "$(RUNTESTS)" \
  --stage "guest tests KPTI=$(KPTI_OTHER)" "$(RUNTESTS) --kernel $(B)/kernel-kpti$(KPTI_OTHER)" \
  --stage "gdbcheck" "python3 tools/gdbcheck.py --cpus $(CPUS) --mem $(MEM)"

# The tests also want gdb-multiarch, for tools/gdbcheck.py.
test: $(GUEST_IMAGES)
	@tools/install-deps.sh gdb
	+@python3 tools/teststages.py --stage "host tests" "$(MAKE) host-test" $(GUEST_STAGES)

guest-test: $(GUEST_IMAGES)
	@python3 tools/teststages.py $(GUEST_STAGES)

host-test:
	$(MAKE) -C tests/host test

# Run the host fuzzer for FUZZ_SECONDS (default 600).
FUZZ_SECONDS ?= 600
fuzz: toolchain
	$(MAKE) -C tests/host fuzz FUZZ_SECONDS=$(FUZZ_SECONDS)

# Time the memory system's operations under QEMU on one hart, and the
# in-guest suite in both page-table designs, and rewrite the tables of
# docs/benchmarks.md (tools/bench.py; several minutes). Run it on a kernel
# built with the default design (KPTI=0).
bench: kernel/kernel $(B)/kernel-kpti1 fs.img
	python3 tools/bench.py --swap $(SWAP) --other-kernel $(B)/kernel-kpti1

# The paging experiment measured by the kernel (tools/pagingexp.py): fault
# rates and time per policy and working-set size in a small memory with a
# swap disk; rewrites the pagingexp tables and charts of docs/paging.md.
bench-paging: kernel/kernel fs.img
	python3 tools/pagingexp.py --doc docs/paging.md --svg docs/img

# fork + exit + wait of parents of 1, 64 and 1024 MiB, page tables shared
# and not, in one boot with 2 GiB (docs/benchmarks.md, "fork without
# copying PTEs").
bench-forkshare: kernel/kernel fs.img
	python3 tools/bench.py --forkshare --swap $(SWAP)

clean:
	rm -rf $(B) kernel/kernel fs.img swap.img

-include $(shell find $(B) -name '*.d' 2>/dev/null)
