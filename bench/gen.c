/* gen.c — write a deterministic benchmark traffic.out of F3 dumps.
 *
 *   gen -o FILE (--mb N | --dumps N) [--seed S] [--interval S] [--real]
 *
 * With --mb it writes whole dumps until the file holds at least N MiB.
 * Prints "dumps=D rows=R bytes=B" on stdout so that bench/run.sh can hand
 * the same dump count to bench/limit.c, and "changed=C" (rows that differ
 * from the allocator's previous dump).  --real: the real-shaped variant
 * (bg_init_real: most rows repeat).  The values come from benchgen.c;
 * this file only does options and output.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "benchgen.h"

static void usage(void)
{
	fputs("usage: gen -o FILE (--mb N | --dumps N) [--seed S] [--interval S] [--real]\n", stderr);
	exit(1);
}

static uint64_t num(const char *opt, const char *v)
{
	char *end = NULL;
	unsigned long long x;

	if (v == NULL)
		usage();
	errno = 0;
	x = strtoull(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0') {
		fprintf(stderr, "gen: bad value for %s: '%s'\n", opt, v);
		exit(1);
	}
	return x;
}

int main(int argc, char **argv)
{
	const char *out = NULL;
	uint64_t mb = 0, dumps = 0, seed = 1, interval = 10, bytes = 0;
	static char buf[1 << 20];
	bg_state st;
	FILE *f;
	int i, real = 0;

	for (i = 1; i < argc; i += 2) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--real") == 0) {
			real = 1;
			i--;
		} else if (strcmp(a, "-o") == 0 && v != NULL)
			out = v;
		else if (strcmp(a, "--mb") == 0)
			mb = num(a, v);
		else if (strcmp(a, "--dumps") == 0)
			dumps = num(a, v);
		else if (strcmp(a, "--seed") == 0)
			seed = num(a, v);
		else if (strcmp(a, "--interval") == 0)
			interval = num(a, v);
		else
			usage();
	}
	if (out == NULL || (mb == 0) == (dumps == 0) || interval == 0 || interval > 86400)
		usage();
	f = fopen(out, "w");
	if (f == NULL) {
		fprintf(stderr, "gen: %s: %s\n", out, strerror(errno));
		return 2;
	}
	setvbuf(f, buf, _IOFBF, sizeof buf);
	if (real)
		bg_init_real(&st, seed, (int)interval);
	else
		bg_init(&st, seed, (int)interval);
	while (dumps != 0 ? st.dumps < dumps : bytes < mb << 20) {
		long n;

		bg_next(&st);
		n = bg_write_dump(&st, f);
		if (n < 0)
			break;
		bytes += (uint64_t)n;
	}
	if (ferror(f) || fclose(f) != 0) {
		fprintf(stderr, "gen: %s: write error: %s\n", out, strerror(errno));
		return 2;
	}
	printf("dumps=%" PRIu64 " rows=%" PRIu64 " bytes=%" PRIu64 " changed=%" PRIu64 "\n", st.dumps,
	       st.dumps * BG_ROWS, bytes, st.changed_total);
	return 0;
}
