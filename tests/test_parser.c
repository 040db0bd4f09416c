/* test_parser.c — the parser against every format of the spec, the real
 * public dumps, the tolerances of issue #2 and bad input.
 *
 * Expected values come from the fixture text itself (an independent sscanf
 * reading of each row) or are written out by hand below.
 */
#include <stdlib.h>

#include "../parser/parser.h"
#include "../parser/timeline.h"
#include "testlib.h"

#define MAXD 64

typedef struct coll {
	parser_dump *d[MAXD];
	size_t nd;
	char codes[4096];
	int nwarn, nnote;
	parser_anchor an[64];
	size_t nan;
	parser_marker mk[16];
	size_t nmk;
	parser_resource res[64];
	size_t nres;
} coll;

static int c_dump(void *ctx, const parser_dump *d)
{
	coll *c = ctx;
	if (c->nd < MAXD) {
		c->d[c->nd] = malloc(sizeof *d);
		memcpy(c->d[c->nd], d, sizeof *d);
		c->nd++;
	}
	return 0;
}
static int c_diag(void *ctx, const tsm_diag *dg)
{
	coll *c = ctx;
	if (dg->severity == TSM_SEV_WARNING)
		c->nwarn++;
	else
		c->nnote++;
	if (strlen(c->codes) + strlen(dg->code) + 2 < sizeof c->codes) {
		strcat(c->codes, dg->code);
		strcat(c->codes, " ");
	}
	return 0;
}
static int c_anchor(void *ctx, const parser_anchor *a)
{
	coll *c = ctx;
	if (c->nan < 64)
		c->an[c->nan++] = *a;
	return 0;
}
static int c_marker(void *ctx, const parser_marker *m)
{
	coll *c = ctx;
	if (c->nmk < 16)
		c->mk[c->nmk++] = *m;
	return 0;
}
static int c_res(void *ctx, const parser_resource *r)
{
	coll *c = ctx;
	if (c->nres < 64)
		c->res[c->nres++] = *r;
	return 0;
}

static void coll_free(coll *c)
{
	size_t i;
	for (i = 0; i < c->nd; i++)
		free(c->d[i]);
	memset(c, 0, sizeof *c);
}

