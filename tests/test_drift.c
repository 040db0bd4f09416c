/* test_drift.c — the short span's drift test (detect/load_trend.c,
 * load_fit_se, and the leak rule's drift_ok in detect/classify.c): the
 * t of the drift g in the least squares u = a + beta·load + g·t against a
 * hand computation, the t it must reach for a lifetime of m allocators
 * (z(1 − alpha/m)), and a steady allocator whose load-free floor rose by
 * chance (Mann–Kendall p 0.0035) that the drift test keeps from `leak`.
 */
#include <stdlib.h>

#include "../detect/classify.h"
#include "testlib.h"

#define T0 1767225600.0 /* 2026-01-01 00:00:00 UTC */

/* Classify n dumps (t offsets in s, in-use and allocated in bytes, load
 * index) as one allocator of a lifetime of `family` allocators. */
static detect_result classify(size_t n, const double *t, const int64_t *u, const int64_t *a,
                              const double *load, size_t family, uint32_t type_size,
                              const detect_params *p)
{
	detect_input in;
	detect_result r;
	char err[TSM_ERRLEN] = "";

	memset(&in, 0, sizeof in);
	in.name = "ioBufAllocator[0]";
	in.bucket = 0;
	in.type_size = type_size;
	in.chunk_items = 128;
	in.chunk_source = MODEL_CHUNK_TABLE;
	in.n = n;
	in.t = t;
	in.allocated = a;
	in.in_use = u;
	in.load = load;
	in.family = family;
	CHECK_INT(detect_classify(&in, p, &r, err), TSM_OK);
	if (getenv("TSMEM_TEST_VERBOSE") != NULL)
		fprintf(stderr, "%s drift t %.4f need %.4f mk p %.3g\n  %s\n",
		        detect_verdict_name(r.verdict), r.load_drift_t, r.load_drift_need,
		        r.load_mk_p, r.explanation);
	return r;
}

/* 24 dumps every 30 minutes; load 0.8, 1.0, 1.2, 0.9, 1.1 repeating
 * (1 + ((7i mod 5) − 2)/10); in-use = 1,000,000 + 400,000·(load − 1) +
 * 8,000 B/h · t ± 20,000 (+ on even dumps).  By hand (exact fractions,
 * then one square root; independent of the C code): centred sums
 * sll = 0.489583, det = sxx·sll − sxl² = 1.819125e9, fitted beta
 * 404630.80, g = 7572.54 B/h, residual sum of squares 9.539443e9 over
 * n − 3 = 21, lag-1 autocorrelation of the residuals −0.987 (clamped to
 * 0: no widening), SE(g) = sqrt(s² · sll / det), t = 6.0160. */
static void test_hand_t(void)
{
	enum { N = 24 };
	double t[N], load[N];
	int64_t u[N], a[N];
	detect_params p;
	detect_result r;
	size_t i;

	detect_params_default(&p);
	for (i = 0; i < N; i++) {
		int k = (int)((i * 7) % 5) - 2;

		t[i] = T0 + 1800.0 * (double)i;
		load[i] = 1.0 + k / 10.0;
		u[i] = 1000000 + 40000 * k + 4000 * (int64_t)i + (i % 2 == 0 ? 20000 : -20000);
		a[i] = 2000000;
	}
	CHECK_INT(u[0], 940000);   /* the first and last as computed by hand */
	CHECK_INT(u[N - 1], 1032000);
	r = classify(N, t, u, a, load, 0, 128, &p);
	CHECK(r.load_applied);
	CHECK_NEAR(r.load_beta, 404630.80, 0.01);
	CHECK_NEAR(r.load_drift_t, 6.0160, 0.0001);
	/* z(1 − 0.01) for a family of one, z(1 − 0.01/40) for forty */
	CHECK_NEAR(r.load_drift_need, 2.3263, 0.0001);
	r = classify(N, t, u, a, load, 40, 128, &p);
	CHECK_NEAR(r.load_drift_need, 3.4808, 0.0001);
}

/* A steady ioBufAllocator[0] (no leak in truth) of a 13-hour restart
 * lifetime with dumps every 15 minutes, from `tsmem simulate --scenario
 * restarts --days 14 --interval 900 --format F2 --seed 8020 --noise 0.1
 * --debug-lines`, lifetime 5: t offset (s), in-use and allocated items
 * (128 B), and the lifetime's load index over its 37 active allocators.
 * The load fell from 1.17 to 0.70 and came back to 0.89; with it taken
 * out the floor rose 113 KiB (Mann–Kendall p 0.0035, above the 58 KiB
 * effect floor even after beta's uncertainty), the joint fit's drift has
 * t 2.64: significant for one series, not among 37. */
