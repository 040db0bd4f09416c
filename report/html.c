/* html.c — the HTML renderer: one self-contained page (inline CSS and SVG;
 * no script, no font, no request of any kind; a Content-Security-Policy
 * says so to the browser too).  Per host: per lifetime a table of the shown
 * allocators with verdict badges (what needs attention first) and the
 * totals; then per allocator, leak and churn first, one chart across the
 * host's lifetimes — allocated, the in-use band, the model's predicted
 * allocated, restarts between lifetimes, level shifts of in-use, the churn
 * peak or the leak onset — and each lifetime's explanation.
 *
 * Charts draw the bins that report_build kept (report_chart) merged per
 * pixel column with their minimum and maximum, so spikes survive and the
 * page stays small (tens of KB per chart whatever the dump count).  Every
 * string from the input goes through esc(): markup characters become
 * entities, control characters their visible U+2400 pictures, malformed
 * UTF-8 U+FFFD.  Takes the computed report; no SQL, no statistics.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_int.h"

/* Chart geometry (SVG user units = CSS px at 100 %). */
#define CW 960                   /* width */
#define CH 250                   /* height */
#define ML 62                    /* margins: left (y labels), right, top, bottom */
#define MR 14
#define MT 20
#define MB 34
#define PW (CW - ML - MR)        /* plot area */
#define PH (CH - MT - MB)
#define GAP 3                    /* px between lifetime panels */
#define MINW 14                  /* narrowest lifetime panel */

static const char CSS[] =
	"body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1d232a;"
	"margin:0 auto;max-width:1000px;padding:16px 20px 40px;background:#fff}\n"
	"h1{font-size:24px;margin:8px 0 4px}h2{font-size:20px;margin:32px 0 8px;padding-top:8px;"
	"border-top:3px solid #1d232a}h3{font-size:16px;margin:22px 0 6px}"
	"h4{font-size:15px;margin:0 0 4px;font-family:ui-monospace,Menlo,Consolas,monospace}\n"
	".meta,.small{color:#5c6670;font-size:13px}code,.mono{font-family:ui-monospace,Menlo,"
	"Consolas,monospace}\n"
	"table{border-collapse:collapse;width:100%;font-size:13px;margin:6px 0}"
	"th,td{padding:3px 6px;border-bottom:1px solid #e3e6e8;text-align:right;white-space:nowrap}"
	"th{background:#f3f5f6;font-weight:600}td.name,th.name{text-align:left;white-space:normal;"
	"word-break:break-all;font-family:ui-monospace,Menlo,Consolas,monospace}"
	"td.v,th.v{text-align:left}\n"
	".badge{display:inline-block;padding:0 7px;border-radius:9px;font-size:12px;font-weight:600;"
	"line-height:18px;color:#fff;background:#868e96;white-space:nowrap}\n"
	".v-leak{background:#c92a2a}.v-churn{background:#e67700}.v-warming{background:#0c8599}"
	".v-plateau{background:#2b8a3e}.v-idle{background:#adb5bd;color:#1d232a}"
	".v-insufficient_data{background:#dee2e6;color:#1d232a}.v-malloc_mode{background:#7048e8}\n"
	".chart{margin:18px 0 26px;padding:10px 12px;border:1px solid #e3e6e8;border-radius:6px}"
	".chart.hot{border-left:5px solid #c92a2a}.chart.warm{border-left:5px solid #e67700}\n"
	"svg{display:block;width:100%;height:auto;max-width:960px}"
	"svg text{font:11px system-ui,sans-serif;fill:#5c6670}svg .lbl{font-size:10px}\n"
	".legend span{margin-right:14px;white-space:nowrap}.sw{display:inline-block;width:18px;"
	"height:0;vertical-align:middle;margin-right:5px;border-top:2px solid}\n"
	".sw-a{border-color:#d9480f}.sw-u{border-top:8px solid rgba(28,126,214,.35)}"
	".sw-p{border-top:2px dashed #2b8a3e}.sw-r{border-top:2px dashed #c92a2a;width:10px}"
	".sw-c{border-top:2px dotted #7048e8;width:10px}\n"
	"ul.expl{margin:6px 0 0;padding-left:18px}ul.expl li{margin:3px 0}"
	"a{color:#1864ab}nav a{margin-right:10px}\n"
	"details.lt summary{cursor:pointer}details.lt summary h3{display:inline;font-size:15px}"
	"details.lt{margin:10px 0}\n"
	"@media print{.chart{break-inside:avoid}}\n";

/* ---- escaping ---------------------------------------------------------------- */

/* Text or attribute value: & < > " ' as entities, C0 controls and DEL as
 * their control pictures (U+2400 + c, U+2421), malformed UTF-8 as U+FFFD. */
