/* text.c — the text renderer: per host and lifetime a table of allocators
 * (size, allocated, in-use, stranded, utilisation, floor trend per day,
 * verdict, in-use sparkline), a paragraph per finding (what, since when,
 * how fast, how sure, what to do next), and the totals with the churn cost
 * and the what-ifs.  Fits 100 columns; ANSI colour only when the caller
 * passes REPORT_F_COLOR.
 *
 * Takes the computed report; no SQL, no statistics.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report.h"
#include "report_int.h"

#define WIDTH 98

static const char *const SPARK[8] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};

/* What usually fills each ioBufAllocator bucket (spec §3.7). */
static const char *const BUCKET_HINT[15] = {
	"chunked-transfer buffers, small bodies, HostDB records",
	"dechunking buffers, small bodies, HostDB records",
	"small bodies, HostDB records",
	"small bodies",
	"UDP packets, small bodies",
	"client request read buffers (one per connection/transaction)",
	"origin response header buffers",
	"log buffers, TLS early data, HTTP/2 write buffers (8.x)",
	"response body tunnel buffers (default_buffer_size)",
	"cache reads/writes of mid-size objects, RAM cache",
	"cache reads/writes, RAM cache",
	"HTTP/2 write buffers (9.x, one per session), cache reads",
	"cache fragments, RAM cache",
	"cache fragments (target_fragment_size), RAM cache",
	"cache fragments (target_fragment_size), RAM cache",
};

static const char *color_of(detect_verdict v)
{
	switch (v) {
	case DETECT_V_LEAK:
		return "\033[1;31m";
	case DETECT_V_CHURN:
		return "\033[1;33m";
	case DETECT_V_WARMING:
		return "\033[36m";
	case DETECT_V_MALLOC:
		return "\033[35m";
	case DETECT_V_INSUFFICIENT:
	case DETECT_V_IDLE:
		return "\033[2m";
	default:
		return "";
	}
}

/* Print text wrapped at WIDTH with `indent` spaces on every line. */
static void wrap(FILE *out, int indent, const char *text)
{
	const char *p = text;
	int col = 0;

	while (*p != '\0') {
		const char *w = p;
		int len, chars = 0;

		while (*w != '\0' && *w != ' ')
			w++;
		len = (int)(w - p);
		for (const char *c = p; c < w; c++)
			chars += ((unsigned char)*c & 0xC0) != 0x80;
		if (col > 0 && col + 1 + chars > WIDTH) {
			fputc('\n', out);
			col = 0;
		}
		if (col == 0) {
			fprintf(out, "%*s", indent, "");
			col = indent;
		} else {
			fputc(' ', out);
			col++;
		}
		fwrite(p, 1, (size_t)len, out);
		col += chars;
		p = w;
		while (*p == ' ')
			p++;
	}
	if (col > 0)
		fputc('\n', out);
}

static void spark(FILE *out, const report_alloc *a)
{
	double lo = INFINITY, hi = -INFINITY;
	size_t i;

	for (i = 0; i < a->nspark; i++) {
		lo = fmin(lo, a->spark[i]);
		hi = fmax(hi, a->spark[i]);
	}
	for (i = 0; i < a->nspark; i++) {
		int k = 0;

		if (hi > lo)
			k = (int)floor((a->spark[i] - lo) / (hi - lo) * 7.0 + 0.5);
		else if (hi > 0)
			k = 3;
		fputs(SPARK[k < 0 ? 0 : k > 7 ? 7 : k], out);
	}
}

static void trend_cell(char *buf, size_t len, const detect_result *r)
{
	char v[16];

	if (!r->trend_ok || r->basis == DETECT_BASIS_SEQUENCE || !isfinite(r->slope)) {
		snprintf(buf, len, "-");
		return;
	}
	report_fmt_size(v, sizeof v, r->slope * 86400.0);
	snprintf(buf, len, "%s%s", r->slope > 0 && v[0] != '0' ? "+" : "", v);
}

