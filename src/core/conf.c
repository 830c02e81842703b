/* conf.c - `key = value` configuration files (see conf.h). */
#include "core/conf.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/utf8.h"

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

static const struct pb_conf_key *find_key(const struct pb_conf_key *keys,
                                          const char *k, size_t n)
{
    for (const struct pb_conf_key *e = keys; e->name; e++)
        if (strlen(e->name) == n && !memcmp(e->name, k, n))
            return e;
    return NULL;
}

static int parse_bool(const char *v, int *out)
{
    static const char *const yes[] = {"yes", "true", "on", "1"};
    static const char *const no[] = {"no", "false", "off", "0"};
    for (size_t i = 0; i < 4; i++) {
        if (!strcmp(v, yes[i]))
            return *out = 1, 0;
        if (!strcmp(v, no[i]))
            return *out = 0, 0;
    }
    return -1;
}

/* Is v a good value for k? 0, or -1 with a reason in why. */
static int check_value(const struct pb_conf_key *k, const char *v, char *why,
                       size_t cap)
{
    char *end = NULL;
    int b;
    if (!*v) {
        snprintf(why, cap, "give a value");
        return -1;
    }
    switch (k->type) {
    case PB_CONF_BOOL:
        if (parse_bool(v, &b)) {
            snprintf(why, cap, "'%.64s' is not yes or no (true/false, "
                               "on/off, 1/0)", v);
            return -1;
        }
        break;
    case PB_CONF_INT: {
        errno = 0;
        long long x = strtoll(v, &end, 10);
        if (errno || *end || end == v || (double)x < k->min ||
            (double)x > k->max) {
            snprintf(why, cap, "'%.64s' is not a whole number in %.0f..%.0f",
                     v, k->min, k->max);
            return -1;
        }
        break;
    }
    case PB_CONF_NUM: {
        errno = 0;
        double x = strtod(v, &end);
        if (errno || *end || end == v || !isfinite(x) || x < k->min ||
            x > k->max) {
            snprintf(why, cap, "'%.64s' is not a number in %g..%g", v, k->min,
                     k->max);
            return -1;
        }
        break;
    }
    case PB_CONF_STR:
        break;
    }
    if (k->check && k->check(v, why, cap))
        return -1;
    return 0;
}

void pb_conf_clear(struct pb_conf *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++)
        free(c->items[i].value);
    free(c->items);
    c->items = NULL;
    c->n = 0;
}