static void esc(FILE *out, const char *s)
{
	uint32_t cp;
	size_t n;

	while (*s != '\0') {
		n = report_utf8_next(s, &cp);
		switch (cp) {
		case '&':
			fputs("&amp;", out);
			break;
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		case '"':
			fputs("&quot;", out);
			break;
		case '\'':
			fputs("&#39;", out);
			break;
		default:
			if (cp < 0x20)
				fprintf(out, "&#x%X;", 0x2400u + cp);
			else if (cp == 0x7F)
				fputs("&#x2421;", out);
			else if (cp == REPORT_UTF8_BAD && n == 1)
				fputs("&#xFFFD;", out);
			else
				fwrite(s, 1, n, out);
		}
		s += n;
	}
}

static void badge(FILE *out, detect_verdict v)
{
	const char *name = detect_verdict_name(v);

	fprintf(out, "<span class=\"badge v-%s\">%s</span>", name, name);
}

static void size_cell(FILE *out, double bytes)
{
	char b[24];

	report_fmt_size(b, sizeof b, bytes);
	fprintf(out, "<td>%s</td>", b);
}

/* ---- summary tables -------------------------------------------------------------- */

/* Floor trend per day as in the text report ("+1.2M", "-", ...). */
static void trend_cell(FILE *out, const detect_result *r)
{
	char v[24];

	if (!r->trend_ok || r->basis == DETECT_BASIS_SEQUENCE || !isfinite(r->slope)) {
		fputs("<td>-</td>", out);
		return;
	}
	report_fmt_size(v, sizeof v, r->slope * 86400.0);
	fprintf(out, "<td>%s%s</td>", r->slope > 0 && v[0] != '0' ? "+" : "", v);
}

/* Indices of the allocators of rl sorted by verdict rank, then dump order. */
static void rank_order(const report_lifetime *rl, size_t *ix)
{
	size_t i, j;

	for (i = 0; i < rl->nalloc; i++)
		ix[i] = i;
	for (i = 1; i < rl->nalloc; i++) {           /* insertion sort: stable */
		size_t t = ix[i];
		int rt = report_verdict_rank(rl->alloc[t].r.verdict);

		for (j = i; j > 0 && report_verdict_rank(rl->alloc[ix[j - 1]].r.verdict) > rt; j--)
			ix[j] = ix[j - 1];
		ix[j] = t;
	}
}

/* Verdict counts of a lifetime as badges, most urgent first. */
static void count_badges(FILE *out, const size_t *counts)
{
	int rank;
	size_t v;

	for (rank = 0; rank < 7; rank++)
		for (v = 0; v < DETECT_V_COUNT; v++)
			if (report_verdict_rank((detect_verdict)v) == rank && counts[v] > 0) {
				fprintf(out, " %zu&nbsp;", counts[v]);
				badge(out, (detect_verdict)v);
			}
}

static void lifetime_head(FILE *out, const report_lifetime *rl, int open)
{
	const db_lifetime *lt = &rl->lt;
	char from[32], to[32];

	fprintf(out, "<details class=\"lt\"%s><summary><h3>Lifetime %" PRId64 ": ",
	        open ? " open" : "", lt->index);
	esc(out, lt->format);
	fputc(' ', out);
	esc(out, lt->mode);
	fprintf(out, " (ATS %s) &middot;", model_version_name(rl->version));
	count_badges(out, rl->counts);
	fputs("</h3></summary>\n<p class=\"meta\">", out);
	double t0 = rl->windowed ? rl->win_first : lt->first_ts;
	double t1 = rl->windowed ? rl->win_last : lt->last_ts;

	if (rl->basis == DETECT_BASIS_TIME) {
		report_fmt_x(from, sizeof from, rl->basis, t0);
		report_fmt_x(to, sizeof to, rl->basis, t1);
		fprintf(out, "%s to %s UTC (%.1f days, times ", from, to, (t1 - t0) / 86400.0);
		esc(out, lt->ts_quality);
		fputs(")", out);
	} else {
		fputs(rl->times_back ? "times go back (overlapping files?): dump numbers used"
		      : rl->basis == DETECT_BASIS_RELATIVE ? "relative times"
		                                           : "times unknown (dump numbers used)", out);
	}
	if (rl->windowed)
		fprintf(out, ", %zu of %" PRId64 " dumps in the window", rl->win_dumps, lt->dumps);
	else
		fprintf(out, ", %" PRId64 " dump%s", lt->dumps, lt->dumps == 1 ? "" : "s");
	fputs(", started by ", out);
	esc(out, lt->start_reason);
	fputs(".</p>\n", out);
}

