/* explain.c — the one sentence each verdict carries, written from the
 * classifier's evidence (detect_result: the reason and its numbers).
 * detect/ decides; this file says why, in words an operator reads. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "report.h"

void report_fmt_bytes(char *buf, size_t len, double b)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
	double a = fabs(b);
	int u = 0;

	while (a >= 1024.0 && u < 5) {
		a /= 1024.0;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%s%.0f B", b < 0 ? "-" : "", a);
	else
		snprintf(buf, len, "%s%.1f %s", b < 0 ? "-" : "", a, units[u]);
}

/* A point on the axis as the tables show it (report_fmt_x), with the
 * time zone said on a time axis. */
static void fmt_x(char *buf, size_t len, detect_basis b, double x)
{
	size_t n;

	report_fmt_x(buf, len, b, x);
	n = strlen(buf);
	if (b == DETECT_BASIS_TIME && isfinite(x) && n + 4 < len)
		snprintf(buf + n, len - n, " UTC");
}

/* A length on the axis: hours or dumps. */
static void fmt_len(char *buf, size_t len, detect_basis b, double d)
{
	if (b == DETECT_BASIS_SEQUENCE)
		snprintf(buf, len, "%.0f dumps", d);
	else if (d >= 2 * 86400.0)
		snprintf(buf, len, "%.1f days", d / 86400.0);
	else
		snprintf(buf, len, "%.1f h", d / 3600.0);
}

void report_fmt_rate(char *buf, size_t len, detect_basis b, double per_unit)
{
	char v[32];

	if (b == DETECT_BASIS_SEQUENCE) {
		report_fmt_bytes(v, sizeof v, per_unit * 1000.0);
		snprintf(buf, len, "%s per 1000 dumps", v);
	} else {
		report_fmt_bytes(v, sizeof v, per_unit * 86400.0);
		snprintf(buf, len, "%s/day", v);
	}
}

