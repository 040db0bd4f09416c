/* render.c — small formatting helpers shared by the renderers (sizes,
 * points on the time axis, ISO 8601 times).  Pure string formatting into
 * caller buffers; no I/O.
 */
#include <math.h>
#include <stdio.h>
#include <time.h>

#include "report.h"

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
