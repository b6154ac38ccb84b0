// libFuzzer target: the input is a program of operations on a few
// simulated processes, each a struct vmspace: grow the heap (eager or
// lazy, with growproc's bounds), shrink it, read and write bytes in and
// around it with copyin/copyout/copyinstr (through vmfault), ask vmfault
// directly, fork (uvmcopy, sharing copy-on-write or copying, as the input
// says), exit (uvmfree), exec (exec_load of a crafted ELF, then free the
// old image), and switch the zero page and fault-around on and off
// (vmconfig), and map, unmap and protect anonymous private memory (vm_map,
// vm_unmap, vm_protect: mmap, munmap, mprotect), which the model follows
// region by region, splits included. (exec here always reads its segments
// in: demand paging is tested in test_mmap.c.)
//
// Files: three fake files (host_fs.c) are mapped shared or private, from
// a read-only or writable open, at offsets in and past the file; loads
// and stores go through the mappings; read(), write() (growing the file)
// and O_TRUNC go through the page-cache hooks kernel/fs calls; msync,
// munmap, fork and exit write shared pages back. The model keeps each
// file's view (what read() and every mapping see) and its disk bytes:
// a shared store changes the view, and reaches the disk when a mapping's
// present page is synced or unmapped (or whenever reclaim writes it back:
// mwritten_back); a private store makes the process's
// own copy; zeros past the end of the file in its last page (unless a
// shared mapping stored there while the page stayed cached), and access
// past that page refused. Where memory is short an access to a file page
// is only bounded (mfits): reclaim may find pages or take cached ones.
//
// Large pages (kernel/mm/largepage.c): on a big machine (a few boot
// bytes) aligned 2 MiB blocks are free, so eager growth maps megapages, a
// sweep (a loop storing to each page in order) has its blocks taken whole
// or promoted, shrink, munmap, mprotect and MAP_FIXED demote the ones they
// cut, fork shares or copies them and a store demotes or reuses a shared
// one, and shared anonymous mmap (whose stores every process mapping it
// sees) gets them at once; the config byte switches them. The model predicts what each of
// these must allocate, and the checker reads megapages page by page.
//
// Swap (kernel/mm/reclaim.c, rmap.c, swap.c; fuzz_swap.c): most inputs
// boot a machine of 20 to 43 pages with a swap device (host_swap.c), the
// reverse map and the reclaimer, every process registered for it to
// visit. Pages go to swap whenever the kernel reclaims: a fault (the
// checker's own faults too) below the low watermark, a fault that found
// no page, an eager grow (growproc's reclaim_room) or a fork
// (reclaim_if_low); they come back on the next access, fork shares their
// slots, munmap, shrink and exit free them. The policy and eviction are
// the boot and config bytes' choice. Where the free pages do not suffice
// the model knows only a bound (evict_room): an access that must succeed
// still must, one that would fail may succeed.
//
// Disk errors (fuzz_disk.c): a disk operation makes a swap write, a swap
// read or a file write-back fail at a point the input chooses, or marks
// a process as running elsewhere (reclaim passes over it). A failed
// page-out must leave its pages resident and their slots free, a failed
// page-in fail the kernel copy (-1) or kill the faulting process alone,
// with the slot kept until then, and a failed write-back lose nothing:
// the page stays dirty in the cache, and is written when the input ends.
//
// Fork sharing last-level tables (kernel/mm/forkshare.c): on for half the
// inputs and switched by the config byte. The model reads a process's
// pages through the tables it shares as it would through its own,
// predicts the copy of a table another process shares for every first
// access and PTE change there (a page, after which the writable pages are
// copy-on-write), and checks that fork shares exactly the spans of
// private memory and leaves their PTEs as they were.
//
// A plain model says what every process must see: its regions, its
// break, and the bytes of every page that was ever written (all others
// read as zero). It also says when an operation must fail: an address
// the process may not use, a bad ELF, or too few free pages for what the
// operation has to allocate (a fresh page for a write to a lazy page or to
// a page shared copy-on-write with another process or the zero page; only
// page-table pages for a read of a lazy page while the zero page is on,
// for a write to a copy-on-write page held alone, and for a sharing fork).
// Which pages a fault maps around the one it was asked for is vmfault's
// business: the model reads presence from the page tables. After every
// step the checker reads each page table in the Sv39 format itself and
// compares:
//   - every mapping lies in the process's memory with the right rights
//     (or, copy-on-write, the same without VM_W), and holds exactly the
//     model's bytes; no written page is missing; the zero page is mapped
//     only read-only copy-on-write in the heap;
//   - addresses outside the process's memory are refused by vmfault;
//   - every physical page's reference count equals the number of page
//     tables and PTEs across all live processes that hold it (plus the
//     kernel's one to the zero page), and kfreecount() the number of
//     pages nobody holds; no PTE is both writable and copy-on-write, a
//     page with more than one reference is writable nowhere, the zero
//     page holds zeros (machine_check_refs);
//   - every page in swap lies in its process's private memory and its
//     slot holds the model's bytes; every slot's count is the number of
//     swapped-out PTEs naming it, a shared table's once
//     (machine_check_slots);
//   - each file's size and disk bytes are the model's, each cached page
//     is the model's view and each page not cached equals the disk, and
//     the inode holds one reference per region mapping it; the page
//     cache's kept counts are those a walk of it finds
//     (machine_check_pcache);
//   - no spin lock is held and no transaction or inode lock is left.
// Right after an operation it checks what the operation must have left:
// a page written is writable and private; a lazy page read maps the zero
// page exactly when it is on; a fork shares every present page (or copies
// every one but the zero page) and takes exactly the pages the model says.
// When the input ends every process exits; then no swap slot is in use,
// the cache holds the only pages in use, all reclaimable, and reclaiming
// them brings kfreecount() back to its value after boot, with no inode
// referenced. A failed check prints what and aborts.
//
// The fuzzer's parts are in fuzz_*.c (fuzz.h); this file holds the
// shared state and the libFuzzer entry that decodes the input.
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include "fuzz.h"

