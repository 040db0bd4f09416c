/* cmd_simulate.c — `tsmem simulate`: option parsing, help text and file
 * handling around sim_run (sim/sim.h).  Output files are written to a
 * temporary file next to the target and renamed into place on success, so
 * a failure never leaves a half-written traffic.out or truth file.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../sim/sim.h"
#include "cli.h"

enum {
	O_SCENARIO = 1000, O_DAYS, O_INTERVAL, O_FORMAT, O_SEED, O_HOST, O_THREADS, O_NOISE,
	O_BURST, O_SIGUSR1, O_DEBUG, O_TRUNC, O_JEMALLOC, O_START, O_TRUTH, O_LIST, O_HELP
};

static const struct sim_opt {
	const char *lng;
	int id;
	int has_arg;
	const char *argname;
	const char *help;
} opts[] = {
	{"scenario", O_SCENARIO, 1, "NAME", "workload to simulate (required; see --list-scenarios)"},
	{"days", O_DAYS, 1, "D", "simulated span in days (default 7)"},
	{"interval", O_INTERVAL, 1, "S", "seconds between periodic dumps (default 60)"},
	{"format", O_FORMAT, 1, "FMT", "F1, F2, F3, F4 or baseline (default F3)"},
	{"seed", O_SEED, 1, "N", "random seed (default 1); same seed, same output"},
	{"host", O_HOST, 1, "NAME", "host name recorded in the truth file (default sim-01)"},
	{"threads", O_THREADS, 1, "N", "threads that park objects in per-thread caches (default 16)"},
	{"noise", O_NOISE, 1, "X", "load noise, sd of a multiplicative factor, 0..1 (default 0.05)"},
	{"burstiness", O_BURST, 1, "X", "traffic bursts per 30 minutes (default 0.5)"},
	{"sigusr1", O_SIGUSR1, 1, "N", "extra SIGUSR1 dumps at random times (default 0)"},
	{"debug-lines", O_DEBUG, 0, NULL, "interleave timestamped DEBUG diags lines"},
	{"truncate", O_TRUNC, 0, NULL, "cut the last dump off mid-row"},
	{"jemalloc", O_JEMALLOC, 0, NULL, "jemalloc statistics before F4 SIGUSR1 dumps"},
	{"start", O_START, 1, "'YYYY-MM-DD HH:MM:SS'", "process start time (default 2025-01-06 00:00:00)"},
	{"output", 'o', 1, "FILE", "write traffic.out here instead of standard output"},
	{"truth", O_TRUTH, 1, "FILE", "write the true verdicts as JSON (schema tsmem.truth/1)"},
	{"list-scenarios", O_LIST, 0, NULL, "list the scenarios and exit"},
	{"help", O_HELP, 0, NULL, "show this help and exit"},
};

#define NOPTS (sizeof opts / sizeof opts[0])

static void help(FILE *f)
{
	size_t i;

	fprintf(f, "usage: tsmem simulate --scenario NAME [OPTIONS]\n\n"
	           "Run the ATS freelist allocator model forward on a synthetic workload and write\n"
	           "the traffic.out that traffic_server would have written.\n\nOptions:\n");
	for (i = 0; i < NOPTS; i++) {
		char left[64];

		snprintf(left, sizeof left, "%s--%s%s%s", opts[i].id == 'o' ? "-o, " : "    ", opts[i].lng,
		         opts[i].argname ? " " : "", opts[i].argname ? opts[i].argname : "");
		fprintf(f, "  %-36s %s\n", left, opts[i].help);
	}
	fprintf(f, "\nExit status: 0 ok, 1 usage error, 2 I/O error.\n");
}

static int parse_double(const char *s, double lo, double hi, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end != '\0' || errno != 0 || !(v >= lo && v <= hi))
		return -1;
	*out = v;
	return 0;
}

static int parse_ll(const char *s, long long lo, long long hi, long long *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (end == s || *end != '\0' || errno != 0 || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (*s == '-' || *s == '\0')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end != '\0' || errno != 0)
		return -1;
	*out = v;
	return 0;
}

/* 'YYYY-MM-DD HH:MM:SS' as Unix seconds, the fields taken as UTC. */
static int parse_start(const char *s, int64_t *out)
{
	int y, mo, d, h, mi, se, n = 0;
	int64_t yy, era, yoe, doy, doe;

	if (sscanf(s, "%4d-%2d-%2d %2d:%2d:%2d%n" /* NOLINT(cert-err34-c): widths bound the values */, &y, &mo, &d, &h, &mi, &se, &n) != 6 || s[n] != '\0')
		return -1;
	if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 59 ||
	    h < 0 || mi < 0 || se < 0)
		return -1;
	yy = mo <= 2 ? y - 1 : y;
	era = yy / 400;
	yoe = yy - era * 400;
	doy = (153 * (mo > 2 ? mo - 3 : mo + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	*out = (era * 146097 + doe - 719468) * 86400 + h * 3600 + mi * 60 + se;
	return 0;
}

/* Open a temporary file next to `path`; *tmp receives its malloc'd name. */
static FILE *open_temp(const char *path, char **tmp)
{
	size_t n = strlen(path) + 16;
	char *name = malloc(n);
	int fd;
	mode_t mask;
	FILE *f;

	*tmp = NULL;
	if (name == NULL)
		return NULL;
	if (cli_output_is_special(path)) {
		free(name);
		return fopen(path, "w");
	}
	snprintf(name, n, "%s.tmpXXXXXX", path);
	fd = mkstemp(name);
	if (fd < 0) {
		free(name);
		return NULL;
	}
	mask = umask(0);
	umask(mask);
	(void)fchmod(fd, 0666 & ~mask);
	f = fdopen(fd, "w");
	if (f == NULL) {
		close(fd);
		unlink(name);
		free(name);
		return NULL;
	}
	*tmp = name;
	return f;
}

/* Close f and rename tmp onto path; on any failure remove tmp.  0 / -1. */
static int commit_temp(FILE *f, char *tmp, const char *path, int ok)
{
	int rc = 0;

	if (fclose(f) != 0)
		ok = 0;
	if (tmp == NULL) /* a device or FIFO, written in place */
		return ok ? 0 : -1;
	if (ok && rename(tmp, path) != 0)
		ok = 0;
	if (!ok) {
		unlink(tmp);
		rc = -1;
	}
	free(tmp);
	return rc;
}

int cli_simulate(int argc, char **argv)
{
	struct option lo[NOPTS + 1];
	sim_opts so;
	sim_truth truth;
	const char *out_path = NULL, *truth_path = NULL;
	char err[TSM_ERRLEN] = "", *tmp_out = NULL, *tmp_truth = NULL;
	FILE *out = NULL, *tf = NULL;
	tsm_status rc;
	size_t i;
	int c, status = TSM_EXIT_OK;

	memset(lo, 0, sizeof lo);
	for (i = 0; i < NOPTS; i++) {
		lo[i].name = opts[i].lng;
		lo[i].has_arg = opts[i].has_arg ? required_argument : no_argument;
		lo[i].val = opts[i].id;
	}
	sim_opts_init(&so);
	memset(&truth, 0, sizeof truth);
	optind = 1;
	while ((c = cli_next_opt("simulate", argc, argv, ":o:", lo)) != -1) {
		double dv;
		long long lv;

		switch (c) {
		case O_HELP:
			help(stdout);
			return TSM_EXIT_OK;
		case O_LIST:
			for (i = 0; i < sim_scenario_count(); i++)
				printf("%-14s %s\n", sim_scenario_name(i), sim_scenario_summary(i));
			return TSM_EXIT_OK;
		case O_SCENARIO:
			if (sim_scenario_find(optarg) < 0)
				return cli_usage_error("simulate", "unknown scenario '%s' (see --list-scenarios)", optarg);
			so.scenario = optarg;
			break;
		case O_DAYS:
			if (parse_double(optarg, 1e-6, 3660, &dv) != 0)
				return cli_usage_error("simulate", "bad --days '%s' (a number in (0, 3660])", optarg);
			so.days = dv;
			break;
		case O_INTERVAL:
			if (parse_double(optarg, 1, 86400, &dv) != 0)
				return cli_usage_error("simulate", "bad --interval '%s' (seconds, 1..86400)", optarg);
			so.interval = dv;
			break;
		case O_FORMAT:
			if (sim_format_parse(optarg, &so.format) != 0)
				return cli_usage_error("simulate", "bad --format '%s' (F1, F2, F3, F4 or baseline)", optarg);
			break;
		case O_SEED:
			if (parse_u64(optarg, &so.seed) != 0)
				return cli_usage_error("simulate", "bad --seed '%s' (an unsigned integer)", optarg);
			break;
		case O_HOST:
			if (*optarg == '\0' || strlen(optarg) >= 64)
				return cli_usage_error("simulate", "bad --host '%s' (1..63 characters)", optarg);
			so.host = optarg;
			break;
		case O_THREADS:
			if (parse_ll(optarg, 1, 65536, &lv) != 0)
				return cli_usage_error("simulate", "bad --threads '%s' (1..65536)", optarg);
			so.threads = (int)lv;
			break;
		case O_NOISE:
			if (parse_double(optarg, 0, 1, &dv) != 0)
				return cli_usage_error("simulate", "bad --noise '%s' (0..1)", optarg);
			so.noise = dv;
			break;
		case O_BURST:
			if (parse_double(optarg, 0, 1000, &dv) != 0)
				return cli_usage_error("simulate", "bad --burstiness '%s' (0..1000)", optarg);
			so.burstiness = dv;
			break;
		case O_SIGUSR1:
			if (parse_ll(optarg, 0, 1000000, &lv) != 0)
				return cli_usage_error("simulate", "bad --sigusr1 '%s' (0..1000000)", optarg);
			so.sigusr1 = (int)lv;
			break;
		case O_DEBUG:
			so.debug_lines = 1;
			break;
		case O_TRUNC:
			so.truncate = 1;
			break;
		case O_JEMALLOC:
			so.jemalloc = 1;
			break;
		case O_START: {
			int64_t st;

			if (parse_start(optarg, &st) != 0)
				return cli_usage_error("simulate", "bad --start '%s' (YYYY-MM-DD HH:MM:SS)", optarg);
			so.start = st;
			break;
		}
		case 'o':
			if (*optarg == '\0')
				return cli_usage_error("simulate", "empty -o FILE");
			out_path = optarg;
			break;
		case O_TRUTH:
			if (*optarg == '\0')
				return cli_usage_error("simulate", "empty --truth FILE");
			truth_path = optarg;
			break;
		default: /* -2: usage error already printed */
			return TSM_EXIT_USAGE;
		}
	}
	if (optind < argc)
		return cli_usage_error("simulate", "unexpected argument '%s'", argv[optind]);
	if (so.scenario == NULL)
		return cli_usage_error("simulate", "--scenario NAME is required (see --list-scenarios)");
	if (so.days * 86400.0 / so.interval > 5e7)
		return cli_usage_error("simulate", "--days/--interval ask for more than 50 million dumps");

	if (out_path != NULL && strcmp(out_path, "-") != 0) {
		out = open_temp(out_path, &tmp_out);
		if (out == NULL) {
			cli_errorf("simulate: %s: %s", out_path, strerror(errno));
			return TSM_EXIT_DATA;
		}
	} else {
		out = stdout;
	}
	rc = sim_run(&so, out, truth_path != NULL ? &truth : NULL, err);
	if (rc != TSM_OK) {
		cli_errorf("simulate: %s%s%s", out_path != NULL ? out_path : "", out_path != NULL ? ": " : "", err);
		status = TSM_EXIT_DATA;
	}
	if (out != stdout && commit_temp(out, tmp_out, out_path, status == TSM_EXIT_OK) != 0 &&
	    status == TSM_EXIT_OK) {
		cli_errorf("simulate: %s: %s", out_path, strerror(errno));
		status = TSM_EXIT_DATA;
	}
	if (status == TSM_EXIT_OK && truth_path != NULL) {
		tf = open_temp(truth_path, &tmp_truth);
		if (tf == NULL) {
			cli_errorf("simulate: %s: %s", truth_path, strerror(errno));
			status = TSM_EXIT_DATA;
		} else {
			int ok = sim_truth_write(&truth, tf, err) == TSM_OK;

			if (commit_temp(tf, tmp_truth, truth_path, ok) != 0) {
				cli_errorf("simulate: %s: %s", truth_path, ok ? strerror(errno) : err);
				status = TSM_EXIT_DATA;
			}
		}
	}
	sim_truth_free(&truth);
	return status;
}