static void totals_par(FILE *out, const report_lifetime *rl)
{
	const report_totals *t = &rl->totals;
	report_totals_str ts;

	if (t->snapshots == 0) {
		fputs("<p class=\"small\">Totals: no complete dump in this lifetime.</p>\n", out);
		return;
	}
	report_totals_format(rl, &ts);
	fprintf(out, "<p class=\"small\">Totals over %zu complete dump%s: allocated <b>%s</b>, in use "
	        "<b>%s</b>, stranded <b>%s</b>. Churn cost <b>%s</b> (iobuf %s): the per-allocator "
	        "peaks add up to %s, the summed in-use peaked at %s (%s). Without the freelist (-F) "
	        "about %s less would be resident; with free memory returned to the OS about %s less."
	        "</p>\n", t->snapshots, t->snapshots == 1 ? "" : "s", ts.allocated, ts.in_use,
	        ts.stranded, ts.churn_cost, ts.iobuf_churn_cost, ts.sum_of_peaks, ts.peak_of_sum,
	        ts.peak_at, ts.no_freelist, ts.return_to_os);
}

/* The table of one lifetime, folded unless it is the latest or has a leak
 * or churn. */
static tsm_status lifetime_table(FILE *out, size_t h, const report_lifetime *rl, int latest)
{
	size_t *ix = malloc((rl->nalloc ? rl->nalloc : 1) * sizeof *ix), i;

	if (ix == NULL)
		return TSM_NOMEM;
	lifetime_head(out, rl, latest || rl->counts[DETECT_V_LEAK] > 0 ||
	                       rl->counts[DETECT_V_CHURN] > 0);
	fputs("<table>\n<tr><th class=\"name\">allocator</th><th>size</th><th>allocated</th>"
	      "<th>in use</th><th>stranded</th><th>util</th><th>floor/day</th>"
	      "<th class=\"v\">verdict</th><th>confidence</th></tr>\n", out);
	rank_order(rl, ix);
	for (i = 0; i < rl->nalloc; i++) {
		const report_alloc *a = &rl->alloc[ix[i]];
		const detect_result *r = &a->r;

		if (!a->shown)
			continue;
		fprintf(out, "<tr><td class=\"name\"><a href=\"#h%zu-a%" PRId64 "\">", h, a->id);
		esc(out, a->name);
		fputs("</a></td>", out);
		size_cell(out, a->type_size);
		size_cell(out, (double)r->alloc_last);
		size_cell(out, (double)r->inuse_last);
		size_cell(out, (double)r->stranded);
		if (r->alloc_last > 0)
			fprintf(out, "<td>%.0f%%</td>", 100.0 * r->utilization);
		else
			fputs("<td>-</td>", out);
		trend_cell(out, r);
		fputs("<td class=\"v\">", out);
		badge(out, r->verdict);
		fprintf(out, "</td><td>%.2f</td></tr>\n", r->confidence);
	}
	if (rl->nalloc == 0)
		fputs("<tr><td class=\"name\" colspan=\"9\">no allocator matches</td></tr>\n", out);
	fputs("</table>\n", out);
	if (rl->hidden > 0)
		fprintf(out, "<p class=\"small\">%zu more allocator%s at plateau or idle (--all shows "
		        "them).</p>\n", rl->hidden, rl->hidden == 1 ? "" : "s");
	totals_par(out, rl);
	fputs("</details>\n", out);
	free(ix);
	return TSM_OK;
}

/* ---- charts ------------------------------------------------------------------- */

/* One allocator of a host across its lifetimes. */
typedef struct group {
	int64_t id;
	size_t first_lt, first_k;   /* where it first appears */
	int rank;                   /* best (lowest) verdict rank among shown */
	int shown, active;          /* shown somewhere; not idle somewhere */
} group;

/* Points of one polyline/polygon in px; horizontal runs collapse. */
typedef struct pts {
	double *x, *y;
	size_t n, cap;
} pts;

static void pts_add(pts *p, double x, double y)
{
	if (p->n >= 2 && p->y[p->n - 1] == y && p->y[p->n - 2] == y) {
		p->x[p->n - 1] = x;     /* extend the flat run */
		return;
	}
	if (p->n < p->cap) {
		p->x[p->n] = x;
		p->y[p->n] = y;
		p->n++;
	}
}

static void pts_print(FILE *out, const pts *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		fprintf(out, "%s%.1f,%.1f", i ? " " : "", p->x[i], p->y[i]);
}

/* One pixel column: extremes of the bins drawn in it. */
typedef struct col {
	double px;
	int64_t amin, amax, umin, umax;
	uint64_t pmin, pmax;
} col;

typedef struct panel {
	double x0, w;               /* px */
} panel;

typedef struct canvas {
	double ymax;                /* bytes at the top of the plot */
	col *cols;                  /* PW + 2 */
	pts a, u, p;                /* allocated, in-use band, predicted */
} canvas;

