#!/bin/sh
# Install the packages the build and the tests need, when any is missing.
# Runs apt-get as root, or through sudo. `install-deps.sh gdb` also wants
# the debugger (make qemu-gdb, and make test for tools/gdbcheck.py).
need=""
if [ "$1" = gdb ]; then
  command -v gdb-multiarch >/dev/null 2>&1 || need="$need gdb-multiarch"
fi
command -v riscv64-unknown-elf-gcc >/dev/null 2>&1 || need="$need gcc-riscv64-unknown-elf"
command -v qemu-system-riscv64 >/dev/null 2>&1 || need="$need qemu-system-misc"
command -v python3 >/dev/null 2>&1 || need="$need python3"
command -v gcc >/dev/null 2>&1 || need="$need gcc"
command -v clang >/dev/null 2>&1 || need="$need clang"
# clang's runtimes: libFuzzer and the sanitizers for tests/host
ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1 ||
  need="$need libclang-rt-dev"
[ -f /usr/include/cmocka.h ] || need="$need libcmocka-dev"
[ -z "$need" ] && exit 0

echo "installing:$need"
if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
$sudo apt-get update -qq || exit 1
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $need >/dev/null || exit 1
