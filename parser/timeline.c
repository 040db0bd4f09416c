/* timeline.c — wall-clock times for dumps that carry none (spec §2.7).
 *
 * Order of preference per dump: a narrow bracket of timestamped diags
 * lines (exact_bracket); the user's --anchor, a bracketed dump of the same
 * lifetime, the mtime of an active file or a rotated name's end bound,
 * carried by k·interval (propagated; the anchor dump itself is upper_bound
 * for mtime/rotation); k·interval from the stream start (relative); else
 * unknown.  k counts periodic dumps only: SIGUSR1 dumps are off-grid and
 * take the time of the periodic slot they follow.  Pure computation.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timeline.h"

const char *timeline_quality_name(timeline_quality q)
{
	switch (q) {
	case TL_EXACT_BRACKET: return "exact_bracket";
	case TL_PROPAGATED: return "propagated";
	case TL_UPPER_BOUND: return "upper_bound";
	case TL_RELATIVE: return "relative";
	case TL_UNKNOWN: break;
	}
	return "unknown";
}

static double local_to_unix(int year, int mon, int day, int h, int mi, int s)
{
	struct tm tm;

	memset(&tm, 0, sizeof tm);
	tm.tm_year = year - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = day;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	tm.tm_isdst = -1;
	return (double)mktime(&tm);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Absolute times of the anchors: the year comes from --year (first anchor)
 * or from the mtime (last anchor), with a Dec→Jan roll-over between
 * consecutive anchors adding a year. */
static void anchor_times(const parser_anchor *an, size_t m, const timeline_opts *o, double *out)
{
	size_t i;
	int year, rolls = 0;

	if (m == 0)
		return;
	for (i = 1; i < m; i++)
		if (an[i].month < an[i - 1].month)
			rolls++;
	if (o->year > 0) {
		year = o->year;
	} else {
		time_t t = o->mtime > 0 ? (time_t)o->mtime : time(NULL);
		struct tm tm;
		localtime_r(&t, &tm);
		year = tm.tm_year + 1900;
		/* the last anchor is not after the mtime */
		if (an[m - 1].month > tm.tm_mon + 1)
			year--;
		year -= rolls;
	}
	for (i = 0; i < m; i++) {
		if (i > 0 && an[i].month < an[i - 1].month)
			year++;
		out[i] = local_to_unix(year, an[i].month, an[i].day, an[i].hour, an[i].minute, an[i].second) +
		         an[i].msec / 1000.0;
	}
}