static double ypx(const canvas *cv, double v)
{
	double f = cv->ymax > 0 ? v / cv->ymax : 0;

	if (f < 0)
		f = 0;
	if (f > 1.02)
		f = 1.02;
	return MT + PH - f * PH;
}

/* Panel widths proportional to dumps, each at least MINW when they fit. */
static void layout(const report_host *h, panel *pn)
{
	double avail = PW - GAP * (double)(h->nlt - 1), sum = 0, x = ML, extra;
	size_t l;

	for (l = 0; l < h->nlt; l++)
		sum += h->lt[l].lt.dumps > 0 ? (double)h->lt[l].lt.dumps : 1.0;
	extra = avail - MINW * (double)h->nlt;
	for (l = 0; l < h->nlt; l++) {
		double d = h->lt[l].lt.dumps > 0 ? (double)h->lt[l].lt.dumps : 1.0;

		if (extra > 0)
			pn[l].w = MINW + extra * d / sum;
		else
			pn[l].w = avail / (double)h->nlt;
		pn[l].x0 = x;
		x += pn[l].w + GAP;
	}
}

static const report_alloc *find_alloc(const report_lifetime *rl, int64_t id)
{
	size_t k;

	for (k = 0; k < rl->nalloc; k++)
		if (rl->alloc[k].id == id)
			return &rl->alloc[k];
	return NULL;
}

/* Axis value to px within a panel. */
static double xpx(const panel *pn, const detect_result *r, double x)
{
	double span = r->x_last - r->x_first;

	if (!(span > 0))
		return pn->x0 + pn->w / 2;
	return pn->x0 + (x - r->x_first) / span * (pn->w - 1);
}

/* Join a column's extremes to the line: enter at the end nearer the
 * previous point. */
static void line_col(pts *p, double px, double ylo, double yhi)
{
	double prev = p->n > 0 ? p->y[p->n - 1] : ylo;

	if (ylo == yhi) {
		pts_add(p, px, ylo);
	} else if (fabs(prev - ylo) <= fabs(prev - yhi)) {
		pts_add(p, px, ylo);
		pts_add(p, px, yhi);
	} else {
		pts_add(p, px, yhi);
		pts_add(p, px, ylo);
	}
}

/* A marker line over the plot height with a hover title; the label goes
 * above the plot (inside = 0) or just inside its top (inside = 1). */
static void vline(FILE *out, double x, const char *cls_style, const char *label, int inside,
                  const char *title)
{
	fprintf(out, "<g><title>%s</title><line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" %s/>",
	        title, x, MT - 4, x, MT + PH, cls_style);
	if (label != NULL)
		fprintf(out, "<text class=\"lbl\" x=\"%.1f\" y=\"%d\">%s</text>", x + 2,
		        inside ? MT + 10 : MT - 6, label);
	fputs("</g>\n", out);
}