/* Parse a buffer, fed in pieces of `chunk` bytes (0 = all at once). */
static void parse_buf(coll *c, const char *buf, size_t len, size_t chunk)
{
	char err[TSM_ERRLEN];
	parser_callbacks cb = {c, c_dump, c_res, c_anchor, c_marker, c_diag};
	parser *p;
	size_t off = 0;

	memset(c, 0, sizeof *c);
	p = parser_new(&cb, err);
	CHECK(p != NULL);
	if (p == NULL)
		return;
	if (chunk == 0)
		chunk = len ? len : 1;
	while (off < len) {
		size_t n = len - off < chunk ? len - off : chunk;
		parser_feed(p, buf + off, n);
		off += n;
	}
	parser_finish(p);
	parser_free(p);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *b;
	long n;

	if (f == NULL) {
		fprintf(stderr, "cannot open %s\n", path);
		*len = 0;
		return calloc(1, 1);
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	b = malloc((size_t)n + 1);
	*len = fread(b, 1, (size_t)n, f);
	b[*len] = 0;
	fclose(f);
	return b;
}

static void parse_file(coll *c, const char *path, size_t chunk)
{
	size_t len;
	char *b = slurp(path, &len);
	parse_buf(c, b, len, chunk);
	free(b);
}

static int has_code(const coll *c, const char *code)
{
	char pat[64];
	snprintf(pat, sizeof pat, "%s ", code);
	return strstr(c->codes, pat) != NULL;
}

/* Every "a | u | t | memory/name" line of a file, read with sscanf, must
 * come out of the parser with the same numbers, in order. */
static void check_rows_match_text(const char *path)
{
	size_t len, k = 0;
	char *b = slurp(path, &len), *line, *save = NULL;
	coll c;

	parse_buf(&c, b, len, 7);
	CHECK_INT(c.nd, 1);
	for (line = strtok_r(b, "\n", &save); line && c.nd == 1; line = strtok_r(NULL, "\n", &save)) {
		unsigned long long a, u;
		unsigned t;
		char name[200];
		if (sscanf(line, " %llu | %llu | %u | memory/%199s", &a, &u, &t, name) != 4)
			continue;
		CHECK(k < c.d[0]->nrows);
		if (k >= c.d[0]->nrows)
			break;
		CHECK_STR(c.d[0]->rows[k].name, name);
		CHECK_U64(c.d[0]->rows[k].allocated, a);
		CHECK_U64(c.d[0]->rows[k].in_use, u);
		CHECK_U64(c.d[0]->rows[k].type_size, t);
		k++;
	}
	if (c.nd == 1)
		CHECK_U64(k, c.d[0]->nrows);
	CHECK(k > 0);
	coll_free(&c);
	free(b);
}

static void test_real(void)
{
	coll c;

	check_rows_match_text("fixtures/real/01-ats-jtest-readme-zh-7.1dev.txt");
	check_rows_match_text("fixtures/real/02-efengcloud-issue6-fork3.2.txt");
	check_rows_match_text("fixtures/real/04-gh5858-7.1.x-a-earlier.txt");
	check_rows_match_text("fixtures/real/05-gh5858-7.1.x-b-later.txt");
	check_rows_match_text("fixtures/real/07-gh9625-8.1.1.txt");

	parse_file(&c, "fixtures/real/07-gh9625-8.1.1.txt", 0);
	CHECK_INT(c.d[0]->format, PARSER_FMT_F3);
	CHECK_INT(c.d[0]->nrows, 9);
	CHECK_INT(c.d[0]->complete, 0); /* a prefix: no TOTAL, no trailer */
	CHECK_U64(c.d[0]->rows[1].allocated, 75094818816ull);
	CHECK_INT(c.d[0]->rows[1].bucket, 13);
	CHECK(has_code(&c, "dump-truncated"));
	coll_free(&c);

	/* 01: TAB-indented, starts with the previous dump's trailer */
	parse_file(&c, "fixtures/real/01-ats-jtest-readme-zh-7.1dev.txt", 0);
	CHECK_INT(c.d[0]->nrows, 6);
	CHECK_U64(c.d[0]->rows[1].allocated, 3355443200ull);
	CHECK(has_code(&c, "stray-trailer"));
	coll_free(&c);

	/* 02: lower-case header, merged rows: reclaimable */
	parse_file(&c, "fixtures/real/02-efengcloud-issue6-fork3.2.txt", 0);
	CHECK_INT(c.d[0]->format, PARSER_FMT_F1);
	CHECK_INT(c.d[0]->mode, PARSER_MODE_RECLAIMABLE);
	coll_free(&c);

	/* 04 then 05 as one stream (cat 04 05): two dumps, one lifetime */
	{
		size_t l1, l2;
		char *a = slurp("fixtures/real/04-gh5858-7.1.x-a-earlier.txt", &l1);
		char *b = slurp("fixtures/real/05-gh5858-7.1.x-b-later.txt", &l2);
		char *ab = malloc(l1 + l2);
		memcpy(ab, a, l1);
		memcpy(ab + l1, b, l2);
		parse_buf(&c, ab, l1 + l2, 0);
		CHECK_INT(c.nd, 2);
		if (c.nd == 2) {
			CHECK_INT(c.d[0]->nrows, 14);
			CHECK_INT(c.d[1]->nrows, 14);
			CHECK_INT(c.d[0]->complete, 0);
			CHECK_U64(c.d[1]->rows[3].allocated, 922746880ull);
			CHECK_U64(c.d[1]->lifetime, 0);
			CHECK_INT(c.d[1]->new_lifetime, 0);
		}
		coll_free(&c);
		free(a);
		free(b);
		free(ab);
	}
}

static void test_formats(void)
{
	coll c;

	parse_file(&c, "fixtures/formats/f3.log", 0);
	CHECK_INT(c.nd, 1);
	CHECK_INT(c.d[0]->format, PARSER_FMT_F3);
	CHECK_INT(c.d[0]->complete, 1);
	CHECK_INT(c.d[0]->nrows, 19);
	CHECK_INT(c.d[0]->has_total, 1);
	CHECK_U64(c.d[0]->total_allocated, 112338944ull);
	CHECK_U64(c.d[0]->total_in_use, 83486032ull);
	CHECK_STR(c.d[0]->rows[17].name, "httpSMAllocator");
	CHECK_U64(c.d[0]->rows[17].type_size, 5456);
	CHECK_INT(c.d[0]->rows[17].bucket, -1);
	CHECK_STR(c.d[0]->start_reason, "first-dump");
	coll_free(&c);

	parse_file(&c, "fixtures/formats/f2.log", 0);
	CHECK_INT(c.d[0]->format, PARSER_FMT_F2);
	CHECK_INT(c.d[0]->complete, 1);
	coll_free(&c);

	parse_file(&c, "fixtures/formats/f1.log", 0);
	CHECK_INT(c.d[0]->format, PARSER_FMT_F1);
	CHECK_INT(c.d[0]->nrows, 19);
	coll_free(&c);

	parse_file(&c, "fixtures/formats/f4.log", 3);
	CHECK_INT(c.d[0]->format, PARSER_FMT_F4);
	CHECK_INT(c.d[0]->complete, 1);
	CHECK_INT(c.d[0]->rows[18].has_counts, 1);
	CHECK_U64(c.d[0]->rows[18].alloc_count, 512);
	CHECK_U64(c.d[0]->rows[18].in_use_count, 430);
	CHECK_U64(c.d[0]->rows[18].chunk_items, 256);
	CHECK_U64(c.d[0]->rows[1].allocated, 67108864ull);
	CHECK_U64(c.d[0]->total_allocated, 112338944ull); /* old 4-column TOTAL */
	coll_free(&c);

	/* baseline: 2nd row's count 4294967293 is -3 items */
	parse_file(&c, "fixtures/formats/baseline.log", 0);
	CHECK_INT(c.d[0]->format, PARSER_FMT_BASELINE);
	CHECK_INT(c.d[0]->kind, PARSER_KIND_BASELINE);
	CHECK_INT(c.d[0]->nrows, 3);
	CHECK(c.d[0]->rows[1].delta_in_use == -3 * 4096);
	CHECK(c.d[0]->rows[0].delta_allocated == 1048576);
	coll_free(&c);

	/* F1 + R1 + 5.3 sbrk: SIGUSR1 dump with resource rows */
	parse_file(&c, "fixtures/formats/f1_r1.log", 0);
	CHECK_INT(c.nd, 1);
	CHECK_INT(c.d[0]->kind, PARSER_KIND_SIGUSR1);
	CHECK_INT(c.nres, 3);
	CHECK_STR(c.res[1].location, "memory/IOBuffer/Cache.cc:2411");
	CHECK(c.res[1].in_use == 104857600);
	CHECK_INT(c.res[2].is_total, 1);
	coll_free(&c);

	/* F3 + R3 + SSL */
	parse_file(&c, "fixtures/formats/f3_r3_ssl.log", 0);
	CHECK_INT(c.nd, 1);
	CHECK_INT(c.nres, 5);
	CHECK(c.res[0].allocs == 1520344 && c.res[0].frees == 1520012 && c.res[0].in_use == 10747904 &&
	      c.res[0].avg_size == 32373);
	CHECK_STR(c.res[0].location, "memory/IOBuffer/HttpSM.cc:6633");
	CHECK_INT(c.res[3].is_total, 1);
	CHECK(c.res[3].in_use == 148135936);
	CHECK_INT(c.res[4].is_ssl, 1);
	CHECK(c.res[4].in_use == 83456000);
	CHECK_INT(c.nwarn, 0); /* the spec example's TOTAL equals the sum of its rows */
	coll_free(&c);

	/* a TOTAL that is not the sum of the rows is reported */
	{
		size_t l;
		char *f3 = slurp("fixtures/formats/f3.log", &l);
		char *t = strstr(f3, "112338944");
		t[0] = '2';
		parse_buf(&c, f3, l, 0);
		CHECK(has_code(&c, "total-mismatch"));
		free(f3);
	}
	coll_free(&c);
}

static const char HDR3[] = "     Allocated      |        In-Use      | Type Size  |   Free List Name\n"
                           "--------------------|--------------------|------------|----------------------------------\n";
static const char TRL[] = "-----------------------------------------------------------------------------------------\n";

static void mk3(char *out, size_t n, unsigned long long a14, unsigned long long a0, const char *between)
{
	snprintf(out, n,
	         "%s %18llu | %18llu | %10u | memory/ioBufAllocator[14]\n%s"
	         " %18llu | %18llu | %10u | memory/ioBufAllocator[0]\n"
	         " %18llu | %18llu |            | TOTAL\n%s",
	         HDR3, a14, a14 / 2, 2097152u, between, a0, a0 / 2, 128u, a14 + a0, a14 / 2 + a0 / 2, TRL);
}

static void test_tolerance(void)
{
	char a[4096], b[4096], buf[16384];
	coll c;
	size_t i, j;

	/* foreign lines between rows, CRLF, and chunking independence */
	mk3(a, sizeof a, 67108864ull * 2, 16384ull * 3, "[Jan  1 00:00:10.123] [ET_NET 3] DEBUG: <HttpSM.cc:1> (http) x\n"
	                                                "some foreign text\n");
	for (i = 0, j = 0; a[i]; i++) {
		if (a[i] == '\n')
			buf[j++] = '\r';
		buf[j++] = a[i];
	}
	buf[j] = 0;
	parse_buf(&c, buf, j, 1);
	CHECK_INT(c.nd, 1);
	CHECK_INT(c.d[0]->nrows, 2);
	CHECK_INT(c.d[0]->complete, 1);
	CHECK_U64(c.d[0]->rows[1].allocated, 49152);
	CHECK_INT(c.nan, 1);
	CHECK_INT(c.an[0].month, 1);
	CHECK_INT(c.an[0].second, 10);
	CHECK_INT(c.an[0].msec, 123);
	CHECK_INT(c.nwarn, 0);
	coll_free(&c);

	/* allocated falls: a restart */
	mk3(a, sizeof a, 67108864ull * 2, 16384, "");
	mk3(b, sizeof b, 67108864ull, 16384, "");
	snprintf(buf, sizeof buf, "%s%s", a, b);
	parse_buf(&c, buf, strlen(buf), 0);
	CHECK_INT(c.nd, 2);
	CHECK_U64(c.d[1]->lifetime, 1);
	CHECK_STR(c.d[1]->start_reason, "allocated-fell");
	coll_free(&c);

	/* a marker between dumps: a restart even though nothing fell */
	snprintf(buf, sizeof buf, "%straffic_server: received signal 11 (Segmentation fault)\n"
	         "traffic_server - STACK TRACE: \n%s", a, a);
	parse_buf(&c, buf, strlen(buf), 0);
	CHECK_INT(c.nd, 2);
	CHECK_INT(c.nmk, 2);
	CHECK_STR(c.d[1]->start_reason, "marker");
	coll_free(&c);

	/* no final newline, cut off mid-line at end of file */
	mk3(a, sizeof a, 67108864ull, 16384, "");
	snprintf(buf, sizeof buf, "%s%s", a, a);
	buf[strlen(a) + 200] = 0; /* inside the second dump's first row */
	parse_buf(&c, buf, strlen(buf), 0);
	CHECK_INT(c.nd, 2);
	CHECK_INT(c.d[0]->complete, 1);
	CHECK_INT(c.d[1]->complete, 0);
	CHECK(has_code(&c, "dump-truncated"));
	coll_free(&c);

	/* two dumps interleaved row by row */
	snprintf(buf, sizeof buf,
	         "%s%s"
	         " %18llu | %18llu | %10u | memory/ioBufAllocator[14]\n"
	         " %18llu | %18llu | %10u | memory/ioBufAllocator[14]\n"
	         " %18llu | %18llu | %10u | memory/ioBufAllocator[0]\n"
	         " %18llu | %18llu | %10u | memory/ioBufAllocator[0]\n"
	         " %18llu | %18llu |            | TOTAL\n"
	         " %18llu | %18llu |            | TOTAL\n%s%s",
	         HDR3, HDR3, 1ull << 26, 1ull << 25, 2097152u, 2ull << 26, 2ull << 25, 2097152u, 16384ull, 128ull,
	         128u, 32768ull, 256ull, 128u, (1ull << 26) + 16384, (1ull << 25) + 128, (2ull << 26) + 32768,
	         (2ull << 25) + 256, TRL, TRL);
	parse_buf(&c, buf, strlen(buf), 0);
	CHECK_INT(c.nd, 2);
	if (c.nd == 2) {
		CHECK_INT(c.d[0]->complete, 1);
		CHECK_INT(c.d[1]->complete, 1);
		CHECK_U64(c.d[0]->rows[0].allocated, 1ull << 26);
		CHECK_U64(c.d[1]->rows[0].allocated, 2ull << 26);
		CHECK_U64(c.d[0]->rows[1].allocated, 16384);
		CHECK_U64(c.d[1]->rows[1].allocated, 32768);
		CHECK_U64(c.d[1]->total_allocated, (2ull << 26) + 32768);
	}
	CHECK_INT(c.nwarn, 0);
	coll_free(&c);

	/* jemalloc block before an F4 SIGUSR1 dump is skipped */
	{
		size_t l;
		char *f4 = slurp("fixtures/formats/f4.log", &l);
		snprintf(buf, sizeof buf, "___ Begin jemalloc statistics ___\nVersion: \"5.3.0\"\n"
		         "  | looks | like | a | row | memory/x\n--- End jemalloc statistics ---\n%s", f4);
		parse_buf(&c, buf, strlen(buf), 0);
		CHECK_INT(c.nd, 1);
		CHECK_INT(c.d[0]->kind, PARSER_KIND_SIGUSR1);
		CHECK_INT(c.d[0]->nrows, 19);
		CHECK_INT(c.nwarn, 0);
		coll_free(&c);
		free(f4);
	}
}

static void test_bad_input(void)
{
	char a[4096], buf[16384];
	coll c;
	char *big;
	size_t n;

	/* numbers past 2^64, negative, too few and too many columns, NUL bytes */
	mk3(a, sizeof a, 67108864ull, 16384,
	    "  18446744073709551616 | 1 | 128 | memory/overflow\n"
	    "  -5 | 1 | 128 | memory/negative\n"
	    "  5 | 128 | memory/few\n"
	    "  1 | 2 | 3 | 4 | 5 | 6 | memory/many\n");
	n = strlen(a);
	memcpy(buf, "junk\0\x01\x02 binary\n", 15);
	memcpy(buf + 15, a, n + 1);
	parse_buf(&c, buf, n + 15, 0);
	CHECK_INT(c.nd, 1);
	CHECK_INT(c.d[0]->nrows, 2); /* the two good rows survive */
	CHECK(has_code(&c, "bad-number"));
	CHECK(has_code(&c, "bad-row"));
	CHECK(has_code(&c, "binary-line"));
	coll_free(&c);

	/* a 10 MB line between two dumps: skipped, both dumps kept */
	mk3(a, sizeof a, 67108864ull, 16384, "");
	n = strlen(a);
	big = malloc(2 * n + 10 * 1024 * 1024 + 2);
	memcpy(big, a, n);
	memset(big + n, 'x', 10 * 1024 * 1024);
	big[n + 10 * 1024 * 1024] = '\n';
	memcpy(big + n + 10 * 1024 * 1024 + 1, a, n);
	parse_buf(&c, big, 2 * n + 10 * 1024 * 1024 + 1, 65536);
	CHECK_INT(c.nd, 2);
	CHECK(has_code(&c, "line-too-long"));
	coll_free(&c);
	parse_buf(&c, big, 2 * n + 10 * 1024 * 1024 + 1, 0);
	CHECK_INT(c.nd, 2);
	coll_free(&c);
	free(big);

	/* in-use above allocated, bytes not a multiple of the type size */
	mk3(a, sizeof a, 67108864ull, 16384, " 1000 | 999999 | 128 | memory/odd\n");
	parse_buf(&c, a, strlen(a), 0);
	CHECK(has_code(&c, "in-use-above-allocated"));
	CHECK(has_code(&c, "not-multiple"));
	CHECK_INT(c.d[0]->nrows, 3);
	coll_free(&c);
}

static void test_timeline(void)
{
	parser_anchor an[2];
	timeline_dump d[3];
	timeline_opts o;
	double ts, iv;
	uint64_t idx;

	memset(an, 0, sizeof an);
	memset(d, 0, sizeof d);
	memset(&o, 0, sizeof o);
	o.year = 2024;
	an[0].line = 10, an[0].month = 12, an[0].day = 31, an[0].hour = 23, an[0].minute = 59, an[0].second = 50;
	an[1].line = 30, an[1].month = 1, an[1].day = 1, an[1].hour = 0, an[1].minute = 0, an[1].second = 0;
	d[0].seq = 0, d[0].line = 20; /* bracketed by the two anchors, across New Year */
	d[1].seq = 1, d[1].line = 40;
	d[2].seq = 2, d[2].line = 60;
	o.interval = 60;
	iv = timeline_assign(d, 3, an, 2, &o);
	CHECK_NEAR(iv, 60, 1e-9);
	CHECK_INT(d[0].quality, TL_EXACT_BRACKET);
	CHECK_INT(d[1].quality, TL_PROPAGATED);
	CHECK_NEAR(d[1].ts - d[0].ts, 60, 1e-6);
	CHECK(timeline_parse_anchor("2025-01-01 00:00:00@0", &ts, &idx) == 0);
	CHECK_NEAR(d[0].ts + 5, ts, 1e-3); /* midpoint of 23:59:50 and 00:00:00 */
	CHECK(timeline_parse_anchor("2025-13-01 00:00:00@0", &ts, &idx) != 0);
	CHECK(timeline_parse_anchor("2025-01-01 00:00:00", &ts, &idx) != 0);
	CHECK(timeline_parse_anchor("2025-01-01 00:00:00@3x", &ts, &idx) != 0);

	/* no anchors, interval known: relative */
	memset(&o, 0, sizeof o);
	o.interval = 10;
	timeline_assign(d, 3, NULL, 0, &o);
	CHECK_INT(d[2].quality, TL_RELATIVE);
	CHECK_NEAR(d[2].ts, 20, 1e-9);
	/* active file: last dump at mtime, others propagated back */
	o.active = 1;
	o.mtime = 1700000000;
	timeline_assign(d, 3, NULL, 0, &o);
	CHECK_INT(d[2].quality, TL_UPPER_BOUND);
	CHECK_NEAR(d[0].ts, 1700000000 - 20, 1e-9);
	/* sparse anchors (every 3rd dump, 3 minutes apart), interval unknown:
	 * the dumps between two anchors share the time evenly, the interval
	 * is estimated (60 s) and carried to the dumps after the last anchor */
	{
		parser_anchor sa[3];
		timeline_dump sd[8];
		size_t k;
		memset(sa, 0, sizeof sa);
		memset(sd, 0, sizeof sd);
		for (k = 0; k < 3; k++) {
			sa[k].line = 100 * k * 3 + 50;
			sa[k].month = 6, sa[k].day = 1, sa[k].hour = 12, sa[k].minute = (int)(3 * k);
		}
		for (k = 0; k < 8; k++)
			sd[k].seq = k, sd[k].line = 100 * k + 60;
		memset(&o, 0, sizeof o);
		o.year = 2026;
		iv = timeline_assign(sd, 8, sa, 3, &o);
		CHECK_NEAR(iv, 60, 1e-6);
		CHECK_INT(sd[0].quality, TL_PROPAGATED);
		CHECK_NEAR(sd[1].ts - sd[0].ts, 60, 1e-6);
		CHECK_NEAR(sd[4].ts - sd[0].ts, 240, 1e-6);
		CHECK_INT(sd[7].quality, TL_PROPAGATED);
		CHECK_NEAR(sd[7].ts - sd[0].ts, 420, 1e-6);
	}
	/* the true period drifts (60.05 s) from the given interval (60 s):
	 * times come from the nearest bracketed dump, so they stay increasing
	 * and the error does not accumulate over 1000 dumps */
	{
		enum { N = 1000 };
		static timeline_dump ld[N];
		parser_anchor la[4];
		size_t k;
		int increasing = 1;
		double t0 = 12 * 3600.0;
		memset(la, 0, sizeof la);
		memset(ld, 0, sizeof ld);
		for (k = 0; k < N; k++)
			ld[k].seq = k, ld[k].line = 10 * k + 5;
		/* narrow brackets around dump 0 and dump N-1 */
		for (k = 0; k < 4; k++) {
			double t = t0 + (k < 2 ? 0 : (N - 1) * 60.05) + (k % 2 ? 0.5 : -0.5);
			la[k].line = (k < 2 ? 5 : 10 * (N - 1) + 5) + (k % 2 ? 1 : -1);
			la[k].month = 6, la[k].day = 1;
			la[k].hour = (int)(t / 3600), la[k].minute = (int)(t / 60) % 60, la[k].second = (int)t % 60;
			la[k].msec = (int)((t - (int)t) * 1000 + 0.5);
		}
		memset(&o, 0, sizeof o);
		o.year = 2026;
		o.interval = 60;
		timeline_assign(ld, N, la, 4, &o);
		for (k = 1; k < N; k++)
			if (!(ld[k].ts > ld[k - 1].ts))
				increasing = 0;
		CHECK(increasing);
		CHECK_INT(ld[N - 1].quality, TL_EXACT_BRACKET);
		for (k = 0; k < N; k++)
			if (fabs(ld[k].ts - (ld[0].ts + (double)k * 60.05)) > 60)
				break;
		CHECK_INT(k, N); /* every dump within one interval of its true time */
	}
	CHECK(timeline_rotated_bounds("/x/traffic.out.20240101.00h00m00s-20240102.00h00m00s.old", &ts, &iv) == 0);
	CHECK_NEAR(iv - ts, 86400, 3600);
	CHECK(timeline_rotated_bounds("traffic.out", &ts, &iv) != 0);
}

int main(void)
{
	test_real();
	test_formats();
	test_tolerance();
	test_bad_input();
	test_timeline();
	return TEST_DONE();
}
