/* testlib.h — a tiny assertion kit for the unit-test binaries.
 * Each CHECK reports file:line and the failing expression, counts the
 * failure and goes on; TEST_DONE() returns non-zero if any failed. */
#ifndef TESTLIB_H
#define TESTLIB_H

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static int tl_failures;
static int tl_checks;

#define CHECK(cond) do { tl_checks++; if (!(cond)) { tl_failures++; \
	fprintf(stderr, "%s:%d: FAIL: %s\n", __FILE__, __LINE__, #cond); } } while (0)
#define CHECK_INT(a, b) do { long long tl_a = (long long)(a), tl_b = (long long)(b); tl_checks++; \
	if (tl_a != tl_b) { tl_failures++; fprintf(stderr, "%s:%d: FAIL: %s == %s (%lld != %lld)\n", \
	__FILE__, __LINE__, #a, #b, tl_a, tl_b); } } while (0)
#define CHECK_U64(a, b) do { unsigned long long tl_a = (unsigned long long)(a), tl_b = (unsigned long long)(b); tl_checks++; \
	if (tl_a != tl_b) { tl_failures++; fprintf(stderr, "%s:%d: FAIL: %s == %s (%llu != %llu)\n", \
	__FILE__, __LINE__, #a, #b, tl_a, tl_b); } } while (0)
#define CHECK_STR(a, b) do { const char *tl_a = (a), *tl_b = (b); tl_checks++; \
	if (tl_a == NULL || tl_b == NULL || strcmp(tl_a, tl_b) != 0) { tl_failures++; \
	fprintf(stderr, "%s:%d: FAIL: %s == %s (\"%s\" != \"%s\")\n", __FILE__, __LINE__, #a, #b, \
	tl_a ? tl_a : "(null)", tl_b ? tl_b : "(null)"); } } while (0)
#define CHECK_NEAR(a, b, eps) do { double tl_a = (a), tl_b = (b); tl_checks++; \
	if (!(fabs(tl_a - tl_b) <= (eps))) { tl_failures++; fprintf(stderr, "%s:%d: FAIL: %s ~ %s (%.10g vs %.10g, eps %g)\n", \
	__FILE__, __LINE__, #a, #b, tl_a, tl_b, (double)(eps)); } } while (0)
#define TEST_DONE() (fprintf(stderr, "%s: %d checks, %d failed\n", __FILE__, tl_checks, tl_failures), tl_failures != 0)

#endif