/* The series of one lifetime panel. */
static void draw_panel(FILE *out, canvas *cv, const panel *pn, const report_alloc *a)
{
	const report_chart *c = &a->chart;
	const detect_result *r = &a->r;
	size_t i, nc = 0;
	char x1[40], title[120];

	if (c->nbins == 0) {
		fprintf(out, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">no data</text>\n",
		        pn->x0 + pn->w / 2, MT + PH / 2);
		return;
	}
	for (i = 0; i < c->nbins; i++) {
		const report_bin *b = &c->bin[i];
		double px = floor(xpx(pn, r, (b->x_lo + b->x_hi) / 2)) + 0.5;
		col *k;

		if (nc > 0 && cv->cols[nc - 1].px == px) {
			k = &cv->cols[nc - 1];
			k->amin = b->alloc_min < k->amin ? b->alloc_min : k->amin;
			k->amax = b->alloc_max > k->amax ? b->alloc_max : k->amax;
			k->umin = b->inuse_min < k->umin ? b->inuse_min : k->umin;
			k->umax = b->inuse_max > k->umax ? b->inuse_max : k->umax;
			k->pmin = b->pred_min < k->pmin ? b->pred_min : k->pmin;
			k->pmax = b->pred_max > k->pmax ? b->pred_max : k->pmax;
			continue;
		}
		if (nc >= PW + 2)
			break;
		k = &cv->cols[nc++];
		k->px = px;
		k->amin = b->alloc_min;
		k->amax = b->alloc_max;
		k->umin = b->inuse_min;
		k->umax = b->inuse_max;
		k->pmin = b->pred_min;
		k->pmax = b->pred_max;
	}
	cv->a.n = cv->u.n = cv->p.n = 0;
	/* in-use band: the maxima forward, the minima back */
	for (i = 0; i < nc; i++)
		pts_add(&cv->u, nc == 1 ? cv->cols[i].px - 1 : cv->cols[i].px,
		        ypx(cv, (double)cv->cols[i].umax));
	if (nc == 1)
		pts_add(&cv->u, cv->cols[0].px + 1, ypx(cv, (double)cv->cols[0].umax));
	for (i = nc; i-- > 0;) {
		if (nc == 1)
			pts_add(&cv->u, cv->cols[i].px + 1, ypx(cv, (double)cv->cols[i].umin));
		pts_add(&cv->u, nc == 1 ? cv->cols[i].px - 1 : cv->cols[i].px,
		        ypx(cv, (double)cv->cols[i].umin));
	}
	for (i = 0; i < nc; i++) {
		line_col(&cv->a, cv->cols[i].px, ypx(cv, (double)cv->cols[i].amin),
		         ypx(cv, (double)cv->cols[i].amax));
		line_col(&cv->p, cv->cols[i].px, ypx(cv, (double)cv->cols[i].pmin),
		         ypx(cv, (double)cv->cols[i].pmax));
	}
	fputs("<polygon fill=\"rgba(28,126,214,.35)\" stroke=\"#1c7ed6\" stroke-width=\".8\" "
	      "stroke-linejoin=\"round\" points=\"", out);
	pts_print(out, &cv->u);
	fputs("\"/>\n<polyline fill=\"none\" stroke=\"#2b8a3e\" stroke-width=\"1.6\" "
	      "stroke-dasharray=\"5 3\" points=\"", out);
	pts_print(out, &cv->p);
	fputs("\"/>\n<polyline fill=\"none\" stroke=\"#d9480f\" stroke-width=\"1.8\" points=\"", out);
	pts_print(out, &cv->a);
	fputs("\"/>\n", out);
	/* level shifts, and the churn peak or the leak onset */
	for (i = 0; i < c->ncp; i++) {
		report_fmt_x(x1, sizeof x1, r->basis, c->cp_x[i]);
		snprintf(title, sizeof title, "in-use level shift at %s", x1);
		vline(out, xpx(pn, r, c->cp_x[i]),
		      "stroke=\"#7048e8\" stroke-width=\"1.2\" stroke-dasharray=\"2 2\"",
		      pn->w >= 60 ? "shift" : NULL, 1, title);
	}
	if ((r->verdict == DETECT_V_CHURN && isfinite(r->peak_x)) ||
	    (r->verdict == DETECT_V_LEAK && isfinite(r->since))) {
		double x = r->verdict == DETECT_V_CHURN ? r->peak_x : r->since;

		report_fmt_x(x1, sizeof x1, r->basis, x);
		snprintf(title, sizeof title, "%s %s", r->verdict == DETECT_V_CHURN
		         ? "churn: in-use peak held since" : "leak: floor rising since", x1);
		if (x >= r->x_first && x <= r->x_last)
			vline(out, xpx(pn, r, x), "stroke=\"#c92a2a\" stroke-width=\"1.2\"",
			      pn->w >= 60 ? (r->verdict == DETECT_V_CHURN ? "peak" : "since") : NULL, 0,
			      title);
	}
}

/* One x tick with its label, kept inside the panel. */
static void x_tick(FILE *out, const panel *pn, double px, const char *label)
{
	const char *anchor = px < pn->x0 + 32 ? "start" : px > pn->x0 + pn->w - 32 ? "end" : "middle";

	fprintf(out, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#adb5bd\"/>"
	        "<text x=\"%.1f\" y=\"%d\" text-anchor=\"%s\">%s</text>\n", px, MT + PH, px,
	        MT + PH + 4, px, MT + PH + 16, anchor, label);
}

/* x-axis labels of one panel.  Times: ticks on round UTC hours or days
 * ("MM-DD" at midnight, else "MM-DD HH:MM"), as many as fit; other axes:
 * evenly spaced, start and end included. */
