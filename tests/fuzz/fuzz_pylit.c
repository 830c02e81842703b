/* fuzz_pylit.c - the Python literal reader on any bytes: it never crashes,
 * and what it accepts is JSON that jansson parses, with nothing left of a
 * failed read in the output buffer. */
#include <assert.h>
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/utf8.h"
#include "ingest/pylit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pb_buf b;
    pb_buf_init(&b, 1 << 20);
    char why[160];
    int rc = pb_pylit_to_json((const char *)data, size, &b, why, sizeof why);
    if (rc == PB_OK) {
        assert(pb_utf8_check(b.p ? b.p : "", b.len) == b.len);
        json_error_t je;
        json_t *j = json_loadb(b.p ? b.p : "", b.len,
                               JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
        assert(j);
        json_decref(j);
    } else {
        assert(rc == PB_EPARSE || rc == PB_ETOOBIG);
        assert(b.len == 0);
        assert(memchr(why, '\0', sizeof why));
    }
    pb_buf_clear(&b);
    return 0;
}
