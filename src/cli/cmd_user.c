/* cmd_user.c - paperboy user add|list|role|disable: members, for the
 * operator. Passwords come on standard input (one line), never in argv. */
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "community/community.h"
#include "core/date.h"
#include "store/store_community.h"

static const char *const roles[] = {"user", "moderator", "admin"};

static void usage(FILE *f)
{
    fprintf(f,
            "usage: paperboy user add NAME --email ADDR [--role ROLE] "
            "[--db PATH]\n"
            "       paperboy user list [--db PATH]\n"
            "       paperboy user role NAME ROLE [--db PATH]\n"
            "       paperboy user disable NAME [--enable] [--db PATH]\n\n"
            "Members of the site. ROLE is user, moderator or admin. add "
            "reads the password\n(8 to 256 bytes) from the first line of "
            "standard input. role and disable are\nlogged in the moderation "
            "log as done by \"cli\".\n");
}

static int role_of(const char *s)
{
    for (int i = 0; i < 3; i++)
        if (!strcmp(s, roles[i]))
            return i;
    return -1;
}

static int list_row(void *ctx, const struct pb_member *m)
{
    (void)ctx;
    char when[21];
    pb_time_format(m->created, when);
    printf("%s\t%s\t%s\t%s\t%s\n", m->name, m->email,
           m->role >= 0 && m->role <= 2 ? roles[m->role] : "?",
           m->disabled ? "disabled" : "active", when);
    return 0;
}

/* The first line of standard input; at a terminal, asked for without
 * echo. */
static int read_password(char *pw, size_t cap)
{
    struct termios old, quiet;
    int tty = isatty(STDIN_FILENO) && !tcgetattr(STDIN_FILENO, &old);
    if (tty) {
        fprintf(stderr, "password: ");
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    }
    char *got = fgets(pw, (int)cap, stdin);
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSANOW, &old);
        fputc('\n', stderr);
    }
    if (!got)
        return -1;
    size_t n = strlen(pw);
    while (n && (pw[n - 1] == '\n' || pw[n - 1] == '\r'))
        pw[--n] = '\0';
    return 0;
}

int pb_cli_user(int argc, char **argv)
{
    const char *db_flag = NULL, *email = NULL, *role = NULL;
    const char *pos[3] = {NULL, NULL, NULL};
    int npos = 0, enable = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (pb_cli_is_help(a)) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--db") && v) {
            db_flag = v, i++;
        } else if (!strcmp(a, "--email") && v) {
            email = v, i++;
        } else if (!strcmp(a, "--role") && v) {
            role = v, i++;
        } else if (!strcmp(a, "--enable")) {
            enable = 1;
        } else if (a[0] != '-' && npos < 3) {
            pos[npos++] = a;
        } else {
            fprintf(stderr, "paperboy user: unknown argument '%s'\n", a);
            usage(stderr);
            return 2;
        }
    }
    const char *cmd = pos[0];
    if (!cmd) {
        usage(stderr);
        return 2;
    }
    if (pb_cm_init()) {
        fprintf(stderr, "paperboy user: cannot initialise libsodium\n");
        return 1;
    }
    struct pb_err err = {0};
    struct pb_store *st = NULL;
    if (pb_store_open(pb_cli_db_path(db_flag), 0, &st, &err)) {
        fprintf(stderr, "paperboy user: %s\n", err.msg);
        return 1;
    }
    struct pb_cmdb *db = pb_cmdb_new(st);
    int status = 0, rc = PB_OK;
    int64_t now = (int64_t)time(NULL);
    struct pb_member m;
    if (!strcmp(cmd, "list") && npos == 1) {
        rc = pb_cmdb_member_each(db, list_row, NULL);
    } else if (!strcmp(cmd, "add") && npos == 2) {
        char pw[PB_CM_PW_MAX + 4], hash[128];
        int r = role ? role_of(role) : 0;
        if (!pb_cm_name_ok(pos[1]) || !pb_cm_email_ok(email) || r < 0) {
            fprintf(stderr, "paperboy user add: give a name (2..40 bytes), "
                            "--email ADDR and a role user|moderator|admin\n");
            status = 2;
        } else if (read_password(pw, sizeof pw) || !pb_cm_password_ok(pw)) {
            fprintf(stderr, "paperboy user add: give the password (8..256 "
                            "bytes) on standard input\n");
            status = 2;
        } else if (!(rc = pb_cm_password_hash(pw, hash))) {
            rc = pb_cmdb_member_add(db, pos[1], email, hash, r, now, NULL);
            if (rc == PB_EEXIST) {
                fprintf(stderr, "paperboy user add: %s exists\n", pos[1]);
                status = 1, rc = PB_OK;
            }
        }
    } else if ((!strcmp(cmd, "role") && npos == 3) ||
               (!strcmp(cmd, "disable") && npos == 2)) {
        int r = npos == 3 ? role_of(pos[2]) : 0;
        if (r < 0) {
            fprintf(stderr, "paperboy user role: ROLE is user, moderator or "
                            "admin\n");
            status = 2;
        } else if ((rc = pb_cmdb_member_get(db, pos[1], &m, NULL)) ==
                   PB_ENOTFOUND) {
            fprintf(stderr, "paperboy user: no member %s\n", pos[1]);
            status = 1, rc = PB_OK;
        } else if (!rc && npos == 3) {
            if (!(rc = pb_cmdb_member_set_role(db, m.id, r)))
                rc = pb_cmdb_modlog(db, "cli", roles[r], m.name, now);
        } else if (!rc) {
            if (!(rc = pb_cmdb_member_set_disabled(db, m.id, !enable)))
                rc = pb_cmdb_modlog(db, "cli",
                                    enable ? "enable member"
                                           : "disable member",
                                    m.name, now);
        }
    } else {
        usage(stderr);
        status = 2;
    }
    if (rc) {
        fprintf(stderr, "paperboy user: %s (%s)\n", pb_strerror(rc),
                pb_store_errmsg(st));
        status = 1;
    }
    pb_cmdb_free(db);
    pb_store_close(st);
    return status;
}
