/*
 * conf.h - configuration files of `key = value` lines (docs/DEPLOY.md).
 *
 *   # a comment: a line whose first non-blank byte is '#'
 *   port = 8080
 *   base-url = https://papers.example.org
 *   behind-tls = yes
 *   mail-from-name = "Paper boy"
 *
 * A key is a long option of the command without its "--" (lower case,
 * digits, '-'); the value is the rest of the line after '=', with blanks
 * around it trimmed and one pair of enclosing double quotes removed (no
 * escapes; a '#' inside a value is part of it). Blank lines are ignored.
 * Booleans are yes/no, true/false, on/off, 1/0. A key may appear once.
 * The file is at most 1 MiB of UTF-8 without NUL bytes, lines at most
 * 4096 bytes. Every error names the file and the line: "FILE:LINE: why".
 *
 * Settings become command-line flags placed before the real ones, so a
 * flag given on the command line overrides the file (pb_conf_argv).
 */
#ifndef PB_CORE_CONF_H
#define PB_CORE_CONF_H

#include <stddef.h>

#include "core/error.h"

#define PB_CONF_MAX_BYTES (1u << 20)
#define PB_CONF_MAX_LINE 4096

enum pb_conf_type {
    PB_CONF_STR,  /* any non-empty value (check may say more) */
    PB_CONF_BOOL, /* yes/no...: true gives "--name", false off_flag */
    PB_CONF_INT,  /* a whole number in [min, max] */
    PB_CONF_NUM,  /* a decimal number in [min, max] */
};

struct pb_conf_key {
    const char *name;      /* "port": the flag is "--port" */
    enum pb_conf_type type;
    double min, max;       /* INT and NUM */
    const char *off_flag;  /* BOOL false: this flag ("--no-x"); NULL: none */
    /* more checks for a value (NULL: none): 0 when good, else -1 and a
     * reason ("give HH:MM") in why[cap] */
    int (*check)(const char *value, char *why, size_t cap);
    const char *help;      /* one line for --help listings */
};

struct pb_conf_item {
    const struct pb_conf_key *key; /* borrowed from the table */
    char *value;                   /* owned */
    int line;
};

/* Parsed settings, in file order. Clear with pb_conf_clear(). */
struct pb_conf {
    struct pb_conf_item *items;
    size_t n;
};

/*
 * Parse text[0..len) named name (for messages; borrowed) against keys (a
 * table ending with a NULL name; borrowed until pb_conf_clear). out is
 * initialised here. PB_EPARSE with "name:line: why" in err for a line that
 * is not `key = value`, an unknown or repeated key, or a bad value;
 * PB_ETOOBIG for a file or line over the caps. out is empty on errors.
 */
int pb_conf_parse(const char *name, const char *text, size_t len,
                  const struct pb_conf_key *keys, struct pb_conf *out,
                  struct pb_err *err) PB_WUR;

/* Read path and pb_conf_parse() it; PB_EIO when it cannot be read. */
int pb_conf_load(const char *path, const struct pb_conf_key *keys,
                 struct pb_conf *out, struct pb_err *err) PB_WUR;

void pb_conf_clear(struct pb_conf *c);

/* The value of key name, or NULL when the file does not set it. Borrowed
 * until pb_conf_clear(). */
const char *pb_conf_get(const struct pb_conf *c, const char *name);

/*
 * A new argv: argv[0], then each setting of c as flags ("--port", "8080";
 * a true boolean "--behind-tls"; a false one its off_flag or nothing),
 * then argv[1..argc). *out_argv and its array are one allocation the
 * caller frees with free(); the strings are borrowed from c and argv.
 */
void pb_conf_argv(const struct pb_conf *c, int argc, char **argv,
                  int *out_argc, char ***out_argv);

#endif