static void row(FILE *out, const report_alloc *a, unsigned flags)
{
	const detect_result *r = &a->r;
	char name[24], size[16], al[16], iu[16], st[16], util[8], tr[24];

	if (strlen(a->name) > 20)
		snprintf(name, sizeof name, "%.19s~", a->name);
	else
		snprintf(name, sizeof name, "%s", a->name);
	report_fmt_size(size, sizeof size, a->type_size);
	report_fmt_size(al, sizeof al, (double)r->alloc_last);
	report_fmt_size(iu, sizeof iu, (double)r->inuse_last);
	report_fmt_size(st, sizeof st, (double)r->stranded);
	if (r->alloc_last > 0)
		snprintf(util, sizeof util, "%.0f%%", 100.0 * r->utilization);
	else
		snprintf(util, sizeof util, "-");
	trend_cell(tr, sizeof tr, r);
	fprintf(out, "%-20s %5s %8s %8s %8s %4s %8s ", name, size, al, iu, st, util, tr);
	if (flags & REPORT_F_COLOR)
		fprintf(out, "%s%-17s\033[0m ", color_of(r->verdict), detect_verdict_name(r->verdict));
	else
		fprintf(out, "%-17s ", detect_verdict_name(r->verdict));
	spark(out, a);
	fputc('\n', out);
}

static void advice(char *buf, size_t len, const report_alloc *a)
{
	const detect_result *r = &a->r;
	char pl[24];

	switch (r->verdict) {
	case DETECT_V_LEAK:
		snprintf(buf, len, "Next: set proxy.config.res_track_memory=1 to see the allocating call "
		         "sites in traffic.out, or take a heap profile (jemalloc prof, heaptrack); "
		         "disable plugins one at a time to bisect.");
		break;
	case DETECT_V_CHURN:
		snprintf(buf, len, "Next: this memory is reusable only by objects of this size and is "
		         "released only by a restart; to avoid it, run with -F (freelist off, malloc "
		         "reuses memory across sizes), tune the chunk sizes "
		         "(proxy.config.allocator.iobuf_chunk_sizes, 10.x) or, for cache buckets, the "
		         "RAM cache (proxy.config.cache.ram_cache.size, ram_cache_cutoff).");
		break;
	case DETECT_V_WARMING:
		report_fmt_size(pl, sizeof pl, (double)r->model.expected_plateau);
		if (r->reason == DETECT_R_RAM_FILLING)
			snprintf(buf, len, "Next: run the report again once the RAM cache is full "
			         "(proxy.config.cache.ram_cache.size); cached objects stop there, a leak "
			         "keeps rising.");
		else
			snprintf(buf, len, "Next: run the report again later; a fill should level off "
			         "near %s allocated.", pl);
		break;
	case DETECT_V_MALLOC:
		snprintf(buf, len, "Next: freelist counters only show in-use here; use jemalloc "
		         "statistics or a heap profile for memory held by malloc.");
		break;
	default:
		buf[0] = '\0';
	}
}

static void finding(FILE *out, const report_lifetime *rl, const report_alloc *a, unsigned flags)
{
	const detect_result *r = &a->r;
	char text[1400], adv[400], hint[160] = "";

	(void)rl;
	if (a->bucket >= 0 && a->bucket < 15)
		snprintf(hint, sizeof hint, " Typical users of this bucket: %s.", BUCKET_HINT[a->bucket]);
	advice(adv, sizeof adv, a);
	if (flags & REPORT_F_COLOR)
		fprintf(out, "  %s%s\033[0m — %s%s\033[0m (confidence %.2f)\n", "\033[1m", a->name,
		        color_of(r->verdict), detect_verdict_name(r->verdict), r->confidence);
	else
		fprintf(out, "  %s — %s (confidence %.2f)\n", a->name, detect_verdict_name(r->verdict),
		        r->confidence);
	snprintf(text, sizeof text, "%s%s %s", a->explanation,
	         r->verdict == DETECT_V_LEAK || r->verdict == DETECT_V_CHURN ? hint : "", adv);
	wrap(out, 4, text);
}

