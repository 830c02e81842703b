/* page_account.c - sign up, log in, log out, and what a member follows.
 *
 * Log-in and sign-up forms are bound to a pre-session cookie (pb_pre) so
 * that they too carry a CSRF token. A log-in always makes a new session
 * (and ends the one the browser had), so a session id planted before the
 * log-in is worth nothing after it. Failed log-ins count against the
 * address and the account; past either limit no password is checked at
 * all until the window passes. */
#include <stdio.h>
#include <string.h>

#include "community/community.h"
#include "core/escape.h"
#include "web/html.h"
#include "web/web_int.h"

#define TRY(x)                                                               \
    do {                                                                     \
        if ((rc = (x)))                                                      \
            goto out;                                                        \
    } while (0)

/* A pre-session cookie (and so a CSRF token) for a visitor's form. */
static void ensure_pre(struct pb_web_req *rq, struct pb_web_resp *rs)
{
    rs->private_ = 1;
    if (rq->csrf[0])
        return;
    char tok[PB_CM_TOKEN_LEN + 1];
    unsigned char h[32];
    pb_cm_token_new(tok, h);
    pb_web_cookie(rq, rs, "pb_pre", tok, 3600);
    pb_cm_csrf(tok, rq->csrf);
}

/* next=... when it is a local path, else "/". */
static const char *next_path(const struct pb_web_req *rq)
{
    const char *n = rq->post ? pb_web_form(rq, "next") : pb_web_arg(rq, "next");
    if (!pb_web_local_path_ok(n))
        return "/";
    return n;
}

static int field(struct pb_buf *b, const char *id, const char *label,
                 const char *type, const char *value, const char *extra)
{
    int rc = PB_OK;
    TRY(pb_buf_printf(b, "<p><label for=\"%s\">%s</label><br><input id=\"%s\" "
                         "name=\"%s\" type=\"%s\" %s value=\"",
                      id, label, id, id, type, extra));
    TRY(pb_web_html_s(b, value));
    TRY(pb_buf_puts(b, "\"></p>"));
out:
    return rc;
}

static int account_form(struct pb_web_req *rq, struct pb_web_resp *rs,
                        int signup, const char *error, const char *name,
                        const char *email)
{
    int rc = PB_OK;
    struct pb_buf *b = &rs->body;
    ensure_pre(rq, rs);
    TRY(pb_web_page_start(rq, rs, signup ? "Sign up" : "Log in"));
    if (error) {
        TRY(pb_buf_puts(b, "<p class=\"error\" role=\"alert\">"));
        TRY(pb_web_html_s(b, error));
        TRY(pb_buf_puts(b, "</p>"));
    }
    TRY(pb_buf_printf(b, "<form method=\"post\" action=\"/%s\">",
                      signup ? "signup" : "login"));
    TRY(pb_web_csrf_input(b, rq));
    TRY(pb_buf_puts(b, "<input type=\"hidden\" name=\"next\" value=\""));
    TRY(pb_web_html_s(b, next_path(rq)));
    TRY(pb_buf_puts(b, "\">"));
    TRY(field(b, "name", "Name", "text", name,
              "required maxlength=\"40\" autocomplete=\"username\""));
    if (signup)
        TRY(field(b, "email", "E-mail", "email", email,
                  "required maxlength=\"254\" autocomplete=\"email\""));
    TRY(field(b, "password", "Password", "password", "",
              signup ? "required minlength=\"8\" maxlength=\"256\" "
                       "autocomplete=\"new-password\""
                     : "required autocomplete=\"current-password\""));
    TRY(pb_buf_printf(b, "<p><button type=\"submit\">%s</button></p></form>",
                      signup ? "Sign up" : "Log in"));
    TRY(pb_buf_puts(b, signup ? "<p>Have an account? <a href=\"/login\">Log "
                                "in</a>.</p>"
                              : "<p>New here? <a href=\"/signup\">Sign "
                                "up</a>.</p>"));
    TRY(pb_web_page_end(rs));
out:
    return rc;
}

/* Start a session for member id: new token, cookie, old session ended. */
static int start_session(struct pb_web_req *rq, struct pb_web_resp *rs,
                         struct pb_cmdb *db, int64_t member)
{
    unsigned char h[32];
    char tok[PB_CM_TOKEN_LEN + 1];
    int64_t now = pb_web_now(rq);
    int days = rq->site->cm->session_days;
    if (rq->cookie_session && !pb_cm_token_hash(rq->cookie_session, h) &&
        pb_cmdb_session_del(db, h))
        return PB_EDB;
    pb_cm_token_new(tok, h);
    int rc = pb_cmdb_session_add(db, h, member, now, now + days * 86400LL);
    if (rc)
        return rc;
    pb_web_cookie(rq, rs, "pb_session", tok, days * 86400);
    pb_web_cookie(rq, rs, "pb_pre", NULL, 0);
    return pb_web_redirect(rs, next_path(rq));
}

