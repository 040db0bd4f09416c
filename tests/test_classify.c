/* test_classify.c — the classifier's API: parameters (names, ranges, gone
 * ones), the lifetime context (load index, period, RAM cache split) and the
 * rules on small built series whose answer follows from the mechanism.
 * Verdicts on whole inputs are tested as data: fixtures/verdicts/ and
 * tests/verdicts_cli.sh. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../detect/classify.h"
#include "testlib.h"

#define NA 8      /* allocators of the built lifetime */
#define ND 600    /* dumps */
#define IV 300.0  /* seconds between dumps */

/* A lifetime of NA allocators: 0..5 follow the load (a 24 h sine), 6 is
 * the subject (its in-use given), 7 is idle. */
typedef struct built {
	double x[ND];
	int64_t a[NA][ND], u[NA][ND];
	const char *name[NA];
	int bucket[NA];
	uint32_t size[NA];
} built;

static void build(built *b, const double *subject, double period_h)
{
	static const char *const names[NA] = {"httpSMAllocator", "hdrHeap", "netVCAllocator",
	                                      "eventAllocator", "mutexAllocator", "ioAllocator",
	                                      "ioBufAllocator[6]", "ioBufAllocator[9]"};
	size_t i, k;

	for (i = 0; i < NA; i++) {
		b->name[i] = names[i];
		b->bucket[i] = i == 6 ? 6 : i == 7 ? 9 : -1;
		b->size[i] = i == 6 ? 8192 : i == 7 ? 65536 : 256;
	}
	for (k = 0; k < ND; k++) {
		double load = period_h > 0 ? 1.0 + 0.6 * sin(2 * M_PI * k * IV / (period_h * 3600)) : 1.0;

		b->x[k] = 1.7e9 + IV * (double)k;
		for (i = 0; i < 6; i++) {
			int64_t items = (int64_t)llround(100.0 * (1 + (double)i) * load);

			b->u[i][k] = items * b->size[i];
			b->a[i][k] = (int64_t)(128 * ((items + 127) / 128 + 1)) * b->size[i];
		}
		b->u[6][k] = (int64_t)subject[k];
		b->a[6][k] = 0;
		b->u[7][k] = b->a[7][k] = 0;
	}
	for (k = 0; k < ND; k++) {   /* allocated: chunk-rounded running max */
		int64_t mx = 0;

		for (size_t j = 0; j <= k; j++)
			if (b->u[6][j] > mx)
				mx = b->u[6][j];
		b->a[6][k] = ((mx / 8192 + 31) / 32) * 32 * 8192;
	}
}

static detect_verdict judge(const built *b, const detect_params *p, detect_result *r)
{
	detect_ctx *c = detect_ctx_new(DETECT_BASIS_TIME, b->x[0], b->x[ND - 1], ND, NA, p);
	detect_input in;
	char err[256];
	size_t i;

	CHECK(c != NULL);
	if (c == NULL)
		return DETECT_V_COUNT;
	for (i = 0; i < NA; i++)
		detect_ctx_add(c, i, b->name[i], b->bucket[i], b->size[i], b->x, b->u[i], ND);
	CHECK_INT(detect_ctx_finish(c), TSM_OK);
	memset(&in, 0, sizeof in);
	in.name = b->name[6];
	in.bucket = 6;
	in.type_size = 8192;
	in.chunk_items = 32;
	in.n = ND;
	in.x = b->x;
	in.allocated = b->a[6];
	in.in_use = b->u[6];
	in.ctx_index = 6;
	CHECK_INT(detect_classify(&in, c, p, r, err), TSM_OK);
	in.ctx_index = NA;  /* out of range: an error, not a crash */
	CHECK_INT(detect_classify(&in, c, p, r + 1, err), TSM_ERR);
	detect_ctx_free(c);
	return r->verdict;
}