double timeline_assign(timeline_dump *d, size_t n, const parser_anchor *an, size_t m,
                       const timeline_opts *o)
{
	double *at = NULL, *pidx = NULL, interval = o->interval, bmax;
	size_t *nearest = NULL;
	size_t i, j, lo;
	uint64_t periodic = 0;

	for (i = 0; i < n; i++) {
		d[i].ts = NAN;
		d[i].quality = TL_UNKNOWN;
	}
	if (n == 0)
		return interval;
	at = calloc(m ? m : 1, sizeof *at);
	pidx = calloc(n, sizeof *pidx);
	nearest = calloc(n, sizeof *nearest);
	if (at == NULL || pidx == NULL || nearest == NULL)
		goto out;
	anchor_times(an, m, o, at);
	/* periodic index: SIGUSR1 dumps share the slot of the last periodic one */
	for (i = 0; i < n; i++) {
		if (i > 0 && d[i].lifetime != d[i - 1].lifetime)
			periodic = 0;
		if (d[i].kind != PARSER_KIND_SIGUSR1)
			pidx[i] = (double)periodic++;
		else
			pidx[i] = periodic > 0 ? (double)(periodic - 1) : 0;
	}
	/* 1. brackets */
	bmax = o->bracket_max > 0 ? o->bracket_max : (interval > 0 ? interval / 2 : 60.0);
	j = 0;
	for (i = 0; i < n; i++) {
		while (j < m && an[j].line < d[i].line)
			j++;
		if (j > 0 && j < m) {
			double a = at[j - 1], b = at[j];
			if (b >= a && b - a <= bmax) {
				d[i].ts = (a + b) / 2;
				d[i].quality = TL_EXACT_BRACKET;
			}
		}
	}
	/* 1b. sparse anchors: the k dumps between two anchors (one lifetime,
	 * too wide a bracket for one dump) share the time between them
	 * evenly; each pair also gives an interval estimate (Δt / k). */
	{
		size_t first = 0;
		double *est = calloc(m ? m : 1, sizeof *est);
		size_t ne = 0;
		j = 0;
		for (i = 0; i <= n; i++) {
			size_t jj = j;
			while (i < n && jj < m && an[jj].line < d[i].line)
				jj++;
			if (i < n && jj == j) {
				continue; /* same gap between anchors */
			}
			/* dumps first..i-1 lie between anchor j-1 and anchor j */
			if (i > first && j > 0 && j < m && at[j] > at[j - 1] && d[first].lifetime == d[i - 1].lifetime) {
				size_t k = i - first, q;
				double w = at[j] - at[j - 1], step = w / (double)k, lead = step / 2;
				if (k >= 2 && est != NULL)
					est[ne++] = step;
				if (interval > 0 && (double)(k - 1) * interval < w) {
					/* known period: keep it, centre the run in the gap */
					step = interval;
					lead = (w - (double)(k - 1) * interval) / 2;
				}
				for (q = first; q < i; q++) {
					if (d[q].quality == TL_EXACT_BRACKET)
						continue;
					d[q].ts = at[j - 1] + lead + (double)(q - first) * step;
					d[q].quality = TL_PROPAGATED;
				}
			}
			first = i;
			j = jj;
		}
		if (interval <= 0 && ne > 0) {
			qsort(est, ne, sizeof *est, cmp_double);
			interval = est[ne / 2];
		}
		free(est);
	}
	/* 2. estimate the interval from bracketed periodic dumps */
	if (interval <= 0) {
		double *steps = calloc(n, sizeof *steps);
		size_t ns = 0, prev = (size_t)-1;
		if (steps != NULL) {
			for (i = 0; i < n; i++) {
				if (d[i].quality != TL_EXACT_BRACKET || d[i].kind == PARSER_KIND_SIGUSR1)
					continue;
				if (prev != (size_t)-1 && d[prev].lifetime == d[i].lifetime && pidx[i] > pidx[prev])
					steps[ns++] = (d[i].ts - d[prev].ts) / (pidx[i] - pidx[prev]);
				prev = i;
			}
			if (ns > 0) {
				qsort(steps, ns, sizeof *steps, cmp_double);
				interval = steps[ns / 2];
			}
			free(steps);
		}
	}
	/* 3. propagate within each lifetime: every dump still without a time
	 * takes it from the nearest dump (by periodic index) that has one, so
	 * that an error in the interval does not accumulate over a long run;
	 * without any, from the end of an active file (mtime) or a rotated
	 * name's bounds. */
	for (lo = 0; lo < n;) {
		size_t hi = lo, ref = (size_t)-1, k, last = (size_t)-1;
		double ref_ts = 0;
		timeline_quality refq = TL_PROPAGATED;
		while (hi < n && d[hi].lifetime == d[lo].lifetime)
			hi++;
		if (o->has_anchor) {
			for (i = lo; i < hi; i++)
				if (d[i].seq == o->anchor_index && d[i].quality != TL_EXACT_BRACKET) {
					d[i].ts = o->anchor_ts;
					d[i].quality = TL_PROPAGATED;
				}
		}
		for (i = lo; i < hi; i++)
			nearest[i] = (size_t)-1;
		/* forward pass: last known before; backward: first known after */
		for (i = lo; i < hi; i++) {
			if (!isnan(d[i].ts))
				last = i;
			else
				nearest[i] = last;
		}
		last = (size_t)-1;
		for (k = hi; k > lo; k--) {
			i = k - 1;
			if (!isnan(d[i].ts)) {
				last = i;
			} else if (last != (size_t)-1 &&
			           (nearest[i] == (size_t)-1 || pidx[last] - pidx[i] < pidx[i] - pidx[nearest[i]])) {
				nearest[i] = last;
			}
		}
		if (hi == n && (o->active || o->rot_end > 0) && (o->mtime > 0 || o->rot_end > 0) && isnan(d[hi - 1].ts)) {
			ref = hi - 1;
			ref_ts = o->rot_end > 0 ? o->rot_end : o->mtime;
			refq = TL_UPPER_BOUND;
		} else if (lo == 0 && o->rot_start > 0 && interval > 0 && isnan(d[0].ts)) {
			/* the file began with this process: first dump at start + interval */
			ref = 0;
			ref_ts = o->rot_start + interval * (pidx[0] + 1);
		}
		for (i = lo; i < hi; i++) {
			if (!isnan(d[i].ts))
				continue;
			if (nearest[i] != (size_t)-1 && interval > 0) {
				d[i].ts = d[nearest[i]].ts + (pidx[i] - pidx[nearest[i]]) * interval;
				d[i].quality = TL_PROPAGATED;
			} else if (ref != (size_t)-1 && (i == ref || interval > 0)) {
				d[i].ts = ref_ts + (pidx[i] - pidx[ref]) * interval;
				d[i].quality = (i == ref && refq == TL_UPPER_BOUND) ? TL_UPPER_BOUND : TL_PROPAGATED;
			} else if (interval > 0) {
				d[i].ts = (double)d[i].seq * interval;
				d[i].quality = TL_RELATIVE;
			}
		}
		lo = hi;
	}
out:
	free(at);
	free(pidx);
	free(nearest);
	return interval;
}