static void say(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void say(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

/* What was taken out of the floor before its trend was tested. */
static const char *taken_out(const detect_result *r, char *buf, size_t len)
{
	const char *part[3];
	size_t n = 0;

	if (isfinite(r->load_beta) && r->load_beta > 0)
		part[n++] = "the load";
	if (isfinite(r->ram_coef) && r->ram_coef > 0)
		part[n++] = "the RAM cache";
	if (isfinite(r->others_coef) && r->others_coef < 0)
		part[n++] = "what the other buckets gave up";
	if (n == 0)
		return NULL;
	if (n == 1)
		snprintf(buf, len, "%s", part[0]);
	else if (n == 2)
		snprintf(buf, len, "%s and %s", part[0], part[1]);
	else
		snprintf(buf, len, "%s, %s and %s", part[0], part[1], part[2]);
	return buf;
}

void report_explain(const report_alloc *a, const detect_params *p, char *buf, size_t len)
{
	const detect_result *r = &a->r;
	char x1[40], x2[40], x3[40], t1[48], t2[48], rate[48], ob[96];
	const char *out = taken_out(r, ob, sizeof ob);
	size_t n;

	switch (r->reason) {
	case DETECT_R_NO_DUMPS:
		say(buf, len, "No dumps in the selected range.");
		break;
	case DETECT_R_IDLE:
		say(buf, len, "Never allocated in this lifetime (allocated and in-use 0 in all %zu dump%s).",
		    r->n, r->n == 1 ? "" : "s");
		break;
	case DETECT_R_MALLOC:
		report_fmt_bytes(x1, sizeof x1, (double)r->inuse_last);
		report_fmt_bytes(x2, sizeof x2, (double)r->inuse_max);
		say(buf, len, "Freelist disabled (allocated 0, in use %s now, %s at most): objects come from "
		    "malloc, so no plateau model applies.", x1, x2);
		break;
	case DETECT_R_FEW_DUMPS:
		report_fmt_bytes(x1, sizeof x1, (double)r->inuse_last);
		report_fmt_bytes(x2, sizeof x2, (double)r->alloc_last);
		say(buf, len, "Only %zu dump%s: a trend needs at least %.0f (and 6 points on the lifetime's "
		    "grid); dump more often (proxy.config.dump_mem_info_frequency) or wait. At the last "
		    "dump %s of %s allocated is in use.", r->n, r->n == 1 ? "" : "s", p->min_dumps, x1,
		    x2);
		break;
	case DETECT_R_CHURN:
		report_fmt_bytes(x1, sizeof x1, r->past_level);
		report_fmt_bytes(x2, sizeof x2, r->recent_max);
		report_fmt_bytes(x3, sizeof x3, (double)r->stranded_recent);
		fmt_x(t1, sizeof t1, r->basis, r->peak_x);
		fmt_len(t2, sizeof t2, r->basis, r->x_last - r->recent_from);
		if (r->churn_ratio_seen >= 1e300)
			say(buf, len, "Memory stranded by a change in workload: in-use reached %s (%s), none has been "
			    "in use for the last %s, and allocated still holds %s that no other size can use.",
			    x1, t1, t2, x3);
		else
			say(buf, len, "Memory stranded by a change in workload: in-use reached %s (%s) but has stayed "
			    "at or below %s for the last %s (%.1fx lower, against the load too); %s "
			    "allocated stays with this size.", x1, t1, x2, t2, r->churn_ratio_seen, x3);
		break;
	case DETECT_R_CHURN_FEW:
		report_fmt_bytes(x1, sizeof x1, r->past_level);
		report_fmt_bytes(x2, sizeof x2, r->recent_max);
		report_fmt_bytes(x3, sizeof x3, (double)r->stranded_recent);
		say(buf, len, "Stranded: allocated shows that at least %s was once in use (a chunk is "
		    "added only when none is free), but only %s is in use at the last of %zu dump%s: %s "
		    "held for this size alone. Too few dumps to say when the workload changed.", x1, x2,
		    r->n, r->n == 1 ? "" : "s", x3);
		break;
	case DETECT_R_LEAK:
		report_fmt_rate(rate, sizeof rate, r->basis, r->slope);
		report_fmt_bytes(x1, sizeof x1, r->floor_rise);
		fmt_len(t1, sizeof t1, r->basis, r->x_last - r->x_first);
		fmt_x(t2, sizeof t2, r->basis, r->since);
		say(buf, len, "Live objects accumulate: the in-use floor rises by %s (%s over %s%s%s) and keeps rising%s%s%s; "
		    "Mann-Kendall z %.1f, significant at %.2g for the lifetime's allocators together.",
		    rate, x1, t1, isfinite(r->since) ? ", from " : "", isfinite(r->since) ? t2 : "",
		    out ? ", beyond what " : "", out ? out : "", out ? " explain" : "", r->mk_z, p->alpha);
		break;
	case DETECT_R_LEVELLING:
		report_fmt_bytes(x1, sizeof x1, r->floor_rise);
		say(buf, len, "Still rising toward a level: the floor gained %s, but its later half rises "
		    "at %.0f %% of the earlier half's pace; a leak does not slow down.", x1,
		    r->slope_early > 0 ? 100.0 * r->slope_late / r->slope_early : 0.0);
		break;
	case DETECT_R_RAM_FILLING:
		say(buf, len, "Rising with the RAM cache, which is still filling (%.0f entries more over "
		    "the lifetime): what is left once its entries are taken out does not rise. It levels "
		    "off when the cache is full.", r->ram_gain_items);
		break;
	case DETECT_R_LEVELLED:
		report_fmt_bytes(x1, sizeof x1, r->floor_rise);
		say(buf, len, "The floor rose by %s and then levelled off (its later half %s): a fill "
		    "or a warm-up, not a leak.", x1, r->slope_late <= 0 ? "is flat" : "hardly rises");
		break;
	case DETECT_R_SMALL:
		report_fmt_bytes(x1, sizeof x1, r->floor_rise);
		report_fmt_bytes(x2, sizeof x2, r->effect_floor);
		report_fmt_bytes(x3, sizeof x3, r->noise);
		say(buf, len, "The floor rises by only %s, below what a leak must show (%s: one chunk, "
		    "or %.0fx the floor's own spread of %s).", x1, x2, p->leak_noise, x3);
		break;
	case DETECT_R_FLAT:
	default:
		if (out)
			say(buf, len, "No significant rise of the in-use floor once %s %s taken out "
			    "(Mann-Kendall z %.1f).", out, strstr(out, " and ") ? "are" : "is", r->mk_z);
		else
			say(buf, len, "No significant rise of the in-use floor (Mann-Kendall z %.1f).",
			    r->mk_z);
		break;
	}
	if (r->basis == DETECT_BASIS_SEQUENCE && r->reason > DETECT_R_FEW_DUMPS &&
	    (n = strlen(buf)) + 1 < len && n > 0 && buf[n - 1] == '.')
		say(buf + n - 1, len - n + 1, " (times unknown: dump numbers used).");
}
