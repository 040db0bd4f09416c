/* parse_only.c — parse-only throughput of tsmem's parser (DESIGN §7 target
 * >= 500 MB/s): read(2) the file in 256 KiB chunks into parser_feed, then
 * parser_finish, with callbacks that only count.
 *
 *   parse_only FILE
 *
 * Prints "bytes=B dumps=D rows=R seconds=S" on stdout (S = wall time of the
 * read+parse loop, CLOCK_MONOTONIC).  Links build/libtsmem.a; touches no
 * database.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../parser/parser.h"

#define CHUNK (256 * 1024)

typedef struct counts {
	uint64_t dumps, rows, diags;
} counts;

static int on_dump(void *ctx, const parser_dump *d)
{
	counts *c = ctx;

	c->dumps++;
	c->rows += d->nrows;
	return 0;
}

static int on_diag(void *ctx, const tsm_diag *d)
{
	counts *c = ctx;

	(void)d;
	c->diags++;
	return 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	static char buf[CHUNK];
	char err[TSM_ERRLEN] = "";
	parser_callbacks cb;
	counts c = {0, 0, 0};
	uint64_t bytes = 0;
	parser *p = NULL;
	double t0, t1;
	int fd, ret = 2;
	ssize_t n;

	if (argc != 2) {
		fputs("usage: parse_only FILE\n", stderr);
		return 1;
	}
	fd = open(argv[1], O_RDONLY);
	if (fd < 0) {
		fprintf(stderr, "parse_only: %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	memset(&cb, 0, sizeof cb);
	cb.ctx = &c;
	cb.on_dump = on_dump;
	cb.on_diag = on_diag;
	t0 = now();
	p = parser_new(&cb, err);
	if (p == NULL) {
		fprintf(stderr, "parse_only: %s\n", err);
		goto out;
	}
	for (;;) {
		n = read(fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "parse_only: %s: %s\n", argv[1], strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		bytes += (uint64_t)n;
		if (parser_feed(p, buf, (size_t)n) != TSM_OK)
			goto out;
	}
	if (parser_finish(p) != TSM_OK)
		goto out;
	t1 = now();
	printf("bytes=%" PRIu64 " dumps=%" PRIu64 " rows=%" PRIu64 " diags=%" PRIu64 " seconds=%.3f\n", bytes,
	       c.dumps, c.rows, c.diags, t1 - t0);
	ret = 0;
out:
	parser_free(p);
	close(fd);
	return ret;
}
