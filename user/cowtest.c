// In-guest tests of copy-on-write fork and the shared zero page: sharing,
// isolation in both directions, reuse of a page held alone, chains of
// forks, the kernel's own writes, exec and shrink over shared pages,
// running out of memory in a copy, and the copying-fork option.
#include "user.h"
#include "test.h"

#define PGSIZE 4096

static struct memstat
stats(void)
{
  struct memstat st;
  memstat(&st);
  return st;
}

// n pages of heap, page i holding the byte tag + i at its start.
static char *
filled_heap(int n, int tag)
{
  char *p = sbrk(n * PGSIZE);
  for (int i = 0; i < n; i++)
    p[i * PGSIZE] = tag + i;
  return p;
}

static int
holds(char *p, int n, int tag)
{
  for (int i = 0; i < n; i++)
    if (p[i * PGSIZE] != (char)(tag + i))
      return 0;
  return 1;
}

static void
fork_shares(void)
{
  filled_heap(1000, 1);
  long cow = fork_cost();
  expect(cow >= 0 && cow < 100, "copy-on-write fork of 1000 pages cost %ld pages", cow);
  int old = vmconfig(VMCONF_COW, 0);
  long copy = fork_cost();
  vmconfig(VMCONF_COW, old);
  expect(copy >= 1000, "copying fork of 1000 pages cost only %ld pages", copy);
}

static void
isolation(void)
{
  char *p = filled_heap(50, 10);
  int to_child[2], to_parent[2];
  pipe(to_child);
  pipe(to_parent);
  int pid = fork();
  if (pid == 0) {
    char c;
    read(to_child[0], &c, 1);   // the parent has written by now
    char ok = holds(p, 50, 10);
    for (int i = 0; i < 50; i++)
      p[i * PGSIZE] = 'c';
    write(to_parent[1], &ok, 1);
    exit(0);
  }
  for (int i = 0; i < 50; i += 2)
    p[i * PGSIZE] = 'p';
  write(to_child[1], "x", 1);
  char ok = 0;
  read(to_parent[0], &ok, 1);
  wait(0);
  expect(ok == 1, "the parent's writes after fork reached the child");
  for (int i = 0; i < 50; i++)
    expect(p[i * PGSIZE] == (i % 2 == 0 ? 'p' : (char)(10 + i)),
           "the child's writes reached the parent (page %d)", i);
}

// When the other sharer has gone, a write makes the page writable again
// without copying.
static void
reuse_last_reference(void)
{
  char *p = filled_heap(200, 3);
  int pid = fork();
  if (pid == 0)
    exit(0);
  wait(0);
  long before = freepages();
  struct memstat s0 = stats();
  for (int i = 0; i < 200; i++)
    p[i * PGSIZE] = 'w';
  struct memstat s1 = stats();
  expect(freepages() == before, "writes after the child left used %ld pages", before - freepages());
  expect(s1.cow_reuse - s0.cow_reuse >= 200, "cow_reuse rose by %ld, want 200",
         (long)(s1.cow_reuse - s0.cow_reuse));
  expect(s1.cow_copy == s0.cow_copy, "pages were copied");
}

// Generation depth of the chain: check the shared pages, fork the next
// generation (which goes round the loop once more), wait for it, then
// scribble on a page the descendants must not see.
static void
chain_level(char *p, int depth)
{
  for (;; depth++) {
    if (!holds(p, 20, 40)) {
      printf("FAIL cow:chain: generation %d sees wrong data\n", depth);
      exit(TEST_REPORTED);
    }
    if (depth == 5)
      exit(0);
    if (fork() == 0)
      continue;
    int st;
    wait(&st);
    p[PGSIZE * 19 + 100] = depth;
    if (st != 0)
      exit(st);
    exit(holds(p, 20, 40) ? 0 : 1);
  }
}