static void test_params(void)
{
	detect_params p;
	char err[256];
	size_t i;

	detect_params_default(&p);
	CHECK(detect_param_count() >= 8);
	for (i = 0; i < detect_param_count(); i++) {
		CHECK(detect_param_name(i) != NULL && detect_param_help(i) != NULL);
		CHECK(detect_param_value(&p, i) == detect_param_default(i));
	}
	CHECK(detect_param_name(detect_param_count()) == NULL);
	CHECK_INT(detect_param_set(&p, "alpha=0.05", err), TSM_OK);
	CHECK_NEAR(p.alpha, 0.05, 1e-12);
	CHECK_INT(detect_param_set(&p, "churn_min_bytes=20M", err), TSM_OK);
	CHECK_NEAR(p.churn_min_bytes, 20.0 * 1024 * 1024, 0.5);
	CHECK_INT(detect_param_set(&p, "alpha=2", err), TSM_ERR);
	CHECK(strstr(err, "outside") != NULL);
	CHECK_INT(detect_param_set(&p, "alpha=x", err), TSM_ERR);
	CHECK_INT(detect_param_set(&p, "nope=1", err), TSM_ERR);
	CHECK(strstr(err, "unknown parameter") != NULL);
	/* a parameter of the earlier classifier names what replaced it */
	CHECK_INT(detect_param_set(&p, "min_span_hours=6", err), TSM_ERR);
	CHECK(strstr(err, "gone") != NULL && strstr(err, "min_dumps") != NULL);
	CHECK_INT(detect_param_set(&p, "leak_slack_frac=1", err), TSM_ERR);
	CHECK(strstr(err, "leak_noise") != NULL);
	CHECK_STR(detect_verdict_name(DETECT_V_LEAK), "leak");
	CHECK_STR(detect_reason_name(DETECT_R_RAM_FILLING), "ram_filling");
	CHECK_STR(detect_reason_name(DETECT_R_COUNT), "?");
}

static void test_period(void)
{
	detect_params p;
	double s[ND];
	built *b = calloc(1, sizeof *b);
	detect_ctx *c;
	detect_ctx_info ci;
	size_t i, k;

	detect_params_default(&p);
	for (k = 0; k < ND; k++)
		s[k] = 8192.0 * 40;
	for (int pass = 0; pass < 2; pass++) {
		build(b, s, pass == 0 ? 24 : 0);
		c = detect_ctx_new(DETECT_BASIS_TIME, b->x[0], b->x[ND - 1], ND, NA, &p);
		for (i = 0; i < NA; i++)
			detect_ctx_add(c, i, b->name[i], b->bucket[i], b->size[i], b->x, b->u[i], ND);
		CHECK_INT(detect_ctx_finish(c), TSM_OK);
		detect_ctx_get_info(c, &ci);
		CHECK(ci.load_ok);
		if (pass == 0)   /* a 24 h sine over 50 h: the period is found */
			CHECK(fabs(ci.period / 3600.0 - 24.0) < 1.5);
		else             /* a flat load has none */
			CHECK(!isfinite(ci.period));
		detect_ctx_free(c);
	}
	free(b);
}

static void test_rules(void)
{
	detect_params p;
	detect_result r[2];
	double s[ND];
	built *b = calloc(1, sizeof *b);
	size_t k;

	detect_params_default(&p);
	/* a steady leak: one 8 KiB buffer per dump, on a level of 40 */
	for (k = 0; k < ND; k++)
		s[k] = 8192.0 * (40 + (double)k + (k % 7 == 0 ? 3 : 0));
	build(b, s, 24);
	CHECK_INT(judge(b, &p, r), DETECT_V_LEAK);
	CHECK_INT(r[0].reason, DETECT_R_LEAK);
	CHECK(r[0].slope > 0 && r[0].floor_rise > r[0].effect_floor);
	CHECK(r[0].bytes_per_day > 0);
	/* the same rise that levels off half-way is a fill */
	for (k = 0; k < ND; k++)
		s[k] = 8192.0 * (40 + 300.0 * (1 - exp(-(double)k / 60.0)));
	build(b, s, 24);
	CHECK(judge(b, &p, r) != DETECT_V_LEAK);
	CHECK(r[0].saturating);
	/* in-use that moves with the load only: plateau */
	for (k = 0; k < ND; k++)
		s[k] = 8192.0 * llround(200 * (1.0 + 0.6 * sin(2 * M_PI * k * IV / 86400.0)));
	build(b, s, 24);
	CHECK_INT(judge(b, &p, r), DETECT_V_PLATEAU);
	/* a rise of a few items, far below one chunk: plateau, reason small */
	for (k = 0; k < ND; k++)
		s[k] = 8192.0 * (40 + (double)(k / 100));
	build(b, s, 24);
	CHECK_INT(judge(b, &p, r), DETECT_V_PLATEAU);
	/* churn: 2000 buffers (16 MiB) for the first half, then 10, for more than a
	 * load period and a quarter of the span */
	for (k = 0; k < ND; k++)
		s[k] = 8192.0 * (k < ND / 2 ? 2000 : 10);
	build(b, s, 24);
	CHECK_INT(judge(b, &p, r), DETECT_V_CHURN);
	CHECK(r[0].stranded_recent >= (int64_t)r[0].churn_floor);
	/* below churn_min_bytes it is not churn */
	CHECK_INT(detect_param_set(&p, "churn_min_bytes=1G", NULL), TSM_OK);
	CHECK(judge(b, &p, r) != DETECT_V_CHURN);
	free(b);
}

int main(void)
{
	test_params();
	test_period();
	test_rules();
	return TEST_DONE();
}
