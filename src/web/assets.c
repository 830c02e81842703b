/* assets.c - the site's one stylesheet and its icon, served under
 * fingerprinted names (/static/style.<hash>.css) with a year-long cache
 * lifetime: a changed file gets a new name. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "web/web_int.h"

static const char css[] =
    ":root{--bg:#fff;--fg:#1a1a1a;--muted:#555;--card:#f6f7f9;--line:#dde;"
    "--link:#0b57d0;--accent:#b3261e}\n"
    "@media (prefers-color-scheme:dark){:root{--bg:#111418;--fg:#e8e8e8;"
    "--muted:#aab;--card:#1b2027;--line:#2c333d;--link:#8ab4f8;"
    "--accent:#f2b8b5}}\n"
    "*{box-sizing:border-box}\n"
    "body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.5 "
    "system-ui,-apple-system,\"Segoe UI\",Roboto,sans-serif}\n"
    "a{color:var(--link)}\n"
    ".vh{position:absolute;width:1px;height:1px;overflow:hidden;"
    "clip:rect(0 0 0 0);white-space:nowrap}\n"
    "header.site{border-bottom:1px solid var(--line);background:var(--card)}\n"
    ".bar{max-width:56rem;margin:0 auto;padding:.6rem 1rem;display:flex;"
    "flex-wrap:wrap;gap:.5rem 1rem;align-items:center}\n"
    ".brand{font-weight:700;font-size:1.2rem;text-decoration:none;"
    "color:var(--fg)}\n"
    "nav a{margin-right:.8rem}\n"
    "form.search{display:flex;gap:.3rem;flex:1 1 14rem}\n"
    "form.search input{flex:1;min-width:0;padding:.4rem .5rem;font:inherit;"
    "color:var(--fg);background:var(--bg);border:1px solid var(--muted);"
    "border-radius:4px}\n"
    "form.search button{padding:.4rem .8rem;font:inherit;border-radius:4px;"
    "border:1px solid var(--muted);background:var(--bg);color:var(--fg)}\n"
    "main{max-width:56rem;margin:0 auto;padding:1rem}\n"
    "h1{font-size:1.5rem;margin:.5rem 0}\n"
    ".sub,.periods{color:var(--muted);margin:.2rem 0}\n"
    ".periods a{margin-right:.6rem}\n"
    "nav.prevnext{display:flex;justify-content:space-between;margin:.8rem 0}\n"
    /* the community's forms (page_account.c, page_community.c) */
    "form.inline,form.vote,form.dismiss{display:inline}\n"
    "nav.account a{margin-right:.6rem}\n"
    ".error{color:#b00020;font-weight:600}\n"
    "ol.comments{list-style:none;padding:0}\n"
    "li.comment{border-top:1px solid var(--line);padding:.4rem 0}\n"
    "li.comment.hidden{opacity:.6}\n"
    ".comment .who{color:var(--muted);margin:.2rem 0}\n"
    "ol.cards{list-style:none;padding:0;margin:0}\n"
    ".card{background:var(--card);border:1px solid var(--line);"
    "border-radius:8px;padding:.8rem 1rem;margin:.8rem 0}\n"
    ".card h2{font-size:1.1rem;margin:0 0 .3rem}\n"
    ".card h2 a{color:var(--fg);text-decoration:none}\n"
    ".card h2 a:hover{text-decoration:underline}\n"
    ".authors{margin:.2rem 0;color:var(--muted)}\n"
    ".abstract{margin:.3rem 0;display:-webkit-box;-webkit-line-clamp:2;"
    "-webkit-box-orient:vertical;overflow:hidden}\n"
    "ul.meta,ul.links,ul.tags{list-style:none;padding:0;margin:.4rem 0;"
    "display:flex;flex-wrap:wrap;gap:.3rem 1rem;color:var(--muted);"
    "font-size:.92rem}\n"
    ".up{color:var(--accent);font-weight:600}\n"
    "ul.tags li{border:1px solid var(--line);border-radius:1rem;"
    "padding:0 .6rem}\n"
    ".paper .full{white-space:pre-line}\n"
    ".empty{padding:2rem 0;color:var(--muted)}\n"
    "mark{background:#ffe58f;color:#111}\n"
    ".facets{color:var(--muted);font-size:.92rem}\n"
    /* the search page's mode control */
    "form.mode{margin:.4rem 0;color:var(--muted)}\n"
    "form.mode select,form.mode button{font:inherit;color:var(--fg);"
    "background:var(--bg);border:1px solid var(--muted);border-radius:4px;"
    "padding:.2rem .4rem}\n"
    "footer.site{max-width:56rem;margin:2rem auto;padding:0 1rem;"
    "color:var(--muted);font-size:.9rem}\n"
    /* the e-mail box in every footer and the /subscribe form */
    "form.mailbox{display:flex;flex-wrap:wrap;gap:.4rem;align-items:center;"
    "margin:1rem 0;padding:.8rem 1rem;border:1px solid var(--line);"
    "border-radius:8px;background:var(--card)}\n"
    "form.mailbox label{color:var(--fg);font-weight:600}\n"
    "form.mailbox input,#email input,#email textarea{font:inherit;"
    "color:var(--fg);background:var(--bg);border:1px solid var(--muted);"
    "border-radius:4px;padding:.3rem .5rem}\n"
    "form.mailbox input{flex:1 1 12rem;min-width:0}\n"
    "#email input[type=email],#email input:not([type]),#email textarea"
    "{width:100%;max-width:32rem}\n"
    "form.mailbox button,#email button{font:inherit;padding:.3rem .9rem;"
    "border-radius:4px;border:1px solid var(--accent);background:var(--bg);"
    "color:var(--fg)}\n"
    "#email fieldset{border:0;padding:0;margin:.5rem 0}\n"
    "#email .error{color:var(--accent);font-weight:600}\n"
    /* cards: the upvote box, the text, the thumbnail (media.c) */
    ".card{display:grid;grid-template-columns:3.4rem minmax(0,1fr) 11rem;"
    "gap:.4rem 1rem;align-items:start}\n"
    ".votebox form,.votebox a.vote{display:block}\n"
    ".votebox button,.votebox a.vote{display:flex;flex-direction:column;"
    "align-items:center;width:3.4rem;min-height:3.4rem;padding:.3rem 0;"
    "font:inherit;font-size:.72rem;color:var(--muted);background:var(--bg);"
    "border:1px solid var(--line);border-radius:8px;cursor:pointer;"
    "text-decoration:none}\n"
    ".votebox button::before,.votebox a.vote::before{content:\"\\25B2\";"
    "font-size:1.1rem;color:var(--accent)}\n"
    ".votebox button:hover,.votebox a.vote:hover{border-color:var(--accent)}"
    "\n"
    ".votebox button[aria-pressed=true]{background:var(--accent);"
    "color:var(--bg);border-color:var(--accent)}\n"
    ".votebox button[aria-pressed=true]::before{color:var(--bg)}\n"
    "img.thumb{width:100%;height:auto;aspect-ratio:4/3;object-fit:cover;"
    "object-position:top;border-radius:6px;border:1px solid var(--line);"
    "background:var(--bg)}\n"
    "img.lead{display:block;width:100%;max-width:36rem;height:auto;"
    "margin:.6rem 0;border-radius:8px;border:1px solid var(--line)}\n"
    ".extras{display:flex;flex-wrap:wrap;gap:.6rem}"
    ".extras img{max-width:100%;height:auto;border-radius:6px}\n"
    "img.avatar{border-radius:50%;vertical-align:middle;margin-right:.3rem}"
    "\n"
    "a.member{white-space:nowrap}\n"
    ".member-head{display:flex;gap:1rem;align-items:center}\n"
    /* the date picker and the sort links of list pages (nav.c) */
    ".tools{display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;align-items:center;"
    "margin:.4rem 0}\n"
    ".tools input,.tools button{font:inherit;color:var(--fg);"
    "background:var(--bg);border:1px solid var(--muted);border-radius:4px;"
    "padding:.2rem .4rem}\n"
    "nav.sort a{margin-right:.8rem}\n"
    "nav.sort a[aria-current]{font-weight:700;color:var(--fg);"
    "text-decoration:none}\n"
    /* sign-up, log-in and member forms in the site's look */
    ".prose form p{margin:.6rem 0}\n"
    ".prose input:not([type=checkbox]):not([type=hidden]),.prose select,"
    ".prose textarea{font:inherit;color:var(--fg);background:var(--bg);"
    "border:1px solid var(--muted);border-radius:4px;padding:.35rem .5rem;"
    "width:100%;max-width:24rem}\n"
    ".prose textarea{max-width:100%}\n"
    ".prose button,section.member button,form.inline button{font:inherit;"
    "padding:.3rem .9rem;border-radius:4px;border:1px solid var(--accent);"
    "background:var(--bg);color:var(--fg);cursor:pointer}\n"
    ".prose button:hover,section.member button:hover{background:var(--card)}"
    "\n"
    "@media (max-width:600px){body{font-size:15px}main{padding:.6rem}"
    ".card{padding:.6rem .7rem;grid-template-columns:3.4rem minmax(0,1fr)}"
    "img.thumb{grid-column:1/-1;grid-row:1}}\n";

