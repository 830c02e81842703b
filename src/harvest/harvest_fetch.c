/* harvest_fetch.c - responses and the User-Agent (no libcurl here). */
#include "harvest/harvest_fetch.h"

#include <stdio.h>
#include <string.h>

void pb_http_response_init(struct pb_http_response *r, size_t max_body)
{
    memset(r, 0, sizeof *r);
    r->retry_after_s = -1;
    pb_buf_init(&r->body, max_body);
}

void pb_http_response_reset(struct pb_http_response *r)
{
    r->status = 0;
    r->retry_after_s = -1;
    r->unreachable = 0;
    r->content_type[0] = '\0';
    pb_buf_reset(&r->body);
}

void pb_http_response_clear(struct pb_http_response *r)
{
    pb_buf_clear(&r->body);
    r->status = 0;
}

int pb_fetch_user_agent(const char *version, const char *contact, char *out,
                        size_t cap)
{
    size_t n = contact ? strlen(contact) : 0;
    if (n > 200)
        return PB_EINVAL;
    for (size_t i = 0; i < n; i++)
        /* printable ASCII only: no CR/LF smuggled into the header, and no
         * parenthesis closing the comment early */
        if (contact[i] < 0x20 || contact[i] > 0x7e || contact[i] == '(' ||
            contact[i] == ')')
            return PB_EINVAL;
    int w;
    if (n)
        w = snprintf(out, cap,
                     "paperboy/%s (self-hosted research-paper feed; "
                     "mailto:%s)",
                     version, contact);
    else
        w = snprintf(out, cap,
                     "paperboy/%s (self-hosted research-paper feed; "
                     "no contact configured)",
                     version);
    return w < 0 || (size_t)w >= cap ? PB_ETOOBIG : PB_OK;
}
