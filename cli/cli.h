/* cli.h — the command-line layer: one function per command, shared option
 * and message helpers.  Only cli/ prints to stdout/stderr or exits.
 */
#ifndef CLI_H
#define CLI_H

#include <stdio.h>
#include "../common/tsm.h"

#define TSMEM_VERSION "0.1.0"

/* Each command gets argv with argv[0] = the command name and returns an
 * exit status (TSM_EXIT_*). */
int cli_ingest(int argc, char **argv);
int cli_inspect(int argc, char **argv);
int cli_sql(int argc, char **argv);
int cli_report(int argc, char **argv);
int cli_analyze(int argc, char **argv);
int cli_simulate(int argc, char **argv);

/* "tsmem: " + message + "\n" on stderr. */
void cli_errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "tsmem: FILE:LINE: severity: message" on stderr (line 0 omits it). */
void cli_diagf(const char *file, unsigned long long line, const char *sev,
               const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* 1 if `path` exists and is not a regular file (/dev/null, /dev/stdout, a
 * FIFO): output goes to it directly, never by temp file + rename, which
 * would replace the device with a file. */
int cli_output_is_special(const char *path);

/* getopt_long with tsmem's messages.  `shorts` must start with ':'.
 * Returns the option (or -1 at the end), or -2 after printing a usage
 * error: a missing argument, an unknown option, or an argument given to a
 * flag.  Every command parses its options through this one function. */
struct option;
int cli_next_opt(const char *cmd, int argc, char **argv, const char *shorts, const struct option *lo);

/* Default database path: $TSMEM_DB, else ./tsmem.db. */
const char *cli_default_db(void);

/* Usage error: prints "tsmem CMD: msg" and a hint, returns TSM_EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
