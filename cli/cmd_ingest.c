/* cmd_ingest.c — `tsmem ingest` and `tsmem inspect`: option tables, help
 * text, then the shared driver in ingest_run.c.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ingest_run.h"

static const char INGEST_HELP[] =
	"usage: tsmem ingest [-d DB] [--host NAME] [--interval S] [--anchor 'YYYY-MM-DD HH:MM:SS@N']\n"
	"                    [--year Y] [--follow] [--retain AGE] [--busy-timeout MS] [--quiet]\n"
	"                    [FILE...]\n"
	"\n"
	"Parse ATS traffic.out memory dumps and store them in the database.  No FILE or '-'\n"
	"reads standard input; .gz files are read transparently; a rotated set (NAME.N,\n"
	"NAME-YYYYMMDD, ATS's .old names) is read oldest first.  Re-ingesting a file adds\n"
	"only what is new.\n"
	"\n"
	"  -d, --db DB              database (default $TSMEM_DB, else ./tsmem.db)\n"
	"  -H, --host NAME          host the dumps come from (default: this machine's name)\n"
	"  -i, --interval S         seconds between periodic dumps (dump_mem_info_frequency)\n"
	"  -a, --anchor 'T@N'       local time T of dump number N (0-based) of the input\n"
	"  -y, --year Y             year of the year-less diags time stamps (default: from mtime)\n"
	"  -f, --follow             keep reading a growing file, like tail -F; commit each dump\n"
	"      --follow-exit-idle S stop following after S seconds without new data\n"
	"      --retain AGE         remove the host's dumps older than AGE (3600, 90m, 36h,\n"
	"                           30d, 8w) before its newest; default $TSMEM_RETAIN, else keep all\n"
	"  -b, --busy-timeout MS    wait this long for a locked database (default 5000)\n"
	"  -q, --quiet              no summary line\n"
	"  -h, --help               this help\n";

static const char INSPECT_HELP[] =
	"usage: tsmem inspect [--interval S] [--anchor 'T@N'] [--year Y] FILE...\n"
	"\n"
	"Say what the input holds (formats, lifetimes, dump counts, time anchors, warnings)\n"
	"without writing a database.\n"
	"\n"
	"  -i, --interval S   seconds between periodic dumps\n"
	"  -a, --anchor 'T@N' local time T of dump number N\n"
	"  -y, --year Y       year of the diags time stamps\n"
	"  -h, --help         this help\n";

static const struct option ingest_opts[] = {
	{"db", required_argument, NULL, 'd'},
	{"host", required_argument, NULL, 'H'},
	{"interval", required_argument, NULL, 'i'},
	{"anchor", required_argument, NULL, 'a'},
	{"year", required_argument, NULL, 'y'},
	{"follow", no_argument, NULL, 'f'},
	{"follow-exit-idle", required_argument, NULL, 'E'},
	{"retain", required_argument, NULL, 'R'},
	{"busy-timeout", required_argument, NULL, 'b'},
	{"quiet", no_argument, NULL, 'q'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

static const struct option inspect_opts[] = {
	{"interval", required_argument, NULL, 'i'},
	{"anchor", required_argument, NULL, 'a'},
	{"year", required_argument, NULL, 'y'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

int cli_ingest(int argc, char **argv)
{
	ingest_cfg cfg;
	const char *env = getenv("TSMEM_RETAIN");
	int c;

	ingest_cfg_init(&cfg);
	if (env != NULL && *env != '\0' && ingest_parse_age(env, &cfg.retain_s) != 0)
		return cli_usage_error("ingest", "bad TSMEM_RETAIN '%s': an age such as 3600, 90m, 36h, 30d or 8w", env);
	optind = 1;
	while ((c = cli_next_opt("ingest", argc, argv, ":d:H:i:a:y:fb:qh", ingest_opts)) != -1) {
		if (c == -2)
			return TSM_EXIT_USAGE;
		if (c == 'h') {
			fputs(INGEST_HELP, stdout);
			return TSM_EXIT_OK;
		}
		if (ingest_parse_opt("ingest", c, optarg, &cfg) != 1)
			return TSM_EXIT_USAGE;
	}
	if (cfg.follow && argc - optind != 1)
		return cli_usage_error("ingest", "--follow takes exactly one FILE");
	if (cfg.follow && strcmp(argv[optind], "-") == 0)
		return cli_usage_error("ingest", "--follow needs a file, not standard input");
	return ingest_run(&cfg, argc - optind, argv + optind);
}

int cli_inspect(int argc, char **argv)
{
	ingest_cfg cfg;
	int c;

	ingest_cfg_init(&cfg);
	cfg.dry_run = 1;
	optind = 1;
	while ((c = cli_next_opt("inspect", argc, argv, ":i:a:y:h", inspect_opts)) != -1) {
		if (c == -2)
			return TSM_EXIT_USAGE;
		if (c == 'h') {
			fputs(INSPECT_HELP, stdout);
			return TSM_EXIT_OK;
		}
		if (ingest_parse_opt("inspect", c, optarg, &cfg) != 1)
			return TSM_EXIT_USAGE;
	}
	if (argc - optind < 1)
		return cli_usage_error("inspect", "no FILE given");
	return ingest_run(&cfg, argc - optind, argv + optind);
}
