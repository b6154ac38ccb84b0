// replace.c: which frame each policy picks, on scripted sequences. The
// accessed bits are a script here: bits[] stands for the PTEs' A bits,
// and every look the policy takes is counted.
#include "unit.h"

#define NF 8

static struct {
  int bits[NF];      // accessed since the last look
  int looks[NF];     // referenced() calls per frame
  int total;         // all calls
} acc;

static int
scripted(void *arg, int frame)
{
  (void)arg;
  assert_in_range(frame, 0, NF - 1);
  acc.looks[frame]++;
  acc.total++;
  int b = acc.bits[frame];
  acc.bits[frame] = 0;
  return b;
}

static struct repl_frame frames[NF];
static struct replacer r;

// A replacer over NF frames with frames 0 .. n-1 added in order, no bit
// set and no look counted.
static void
start(int n)
{
  memset(&acc, 0, sizeof(acc));
  repl_init(&r, frames, NF, scripted, 0);
  for (int i = 0; i < n; i++)
    repl_add(&r, i);
}

// Mark the frames in list (ended by -1) accessed.
static void
touch(const int *list)
{
  for (; *list >= 0; list++)
    acc.bits[*list] = 1;
}

// The victims policy picks, one after another, must be want (ended by -1).
static void
expect_victims(int policy, const int *want)
{
  for (int i = 0; want[i] >= 0; i++) {
    int v = repl_victim(&r, policy);
    if (v != want[i])
      fail_msg("victim %d of policy %d is frame %d, expected %d", i, policy, v, want[i]);
    assert_false(repl_present(&r, v));
  }
}

// FIFO takes frames in order of arrival, whatever their use, and never
// looks at an accessed bit; a frame that comes back is the youngest.
static void
fifo_takes_the_oldest(void **state)
{
  (void)state;
  start(4);
  touch((int[]){ 0, 1, 2, 3, -1 });
  expect_victims(POLICY_FIFO, (int[]){ 0, 1, -1 });
  repl_add(&r, 0);
  expect_victims(POLICY_FIFO, (int[]){ 2, 3, 0, -1 });
  assert_int_equal(repl_victim(&r, POLICY_FIFO), -1);
  assert_int_equal(acc.total, 0);
}

// Clock passes over accessed frames, clearing their bits, and takes the
// first it finds not accessed; the hand then stands after it.
static void
clock_gives_a_second_chance(void **state)
{
  (void)state;
  start(4);
  touch((int[]){ 0, 2, -1 });
  expect_victims(POLICY_CLOCK, (int[]){ 1, -1 });
  assert_int_equal(acc.bits[0], 0);          // 0's chance is used up
  assert_int_equal(acc.looks[0], 1);
  assert_int_equal(acc.looks[1], 1);
  assert_int_equal(acc.looks[2], 0);         // the hand stopped at 1
  // From the hand: 2 (accessed: passed over), 3, then 0 and 2.
  expect_victims(POLICY_CLOCK, (int[]){ 3, 0, 2, -1 });
}

// With every frame accessed, the hand goes once round clearing the bits
// and takes the frame it started at: clock is then FIFO.
static void
clock_all_accessed_is_fifo(void **state)
{
  (void)state;
  start(4);
  touch((int[]){ 0, 1, 2, 3, -1 });
  expect_victims(POLICY_CLOCK, (int[]){ 0, -1 });
  assert_int_equal(acc.total, 5);
  expect_victims(POLICY_CLOCK, (int[]){ 1, 2, 3, -1 });
}

// A frame added joins just behind the hand: the youngest, the last the
// hand reaches.
static void
clock_new_frame_is_youngest(void **state)
{
  (void)state;
  start(3);
  touch((int[]){ 0, -1 });
  expect_victims(POLICY_CLOCK, (int[]){ 1, -1 });   // hand now at 2
  repl_add(&r, 5);
  expect_victims(POLICY_CLOCK, (int[]){ 2, 0, 5, -1 });
}

// Aging: a frame used in a later step outranks one used only earlier,
// one used in more steps outranks one used in fewer, and one never used
// goes first. Choosing reads no bit: only the steps do.
static void
aging_approximates_lru(void **state)
{
  (void)state;
  start(4);                            // ages 0x80 0x80 0x80 0x80
  touch((int[]){ 0, 1, -1 });
  repl_age(&r);                        // ages 0xc0 0xc0 0x40 0x40
  touch((int[]){ 1, 2, -1 });
  repl_age(&r);                        // ages 0x60 0xe0 0xa0 0x20
  assert_int_equal(acc.total, 8);
  touch((int[]){ 3, -1 });             // not seen before the next step
  expect_victims(POLICY_AGING, (int[]){ 3, -1 });
  assert_int_equal(frames[1].age, 0xe0);
  expect_victims(POLICY_AGING, (int[]){ 0, 2, 1, -1 });
  assert_int_equal(acc.total, 8);
}

// Where clock and aging disagree: frame 1 was used a while ago, frame 0
// more recently, neither since the last look. Clock knows only the bits
// set since its hand last passed (none) and takes the oldest arrival, 0,
// the frame used last; aging keeps eight looks of history and takes 1,
// the least recently used.
static void
aging_remembers_what_clock_forgets(void **state)
{
  (void)state;
  start(2);
  touch((int[]){ 1, -1 });
  repl_age(&r);                        // 1 used in step 1: 0x40 0xc0
  touch((int[]){ 0, -1 });
  repl_age(&r);                        // 0 used in step 2: 0xa0 0x60
  // No bit is set now: clock would take the oldest arrival, 0, the frame
  // used last; aging takes 1.
  expect_victims(POLICY_AGING, (int[]){ 1, -1 });
  start(2);
  touch((int[]){ 1, -1 });
  repl_age(&r);
  touch((int[]){ 0, -1 });
  repl_age(&r);
  expect_victims(POLICY_CLOCK, (int[]){ 0, -1 });
}