static const char icon[] =
    "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 16 16\">"
    "<rect width=\"16\" height=\"16\" rx=\"3\" fill=\"#0b57d0\"/>"
    "<path d=\"M4 4h8v2H4zm0 3h8v1H4zm0 2h8v1H4zm0 2h5v1H4z\" "
    "fill=\"#fff\"/></svg>";

static uint32_t fnv1a(const char *p, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * 16777619u;
    return h;
}

void pb_web_assets_init(struct pb_web_site *site)
{
    snprintf(site->css_path, sizeof site->css_path, "/static/style.%08x.css",
             fnv1a(css, sizeof css - 1));
    snprintf(site->icon_path, sizeof site->icon_path,
             "/static/icon.%08x.svg", fnv1a(icon, sizeof icon - 1));
}

int pb_web_asset(struct pb_web_req *rq, const char *rest,
                 struct pb_web_resp *rs)
{
    (void)rest;
    const char *body;
    size_t len;
    if (!strcmp(rq->path, rq->site->css_path)) {
        body = css, len = sizeof css - 1;
        rs->type = "text/css; charset=utf-8";
    } else if (!strcmp(rq->path, rq->site->icon_path) ||
               !strcmp(rq->path, "/favicon.ico")) {
        body = icon, len = sizeof icon - 1;
        rs->type = "image/svg+xml";
    } else {
        rs->fmt = PB_FMT_TEXT;
        return pb_web_fail(rs, 404, "no such file");
    }
    if (strcmp(rq->path, "/favicon.ico"))
        rs->cache = "public, max-age=31536000, immutable";
    rs->shared = 1; /* the same for members: cacheable */
    return pb_buf_append(&rs->body, body, len);
}
