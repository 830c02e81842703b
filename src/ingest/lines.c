/* lines.c - the loop shared by the line-based importers. */
#include <stdio.h>

#include "ingest/ingest_int.h"

int pb_ingest_each_line(struct pb_reader *r, const char *name,
                        const struct pb_sink *s, pb_line_parser parse,
                        struct pb_err *err)
{
    struct pb_paper p;
    pb_paper_init(&p);
    char why[256];
    int rc;
    for (;;) {
        const char *line;
        size_t len;
        uint64_t off = pb_reader_offset(r);
        rc = pb_reader_line(r, &line, &len, err);
        struct pb_srcpos pos = {name, pb_reader_lineno(r), off, 0};
        if (rc == PB_EEOF) {
            rc = PB_OK;
            break;
        }
        if (rc == PB_ETOOBIG) {
            snprintf(why, sizeof why,
                     "line is %zu bytes, over the %zu-byte limit", len,
                     pb_reader_line_max(r));
            s->reject(s->ctx, &pos, why);
            continue;
        }
        if (rc) {
            pos.line = pb_reader_lineno(r) + 1;
            s->reject(s->ctx, &pos, err ? err->msg : pb_strerror(rc));
            break;
        }
        size_t k = 0;
        while (k < len && (line[k] == ' ' || line[k] == '\t'))
            k++;
        if (k == len)
            continue; /* blank line */
        if (parse(line, len, &p, why, sizeof why) != PB_OK) {
            s->reject(s->ctx, &pos, why);
            pb_paper_clear(&p);
            continue;
        }
        if ((rc = s->paper(s->ctx, &p, &pos)))
            break;
        pb_paper_clear(&p);
    }
    pb_paper_clear(&p);
    return rc;
}
