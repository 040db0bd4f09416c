/* stats_int.h — internals shared by the statistics files of detect/
 * (stats.c, theilsen.c, envelope.c).  Not for use outside detect/.
 *
 * ts_ctx holds one series prepared for repeated Theil–Sen rank selection:
 * the exact path keeps every pairwise slope, the fast path keeps the points
 * and selects by counting (theilsen.c explains the algorithm).
 */
#ifndef DETECT_STATS_INT_H
#define DETECT_STATS_INT_H

#include <stddef.h>
#include <stdint.h>

#include "../common/tsm.h"

/* Pairs (i < j) of a[0..n) out of order: a[i] > a[j], or with_ties also
 * a[i] == a[j].  Sorts a; tmp has room for n.  O(n log n). */
uint64_t detect_inversions(double *a, double *tmp, size_t n, int with_ties);

typedef struct ts_ctx ts_ctx;

/* Prepare the m finite points (t[i], y[i]) (any order; copied) for slope
 * selection with `method` (enum detect_ts_method).  Returns TSM_OK and
 * *out (free with ts_ctx_free), TSM_ERR if no pair has distinct t,
 * TSM_NOMEM. */
tsm_status ts_ctx_new(const double *t, const double *y, size_t m, int method,
                      ts_ctx **out);
void ts_ctx_free(ts_ctx *c);

/* Number of pairs with distinct t (N), and whether slopes are materialised. */
uint64_t ts_ctx_npairs(const ts_ctx *c);
int ts_ctx_exact(const ts_ctx *c);

/* The k-th smallest pairwise slope, k 1-based in [1, N].  TSM_OK / TSM_ERR
 * (k out of range) / TSM_NOMEM. */
tsm_status ts_ctx_select(ts_ctx *c, uint64_t k, double *out);

/* Median slope (mean of the two middle ranks when N is even). */
tsm_status ts_ctx_median(ts_ctx *c, double *out);

/* Fractions of pairwise slopes > 0 and < 0. */
tsm_status ts_ctx_signs(ts_ctx *c, double *pos, double *neg);

/* k-th smallest (0-based) of a[0..n), n > 0; reorders a.  Expected O(n),
 * three-way partitioning so heavy ties stay linear. */
double stats_select(double *a, size_t n, size_t k);

/* Copy the points where t (or the index, t == NULL) and y are finite into
 * freshly malloc'd *tt, *yy (caller frees both) and set *m.  TSM_NOMEM. */
tsm_status stats_collect(const double *t, const double *y, size_t n,
                         double **tt, double **yy, size_t *m);

#endif
