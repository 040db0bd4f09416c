/* writer.c — renders what the simulator produces as traffic.out text,
 * byte for byte in the printf formats of spec §1 (freelist tables F1-F4,
 * baseline-relative table, sbrk lines, jemalloc banners) and §2.4 (diags
 * lines, start and crash markers).  Hand-rolled number formatting into one
 * buffer keeps a 30-day, 10-second run fast.  Writes only to the FILE *
 * it was given.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim_int.h"

#define SW_FLUSH_AT (1u << 20)

int sw_init(sim_writer *w, FILE *f, sim_format fmt)
{
	memset(w, 0, sizeof *w);
	w->f = f;
	w->fmt = fmt;
	w->cap = SW_FLUSH_AT + 65536;
	w->buf = malloc(w->cap);
	return w->buf != NULL ? 0 : -1;
}

void sw_free(sim_writer *w)
{
	free(w->buf);
	w->buf = NULL;
}

void sw_flush(sim_writer *w)
{
	if (w->len > 0 && !w->err) {
		if (fwrite(w->buf, 1, w->len, w->f) != w->len)
			w->err = 1;
	}
	w->bytes += w->len;
	w->len = 0;
}

static void reserve(sim_writer *w, size_t n)
{
	if (w->len + n > w->cap)
		sw_flush(w);
	if (n > w->cap) {
		char *nb = realloc(w->buf, n);

		if (nb == NULL) {
			w->err = 1;
			return;
		}
		w->buf = nb;
		w->cap = n;
	}
}

static void put(sim_writer *w, const char *s, size_t n)
{
	reserve(w, n);
	if (w->len + n > w->cap)
		return;
	memcpy(w->buf + w->len, s, n);
	w->len += n;
}

static void puts_(sim_writer *w, const char *s)
{
	put(w, s, strlen(s));
}

/* Right-aligned decimal in a field of `width` (wider numbers overflow, as printf does). */
static void put_num(sim_writer *w, uint64_t v, int width)
{
	char tmp[24];
	int n = 0, pad;

	do {
		tmp[sizeof tmp - 1 - n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	pad = width > n ? width - n : 0;
	reserve(w, (size_t)pad + (size_t)n);
	if (w->len + (size_t)pad + (size_t)n > w->cap)
		return;
	memset(w->buf + w->len, ' ', (size_t)pad);
	memcpy(w->buf + w->len + pad, tmp + sizeof tmp - n, (size_t)n);
	w->len += (size_t)(pad + n);
}

static void put_fmt(sim_writer *w, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;

static void put_fmt(sim_writer *w, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n > 0)
		put(w, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* Days since 1970-01-01 to civil date (proleptic Gregorian). */
static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

void sim_format_stamp(double t, char buf[24])
{
	static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
		"Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	int64_t ms = (int64_t)floor(t * 1000.0), secs = ms / 1000, days, sod;
	int y, m, d;

	if (ms < 0)
		ms = secs = 0;
	days = secs / 86400;
	sod = secs % 86400;
	civil_from_days(days, &y, &m, &d);
	snprintf(buf, 24, "%s %2d %02d:%02d:%02d.%03d", mon[m - 1], d, (int)(sod / 3600),
	         (int)(sod / 60 % 60), (int)(sod % 60), (int)(ms % 1000));
}

void sw_debug_line(sim_writer *w, double t, sim_rng *r)
{
	static const char *const tags[] = {"http_ss", "http_cs", "http_trans", "cache_read", "dns"};
	char st[24];
	uint64_t sm = 1000 + sim_rng_below(r, 9000000);
	const char *tag = tags[sim_rng_below(r, 5)];

	sim_format_stamp(t, st);
	if (w->fmt == SIM_FMT_F4)
		put_fmt(w, "[%s] [ET_NET %d] DEBUG: <HttpSM.cc:%d (state_read_client_request_header)> (%s) [%" PRIu64
		        "] request header read\n", st, (int)sim_rng_below(r, 16), 700 + (int)sim_rng_below(r, 50), tag, sm);
	else
		put_fmt(w, "[%s] Server {0x7f%010" PRIx64 "} DEBUG: (%s) [%" PRIu64 "] session closed\n", st,
		        (uint64_t)((sim_rng_next(r) & 0xffffffffffULL) | 0x100), tag, sm);
}

void sw_root_dir(sim_writer *w)
{
	puts_(w, "traffic_server: using root directory '/opt/ats'\n");
}

void sw_crash(sim_writer *w, sim_rng *r)
{
	uint64_t base = 0x55c2a4000000ULL + (sim_rng_below(r, 0x100000) << 12);

	puts_(w, "traffic_server: received signal 11 (Segmentation fault)\n");
	puts_(w, "traffic_server - STACK TRACE: \n");
	put_fmt(w, "/opt/ats/bin/traffic_server(_Z19crash_logger_invokeiP9siginfo_tPv+0x9e)[0x%" PRIx64 "]\n",
	        base + 0x1f6a1e);
	puts_(w, "/lib/x86_64-linux-gnu/libpthread.so.0(+0x12730)[0x7f3b2c3a5730]\n");
	put_fmt(w, "/opt/ats/bin/traffic_server(_ZN6HttpSM17state_api_calloutEiPv+0x2c1)[0x%" PRIx64 "]\n",
	        base + 0x2a1b31);
	put_fmt(w, "/opt/ats/bin/traffic_server(_ZN7EThread7executeEv+0x8d)[0x%" PRIx64 "]\n", base + 0x31c0dd);
}

void sw_sbrk(sim_writer *w, uint64_t growth)
{
	uint64_t now = 94066122752ULL + growth;
	uint64_t first, last;

	if (!w->sbrk_seen) {
		w->sbrk_first = w->sbrk_last = now;
		w->sbrk_seen = 1;
	}
	first = now - w->sbrk_first;
	last = now - w->sbrk_last;
	w->sbrk_last = now;
	if (w->fmt == SIM_FMT_F1)
		put_fmt(w, "sbrk 0x%" PRIu64 "x from first %" PRIu64 " from last %" PRIu64 "\n", now, first, last);
	else
		put_fmt(w, "sbrk 0x%" PRIu64 " from first %" PRIu64 " from last %" PRIu64 "\n", now, first, last);
}

void sw_jemalloc(sim_writer *w, uint64_t allocated, uint64_t resident)
{
	puts_(w, "___ Begin jemalloc statistics ___\n");
	puts_(w, "Version: \"5.3.0-0-g54eaed1d8b56b1aa528be3bdd1877e59c56fa90c\"\n");
	puts_(w, "Build-time option settings\n");
	puts_(w, "  config.cache_oblivious: true\n");
	puts_(w, "  config.debug: false\n");
	puts_(w, "Run-time option settings\n");
	puts_(w, "  opt.abort: false\n");
	puts_(w, "  opt.narenas: 64\n");
	put_fmt(w, "Allocated: %" PRIu64 ", active: %" PRIu64 ", metadata: %" PRIu64 " (n_thp 0), resident: %" PRIu64
	        ", mapped: %" PRIu64 ", retained: %" PRIu64 "\n", allocated, allocated + allocated / 16,
	        allocated / 50 + 1048576, resident, resident + resident / 8, resident / 4);
	puts_(w, "arenas[0]:\n");
	puts_(w, "assigned threads: 1\n");
	puts_(w, "--- End jemalloc statistics ---\n");
}

static const char dash89[] =
	"-----------------------------------------------------------------------------------------\n";

static void header(sim_writer *w, sim_format fmt)
{
	switch (fmt) {
	case SIM_FMT_F1:
	case SIM_FMT_F2:
		puts_(w, "     allocated      |        in-use      | type size  |   free list name\n");
		puts_(w, "--------------------|--------------------|------------|----------------------------------\n");
		break;
	case SIM_FMT_F3:
		puts_(w, "     Allocated      |        In-Use      | Type Size  |   Free List Name\n");
		puts_(w, "--------------------|--------------------|------------|----------------------------------\n");
		break;
	case SIM_FMT_F4:
		puts_(w, "     Allocated      |   Allocated Count  |        In-Use      |    In-Use Count    "
		         "| Type Size  | Chunk Size | HP Fails |   Free List Name\n");
		puts_(w, "--------------------|--------------------|--------------------|--------------------"
		         "|------------|------------|----------|----------------------------------\n");
		break;
	case SIM_FMT_BASELINE:
		puts_(w, "     allocated      |       in-use       |  count  | type size  |   free list name\n");
		puts_(w, "  relative to base  |  relative to base  |         |            |                 \n");
		puts_(w, "--------------------|--------------------|---------|------------|----------------------------------\n");
		break;
	}
}

/* Text of one row into w; returns 0 when the row is not printed (baseline). */
static int row(sim_writer *w, sim_format fmt, int baseline_first, const sim_alloc *x)
{
	uint64_t ts = x->type_size, ai = x->fl.allocated, ui = x->fl.used;

	switch (fmt) {
	case SIM_FMT_F4:
		put(w, " ", 1);
		put_num(w, ai * ts, 18);
		put(w, " | ", 3);
		put_num(w, ai, 18);
		put(w, " | ", 3);
		put_num(w, ui * ts, 18);
		put(w, " | ", 3);
		put_num(w, ui, 18);
		put(w, " | ", 3);
		put_num(w, ts, 10);
		put(w, " | ", 3);
		put_num(w, x->chunk, 10);
		put(w, " | ", 3);
		put_num(w, 0, 10);
		break;
	case SIM_FMT_BASELINE: {
		uint32_t da, du;

		if (baseline_first) {
			da = (uint32_t)ai;
			du = (uint32_t)ui;
		} else {
			da = (uint32_t)(ai - x->base_alloc);
			du = (uint32_t)(ui - x->base_used);
		}
		if ((int)da == 0)
			return 0;
		put(w, " ", 1);
		put_num(w, (uint64_t)da * ts, 18);
		put(w, " | ", 3);
		put_num(w, (uint64_t)du * ts, 18);
		put(w, " | ", 3);
		put_num(w, du, 7);
		put(w, " | ", 3);
		put_num(w, ts, 10);
		break;
	}
	default:
		put(w, " ", 1);
		put_num(w, ai * ts, 18);
		put(w, " | ", 3);
		put_num(w, ui * ts, 18);
		put(w, " | ", 3);
		put_num(w, ts, 10);
		break;
	}
	put(w, " | memory/", 10);
	puts_(w, x->name);
	put(w, "\n", 1);
	return 1;
}

void sw_table(sim_writer *w, sim_format fmt, int baseline_first, const sim_alloc *a, size_t n,
              sim_row_obs *obs, double t, size_t debug_at, size_t truncate_at, sim_rng *r)
{
	uint64_t ta = 0, tu = 0;
	size_t i;

	header(w, fmt);
	for (i = 0; i < n; i++) {
		obs[i].printed = 0;
		if (i == debug_at)
			sw_debug_line(w, t, r);
		if (i == truncate_at) {
			put(w, "                  0 |        ", 29);
			for (; i < n; i++)
				obs[i].printed = 0;
			return;
		}
		obs[i].printed = row(w, fmt, baseline_first, &a[i]);
		ta += a[i].fl.allocated * a[i].type_size;
		tu += a[i].fl.used * a[i].type_size;
	}
	if (fmt == SIM_FMT_F2 || fmt == SIM_FMT_F3 || fmt == SIM_FMT_F4) {
		put(w, " ", 1);
		put_num(w, ta, 18);
		put(w, " | ", 3);
		put_num(w, tu, 18);
		puts_(w, " |            | TOTAL\n");
	}
	if (fmt == SIM_FMT_F3 || fmt == SIM_FMT_F4 || fmt == SIM_FMT_BASELINE)
		put(w, dash89, sizeof dash89 - 1);
	if (w->len >= SW_FLUSH_AT)
		sw_flush(w);
}