static void x_labels(FILE *out, const panel *pn, const report_alloc *a, detect_basis basis,
                     const db_lifetime *lt)
{
	static const double STEPS[] = {3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400, 2 * 86400,
	                               7 * 86400, 14 * 86400, 28 * 86400, 91 * 86400};
	const detect_result *r = a != NULL ? &a->r : NULL;
	double x0 = r != NULL ? r->x_first : lt->first_ts, x1 = r != NULL ? r->x_last : lt->last_ts;
	int nt = pn->w >= 700 ? 5 : pn->w >= 420 ? 3 : pn->w >= 230 ? 2 : pn->w >= 110 ? 1 : 0;
	int i, drawn = 0;
	char buf[40];

	if (r != NULL)
		basis = r->basis;
	if (nt == 0 || !isfinite(x0) || !isfinite(x1))
		return;
	if (basis == DETECT_BASIS_TIME && x1 > x0) {
		double maxt = floor(pn->w / 95.0), step = 0, t;
		size_t k;

		for (k = 0; k < sizeof STEPS / sizeof STEPS[0] && step == 0; k++)
			if ((x1 - x0) / STEPS[k] <= maxt)
				step = STEPS[k];
		for (t = step > 0 ? ceil(x0 / step) * step : x1 + 1; t <= x1; t += step) {
			report_fmt_x(buf, sizeof buf, basis, t);
			if (fmod(t, 86400.0) == 0)
				buf[10] = '\0';      /* "YYYY-MM-DD" */
			x_tick(out, pn, pn->x0 + (t - x0) / (x1 - x0) * (pn->w - 1), buf + 5);
			drawn++;
		}
		if (drawn > 0)
			return;
		nt = 1;
	}
	for (i = 0; i < nt; i++) {
		double f = nt == 1 ? 0 : (double)i / (nt - 1), x = x0 + f * (x1 - x0);

		report_fmt_x(buf, sizeof buf, basis, x);
		x_tick(out, pn, pn->x0 + f * (pn->w - 1),
		       basis == DETECT_BASIS_TIME && strlen(buf) > 5 ? buf + 5 : buf);
	}
}

/* A y step of 2^k bytes giving 3..6 grid lines. */
static double y_step(double ymax)
{
	double s = 1;

	while (ymax / s > 6)
		s *= 2;
	return s;
}

static void draw_chart(FILE *out, canvas *cv, const report_host *rh, const panel *pn,
                       const group *g)
{
	size_t l;
	double ymax = 0, step, v;
	char buf[24];
	const report_alloc *a0 = find_alloc(&rh->lt[g->first_lt], g->id);

	for (l = 0; l < rh->nlt; l++) {
		const report_alloc *a = find_alloc(&rh->lt[l], g->id);
		size_t i;

		for (i = 0; a != NULL && i < a->chart.nbins; i++) {
			const report_bin *b = &a->chart.bin[i];

			ymax = fmax(ymax, (double)b->alloc_max);
			ymax = fmax(ymax, (double)b->inuse_max);
			ymax = fmax(ymax, (double)b->pred_max);
		}
	}
	step = y_step(ymax > 0 ? ymax : 1);
	cv->ymax = step * ceil((ymax > 0 ? ymax : 1) / step);
	fprintf(out, "<svg viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\" "
	        "aria-label=\"", CW, CH, CW, CH);
	esc(out, a0->name);
	fputs(": allocated, in use and predicted allocated over time\">\n", out);
	for (v = 0; v <= cv->ymax + step / 2; v += step) {
		report_fmt_size(buf, sizeof buf, v);
		fprintf(out, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"%s\"/>"
		        "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n", ML, ypx(cv, v),
		        ML + PW, ypx(cv, v), v == 0 ? "#868e96" : "#eceff1", ML - 6, ypx(cv, v) + 4, buf);
	}
	for (l = 0; l < rh->nlt; l++) {
		const report_lifetime *rl = &rh->lt[l];
		const report_alloc *a = find_alloc(rl, g->id);
		char t[200], from[32];

		fprintf(out, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>\n",
		        pn[l].x0, MT, pn[l].w, PH, l % 2 ? "#f8f9fa" : "#fdfdfe");
		if (l > 0) {
			report_fmt_x(from, sizeof from, rl->basis, rl->lt.first_ts);
			snprintf(t, sizeof t, "restart: lifetime %" PRId64 " from %s", rl->lt.index, from);
			vline(out, pn[l].x0 - GAP / 2.0,
			      "stroke=\"#c92a2a\" stroke-width=\"1.5\" stroke-dasharray=\"4 3\"",
			      pn[l].w >= 60 ? "restart" : NULL, 0, t);
		}
		if (a == NULL) {
			if (pn[l].w >= 40)
				fprintf(out, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">absent</text>\n",
				        pn[l].x0 + pn[l].w / 2, MT + PH / 2);
		} else if (!a->shown) {
			if (pn[l].w >= 40)
				fprintf(out, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
				        pn[l].x0 + pn[l].w / 2, MT + PH / 2, detect_verdict_name(a->r.verdict));
		} else {
			draw_panel(out, cv, &pn[l], a);
		}
		x_labels(out, &pn[l], a, rl->basis, &rl->lt);
	}
	fputs("</svg>\n", out);
}

static void explanations(FILE *out, const report_host *rh, const group *g)
{
	size_t l;

	fputs("<ul class=\"expl\">\n", out);
	for (l = 0; l < rh->nlt; l++) {
		const report_alloc *a = find_alloc(&rh->lt[l], g->id);

		if (a == NULL)
			continue;
		fprintf(out, "<li>Lifetime %" PRId64 ": ", rh->lt[l].lt.index);
		badge(out, a->r.verdict);
		fprintf(out, " <span class=\"small\">(confidence %.2f)</span> ", a->r.confidence);
		esc(out, a->explanation);
		fputs("</li>\n", out);
	}
	fputs("</ul>\n", out);
}

