/* render.c — small formatting helpers shared by the renderers (sizes,
 * points on the time axis, ISO 8601 times).  Pure string formatting into
 * caller buffers; no I/O.
 */
#include <math.h>
#include <stdio.h>
#include <time.h>

#include "report.h"
#include "report_int.h"

void report_fmt_size(char *buf, size_t len, double b)
{
	static const char units[] = "BKMGTP";
	double a = fabs(b);
	int u = 0;

	if (!isfinite(b)) {
		snprintf(buf, len, "-");
		return;
	}
	if (a < 0.5) {
		snprintf(buf, len, "0");
		return;
	}
	while (a >= 1024.0 && u < 5) {
		a /= 1024.0;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%s%.0fB", b < 0 ? "-" : "", a);
	else if (a == floor(a))
		snprintf(buf, len, "%s%.0f%c", b < 0 ? "-" : "", a, units[u]);
	else
		snprintf(buf, len, "%s%.*f%c", b < 0 ? "-" : "", a >= 1000 ? 0 : 1, a, units[u]);
}

void report_fmt_x(char *buf, size_t len, detect_basis b, double x)
{
	if (!isfinite(x)) {
		snprintf(buf, len, "?");
	} else if (b == DETECT_BASIS_TIME) {
		time_t tt = (time_t)x;
		struct tm tm;

		gmtime_r(&tt, &tm);
		strftime(buf, len, "%Y-%m-%d %H:%M", &tm);
	} else if (b == DETECT_BASIS_RELATIVE) {
		snprintf(buf, len, "+%.1fh", x / 3600.0);
	} else {
		snprintf(buf, len, "#%.0f", x);
	}
}

void report_fmt_iso(char *buf, size_t len, double t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void report_totals_format(const report_lifetime *rl, report_totals_str *ts)
{
	const report_totals *t = &rl->totals;

	report_fmt_size(ts->allocated, sizeof ts->allocated, (double)t->allocated);
	report_fmt_size(ts->in_use, sizeof ts->in_use, (double)t->in_use);
	report_fmt_size(ts->stranded, sizeof ts->stranded, (double)t->stranded);
	report_fmt_size(ts->churn_cost, sizeof ts->churn_cost, (double)t->churn_cost);
	report_fmt_size(ts->iobuf_churn_cost, sizeof ts->iobuf_churn_cost,
	                (double)t->iobuf_churn_cost);
	report_fmt_size(ts->sum_of_peaks, sizeof ts->sum_of_peaks, (double)t->sum_of_peaks);
	report_fmt_size(ts->peak_of_sum, sizeof ts->peak_of_sum, (double)t->peak_of_sum);
	report_fmt_size(ts->no_freelist, sizeof ts->no_freelist, (double)t->whatif_no_freelist);
	report_fmt_size(ts->return_to_os, sizeof ts->return_to_os, (double)t->whatif_return_to_os);
	report_fmt_x(ts->peak_at, sizeof ts->peak_at, rl->basis, t->peak_of_sum_x);
}
