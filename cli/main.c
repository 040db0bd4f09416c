/* main.c — entry point: dispatch to a command, --help, --version, and the
 * message helpers every command uses.  The only file with main().
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *summary;
} commands[] = {
	{"analyze", cli_analyze, "ingest FILEs, then report (the main job)"},
	{"ingest", cli_ingest, "parse traffic.out dumps into the database"},
	{"report", cli_report, "leak / churn / plateau verdicts per allocator"},
	{"sql", cli_sql, "run read-only SQL on the database"},
	{"simulate", cli_simulate, "write a synthetic traffic.out from the allocator model"},
	{"inspect", cli_inspect, "describe what input files hold, without a database"},
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: tsmem COMMAND [OPTIONS] [ARGS]\n\n"
	           "Find leaks, churn and plateaus in Apache Traffic Server freelist dumps.\n\n"
	           "Commands:\n");
	for (i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nRun 'tsmem COMMAND --help' for a command's options.\n"
	           "Exit status: 0 ok, 1 usage error, 2 input/I/O/database error, 3 --fail-on matched.\n");
}

void cli_errorf(const char *fmt, ...)
{
	va_list ap;

	fputs("tsmem: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void cli_diagf(const char *file, unsigned long long line, const char *sev, const char *fmt, ...)
{
	va_list ap;

	if (line > 0)
		fprintf(stderr, "tsmem: %s:%llu: %s: ", file, line, sev);
	else
		fprintf(stderr, "tsmem: %s: %s: ", file, sev);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "tsmem %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'tsmem %s --help'.\n", cmd);
	return TSM_EXIT_USAGE;
}

int cli_next_opt(const char *cmd, int argc, char **argv, const char *shorts, const struct option *lo)
{
	int c;

	opterr = 0;
	c = getopt_long(argc, argv, shorts, lo, NULL);
	if (c == ':') {
		cli_usage_error(cmd, "missing argument: option '%s' requires an argument", argv[optind - 1]);
		return -2;
	}
	if (c == '?') {
		const char *arg = argv[optind - 1];

		if (optopt >= 256 || (optopt > 0 && strchr(shorts, optopt) != NULL))
			cli_usage_error(cmd, "option '%s' takes no argument", arg);
		else if (optopt > 0 && strncmp(arg, "--", 2) != 0)
			cli_usage_error(cmd, "unknown option '-%c'", optopt);
		else
			cli_usage_error(cmd, "unknown option '%s'", arg);
		return -2;
	}
	return c;
}

int cli_output_is_special(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 && !S_ISREG(sb.st_mode);
}

const char *cli_default_db(void)
{
	const char *e = getenv("TSMEM_DB");

	return (e != NULL && *e != '\0') ? e : "./tsmem.db";
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return TSM_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return TSM_EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("tsmem %s\n", TSMEM_VERSION);
		return TSM_EXIT_OK;
	}
	for (i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	cli_errorf("unknown command '%s'", argv[1]);
	usage(stderr);
	return TSM_EXIT_USAGE;
}