/* Allocators of a host across lifetimes, in chart order. */
static tsm_status groups_of(const report_host *rh, group **out, size_t *n)
{
	size_t l, k, i, j, cap = 0, ng = 0;
	group *g = NULL;

	for (l = 0; l < rh->nlt; l++)
		cap += rh->lt[l].nalloc;
	g = calloc(cap ? cap : 1, sizeof *g);
	if (g == NULL)
		return TSM_NOMEM;
	for (l = 0; l < rh->nlt; l++) {
		for (k = 0; k < rh->lt[l].nalloc; k++) {
			const report_alloc *a = &rh->lt[l].alloc[k];
			int rank = report_verdict_rank(a->r.verdict);

			for (i = 0; i < ng && g[i].id != a->id; i++)
				;
			if (i == ng) {
				g[ng].id = a->id;
				g[ng].first_lt = l;
				g[ng].first_k = k;
				g[ng].rank = 99;
				ng++;
			}
			if (a->shown) {
				g[i].shown = 1;
				if (rank < g[i].rank)
					g[i].rank = rank;
			}
			if (a->r.verdict != DETECT_V_IDLE)
				g[i].active = 1;
		}
	}
	for (i = 1; i < ng; i++) {                   /* stable by rank */
		group t = g[i];

		for (j = i; j > 0 && g[j - 1].rank > t.rank; j--)
			g[j] = g[j - 1];
		g[j] = t;
	}
	*out = g;
	*n = ng;
	return TSM_OK;
}

static tsm_status host_charts(FILE *out, canvas *cv, size_t h, const report_host *rh)
{
	group *g = NULL;
	panel *pn = NULL;
	size_t ng = 0, i, idle = 0;
	tsm_status rc;

	rc = groups_of(rh, &g, &ng);
	if (rc != TSM_OK)
		return rc;
	pn = calloc(rh->nlt ? rh->nlt : 1, sizeof *pn);
	if (pn == NULL) {
		free(g);
		return TSM_NOMEM;
	}
	layout(rh, pn);
	fputs("<h3>Allocators over time</h3>\n<p class=\"legend small\">"
	      "<span><i class=\"sw sw-a\"></i>allocated</span>"
	      "<span><i class=\"sw sw-u\"></i>in use (min to max per pixel)</span>"
	      "<span><i class=\"sw sw-p\"></i>model: predicted allocated</span>"
	      "<span><i class=\"sw sw-r\"></i>restart (new lifetime)</span>"
	      "<span><i class=\"sw sw-c\"></i>in-use level shift</span></p>\n", out);
	for (i = 0; i < ng; i++) {
		const report_alloc *a0 = &rh->lt[g[i].first_lt].alloc[g[i].first_k];
		char sz[24];

		if (!g[i].shown)
			continue;
		if (!g[i].active) {
			idle++;
			continue;
		}
		report_fmt_size(sz, sizeof sz, a0->type_size);
		fprintf(out, "<div class=\"chart%s\" id=\"h%zu-a%" PRId64 "\">\n<h4>",
		        g[i].rank == 0 ? " hot" : g[i].rank == 1 ? " warm" : "", h, g[i].id);
		esc(out, a0->name);
		fprintf(out, " <span class=\"small\">%s objects</span></h4>\n", sz);
		draw_chart(out, cv, rh, pn, &g[i]);
		explanations(out, rh, &g[i]);
		fputs("</div>\n", out);
	}
	if (idle > 0) {
		size_t m = 0;

		fputs("<p class=\"small\">Idle in every lifetime (nothing to draw): <span class=\"mono\">",
		      out);
		for (i = 0; i < ng; i++) {
			if (!g[i].shown || g[i].active)
				continue;
			if (m++ > 0)
				fputs(", ", out);
			esc(out, rh->lt[g[i].first_lt].alloc[g[i].first_k].name);
		}
		fputs("</span>.</p>\n", out);
	}
	free(pn);
	free(g);
	return TSM_OK;
}

/* ---- page ---------------------------------------------------------------------- */