static const struct {
	double t;
	int64_t u, a;
	double load;
} steady[] = {
	{0, 5973, 6144, 1.252}, {563, 5223, 6144, 1.272}, {1688, 6259, 6400, 1.235}, {2588, 8457, 9216, 2.339},
	{3488, 4986, 9216, 1.246}, {4725, 5307, 9216, 1.231}, {5175, 5738, 9216, 1.207}, {6075, 6214, 9216, 1.202},
	{6975, 5831, 9216, 1.146}, {7875, 5781, 9216, 1.116}, {8550, 5698, 9216, 1.123}, {9900, 5599, 9216, 1.067},
	{10800, 6208, 9216, 1.095}, {11925, 7916, 9216, 1.840}, {12825, 8050, 9216, 1.780}, {13500, 5710, 9216, 1.005},
	{14175, 5696, 9216, 1.010}, {15300, 5117, 9216, 1.000}, {16200, 6563, 9216, 1.213}, {16875, 6857, 9216, 1.234},
	{17775, 5685, 9216, 0.898}, {18675, 5624, 9216, 0.922}, {19350, 4713, 9216, 0.892}, {20925, 4624, 9216, 0.917},
	{21825, 4434, 9216, 0.926}, {22275, 4532, 9216, 0.898}, {23175, 5642, 9216, 1.082}, {24413, 6565, 9216, 1.247},
	{24863, 5004, 9216, 0.815}, {26213, 4697, 9216, 0.822}, {27113, 4407, 9216, 0.807}, {28125, 4578, 9216, 0.855},
	{28800, 5972, 9216, 0.855}, {29363, 7682, 9216, 1.194}, {30263, 4797, 9216, 0.832}, {31163, 5255, 9216, 0.838},
	{32288, 5039, 9216, 0.831}, {33638, 5427, 9216, 0.830}, {34313, 5261, 9216, 0.938}, {35213, 5309, 9216, 0.870},
	{35775, 5164, 9216, 0.852}, {36900, 5530, 9216, 0.898}, {37800, 5824, 9216, 0.882}, {38250, 5287, 9216, 0.928},
	{39375, 7378, 9216, 1.585}, {40500, 5992, 9216, 0.892}, {41063, 5542, 9216, 0.930}, {42300, 5217, 9216, 0.933},
	{43088, 5940, 9216, 0.950}, {43875, 5651, 9216, 0.949}, {44775, 5814, 9216, 1.010}, {45675, 6511, 9216, 1.096},
	{46663, 5783, 9216, 1.013},
};

static void test_steady_family(void)
{
	enum { N = sizeof steady / sizeof steady[0] };
	double t[N], load[N];
	int64_t u[N], a[N];
	detect_params p, q;
	detect_result r;
	size_t i;

	detect_params_default(&p);
	for (i = 0; i < N; i++) {
		t[i] = T0 + steady[i].t;
		u[i] = steady[i].u * 128;
		a[i] = steady[i].a * 128;
		load[i] = steady[i].load;
	}
	/* among the lifetime's 37 allocators: plateau, and the sentence says
	 * why */
	r = classify(N, t, u, a, load, 37, 128, &p);
	CHECK_STR(detect_verdict_name(r.verdict), "plateau");
	CHECK(r.load_applied && r.load_rising);
	CHECK(r.load_rise - r.load_beta_unc > r.effect_floor);
	CHECK_NEAR(r.load_drift_t, 2.64, 0.05);
	CHECK(r.load_drift_t < r.load_drift_need);
	CHECK(strstr(r.explanation, "not significant among the lifetime's allocators") != NULL);
	/* as the only series tested, or with the test off, the same rise is
	 * a leak: the drift test is what keeps it out */
	r = classify(N, t, u, a, load, 1, 128, &p);
	CHECK_STR(detect_verdict_name(r.verdict), "leak");
	q = p;
	q.leak_drift_family = 0;
	r = classify(N, t, u, a, load, 37, 128, &q);
	CHECK_STR(detect_verdict_name(r.verdict), "leak");
	/* a leak of 20 items per dump (1,040 items, about 8 chunks, over the
	 * span) added to the same series is one among 37 */
	for (i = 0; i < N; i++) {
		u[i] += 20 * (int64_t)i * 128;
		a[i] = a[i] > u[i] ? a[i] : (u[i] / (128 * 128) + 1) * 128 * 128;
	}
	r = classify(N, t, u, a, load, 37, 128, &p);
	CHECK(r.load_drift_t > r.load_drift_need);
	CHECK_STR(detect_verdict_name(r.verdict), "leak");
}

int main(void)
{
	test_hand_t();
	test_steady_family();
	return TEST_DONE();
}