static void insufficient(FILE *out, const report_lifetime *rl, const detect_params *p)
{
	char text[1200];
	size_t k, m = 0, len;

	len = (size_t)snprintf(text, sizeof text, "Too few dumps for a trend (%.0f needed) for:",
	                       p->min_dumps);
	for (k = 0; k < rl->nalloc && len < sizeof text - 64; k++) {
		if (rl->alloc[k].r.verdict != DETECT_V_INSUFFICIENT || !rl->alloc[k].shown)
			continue;
		len += (size_t)snprintf(text + len, sizeof text - len, "%s %s", m ? "," : "",
		                        rl->alloc[k].name);
		m++;
	}
	if (m == 0)
		return;
	snprintf(text + len, sizeof text - len, ". The table shows their utilisation and stranded "
	         "bytes at the last dump; collect at least %.0f dumps "
	         "(proxy.config.dump_mem_info_frequency, e.g. 60 s) to get verdicts.", p->min_dumps);
	wrap(out, 2, text);
}

static void totals(FILE *out, const report_lifetime *rl)
{
	const report_totals *t = &rl->totals;
	report_totals_str ts;
	char text[900];

	if (t->snapshots == 0) {
		wrap(out, 2, "Totals: no complete dump in this lifetime (cut-off tables count for "
		     "their allocators, not for totals).");
		return;
	}
	report_totals_format(rl, &ts);
	snprintf(text, sizeof text, "Totals over %zu complete dump%s: allocated %s, in use %s, "
	         "stranded %s. Churn cost %s (iobuf %s): the per-allocator peaks add up to %s, but "
	         "the summed in-use peaked at %s (%s); freelist memory never moves between sizes. "
	         "What if: without the freelist (-F) about %s less would be resident; with free "
	         "memory returned to the OS about %s less.",
	         t->snapshots, t->snapshots == 1 ? "" : "s", ts.allocated, ts.in_use, ts.stranded,
	         ts.churn_cost, ts.iobuf_churn_cost, ts.sum_of_peaks, ts.peak_of_sum, ts.peak_at,
	         ts.no_freelist, ts.return_to_os);
	wrap(out, 2, text);
}

static void lifetime(FILE *out, const report *r, const report_host *h, const report_lifetime *rl,
                     unsigned flags)
{
	const db_lifetime *lt = &rl->lt;
	char from[32], to[32], head[300];
	size_t k, nf = 0;

	char dumps[64];
	double t0 = rl->windowed ? rl->win_first : lt->first_ts;
	double t1 = rl->windowed ? rl->win_last : lt->last_ts;

	if (rl->windowed)
		snprintf(dumps, sizeof dumps, "%zu of %lld dumps in the window", rl->win_dumps,
		         (long long)lt->dumps);
	else
		snprintf(dumps, sizeof dumps, "%lld dump%s", (long long)lt->dumps,
		         lt->dumps == 1 ? "" : "s");
	if (rl->basis == DETECT_BASIS_TIME) {
		report_fmt_x(from, sizeof from, rl->basis, t0);
		report_fmt_x(to, sizeof to, rl->basis, t1);
		snprintf(head, sizeof head, "%s, lifetime %lld: %s %s (%s), %s to %s UTC (%.1f d, %s), "
		         "%s", h->name, (long long)lt->index, lt->format, lt->mode,
		         model_version_name(rl->version), from, to, (t1 - t0) / 86400.0,
		         lt->ts_quality, dumps);
	} else {
		snprintf(head, sizeof head, "%s, lifetime %lld: %s %s (%s), %s, %s", h->name,
		         (long long)lt->index, lt->format, lt->mode, model_version_name(rl->version),
		         rl->times_back ? "times go back (overlapping files?): dump numbers used"
		         : rl->basis == DETECT_BASIS_RELATIVE ? "relative times"
		                                              : "times unknown (dump numbers used)",
		         dumps);
	}
	if (flags & REPORT_F_COLOR)
		fputs("\033[1m", out);
	wrap(out, 0, head);
	if (flags & REPORT_F_COLOR)
		fputs("\033[0m", out);
	fprintf(out, "%-20s %5s %8s %8s %8s %4s %8s %-17s %s\n", "allocator", "size", "alloc",
	        "in-use", "strand", "util", "trend/d", "verdict", "in-use");
	for (k = 0; k < rl->nalloc; k++)
		if (rl->alloc[k].shown)
			row(out, &rl->alloc[k], flags);
	if (rl->nalloc == 0)
		fprintf(out, "(no allocator matches)\n");
	if (rl->hidden > 0)
		fprintf(out, "(%zu more allocator%s at plateau or idle; --all shows them)\n", rl->hidden,
		        rl->hidden == 1 ? "" : "s");
	fputc('\n', out);
	for (k = 0; k < rl->nalloc; k++) {
		detect_verdict v = rl->alloc[k].r.verdict;

		if (v == DETECT_V_LEAK || v == DETECT_V_CHURN || v == DETECT_V_WARMING ||
		    v == DETECT_V_MALLOC) {
			finding(out, rl, &rl->alloc[k], flags);
			nf++;
		}
	}
	if (rl->counts[DETECT_V_INSUFFICIENT] > 0)
		insufficient(out, rl, &r->opts.params);
	if (nf == 0 && rl->counts[DETECT_V_INSUFFICIENT] == 0)
		wrap(out, 2, "No leak, churn or warming: every allocator is at a normal plateau or idle.");
	totals(out, rl);
	fputc('\n', out);
}