struct mfile mfiles[NMFILE];
struct proc procs[NPROCS + 1];
int opt_zeropage, opt_faultaround, opt_largepage, opt_forkshare;
int bigmachine;
int step;
const char *opname;
uchar iobuf[128 * 64 + 1];

void
fuzz_fail(const char *fmt, ...)
{
  va_list ap;
  fprintf(stderr, "\nfuzz_vm: step %d (%s): ", step, opname ? opname : "-");
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\n");
  abort();
}

uint8
take(struct input *in)
{
  return in->i < in->n ? in->d[in->i++] : 0;
}

uint64
take16(struct input *in)
{
  uint64 lo = take(in);
  return lo | (uint64)take(in) << 8;
}

// ---- the driver

// Big machines: boot bytes BIG_FIRST .. BIG_FIRST + BIG_SIZES - 1 (none of
// which the corpus from before large pages starts with, so it decodes as
// it did), RAM_MAX_PAGES and less, 200 pages a step.
#define BIG_FIRST 216
#define BIG_SIZES 15
// A small machine with a swap device (most boot bytes: fuzz_swap.c): RAM
// of SWAP_RAM to SWAP_RAM + SWAP_RAMS - 1 pages, so small that the free
// pages are below reclaim's low watermark (16 and more) as soon as an
// input uses a few, and pages go to swap. Without one, 40 to 199.
#define SWAP_RAM 20
#define SWAP_RAMS 24

// An operation byte: the process in its low bits, the operation above.
// The first NOPS * NPROCS * 4 values (224) cycle through the operations of
// the fuzzer before files (so its corpus decodes as it did); the rest
// name the file operations.
enum { OP_GROW, OP_GROW_LAZY, OP_SHRINK, OP_WRITE, OP_READ, OP_READSTR,
       OP_FAULT, OP_FORK, OP_EXIT, OP_EXEC, OP_CONFIG, OP_MMAP, OP_MUNMAP,
       OP_MPROTECT, NOPS,
       OP_FMMAP = NOPS, OP_MSYNC, OP_FREAD, OP_FWRITE, OP_FTRUNC, OP_FLOAD, OP_FSTORE,
       OP_FMMAP2, OP_SWEEP, OP_DISK, NALLOPS };