static void key_of(char *out, size_t cap, const char *what, const char *v)
{
    /* names compare case-insensitively in the store: so do the limits */
    size_t n = (size_t)snprintf(out, cap, "%s:", what);
    for (; *v && n + 1 < cap; v++)
        out[n++] = (*v >= 'A' && *v <= 'Z') ? (char)(*v + 32) : *v;
    out[n < cap ? n : cap - 1] = '\0';
}

int pb_web_path_hashes(const char *path)
{
    return !strcmp(path, "/login") || !strcmp(path, "/signup");
}

int pb_web_page_login(struct pb_web_req *rq, const char *rest,
                      struct pb_web_resp *rs)
{
    (void)rest;
    const struct pb_cm_config *cfg = rq->site->cm;
    if (!rq->post)
        return rq->me.id ? pb_web_redirect(rs, "/")
                         : account_form(rq, rs, 0, NULL, "", "");
    const char *name = pb_web_form(rq, "name"),
               *pw = pb_web_form(rq, "password");
    struct pb_cmdb *db = pb_web_cmdb(rq);
    if (!db)
        return PB_EDB;
    if (!name || !pw)
        return account_form(rq, rs, 0, "Give your name and password.", "",
                            "");
    int64_t now = pb_web_now(rq);
    char ka[128], kn[128], addr[PB_CM_RL_ADDR_MAX];
    pb_cm_rl_addr(rq->ip, addr);
    key_of(ka, sizeof ka, "login-addr", addr);
    key_of(kn, sizeof kn, "login-name", name);
    if (!pb_cm_rl_check(ka, now, cfg->login_fail_addr, cfg->login_window_s) ||
        !pb_cm_rl_check(kn, now, cfg->login_fail_account,
                        cfg->login_window_s)) {
        int rc = account_form(rq, rs, 0,
                              "Too many failed attempts: wait a few minutes "
                              "and try again.",
                              name, "");
        rs->status = 429;
        return rc;
    }
    struct pb_member m;
    char hash[PB_CM_PWHASH_MAX + 1];
    int rc = pb_cm_name_ok(name) ? pb_cmdb_member_get(db, name, &m, hash)
                                 : PB_ENOTFOUND;
    if (rc && rc != PB_ENOTFOUND)
        return rc;
    /* an unknown name costs a dummy check: same time, same answer */
    int good = pb_cm_password_verify(rc ? NULL : hash, pw) && !m.disabled;
    if (!good) {
        pb_cm_rl_add(ka, now, cfg->login_window_s);
        pb_cm_rl_add(kn, now, cfg->login_window_s);
        rc = account_form(rq, rs, 0, "That name and password do not match "
                                     "an active account.",
                          name, "");
        rs->status = 401;
        return rc;
    }
    pb_cm_rl_forget(kn);
    return start_session(rq, rs, db, m.id);
}

int pb_web_page_signup(struct pb_web_req *rq, const char *rest,
                       struct pb_web_resp *rs)
{
    (void)rest;
    const struct pb_cm_config *cfg = rq->site->cm;
    if (!rq->post)
        return rq->me.id ? pb_web_redirect(rs, "/")
                         : account_form(rq, rs, 1, NULL, "", "");
    const char *name = pb_web_form(rq, "name"),
               *email = pb_web_form(rq, "email"),
               *pw = pb_web_form(rq, "password");
    struct pb_cmdb *db = pb_web_cmdb(rq);
    if (!db)
        return PB_EDB;
    int64_t now = pb_web_now(rq);
    char ka[128], addr[PB_CM_RL_ADDR_MAX];
    pb_cm_rl_addr(rq->ip, addr);
    key_of(ka, sizeof ka, "signup-addr", addr);
    const char *why = NULL;
    int status = 400;
    if (!pb_cm_rl_check(ka, now, cfg->signup_addr, cfg->signup_window_s))
        why = "Too many sign-ups from your address: try again later.",
        status = 429;
    else if (!pb_cm_name_ok(name))
        why = "A name is 2 to 40 characters, without line breaks or spaces "
              "at either end.";
    else if (!pb_cm_email_ok(email))
        why = "Give an e-mail address like ada@example.org.";
    else if (!pb_cm_password_ok(pw))
        why = "A password is 8 to 256 characters.";
    if (why) {
        int rc = account_form(rq, rs, 1, why, name ? name : "",
                              email ? email : "");
        rs->status = status;
        return rc;
    }
    pb_cm_rl_add(ka, now, cfg->signup_window_s);
    char hash[128];
    int64_t id = 0;
    int rc = pb_cm_password_hash(pw, hash);
    if (!rc)
        rc = pb_cmdb_member_add(db, name, email, hash, PB_ROLE_USER, now, &id);
    if (rc == PB_EEXIST) {
        rc = account_form(rq, rs, 1, "That name cannot be used: choose "
                                     "another.",
                          name, email);
        rs->status = 409;
        return rc;
    }
    if (rc)
        return rc;
    return start_session(rq, rs, db, id);
}

