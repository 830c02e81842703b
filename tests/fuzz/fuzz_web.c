/* fuzz_web.c - the web module's parsers and escapers of outside bytes:
 * periods (days, ISO weeks, months) from URLs, and HTML/XML/URL/Markdown
 * escaping of any bytes. Escaped HTML must hold no raw '<', '>' or '"'. */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/utf8.h"
#include "core/escape.h"
#include "core/period.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    struct pb_period p;
    for (int k = PB_PERIOD_DAY; k <= PB_PERIOD_MONTH; k++)
        if (!pb_web_period_parse((enum pb_period_kind)k, s, size, &p)) {
            assert(strlen(p.from) == 10 && strlen(p.to) == 10);
            assert(strcmp(p.from, p.to) <= 0);
        }
    /* a redirect target: a path of ours, nothing a browser could read as
     * another host */
    char *z = memchr(s, 0, size) ? NULL : strndup(s, size);
    if (z && pb_web_local_path_ok(z)) {
        assert(z[0] == '/' && z[1] != '/');
        for (size_t i = 0; i < size; i++)
            assert((unsigned char)z[i] >= 0x20 && z[i] != 0x7F &&
                   z[i] != '\\');
    }
    free(z);
    struct pb_buf b;
    pb_buf_init(&b, 1 << 20);
    if (!pb_web_html(&b, s, size)) {
        assert(!memchr(b.p ? b.p : "", '<', b.len));
        assert(!memchr(b.p ? b.p : "", '"', b.len));
        assert(pb_utf8_check(b.p ? b.p : "", b.len) == b.len);
    }
    pb_buf_reset(&b);
    if (!pb_web_xml(&b, s, size))
        assert(!memchr(b.p ? b.p : "", '<', b.len));
    pb_buf_reset(&b);
    if (!pb_web_md(&b, s, size))
        assert(!memchr(b.p ? b.p : "", '<', b.len));
    pb_buf_reset(&b);
    if (!pb_web_url(&b, s, size))
        for (size_t i = 0; i < b.len; i++)
            assert(b.p[i] > ' ' && b.p[i] != '"' && b.p[i] != '<');
    pb_buf_clear(&b);
    return 0;
}