int timeline_parse_anchor(const char *s, double *ts, uint64_t *index)
{
	int y, mo, da, h, mi, se, used = 0;
	unsigned long long idx;
	char tail;

	/* Field widths bound every number: sscanf cannot overflow here. */
	if (sscanf(s, "%4d-%2d-%2d %2d:%2d:%2d@%llu%n%c" /* NOLINT(cert-err34-c) */, &y, &mo, &da, &h, &mi, &se, &idx, &used, &tail) != 7)
		return -1;
	if (mo < 1 || mo > 12 || da < 1 || da > 31 || h > 23 || mi > 59 || se > 60 || y < 1970 || h < 0 || mi < 0 ||
	    se < 0 || s[used] != '\0')
		return -1;
	*ts = local_to_unix(y, mo, da, h, mi, se);
	*index = idx;
	return 0;
}

static int parse_stamp(const char *p, double *out)
{
	int y, mo, da, h, mi, se;

	if (sscanf(p, "%4d%2d%2d.%2dh%2dm%2ds" /* NOLINT(cert-err34-c): widths bound the values */, &y, &mo, &da, &h, &mi, &se) != 6)
		return -1;
	if (mo < 1 || mo > 12 || da < 1 || da > 31 || h > 23 || mi > 59 || se > 60)
		return -1;
	*out = local_to_unix(y, mo, da, h, mi, se);
	return 0;
}

int timeline_rotated_bounds(const char *path, double *start, double *end)
{
	const char *base = strrchr(path, '/'), *p;
	size_t len;

	base = base ? base + 1 : path;
	len = strlen(base);
	/* ….YYYYmmdd.HHhMMmSSs-YYYYmmdd.HHhMMmSSs.old[.gz] */
	p = strstr(base, ".old");
	if (p == NULL || p - base < 1 + 18 + 1 + 18)
		return -1;
	(void)len;
	p -= 18 + 1 + 18;
	if (p[18] != '-' || p[-1] != '.')
		return -1;
	if (parse_stamp(p, start) != 0 || parse_stamp(p + 19, end) != 0)
		return -1;
	return 0;
}
