/*
 * harness.h - a tiny table-driven unit test harness.
 *
 *   static void t_something(void) { CHECK(1 + 1 == 2); CHECK_STR(a, "b"); }
 *   int main(void) { static const struct pb_test T[] = {
 *       {"something", t_something}, {0}}; return pb_test_run(T); }
 *
 * Each test counts as passed when none of its checks fail. The binary ends
 * with a line "N passed, N failed" and exits non-zero when any failed; a
 * test that calls PB_TEST_SKIP() (what it needs is missing, e.g. the
 * PostgreSQL of tests/pgtest.h) counts as skipped, and the line then ends
 * ", K skipped".
 */
#ifndef PB_TESTS_HARNESS_H
#define PB_TESTS_HARNESS_H

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pb_test {
    const char *name;
    void (*fn)(void);
};

static int pb_test_failures_;
static int pb_test_skipped_;

/* Mark the running test skipped (say why on stderr) and return from it. */
#define PB_TEST_SKIP(why)                                                    \
    do {                                                                     \
        fprintf(stderr, "  skipped: %s\n", why);                             \
        pb_test_skipped_ = 1;                                                \
        return;                                                              \
    } while (0)

#define CHECK(cond)                                                          \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf(stderr, "  %s:%d: CHECK(%s) failed\n", __FILE__,         \
                    __LINE__, #cond);                                        \
            pb_test_failures_++;                                             \
        }                                                                    \
    } while (0)

#define CHECK_EQ(a, b)                                                       \
    do {                                                                     \
        long long a_ = (long long)(a), b_ = (long long)(b);                  \
        if (a_ != b_) {                                                      \
            fprintf(stderr, "  %s:%d: %s == %s failed: %lld != %lld\n",      \
                    __FILE__, __LINE__, #a, #b, a_, b_);                     \
            pb_test_failures_++;                                             \
        }                                                                    \
    } while (0)

#define CHECK_STR(a, b)                                                      \
    do {                                                                     \
        const char *a_ = (a), *b_ = (b);                                     \
        if (!a_ || !b_ || strcmp(a_, b_) != 0) {                             \
            fprintf(stderr, "  %s:%d: %s == %s failed: \"%s\" != \"%s\"\n",  \
                    __FILE__, __LINE__, #a, #b, a_ ? a_ : "(null)",          \
                    b_ ? b_ : "(null)");                                     \
            pb_test_failures_++;                                             \
        }                                                                    \
    } while (0)

#define CHECK_NEAR(a, b, eps)                                                \
    do {                                                                     \
        double a_ = (a), b_ = (b);                                           \
        if (!(fabs(a_ - b_) <= (eps))) {                                     \
            fprintf(stderr, "  %s:%d: %s ~= %s failed: %.9g != %.9g\n",      \
                    __FILE__, __LINE__, #a, #b, a_, b_);                     \
            pb_test_failures_++;                                             \
        }                                                                    \
    } while (0)

static inline int pb_test_run(const struct pb_test *tests)
{
    int passed = 0, failed = 0, skipped = 0;
    for (const struct pb_test *t = tests; t->name; t++) {
        int before = pb_test_failures_;
        pb_test_skipped_ = 0;
        t->fn();
        if (pb_test_skipped_ && pb_test_failures_ == before) {
            skipped++;
            printf("skip %s\n", t->name);
        } else if (pb_test_failures_ == before) {
            passed++;
            printf("ok   %s\n", t->name);
        } else {
            failed++;
            printf("FAIL %s\n", t->name);
        }
    }
    if (skipped)
        printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
    else
        printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}

#endif
