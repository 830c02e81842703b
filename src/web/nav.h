/*
 * nav.h - getting around the listings: the order of a list page
 * (?sort=upvotes|trending|newest, as the JSON API allows), the date picker
 * (a GET form with <input type=date>, so it works without JavaScript, and
 * its target /date?d=DAY), and Hugging Face's URL shapes
 * (/papers/date/DAY, /papers/week/W, /papers/month/M, /papers/trending,
 * /papers?date=DAY) answered with a permanent redirect to ours.
 */
#ifndef PB_WEB_NAV_H
#define PB_WEB_NAV_H

#include "core/buf.h"
#include "web/web_int.h"

enum pb_web_sort { PB_WSORT_UPVOTES = 0, PB_WSORT_TRENDING, PB_WSORT_NEWEST };

/* ?sort= of rq into *out (upvotes when absent). 1 when the value is bad:
 * rs then holds a 400. */
int pb_web_sort_arg(struct pb_web_req *rq, struct pb_web_resp *rs,
                    enum pb_web_sort *out);
const char *pb_web_sort_name(enum pb_web_sort s);

/* q's papers in the order s (trending: docs/TRENDING.md's score over q's
 * days; q->offset and q->limit apply), into out. */
int pb_web_sorted_list(struct pb_web_req *rq, struct pb_feed_query *q,
                       enum pb_web_sort s, struct pb_feed_list *out) PB_WUR;

/* The date picker (showing day, bounded by the first and last listed
 * days) and the sort links of a list page at path base. */
int pb_web_nav_tools(struct pb_buf *b, struct pb_web_req *rq,
                     const char *day, const char *base,
                     enum pb_web_sort sort) PB_WUR;

/* GET /date?d=DAY: 303 to /date/DAY (400 for anything but a day). */
int pb_web_date_jump(struct pb_web_req *, const char *, struct pb_web_resp *) PB_WUR;
/* Hugging Face's shapes: 301 to ours. */
int pb_web_hf_redirect(struct pb_web_req *, const char *, struct pb_web_resp *) PB_WUR;
/* /u/NAME (page_member.c). */
int pb_web_page_member(struct pb_web_req *, const char *, struct pb_web_resp *) PB_WUR;

#endif