// A chain of forks, each generation sharing pages already shared.
static void
chain(void)
{
  char *p = filled_heap(20, 40);
  int pid = fork();
  if (pid == 0)
    chain_level(p, 1);
  int st;
  wait(&st);
  expect(st == 0, "a generation of the chain failed (status %d)", st);
  expect(holds(p, 20, 40), "the chain changed the first parent's memory");
}

static void
parent_exits_first(void)
{
  int fds[2];
  pipe(fds);
  int pid = fork();
  if (pid == 0) {
    char *p = filled_heap(30, 7);
    if (fork() == 0) {
      pause(3);   // the parent is gone by now
      char ok = holds(p, 30, 7);
      p[0] = 'x';
      ok = ok && p[0] == 'x';
      write(fds[1], &ok, 1);
      exit(0);
    }
    exit(0);
  }
  wait(0);
  close(fds[1]);
  char ok = 0;
  expect(read(fds[0], &ok, 1) == 1 && ok == 1, "the orphan lost its memory");
}

static void
exec_in_child(void)
{
  char *p = filled_heap(100, 5);
  int pid = fork();
  if (pid == 0) {
    char *argv[] = { "echo", 0 };
    close(1);
    exec("/echo", argv);
    exit(1);
  }
  int st;
  wait(&st);
  expect(st == 0, "exec in the child failed");
  long before = freepages();
  for (int i = 0; i < 100; i++)
    p[i * PGSIZE] = 'e';
  expect(freepages() == before, "after the child's exec, writes copied pages");
}

static void
shrink_shared(void)
{
  char *p = filled_heap(64, 9);
  int pid = fork();
  if (pid == 0) {
    sbrk(-32 * PGSIZE);
    char *q = sbrk(32 * PGSIZE);   // regrown: fresh, zeroed pages
    for (int i = 0; i < 32 * PGSIZE; i += 512)
      if (q[i] != 0)
        exit(2);
    exit(holds(p, 32, 9) ? 0 : 3);
  }
  int st;
  wait(&st);
  expect(st == 0, "the child's shrink went wrong (status %d)", st);
  expect(holds(p, 64, 9), "the child's shrink changed the parent");
}

static void
lazy_at_fork(void)
{
  char *p = sbrklazy(100 * PGSIZE);
  p[0] = 1;
  int pid = fork();
  if (pid == 0) {
    long before = freepages();
    for (int i = 1; i < 100; i += 7)
      p[i * PGSIZE] = 2;
    long used = before - freepages();
    exit(used >= 15 && used <= 17 ? 0 : 1);
  }
  int st;
  wait(&st);
  expect(st == 0, "lazy pages in the child cost the wrong number of pages");
  for (int i = 1; i < 100; i += 7)
    expect(p[i * PGSIZE] == 0, "the child's lazy pages showed up in the parent");
}

// Reading untouched lazy pages maps the zero page: no memory used.
static void
zero_page(void)
{
  char *p = sbrklazy(100 * PGSIZE);
  long before = freepages();
  struct memstat s0 = stats();
  int sum = 0;
  for (int i = 0; i < 100; i++)
    sum += p[i * PGSIZE + 17];
  struct memstat s1 = stats();
  expect(sum == 0, "untouched lazy memory is not zero");
  expect(before - freepages() <= 1, "reading 100 lazy pages used %ld pages", before - freepages());
  expect(s1.zero_map - s0.zero_map == 100, "zero_map rose by %ld, want 100",
         (long)(s1.zero_map - s0.zero_map));
  p[50 * PGSIZE] = 'z';
  expect(p[50 * PGSIZE] == 'z' && p[51 * PGSIZE] == 0 && p[49 * PGSIZE + 1] == 0,
         "writing one zero-page mapping changed others");
  expect(before - freepages() <= 2, "one write used %ld pages", before - freepages());
  // The kernel reading lazy memory (write() from it) uses the zero page too.
  int fds[2];
  pipe(fds);
  char *q = sbrklazy(4 * PGSIZE);
  long b2 = freepages();
  expect(write(fds[1], q + PGSIZE - 500, 1000) == 1000, "write from lazy memory failed");
  expect(b2 - freepages() <= 1, "the kernel reading lazy memory used %ld pages", b2 - freepages());
  close(fds[0]);
  close(fds[1]);
}

