/* fuzz_json_write.c - the JSON writer on any bytes, against jansson: the
 * output is always valid UTF-8 that jansson parses back to a string; for
 * valid UTF-8 input it is exactly json_dumps()'s text and decodes to the
 * input itself. */
#include <assert.h>
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/json_write.h"
#include "core/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    struct pb_buf b;
    struct pb_jw w;
    pb_buf_init(&b, 1 << 22);
    pb_jw_init(&w, &b);
    pb_jw_arr_open(&w);
    pb_jw_strn(&w, s, size);
    pb_jw_arr_close(&w);
    assert(pb_jw_end(&w) == PB_OK);
    const char *out = pb_buf_cstr(&b);
    assert(pb_utf8_check(out, b.len) == b.len);
    json_error_t err;
    json_t *back = json_loadb(out, b.len, JSON_ALLOW_NUL, &err);
    assert(back && json_is_array(back) && json_array_size(back) == 1);
    json_t *str = json_array_get(back, 0);
    assert(json_is_string(str));
    json_t *ref = json_stringn(s, size);
    if (ref) { /* jansson took it: the same text, and the same bytes back */
        char *want = json_dumps(ref, JSON_COMPACT | JSON_ENCODE_ANY);
        assert(want && b.len == strlen(want) + 2 &&
               !memcmp(out + 1, want, b.len - 2));
        assert(json_string_length(str) == size &&
               !memcmp(json_string_value(str), s, size));
        free(want);
        json_decref(ref);
    } else { /* only invalid UTF-8 (a NUL is fine for both) */
        assert(pb_utf8_check(s, size) != size);
    }
    json_decref(back);
    pb_buf_clear(&b);
    return 0;
}
