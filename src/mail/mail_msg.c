/* mail_msg.c - a digest or confirmation as an RFC 5322 / MIME message
 * (mail.h): headers, then multipart/alternative text and HTML. */
#include <sodium.h>
#include <string.h>

#include "mail/mail.h"
#include "mail/mail_text.h"

#define TRY(x)                                                               \
    do {                                                                     \
        if ((rc = (x)))                                                      \
            goto out;                                                        \
    } while (0)

/* A Message-ID or URL from our own code still must not end a header. */
static int safe_line(const char *s)
{
    for (; s && *s; s++)
        if ((unsigned char)*s < 0x21 || (unsigned char)*s > 0x7e)
            return 0;
    return 1;
}

static int part(struct pb_buf *b, const char *boundary, const char *type,
                const char *body)
{
    int rc = PB_OK;
    TRY(pb_buf_printf(b, "--%s\r\nContent-Type: %s; charset=utf-8\r\n"
                         "Content-Transfer-Encoding: quoted-printable\r\n\r\n",
                      boundary, type));
    TRY(pb_mail_qp(b, body, strlen(body)));
out:
    return rc;
}

int pb_mail_msg_render(const struct pb_mail_msg *m, struct pb_buf *b)
{
    int rc = PB_OK;
    char date[40], boundary[48];
    unsigned char rnd[12];
    if (!pb_mail_addr_ok(m->from) || !pb_mail_addr_ok(m->to) ||
        !safe_line(m->message_id) || !safe_line(m->unsub_url))
        return PB_EINVAL;
    pb_mail_date(m->date, date);
    randombytes_buf(rnd, sizeof rnd);
    memcpy(boundary, "=_pb_", 5);
    sodium_bin2hex(boundary + 5, sizeof boundary - 5, rnd, sizeof rnd);
    TRY(pb_buf_puts(b, "From: "));
    TRY(pb_mail_header_phrase(b, 6, m->from_name ? m->from_name
                                                 : "paperboy"));
    TRY(pb_buf_printf(b, " <%s>\r\nTo: <%s>\r\nSubject: ", m->from, m->to));
    TRY(pb_mail_header_text(b, 9, m->subject));
    TRY(pb_buf_printf(b, "\r\nDate: %s\r\nMessage-ID: <%s>\r\n"
                         "MIME-Version: 1.0\r\n",
                      date, m->message_id));
    if (m->unsub_url)
        TRY(pb_buf_printf(b, "List-Unsubscribe:\r\n <%s>\r\n"
                             "List-Unsubscribe-Post: "
                             "List-Unsubscribe=One-Click\r\n",
                          m->unsub_url));
    TRY(pb_buf_puts(b, "Auto-Submitted: auto-generated\r\n"));
    if (!m->html) {
        TRY(pb_buf_puts(b, "Content-Type: text/plain; charset=utf-8\r\n"
                           "Content-Transfer-Encoding: quoted-printable\r\n"
                           "\r\n"));
        TRY(pb_mail_qp(b, m->text, strlen(m->text)));
        goto out;
    }
    TRY(pb_buf_printf(b, "Content-Type: multipart/alternative;\r\n"
                         " boundary=\"%s\"\r\n\r\n"
                         "This is a MIME message: a plain text and an HTML "
                         "version.\r\n\r\n",
                      boundary));
    TRY(part(b, boundary, "text/plain", m->text));
    TRY(pb_buf_puts(b, "\r\n"));
    TRY(part(b, boundary, "text/html", m->html));
    TRY(pb_buf_printf(b, "\r\n--%s--\r\n", boundary));
out:
    return rc;
}