// The kernel's writes into a shared page (read, pipe) break the sharing
// exactly as a user store does.
static void
kernel_writes(void)
{
  char *buf = sbrk(2 * PGSIZE);
  memset(buf, 'b', 2 * PGSIZE);
  int *fdp = (int *)(buf + PGSIZE);
  int pid = fork();
  if (pid == 0) {
    int fd = open("/README.md", O_RDONLY);
    read(fd, buf, 1000);
    close(fd);
    pipe(fdp);
    exit(buf[0] == 'b' ? 1 : 0);
  }
  int st;
  wait(&st);
  expect(st == 0, "the child's read() did not change its own buffer");
  for (int i = 0; i < 2 * PGSIZE; i++)
    expect(buf[i] == 'b', "the child's read()/pipe() changed the parent at %d", i);
}

int main(int argc, char *argv[]);

static void
store_text(void)
{
  *(volatile char *)(uint64)main = 0;
}

// Text is shared read-only, not copy-on-write: a store still kills. (This
// test runs in a forked child, so its text is shared already; the store
// comes from a further child.)
static void
text_stays_readonly(void)
{
  int st = child_status(store_text);
  expect(st == -1, "a store to shared text: status %d, want -1 (killed)", st);
}

// Running out of memory in a copy kills only the writer; the page it
// shared stays intact for the others.
static void
out_of_memory(void)
{
  // RAM itself runs out: with eviction on, the child would go on into
  // swap (user/swaptest.c tests that, with little RAM).
  int evict = vmconfig(VMCONF_EVICT, 0);
  long grab = freepages() * 6 / 10;
  char *p = sbrk(grab * PGSIZE);
  expect(p != (char *)-1, "could not grow by %ld pages", grab);
  for (long i = 0; i < grab; i++)
    p[i * PGSIZE] = (char)i;
  int pid = fork();
  expect(pid >= 0, "copy-on-write fork of %ld pages failed", grab);
  if (pid == 0) {
    for (long i = 0; i < grab; i++)
      p[i * PGSIZE] = 'k';   // runs out of memory part-way: killed
    exit(0);
  }
  int st;
  wait(&st);
  vmconfig(VMCONF_EVICT, evict);
  expect(st == -1, "the child that ran out of memory exited with %d", st);
  for (long i = 0; i < grab; i++)
    expect(p[i * PGSIZE] == (char)i, "page %ld changed after the child died", i);
  sbrk(-grab * PGSIZE);
}

static void
counters(void)
{
  char *p = filled_heap(10, 2);
  struct memstat s0 = stats();
  int pid = fork();
  if (pid == 0) {
    p[3 * PGSIZE] = 'c';   // one scattered write: one copy
    exit(0);
  }
  wait(0);
  struct memstat s1 = stats();
  expect(s1.cow_copy - s0.cow_copy == 1, "cow_copy rose by %ld, want 1",
         (long)(s1.cow_copy - s0.cow_copy));
}

static struct test tests[] = {
  { "cow:fork_shares", fork_shares },
  { "cow:isolation", isolation },
  { "cow:reuse_last_reference", reuse_last_reference },
  { "cow:chain", chain },
  { "cow:parent_exits_first", parent_exits_first },
  { "cow:exec_in_child", exec_in_child },
  { "cow:shrink_shared", shrink_shared },
  { "cow:lazy_at_fork", lazy_at_fork },
  { "cow:zero_page", zero_page },
  { "cow:kernel_writes", kernel_writes },
  { "cow:text_stays_readonly", text_stays_readonly },
  { "cow:out_of_memory", out_of_memory },
  { "cow:counters", counters },
};

int
main(int argc, char *argv[])
{
  run_tests(tests, sizeof(tests) / sizeof(tests[0]), argc, argv);
  test_exit();
}