static void page_head(FILE *out, const report *r)
{
	char when[40];
	size_t i;

	report_fmt_x(when, sizeof when, DETECT_BASIS_TIME, r->generated_at);
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	      "style-src 'unsafe-inline'\">\n<title>tsmem report", out);
	if (r->nhosts == 1) {
		fputs(": ", out);
		esc(out, r->hosts[0].name);
	}
	fprintf(out, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<h1>tsmem report</h1>\n", CSS);
	fprintf(out, "<p class=\"meta\">Generated %s UTC by tsmem ", when);
	esc(out, r->opts.version != NULL ? r->opts.version : "?");
	fprintf(out, " &middot; %zu host%s &middot;", r->nhosts, r->nhosts == 1 ? "" : "s");
	count_badges(out, r->counts);
	fputs("</p>\n", out);
	if (r->nhosts > 1) {
		fputs("<nav class=\"small\">Hosts: ", out);
		for (i = 0; i < r->nhosts; i++) {
			fprintf(out, "<a href=\"#h%zu\">", i);
			esc(out, r->hosts[i].name);
			fputs("</a>", out);
		}
		fputs("</nav>\n", out);
	}
	if (r->nhosts == 0) {
		fprintf(out, "<p>Nothing to report: the database holds no dumps%s.</p>\n",
		        r->opts.host != NULL ? " for this host" : "");
	}
}

static void page_foot(FILE *out, const report *r)
{
	size_t i;

	fputs("<h2>About this report</h2>\n", out);
	for (i = 0; i < r->nnotes; i++) {
		fputs("<p class=\"small\">Note: ", out);
		esc(out, r->notes[i]);
		fputs("</p>\n", out);
	}
	fprintf(out, "<p class=\"small\">Input diagnostics: %" PRIu64 " warning%s, %" PRIu64
	        " error%s (<code>tsmem sql -d DB 'SELECT * FROM diagnostic'</code>). Sizes are binary "
	        "(K/M/G = KiB/MiB/GiB); floor/day is the Theil&ndash;Sen slope of the in-use floor. "
	        "Charts keep the minimum and maximum of every pixel column.</p>\n", r->warnings,
	        r->warnings == 1 ? "" : "s", r->errors, r->errors == 1 ? "" : "s");
	fputs("<details><summary class=\"small\">Classifier parameters</summary>\n<table>\n", out);
	for (i = 0; i < detect_param_count(); i++)
		fprintf(out, "<tr><td class=\"name\">%s</td><td>%.10g</td><td class=\"v small\">%s</td>"
		        "</tr>\n", detect_param_name(i), detect_param_value(&r->opts.params, i),
		        detect_param_help(i));
	fputs("</table>\n</details>\n</body>\n</html>\n", out);
}

tsm_status report_html(const report *r, FILE *out, unsigned flags, char *err)
{
	canvas cv;
	size_t h, l;
	tsm_status rc = TSM_OK;

	(void)flags;
	memset(&cv, 0, sizeof cv);
	cv.cols = malloc((PW + 2) * sizeof *cv.cols);
	cv.a.cap = cv.u.cap = cv.p.cap = 4 * (PW + 2) + 8;
	cv.a.x = malloc(cv.a.cap * sizeof(double));
	cv.a.y = malloc(cv.a.cap * sizeof(double));
	cv.u.x = malloc(cv.u.cap * sizeof(double));
	cv.u.y = malloc(cv.u.cap * sizeof(double));
	cv.p.x = malloc(cv.p.cap * sizeof(double));
	cv.p.y = malloc(cv.p.cap * sizeof(double));
	if (cv.cols == NULL || cv.a.x == NULL || cv.a.y == NULL || cv.u.x == NULL ||
	    cv.u.y == NULL || cv.p.x == NULL || cv.p.y == NULL) {
		rc = TSM_NOMEM;
		goto out;
	}
	page_head(out, r);
	for (h = 0; h < r->nhosts && rc == TSM_OK; h++) {
		const report_host *rh = &r->hosts[h];

		fprintf(out, "<section id=\"h%zu\">\n<h2>Host <span class=\"mono\">", h);
		esc(out, rh->name);
		fprintf(out, "</span></h2>\n<p class=\"meta\">%zu lifetime%s.</p>\n", rh->nlt,
		        rh->nlt == 1 ? "" : "s");
		for (l = 0; l < rh->nlt && rc == TSM_OK; l++)
			rc = lifetime_table(out, h, &rh->lt[l], l + 1 == rh->nlt);
		if (rc == TSM_OK && rh->nlt > 0)
			rc = host_charts(out, &cv, h, rh);
		fputs("</section>\n", out);
	}
	if (rc == TSM_OK)
		page_foot(out, r);
out:
	free(cv.cols);
	free(cv.a.x);
	free(cv.a.y);
	free(cv.u.x);
	free(cv.u.y);
	free(cv.p.x);
	free(cv.p.y);
	if (rc == TSM_NOMEM) {
		tsm_seterr(err, "out of memory");
		return rc;
	}
	if (fflush(out) != 0 || ferror(out)) {
		tsm_seterr(err, "write error");
		return TSM_ERR;
	}
	return TSM_OK;
}