// Equal ages go in order of arrival. A frame that joins counts as used
// in the current interval (age 0x80), whatever its frame had before: it
// ranks below frames every step has seen used, above frames never used.
static void
aging_ties_go_to_the_oldest(void **state)
{
  (void)state;
  start(4);
  touch((int[]){ 0, 1, 2, 3, -1 });
  repl_age(&r);                        // all 0xc0
  expect_victims(POLICY_AGING, (int[]){ 0, -1 });
  repl_add(&r, 0);
  assert_int_equal(frames[0].age, 0x80);
  expect_victims(POLICY_AGING, (int[]){ 0, 1, -1 });
  repl_age(&r);                        // 2 and 3 0x60, unused since
  repl_add(&r, 5);
  expect_victims(POLICY_AGING, (int[]){ 2, 3, 5, -1 });
}

// Random never looks at a bit, picks only present frames, the same seed
// gives the same sequence and another seed another, and every frame is
// picked about as often as the others.
static void
random_is_uniform_and_reproducible(void **state)
{
  (void)state;
  int first[16], again[16], other[16];
  int *runs[] = { first, again, other };
  uint32 seeds[] = { 42, 42, 7 };
  for (int k = 0; k < 3; k++) {
    start(NF);
    repl_seed(&r, seeds[k]);
    for (int i = 0; i < 16; i++) {
      runs[k][i] = repl_victim(&r, POLICY_RANDOM);
      assert_in_range(runs[k][i], 0, NF - 1);
      repl_add(&r, runs[k][i]);
    }
  }
  assert_memory_equal(first, again, sizeof(first));
  assert_memory_not_equal(first, other, sizeof(first));

  start(4);
  touch((int[]){ 0, 1, 2, 3, -1 });
  int count[4] = { 0 };
  for (int i = 0; i < 4000; i++) {
    int v = repl_victim(&r, POLICY_RANDOM);
    assert_in_range(v, 0, 3);
    count[v]++;
    repl_add(&r, v);
  }
  for (int f = 0; f < 4; f++)
    assert_in_range(count[f], 850, 1150);
  assert_int_equal(acc.total, 0);
}

// Frames leave without being chosen (their page was freed): from the
// middle, at the hand, the last one; the policies never pick them.
static void
remove_takes_frames_out(void **state)
{
  (void)state;
  start(5);
  repl_remove(&r, 2);
  repl_remove(&r, 0);                  // the hand moves on to 1
  assert_false(repl_present(&r, 0));
  assert_true(repl_present(&r, 1));
  expect_victims(POLICY_FIFO, (int[]){ 1, -1 });
  repl_remove(&r, 4);
  repl_remove(&r, 3);
  assert_int_equal(repl_victim(&r, POLICY_CLOCK), -1);
  assert_int_equal(repl_victim(&r, POLICY_AGING), -1);
  assert_int_equal(repl_victim(&r, POLICY_RANDOM), -1);
  repl_add(&r, 2);
  expect_victims(POLICY_RANDOM, (int[]){ 2, -1 });
}

// The policy may change between two choices: all four share the one list.
static void
switching_policies_midway(void **state)
{
  (void)state;
  start(5);
  touch((int[]){ 0, 1, -1 });
  expect_victims(POLICY_FIFO, (int[]){ 0, -1 });     // bit of 1 still set
  expect_victims(POLICY_CLOCK, (int[]){ 2, -1 });    // 1 passed over
  touch((int[]){ 3, -1 });
  repl_age(&r);                                      // 3 0xc0, 4 and 1 0x40
  expect_victims(POLICY_AGING, (int[]){ 4, 1, 3, -1 });
}

// Misuse is a kernel bug: adding a frame twice, removing an absent one,
// a frame out of range, an unknown policy.
static void
replace_misuse_panics(void **state)
{
  (void)state;
  start(2);
  expect_panic(repl_add(&r, 1), "already present");
  expect_panic(repl_remove(&r, 3), "not present");
  expect_panic(repl_add(&r, NF), "no such frame");
  expect_panic(repl_present(&r, -1), "no such frame");
  expect_panic(repl_victim(&r, NPOLICY), "unknown policy");
}

int
run_replace_tests(int *ntests)
{
  const struct CMUnitTest tests[] = {
    UNIT_TEST(fifo_takes_the_oldest),
    UNIT_TEST(clock_gives_a_second_chance),
    UNIT_TEST(clock_all_accessed_is_fifo),
    UNIT_TEST(clock_new_frame_is_youngest),
    UNIT_TEST(aging_approximates_lru),
    UNIT_TEST(aging_remembers_what_clock_forgets),
    UNIT_TEST(aging_ties_go_to_the_oldest),
    UNIT_TEST(random_is_uniform_and_reproducible),
    UNIT_TEST(remove_takes_frames_out),
    UNIT_TEST(switching_policies_midway),
    UNIT_TEST(replace_misuse_panics),
  };
  *ntests = sizeof(tests) / sizeof(tests[0]);
  return cmocka_run_group_tests_name("replace", tests, NULL, NULL);
}