static const char *opnames[] = { "grow", "grow lazily", "shrink", "write", "read",
                                 "read string", "fault", "fork", "exit", "exec",
                                 "config", "mmap", "munmap", "mprotect",
                                 "mmap a file", "msync", "read()", "write()", "truncate",
                                 "load from a file mapping", "store to a file mapping",
                                 "mmap a file", "sweep", "disk" };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct input in = { data, size, 0 };
  disk_stats_at_exit();
  step = 0;
  opname = "boot";
  // The boot byte: a small machine, so memory runs out often, with a swap
  // device of a size the byte chooses (or none), a replacement policy,
  // and fork sharing page tables or not; the values the corpus made
  // before large pages never used (BIG_FIRST on) boot a big machine
  // instead, with free 2 MiB blocks.
  uint8 boot = take(&in);
  bigmachine = boot >= BIG_FIRST && boot < BIG_FIRST + BIG_SIZES;
  if (bigmachine)
    machine_boot(RAM_MAX_PAGES - (boot - BIG_FIRST) * 200);
  else
    machine_boot(swap_slots(boot) ? SWAP_RAM + boot % SWAP_RAMS : 40 + boot % 160);
  fakefs_reset();
  mfiles_boot();
  host_locks_reset();
  swap_boot(boot);
  for (int i = 0; i <= NPROCS; i++)
    procs[i].live = procs[i].elsewhere = 0;
  vm_cow = vm_faultaround = vm_zeropage = vm_largepage = 1;
  vm_demandexec = 0;
  // Fork shares last-level tables for half the inputs (op_config may
  // switch it).
  vm_forkshare = (boot >> 1) & 1;
  opt_zeropage = opt_faultaround = opt_largepage = 1;
  opt_forkshare = vm_forkshare;
  uint64 start = mpool();

  while (in.i < in.n && step < MAXSTEPS) {
    step++;
    rmap_ticks++;   // a clock tick a step: the aging policy's steps
    uint8 op = take(&in);
    struct proc *p = &procs[op % NPROCS];
    int kind = op / NPROCS < 4 * NOPS ? (op / NPROCS) % NOPS : NOPS + op / NPROCS - 4 * NOPS;
    if (kind == OP_FMMAP2 && bigmachine)
      kind = OP_SWEEP;   // the second "mmap a file" is a sweep on a big machine
    if (kind == OP_FTRUNC && op % NPROCS != 0)
      kind = OP_DISK;    // truncate names no process: three of its four values are the disk's
    opname = opnames[kind];
    disk_before();
    if (kind == OP_CONFIG || kind == OP_FREAD || kind == OP_FWRITE || kind == OP_FTRUNC ||
        kind == OP_DISK) {
      if (kind == OP_CONFIG)
        op_config(&in);
      else if (kind == OP_FREAD)
        op_fread(&in);
      else if (kind == OP_FWRITE)
        op_fwrite(&in);
      else if (kind == OP_FTRUNC)
        op_ftrunc(&in);
      else
        op_disk(&in);
      disk_after();
      check_all();
      continue;
    }
    if (!p->live && (kind == OP_EXIT || spawn(p) != 0)) {
      disk_after();
      continue;
    }
    switch (kind) {
    case OP_GROW:      op_grow(p, &in, 0); break;
    case OP_GROW_LAZY: op_grow(p, &in, 1); break;
    case OP_SHRINK:    op_shrink(p, &in); break;
    case OP_WRITE:     op_write(p, &in); break;
    case OP_READ:      op_read(p, &in); break;
    case OP_READSTR:   op_readstr(p, &in); break;
    case OP_FAULT:     op_fault(p, &in); break;
    case OP_FORK: {
      // Low bits: which child slot; the top bit set: a copying fork.
      uint8 b = take(&in);
      struct proc *c = &procs[(op % NPROCS + 1 + (b & 0x7F) % (NPROCS - 1)) % NPROCS];
      if (!c->live)
        op_fork(p, c, !(b & 0x80));
      break;
    }
    case OP_EXIT:      op_exit(p); break;
    case OP_EXEC:      op_exec(p, &in); break;
    case OP_MMAP:      op_mmap(p, &in); break;
    case OP_MUNMAP:    op_munmap(p, &in); break;
    case OP_MPROTECT:  op_mprotect(p, &in); break;
    case OP_FMMAP:
    case OP_FMMAP2:    op_fmmap(p, &in); break;
    case OP_SWEEP:     op_sweep(p, &in); break;
    case OP_MSYNC:     op_msync(p, &in); break;
    case OP_FLOAD:     op_fileaccess(p, &in, 0); break;
    case OP_FSTORE:    op_fileaccess(p, &in, 1); break;
    }
    disk_after();
    check_all();
  }

  opname = "exit all";
  disk_before();
  for (int i = 0; i < NPROCS; i++)
    if (procs[i].live)
      op_exit(&procs[i]);
  disk_after();
  check_all();
  check_no_slots();
  disk_flush();
  // Only the cache holds pages now, and each can be reclaimed.
  uint64 cached, reclaimable;
  pcache_count(&cached, &reclaimable);
  if (kfreecount() + cached != start || reclaimable != cached)
    fuzz_fail("%lu pages free and %lu cached (%lu reclaimable) after every process exited, "
              "%lu free at boot", kfreecount(), cached, reclaimable, start);
  pcache_reclaim((int)cached);
  char msg[256];
  if (kfreecount() != start || fakefs_idle(msg, sizeof(msg)) != 0)
    fuzz_fail("%lu pages free after reclaiming the cache, %lu at boot; file system: %s",
              kfreecount(), start, kfreecount() != start ? "-" : msg);
  return 0;
}