static size_t nlifetimes(const report *r)
{
	size_t h, n = 0;

	for (h = 0; h < r->nhosts; h++)
		n += r->hosts[h].nlt;
	return n;
}

tsm_status report_text(const report *r, FILE *out, unsigned flags, char *err)
{
	char when[32];
	size_t h, l, i;

	report_fmt_x(when, sizeof when, DETECT_BASIS_TIME, r->generated_at);
	fprintf(out, "tsmem report %s UTC, %zu host%s: %zu leak, %zu churn, %zu warming, "
	        "%zu plateau, %zu too short\n", when, r->nhosts, r->nhosts == 1 ? "" : "s",
	        r->counts[DETECT_V_LEAK], r->counts[DETECT_V_CHURN], r->counts[DETECT_V_WARMING],
	        r->counts[DETECT_V_PLATEAU], r->counts[DETECT_V_INSUFFICIENT]);
	fprintf(out, "(sizes in bytes, K/M/G = KiB/MiB/GiB; trend/d = in-use floor per day)\n");
	if (r->windowed) {
		char since[40], until[40];

		report_window(r, since, until, sizeof since);
		fprintf(out, "window: %s to %s (--since/--until)\n", since, until);
	}
	fputc('\n', out);
	if (r->windowed && r->out_of_window > 0 && nlifetimes(r) == 0)
		fprintf(out, "No dumps lie in the window (see the note below).\n\n");
	else if (r->nhosts > 0 && nlifetimes(r) == 0)
		fprintf(out, "Nothing to report: what was selected holds no dumps.\n\n");
	if (r->nhosts == 0)
		fprintf(out, "Nothing to report: the database holds no dumps%s.\n\n",
		        r->opts.host != NULL ? " for this host" : "");
	for (h = 0; h < r->nhosts; h++)
		for (l = 0; l < r->hosts[h].nlt; l++)
			lifetime(out, r, &r->hosts[h], &r->hosts[h].lt[l], flags);
	for (i = 0; i < r->nnotes; i++)
		fprintf(out, "note: %s\n", r->notes[i]);
	if (r->warnings + r->errors > 0)
		fprintf(out, "Input diagnostics: %llu warning%s, %llu error%s (tsmem sql -d DB 'SELECT * "
		        "FROM diagnostic').\n", (unsigned long long)r->warnings,
		        r->warnings == 1 ? "" : "s", (unsigned long long)r->errors,
		        r->errors == 1 ? "" : "s");
	if (fflush(out) != 0 || ferror(out)) {
		tsm_seterr(err, "write error");
		return TSM_ERR;
	}
	return TSM_OK;
}