int pb_web_page_logout(struct pb_web_req *rq, const char *rest,
                       struct pb_web_resp *rs)
{
    (void)rest;
    unsigned char h[32];
    struct pb_cmdb *db = pb_web_cmdb(rq);
    if (!rq->post)
        return pb_web_fail(rs, 405, "log out with the button at the top of "
                                    "the page");
    if (db && rq->cookie_session && !pb_cm_token_hash(rq->cookie_session, h) &&
        pb_cmdb_session_del(db, h))
        return PB_EDB;
    pb_web_cookie(rq, rs, "pb_session", NULL, 0);
    return pb_web_redirect(rs, "/");
}

/* --- following ----------------------------------------------------------- */

struct fctx {
    struct pb_web_req *rq;
    struct pb_buf *b;
    int n;
};

static int follow_row(void *ctx, int kind, const char *target)
{
    struct fctx *f = ctx;
    struct pb_buf *b = f->b;
    int rc = PB_OK;
    f->n++;
    TRY(pb_buf_puts(b, "<li>"));
    if (kind == 0) {
        TRY(pb_web_html_author(b, target));
    } else {
        TRY(pb_buf_puts(b, "<a href=\"/cat/"));
        TRY(pb_web_url_s(b, target));
        TRY(pb_buf_puts(b, "\">"));
        TRY(pb_web_html_s(b, target));
        TRY(pb_buf_puts(b, "</a>"));
    }
    TRY(pb_buf_puts(b, " <form class=\"inline\" method=\"post\" "
                       "action=\"/following\">"));
    TRY(pb_web_csrf_input(b, f->rq));
    TRY(pb_buf_printf(b, "<input type=\"hidden\" name=\"kind\" value=\"%s\">"
                         "<input type=\"hidden\" name=\"on\" value=\"0\">"
                         "<input type=\"hidden\" name=\"target\" value=\"",
                      kind == 0 ? "author" : "cat"));
    TRY(pb_web_html_s(b, target));
    TRY(pb_buf_puts(b, "\"><button type=\"submit\">Unfollow</button></form>"
                       "</li>"));
out:
    return rc;
}

int pb_web_page_following(struct pb_web_req *rq, const char *rest,
                          struct pb_web_resp *rs)
{
    (void)rest;
    int rc = PB_OK;
    if (pb_web_need_member(rq, rs))
        return PB_OK;
    struct pb_cmdb *db = pb_web_cmdb(rq);
    if (!db)
        return PB_EDB;
    if (rq->post) {
        const char *kind = pb_web_form(rq, "kind"),
                   *target = pb_web_form(rq, "target"),
                   *on = pb_web_form(rq, "on");
        int k = kind && !strcmp(kind, "author") ? 0
                : kind && !strcmp(kind, "cat")  ? 1
                                                : -1;
        if (k < 0 || !pb_cm_text_ok(target, PB_MAX_NAME) ||
            strpbrk(target, "\t\r\n"))
            return pb_web_fail(rs, 400, "give kind=author or kind=cat and "
                                        "a name");
        TRY(pb_cmdb_follow(db, rq->me.id, k, target, !on || strcmp(on, "0")));
        return pb_web_redirect(rs, "/following");
    }
    struct pb_buf *b = &rs->body;
    TRY(pb_web_page_start(rq, rs, "Following"));
    TRY(pb_buf_puts(b, "<p>Authors and categories you follow (digests and "
                       "recommendations use them).</p><ul class=\"follows\">"));
    struct fctx f = {rq, b, 0};
    TRY(pb_cmdb_follow_each(db, rq->me.id, follow_row, &f));
    TRY(pb_buf_puts(b, "</ul>"));
    if (!f.n)
        TRY(pb_buf_puts(b, "<p class=\"empty\">Nothing yet.</p>"));
    TRY(pb_buf_puts(b, "<h2>Follow</h2><form method=\"post\" "
                       "action=\"/following\">"));
    TRY(pb_web_csrf_input(b, rq));
    TRY(pb_buf_puts(b, "<p><label for=\"kind\">What</label><br><select "
                       "id=\"kind\" name=\"kind\"><option value=\"author\">"
                       "An author</option><option value=\"cat\">A category"
                       "</option></select></p><p><label for=\"target\">Name"
                       "</label><br><input id=\"target\" name=\"target\" "
                       "required maxlength=\"1024\"></p><p><button "
                       "type=\"submit\">Follow</button></p></form>"));
    TRY(pb_web_page_end(rs));
out:
    return rc;
}
