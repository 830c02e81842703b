/*
 * web_foryou.h - "For you": a member's recommendations on the site
 * (page_foryou.c), from rank/member_recs.h over the semantic index beside
 * the database (web_similar.h opens it).
 *
 *   GET  /for-you                       the member's cards, best first, each
 *                                       with a "Not interested" button; the
 *                                       papers so marked, each with "Undo"
 *   POST /for-you/not-interested/ID     mark (v=0: clear) and go back (form
 *                                       field back, else /for-you); CSRF
 *   GET  /api/for-you?limit=N           JSON for the member logged in
 *   POST /api/for-you/not-interested/ID the mark (v=0: clear) for API
 *                                       clients (X-CSRF-Token); JSON
 *                                       {"id", "notInterested"}
 *
 * Every answer is per member (private, never cached). Handlers as in
 * web_int.h.
 */
#ifndef PB_WEB_WEB_FORYOU_H
#define PB_WEB_WEB_FORYOU_H

#include "web/web_int.h"

#define PB_WEB_FORYOU_N 30        /* cards on the page */
#define PB_WEB_FORYOU_API_MAX 100 /* largest limit= of the API */

int pb_web_page_foryou(struct pb_web_req *, const char *,
                       struct pb_web_resp *) PB_WUR;
int pb_web_page_foryou_mark(struct pb_web_req *, const char *,
                            struct pb_web_resp *) PB_WUR;
int pb_web_api_foryou(struct pb_web_req *, const char *,
                      struct pb_web_resp *) PB_WUR;
int pb_web_api_foryou_mark(struct pb_web_req *, const char *,
                           struct pb_web_resp *) PB_WUR;

#endif
