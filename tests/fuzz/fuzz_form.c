/* fuzz_form.c - the community's parsers of outside bytes: form bodies
 * (application/x-www-form-urlencoded), session tokens from cookies, and
 * comment Markdown through cmark, which must never let raw HTML or a
 * javascript: link through. */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "community/community.h"
#include "core/mem.h"
#include "core/utf8.h"
#include "web/web_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 16)
        return 0;
    /* the parser writes up to p[len]: give it len + 1 bytes as the
     * server's buffer does */
    char *p = pb_malloc(size + 1);
    memcpy(p, data, size);
    p[size] = '\0';
    struct pb_web_arg args[PB_WEB_MAX_ARGS];
    size_t n = 0;
    int rc = pb_web_form_parse(p, size, args, PB_WEB_MAX_ARGS, &n);
    assert(rc == PB_OK || rc == PB_ETOOBIG || rc == PB_EPARSE);
    if (!rc)
        for (size_t i = 0; i < n; i++) {
            size_t kl = strlen(args[i].key), vl = strlen(args[i].value);
            assert(pb_utf8_check(args[i].key, kl) == kl);
            assert(pb_utf8_check(args[i].value, vl) == vl);
            assert(args[i].key >= p && args[i].value + vl <= p + size);
        }
    free(p);

    char *s = pb_strndup((const char *)data, size);
    unsigned char h[32];
    if (!pb_cm_token_hash(s, h))
        assert(strlen(s) == PB_CM_TOKEN_LEN);

    struct pb_buf b;
    pb_buf_init(&b, 1 << 22);
    if (!pb_cm_markdown(&b, s, strlen(s))) {
        const char *out = pb_buf_cstr(&b);
        assert(!strstr(out, "<script"));
        assert(!strstr(out, "href=\"javascript:"));
        assert(!strstr(out, "src=\"javascript:"));
        assert(pb_utf8_check(out, b.len) == b.len);
    }
    pb_buf_reset(&b);
    if (!pb_cm_bibtex_escape(&b, s))
        for (size_t i = 0; i < b.len; i++)
            assert(!strchr("{}$&%#_^~", b.p[i]) ||
                   (i && (b.p[i - 1] == '\\' ||
                          (b.p[i] == '{' && b.p[i - 1] == '^') ||
                          (b.p[i] == '{' && b.p[i - 1] == '~') ||
                          (b.p[i] == '{' && b.p[i - 1] == 'h') ||
                          (b.p[i] == '}' && b.p[i - 1] == '{'))));
    pb_buf_clear(&b);
    free(s);
    return 0;
}
