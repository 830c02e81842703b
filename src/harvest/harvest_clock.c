/* harvest_clock.c - the system clock behind struct pb_clock. */
#include "harvest/harvest_clock.h"

#include <time.h>

static int64_t sys_now_ms(void *ctx)
{
    (void)ctx;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sys_sleep_ms(void *ctx, int64_t ms)
{
    (void)ctx;
    if (ms <= 0)
        return;
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    /* one nanosleep: EINTR returns early on purpose, so that a stop
     * request is seen without waiting out a long Retry-After */
    nanosleep(&ts, NULL);
}

static int64_t sys_unix_s(void *ctx)
{
    (void)ctx;
    return (int64_t)time(NULL);
}

const struct pb_clock *pb_clock_system(void)
{
    static const struct pb_clock c = {sys_now_ms, sys_sleep_ms, sys_unix_s,
                                      NULL};
    return &c;
}
