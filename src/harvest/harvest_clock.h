/*
 * harvest_clock.h - the clock seam: time and sleep as a table of functions,
 * so that tests can fake them (measure the waits a scheduler asks for
 * without waiting) or run them for real.
 */
#ifndef PB_HARVEST_CLOCK_H
#define PB_HARVEST_CLOCK_H

#include <stdint.h>

struct pb_clock {
    /* Monotonic milliseconds (any origin); never goes back. */
    int64_t (*now_ms)(void *ctx);
    /* Sleep about ms milliseconds; may return early when a signal arrives
     * (the caller looks at the time again and at its stop flag). */
    void (*sleep_ms)(void *ctx, int64_t ms);
    /* Wall-clock Unix seconds (UTC), for "today". */
    int64_t (*unix_s)(void *ctx);
    void *ctx; /* borrowed; passed to each function */
};

/* The real clock (CLOCK_MONOTONIC, nanosleep, time()). Static storage,
 * never freed; safe from any thread. */
const struct pb_clock *pb_clock_system(void);

#endif
