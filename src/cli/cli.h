/*
 * cli.h - the paperboy subcommands. Each takes argc/argv starting at the
 * subcommand's name, prints to stdout/stderr and returns the process exit
 * status (0 ok, 1 could not run, 2 usage error, 3 partial: some records
 * rejected).
 */
#ifndef PB_CLI_CLI_H
#define PB_CLI_CLI_H

#include <stdio.h>

#define PB_VERSION "0.1.0"

int pb_cli_import(int argc, char **argv);
int pb_cli_stats(int argc, char **argv);
int pb_cli_show(int argc, char **argv);
int pb_cli_export(int argc, char **argv);
int pb_cli_serve(int argc, char **argv);
int pb_cli_search(int argc, char **argv);
int pb_cli_reindex(int argc, char **argv);
int pb_cli_eval(int argc, char **argv);
int pb_cli_harvest(int argc, char **argv);
int pb_cli_harvest_thumbs(int argc, char **argv); /* cmd_harvest_thumbs.c */
int pb_cli_digest(int argc, char **argv);
int pb_cli_user(int argc, char **argv);
int pb_cli_veval(int argc, char **argv);      /* cmd_veval.c */
int pb_cli_embed(int argc, char **argv);      /* cmd_vectors.c */
int pb_cli_vsearch(int argc, char **argv);    /* cmd_vectors.c */
int pb_cli_similar(int argc, char **argv);    /* cmd_vectors.c */
int pb_cli_vbench(int argc, char **argv);     /* cmd_vbench.c */
int pb_cli_train_vectors(int argc, char **argv); /* cmd_train_vectors.c */
int pb_cli_recommend(int argc, char **argv);  /* cmd_recommend.c */
int pb_cli_backup(int argc, char **argv);     /* cmd_backup.c */
int pb_cli_store(int argc, char **argv);      /* cmd_store.c */

/* serve's timetable (serve_sched.c): new, then each argument that
 * pb_cli_sched_arg() takes (1 taken, advancing *i past a value; 0 not
 * ours; -1 bad, after a message), start once the server's address is
 * known (-1 on errors, after a message), free (stops the thread). */
struct pb_cli_sched;
struct pb_cli_sched *pb_cli_sched_new(void);
const char *pb_cli_sched_usage(void);
int pb_cli_sched_arg(struct pb_cli_sched *c, int argc, char **argv, int *i);
int pb_cli_sched_start(struct pb_cli_sched *c, const char *db_path,
                       const char *base_url);
void pb_cli_sched_free(struct pb_cli_sched *c);
/* After pb_cli_sched_start: 1 when digests and confirmations are mailed
 * (--smtp or $PAPERBOY_SMTP_URL), 0 when the site sends no mail. */
int pb_cli_sched_mails(const struct pb_cli_sched *c);

/* --config FILE (config.c, docs/DEPLOY.md): when argv (the command's,
 * argv[0] its name) holds --config FILE or --config=FILE, load FILE and
 * replace *argv with a new one: argv[0], the file's settings as flags (all
 * of them for serve; the others take its `db` only), then the command
 * line's flags without --config, which so override the file. *to_free gets
 * the array to free() after the command (NULL when nothing changed).
 * 0, or 2 after a message naming the file and line. */
int pb_cli_config_apply(const char *cmd, int *argc, char ***argv,
                        char ***to_free);
/* serve's settings: the key table of core/conf.h, and the option list
 * of `serve --help` printed from it. */
struct pb_conf_key;
const struct pb_conf_key *pb_cli_serve_keys(void);
void pb_cli_serve_options(FILE *f);

/* The database path: --db PATH wins, then $PAPERBOY_DB, then "paperboy.db".
 * Borrowed (argv or the environment or a literal). */
const char *pb_cli_db_path(const char *flag_value);

/* True when argv[i] is "-h" or "--help". */
int pb_cli_is_help(const char *arg);

#endif