int pb_conf_parse(const char *name, const char *text, size_t len,
                  const struct pb_conf_key *keys, struct pb_conf *out,
                  struct pb_err *err)
{
    int rc = PB_OK, line = 0;
    size_t cap = 0;
    memset(out, 0, sizeof *out);
    if (len > PB_CONF_MAX_BYTES)
        return pb_err_set(err, PB_ETOOBIG, "%s: bigger than %u bytes", name,
                          PB_CONF_MAX_BYTES);
    if (memchr(text, '\0', len))
        return pb_err_set(err, PB_EPARSE, "%s: holds a NUL byte", name);
    for (size_t pos = 0; pos < len;) {
        const char *p = text + pos;
        const char *nl = memchr(p, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - p) : len - pos;
        pos += n + (nl != NULL);
        line++;
        if (n > PB_CONF_MAX_LINE) {
            rc = pb_err_set(err, PB_ETOOBIG, "%s:%d: longer than %d bytes",
                            name, line, PB_CONF_MAX_LINE);
            goto out;
        }
        if (pb_utf8_check(p, n) != n) {
            rc = pb_err_set(err, PB_EPARSE, "%s:%d: not valid UTF-8", name,
                            line);
            goto out;
        }
        while (n && is_blank(*p))
            p++, n--;
        while (n && is_blank(p[n - 1]))
            n--;
        if (!n || *p == '#')
            continue;
        const char *eq = memchr(p, '=', n);
        if (!eq) {
            rc = pb_err_set(err, PB_EPARSE, "%s:%d: expected key = value",
                            name, line);
            goto out;
        }
        size_t kn = (size_t)(eq - p);
        while (kn && is_blank(p[kn - 1]))
            kn--;
        const struct pb_conf_key *k = find_key(keys, p, kn);
        if (!k) {
            rc = pb_err_set(err, PB_EPARSE, "%s:%d: unknown key '%.*s'", name,
                            line, (int)(kn > 64 ? 64 : kn), p);
            goto out;
        }
        for (size_t i = 0; i < out->n; i++)
            if (out->items[i].key == k) {
                rc = pb_err_set(err, PB_EPARSE, "%s:%d: %s: set already on "
                                                "line %d", name, line, k->name,
                                out->items[i].line);
                goto out;
            }
        const char *v = eq + 1;
        size_t vn = (size_t)(p + n - v);
        while (vn && is_blank(*v))
            v++, vn--;
        if (vn >= 2 && v[0] == '"' && v[vn - 1] == '"')
            v++, vn -= 2;
        char *val = pb_strndup(v, vn);
        char why[160];
        if (check_value(k, val, why, sizeof why)) {
            rc = pb_err_set(err, PB_EPARSE, "%s:%d: %s: %s", name, line,
                            k->name, why);
            free(val);
            goto out;
        }
        if (out->n == cap) {
            cap = cap ? cap * 2 : 16;
            out->items = pb_realloc(out->items, cap * sizeof *out->items);
        }
        out->items[out->n++] = (struct pb_conf_item){k, val, line};
    }
out:
    if (rc)
        pb_conf_clear(out);
    return rc;
}

int pb_conf_load(const char *path, const struct pb_conf_key *keys,
                 struct pb_conf *out, struct pb_err *err)
{
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "rb");
    if (!f)
        return pb_err_set(err, PB_EIO, "%s: %s", path, strerror(errno));
    char *buf = pb_malloc(PB_CONF_MAX_BYTES + 1);
    size_t n = fread(buf, 1, PB_CONF_MAX_BYTES + 1, f);
    int bad = ferror(f);
    fclose(f);
    int rc = bad ? pb_err_set(err, PB_EIO, "%s: cannot be read", path)
                 : pb_conf_parse(path, buf, n, keys, out, err);
    free(buf);
    return rc;
}

const char *pb_conf_get(const struct pb_conf *c, const char *name)
{
    for (size_t i = 0; i < c->n; i++)
        if (!strcmp(c->items[i].key->name, name))
            return c->items[i].value;
    return NULL;
}

void pb_conf_argv(const struct pb_conf *c, int argc, char **argv,
                  int *out_argc, char ***out_argv)
{
    /* each setting is at most two flags; names live in the table as
     * "port", so the "--port" strings are built into the same block */
    size_t names = 0;
    for (size_t i = 0; i < c->n; i++)
        names += strlen(c->items[i].key->name) + 3;
    size_t slots = (size_t)argc + 2 * c->n + 1;
    char **v = pb_malloc(slots * sizeof *v + names);
    char *s = (char *)(v + slots);
    int n = 0;
    v[n++] = argc ? argv[0] : (char *)"paperboy";
    for (size_t i = 0; i < c->n; i++) {
        const struct pb_conf_item *it = &c->items[i];
        int on = 1;
        if (it->key->type == PB_CONF_BOOL && parse_bool(it->value, &on))
            on = 0;
        if (it->key->type == PB_CONF_BOOL && !on) {
            if (it->key->off_flag)
                v[n++] = (char *)it->key->off_flag;
            continue;
        }
        size_t kl = strlen(it->key->name);
        s[0] = s[1] = '-';
        memcpy(s + 2, it->key->name, kl + 1);
        v[n++] = s;
        s += kl + 3;
        if (it->key->type != PB_CONF_BOOL)
            v[n++] = it->value;
    }
    for (int i = 1; i < argc; i++)
        v[n++] = argv[i];
    v[n] = NULL;
    *out_argc = n;
    *out_argv = v;
}
