/* sqlfunc.c — the statistics SQL functions of DESIGN §5, registered on
 * every handle db_open() returns:
 *
 *   mk_z(t, y)          Mann–Kendall Z, Hamed–Rao corrected, continuity-corrected
 *   mk_p(t, y)          its two-sided p-value
 *   theil_sen(t, y)     Theil–Sen slope, per unit of t (per second for Unix t)
 *   theil_sen_lo(t, y)  lower Sen 95 % bound (Hamed–Rao variance)
 *   theil_sen_hi(t, y)  upper bound
 *
 * Each is an aggregate that also works as a window function (xInverse drops
 * the oldest row, which is what SQLite frames always remove).  Rows where t
 * or y is NULL or not numeric are ignored; fewer than 3 usable rows (or no
 * two distinct t) give NULL.  The statistics themselves are detect/stats.h;
 * this file only collects the (t, y) pairs.  No I/O.
 */
#include <math.h>
#include <string.h>

#include <sqlite3.h>

#include "db.h"
#include "../detect/stats.h"

enum fkind { F_MK_Z, F_MK_P, F_TS, F_TS_LO, F_TS_HI };

static const struct {
	const char *name;
	enum fkind kind;
} funcs[] = {
	{"mk_z", F_MK_Z},
	{"mk_p", F_MK_P},
	{"theil_sen", F_TS},
	{"theil_sen_lo", F_TS_LO},
	{"theil_sen_hi", F_TS_HI},
};

/* The aggregate state: usable rows are t[head..n), y[head..n). */
typedef struct agg {
	double *t, *y;
	sqlite3_int64 head, n, cap;
} agg;

static int usable(sqlite3_value *v)
{
	int ty = sqlite3_value_numeric_type(v);

	return ty == SQLITE_INTEGER || ty == SQLITE_FLOAT;
}

static void agg_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	agg *a;

	(void)argc;
	if (!usable(argv[0]) || !usable(argv[1]))
		return;
	a = sqlite3_aggregate_context(ctx, (int)sizeof *a);
	if (a == NULL) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	if (a->n == a->cap) {
		if (a->head > 0 && a->head >= a->n / 2) {
			/* window slid far: reuse the front instead of growing */
			sqlite3_int64 live = a->n - a->head;

			memmove(a->t, a->t + a->head, (size_t)live * sizeof *a->t);
			memmove(a->y, a->y + a->head, (size_t)live * sizeof *a->y);
			a->n = live;
			a->head = 0;
		} else {
			sqlite3_int64 nc = a->cap ? 2 * a->cap : 64;
			double *nt = sqlite3_realloc64(a->t, (sqlite3_uint64)nc * sizeof *nt);
			double *ny;

			if (nt == NULL) {
				sqlite3_result_error_nomem(ctx);
				return;
			}
			a->t = nt;
			ny = sqlite3_realloc64(a->y, (sqlite3_uint64)nc * sizeof *ny);
			if (ny == NULL) {
				sqlite3_result_error_nomem(ctx);
				return;
			}
			a->y = ny;
			a->cap = nc;
		}
	}
	a->t[a->n] = sqlite3_value_double(argv[0]);
	a->y[a->n] = sqlite3_value_double(argv[1]);
	a->n++;
}

static void agg_inverse(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	agg *a;

	(void)argc;
	if (!usable(argv[0]) || !usable(argv[1]))
		return;
	a = sqlite3_aggregate_context(ctx, 0);
	if (a != NULL && a->head < a->n)
		a->head++;
}

static void agg_result(sqlite3_context *ctx, const agg *a)
{
	enum fkind kind = *(const enum fkind *)sqlite3_user_data(ctx);
	size_t n;
	tsm_status rc;
	double v = NAN;

	if (a == NULL || a->n - a->head < 3) {
		sqlite3_result_null(ctx);
		return;
	}
	n = (size_t)(a->n - a->head);
	if (kind == F_MK_Z || kind == F_MK_P) {
		detect_mk mk;

		rc = detect_mann_kendall(a->t + a->head, a->y + a->head, n, 1, &mk);
		v = kind == F_MK_Z ? mk.z : mk.p;
	} else if (kind == F_TS) {
		rc = detect_theil_sen(a->t + a->head, a->y + a->head, n, &v);
	} else {
		detect_trend tr;

		rc = detect_trend_test(a->t + a->head, a->y + a->head, n, NULL, &tr);
		v = kind == F_TS_LO ? tr.ts.lo : tr.ts.hi;
	}
	if (rc == TSM_NOMEM)
		sqlite3_result_error_nomem(ctx);
	else if (rc != TSM_OK || !isfinite(v))
		sqlite3_result_null(ctx);
	else
		sqlite3_result_double(ctx, v);
}

static void agg_value(sqlite3_context *ctx)
{
	agg_result(ctx, sqlite3_aggregate_context(ctx, 0));
}

static void agg_final(sqlite3_context *ctx)
{
	agg *a = sqlite3_aggregate_context(ctx, 0);

	agg_result(ctx, a);
	if (a != NULL) {
		sqlite3_free(a->t);
		sqlite3_free(a->y);
		a->t = a->y = NULL;
		a->n = a->head = a->cap = 0;
	}
}

tsm_status db_register_functions(sqlite3 *h, char *err)
{
	static const enum fkind kinds[] = {F_MK_Z, F_MK_P, F_TS, F_TS_LO, F_TS_HI};
	int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC;
	size_t i;

#ifdef SQLITE_INNOCUOUS
	flags |= SQLITE_INNOCUOUS; /* pure: usable from views and triggers */
#endif
	for (i = 0; i < sizeof funcs / sizeof funcs[0]; i++) {
		int rc = sqlite3_create_window_function(h, funcs[i].name, 2, flags,
		                                        (void *)&kinds[funcs[i].kind],
		                                        agg_step, agg_final, agg_value,
		                                        agg_inverse, NULL);

		if (rc != SQLITE_OK) {
			tsm_seterr(err, "%s: %s", funcs[i].name, sqlite3_errmsg(h));
			return TSM_ERR;
		}
	}
	return TSM_OK;
}
