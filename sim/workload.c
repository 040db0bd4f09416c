/* workload.c — scenarios and workloads for the simulator: which
 * allocators a given ATS version prints (spec §4, in dump order), their
 * type sizes and chunk sizes (from model/), and the live-object level of
 * each over time (load cycle, RAM-cache fill, churn between buckets).
 * Leaks and noise are applied by run.c.  No I/O.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim_int.h"

static const struct {
	const char *name;
	const char *summary;
} scenarios[] = {
	{"plateau", "steady load with a mild daily cycle; every used allocator plateaus"},
	{"diurnal", "strong daily and weekly cycle; allocated settles at the daily peaks"},
	{"cache-fill", "the RAM cache fills large buckets from empty, then saturates (plateau)"},
	{"leak", "one iobuf bucket and FetchSMAllocator leak linearly (never freed)"},
	{"leak-stepped", "one iobuf bucket leaks in bursts every few hours"},
	{"leak-loadprop", "one iobuf bucket leaks in proportion to traffic"},
	{"churn", "traffic moves from one buffer size to the next smaller one; memory stays stranded"},
	{"restarts", "crashes (signal 11 + stack trace) and restarts; a slow leak in [7] per lifetime"},
};

enum { SC_PLATEAU, SC_DIURNAL, SC_CACHE, SC_LEAK, SC_LEAK_STEP, SC_LEAK_LOAD, SC_CHURN, SC_RESTARTS };

size_t sim_scenario_count(void)
{
	return sizeof scenarios / sizeof scenarios[0];
}

const char *sim_scenario_name(size_t i)
{
	return i < sim_scenario_count() ? scenarios[i].name : NULL;
}

const char *sim_scenario_summary(size_t i)
{
	return i < sim_scenario_count() ? scenarios[i].summary : NULL;
}

int sim_scenario_find(const char *name)
{
	size_t i;

	if (name == NULL)
		return -1;
	for (i = 0; i < sim_scenario_count(); i++)
		if (strcmp(scenarios[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* iobuf workload: live = fixed + per_conn × conns; cache = RAM-cache share. */
static const struct {
	double per_conn, fixed, cache;
} iobuf_load[MODEL_IOBUF_BUCKETS] = {
	{1.5, 3000, 0}, {0.3, 200, 0}, {0.3, 300, 0}, {0.15, 50, 0}, {0.25, 100, 0},
	{1.0, 64, 0}, {0.4, 0, 0.02}, {0.02, 64, 0.03}, {0.8, 0, 0.05}, {0.02, 40, 0.10},
	{0.01, 30, 0.10}, {0.004, 20, 0.10}, {0.002, 20, 0.15}, {0.001, 60, 0.45}, {0, 0, 0},
};

#define M_F1 1u
#define M_F2 2u
#define M_F3 4u
#define M_F4 8u
#define M_ALL 15u

/* Static allocators in dump order (reverse static construction). */
static const struct {
	const char *name;
	uint32_t type_size;
	double per_conn, fixed;
	unsigned mask;
} statics[] = {
	{"FetchSMAllocator", 464, 0, 0, M_ALL},
	{"hdrStrHeap", 2048, 0.8, 50, M_ALL},
	{"hdrHeap", 2048, 1.2, 50, M_ALL},
	{"httpSMAllocator", 5456, 0.5, 0, M_ALL},
	{"httpServerSessionAllocator", 432, 0.7, 0, M_ALL},
	{"http1ClientSessionAllocator", 752, 0.9, 0, M_ALL},
	{"http2ClientSessionAllocator", 2224, 0.05, 0, M_ALL},
	{"http2StreamAllocator", 3984, 0.1, 0, M_ALL},
	{"http2ServerSessionAllocator", 2240, 0.02, 0, M_F4},
	{"cacheVConnection", 1008, 0.2, 0, M_ALL},
	{"cacheEvacuateDocVC", 1008, 0, 0, M_F4},
	{"openDirEntry", 96, 0.05, 0, M_ALL},
	{"RamCacheLRUEntry", 96, 0, 0, M_ALL},
	{"evacuationBlock", 96, 0, 0, M_ALL},
	{"hostDBContAllocator", 272, 0.01, 0, M_ALL},
	{"dnsEntryAllocator", 448, 0.005, 0, M_ALL},
	{"dnsBufAllocator", 8208, 0.005, 0, M_ALL},
	{"netVCAllocator", 1360, 0.5, 0, M_ALL},
	{"sslNetVCAllocator", 1968, 0.6, 0, M_ALL},
	{"udpPacketAllocator", 320, 0, 0, M_ALL},
	{"socksAllocator", 448, 0, 0, M_ALL},
	{"INKContAllocator", 208, 0.1, 20, M_ALL},
	{"apiHookAllocator", 48, 0, 150, M_ALL},
	{"ArenaBlock", 1024, 0.3, 0, M_ALL},
	{"ioBlockAllocator", 64, 4, 0, M_ALL},
	{"ioDataAllocator", 32, 3, 0, M_ALL},
	{"ioAllocator", 224, 2, 0, M_ALL},
	{"mutexAllocator", 112, 4, 200, M_ALL},
	{"eventAllocator", 112, 3, 100, M_ALL},
};

static unsigned format_mask(sim_format f)
{
	switch (f) {
	case SIM_FMT_F1: return M_F1;
	case SIM_FMT_F2: return M_F2;
	case SIM_FMT_F4: return M_F4;
	default: return M_F3;
	}
}

int sim_scenario_setup(sim_scenario *sc, const sim_opts *o, sim_rng *r, char *err)
{
	int id = sim_scenario_find(o->scenario);
	double run = o->days * 86400.0;

	memset(sc, 0, sizeof *sc);
	if (id < 0) {
		tsm_seterr(err, "unknown scenario '%s'", o->scenario != NULL ? o->scenario : "");
		return -1;
	}
	sc->id = id;
	sc->name = scenarios[id].name;
	sc->diurnal_amp = 0.3;
	sc->conns = 2000;
	sc->leak_bucket = -1;
	sc->churn_src = sc->churn_dst = -1;
	switch (id) {
	case SC_PLATEAU:
		sc->diurnal_amp = 0.15;
		break;
	case SC_DIURNAL:
		sc->diurnal_amp = 0.6;
		sc->weekly_amp = 0.1;
		break;
	case SC_CACHE:
		sc->cache_fill = 1;
		sc->ram_cache_bytes = 1.5 * 1024 * 1024 * 1024;
		sc->fill_tau = fmax(3600.0, run * 0.06);
		break;
	case SC_LEAK:
	case SC_LEAK_STEP:
	case SC_LEAK_LOAD: {
		static const int choice[] = {2, 3, 4, 6, 7};

		sc->leak_kind = id == SC_LEAK ? LEAK_LINEAR : id == SC_LEAK_STEP ? LEAK_STEPPED : LEAK_LOADPROP;
		sc->leak_bucket = choice[sim_rng_below(r, 5)];
		sc->leak_items = 0.6 + 0.6 * sim_rng_unif(r); /* × base level, resolved per allocator */
		if (id == SC_LEAK) {
			sc->leak_static = "FetchSMAllocator";
			sc->leak_static_items = 1500 + 1000 * sim_rng_unif(r);
		}
		sc->step_period = fmax(2 * 3600.0, run / fmax(3.0, o->days * 3));
		break;
	}
	case SC_CHURN: {
		static const int choice[] = {8, 6, 5};

		sc->churn_src = choice[sim_rng_below(r, 3)];
		sc->churn_dst = sc->churn_src - 1;
		sc->churn_at = run * (0.35 + 0.15 * sim_rng_unif(r));
		sc->churn_keep = 0.1;
		break;
	}
	case SC_RESTARTS:
		sc->restarts = (int)fmin(6.0, fmax(2.0, floor(o->days / 2)));
		sc->leak_kind = LEAK_LINEAR;
		sc->leak_bucket = 7;
		sc->leak_items = 1.5;
		break;
	}
	return 0;
}

sim_alloc *sim_allocs_new(const sim_scenario *sc, const sim_opts *o, const model_config *cfg,
                          size_t *n)
{
	unsigned mask = format_mask(o->format);
	size_t ns = sizeof statics / sizeof statics[0], total = MODEL_IOBUF_BUCKETS, i, k = 0;
	sim_alloc *a;
	double run = o->days * 86400.0;

	for (i = 0; i < ns; i++)
		if (statics[i].mask & mask)
			total++;
	a = calloc(total, sizeof *a);
	if (a == NULL)
		return NULL;
	for (i = 0; i < MODEL_IOBUF_BUCKETS; i++) {
		int b = MODEL_IOBUF_BUCKETS - 1 - (int)i;
		sim_alloc *x = &a[k++];

		snprintf(x->namebuf, sizeof x->namebuf, "ioBufAllocator[%d]", b);
		x->name = x->namebuf;
		x->bucket = b;
		x->type_size = 128u << b;
		x->per_conn = iobuf_load[b].per_conn;
		x->fixed = iobuf_load[b].fixed;
		if (sc->cache_fill) {
			x->cache_frac = iobuf_load[b].cache;
			if (b >= 9)
				x->fixed = 0;
		}
	}
	for (i = 0; i < ns; i++) {
		sim_alloc *x;

		if (!(statics[i].mask & mask))
			continue;
		x = &a[k++];
		x->name = statics[i].name;
		x->bucket = -1;
		x->type_size = statics[i].type_size;
		x->per_conn = statics[i].per_conn;
		x->fixed = statics[i].fixed;
		x->ramcache = strcmp(x->name, "RamCacheLRUEntry") == 0;
	}
	for (i = 0; i < total; i++) {
		sim_alloc *x = &a[i];
		double level = x->fixed + x->per_conn * sc->conns;

		x->chunk = model_chunk_default(x->name, x->bucket, x->type_size, cfg, NULL);
		x->cached = model_is_thread_cached(x->name, cfg->version);
		if (x->bucket >= 0 && x->bucket == sc->churn_src) {
			double bytes = level * x->type_size, want = 48.0 * 1024 * 1024;

			if (bytes < want)
				x->per_conn *= want / bytes;
			x->churn = CHURN_SOURCE;
		} else if (x->bucket >= 0 && x->bucket == sc->churn_dst) {
			x->churn = CHURN_TARGET;
		}
		if ((x->bucket >= 0 && x->bucket == sc->leak_bucket) ||
		    (sc->leak_static != NULL && strcmp(x->name, sc->leak_static) == 0)) {
			x->leak_kind = sc->leak_kind;
			if (x->bucket >= 0)
				x->leak_total = fmax(6.0 * x->chunk, sc->leak_items * level);
			else
				x->leak_total = sc->leak_static_items;
			x->leak_rate = x->leak_total / run;
		}
	}
	*n = total;
	return a;
}

void sim_allocs_reset(sim_alloc *a, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		model_freelist_init(&a[i].fl, a[i].type_size, a[i].chunk);
		a[i].noise = 0;
		a[i].leaked = 0;
		a[i].next_step = 0;
		a[i].peak_since_dump = 0;
		a[i].dump_peak = 0;
		a[i].last_alloc = a[i].last_used = 0;
		a[i].last_leaked = 0;
		a[i].base_alloc = a[i].base_used = 0;
		a[i].event_time = 0;
	}
}

double sim_load(const sim_scenario *sc, double t)
{
	double tod = fmod(t, 86400.0) / 86400.0;
	double l = 1.0 + sc->diurnal_amp * sin(2 * M_PI * (tod - 0.625));

	if (sc->weekly_amp > 0)
		l *= 1.0 + sc->weekly_amp * sin(2 * M_PI * fmod(t, 604800.0) / 604800.0);
	return l;
}

static double churn_mult(const sim_scenario *sc, double run)
{
	double x;

	if (sc->churn_src < 0 || run <= sc->churn_at)
		return 1.0;
	x = (run - sc->churn_at) / 3600.0;
	if (x > 1)
		x = 1;
	return 1.0 - (1.0 - sc->churn_keep) * x;
}

static double cache_items(const sim_scenario *sc, const sim_alloc *a, double life)
{
	if (!sc->cache_fill || a->cache_frac <= 0)
		return 0;
	return sc->ram_cache_bytes * a->cache_frac / a->type_size * (1.0 - exp(-life / sc->fill_tau));
}

double sim_live_items(const sim_scenario *sc, const sim_alloc *a, double conns, double life,
                      double run, const sim_alloc *all, size_t n)
{
	double v = a->fixed + a->per_conn * conns;
	size_t i;

	v += cache_items(sc, a, life);
	if (a->churn == CHURN_SOURCE) {
		v *= churn_mult(sc, run);
	} else if (a->churn == CHURN_TARGET) {
		for (i = 0; i < n; i++)
			if (all[i].churn == CHURN_SOURCE) {
				double src = all[i].fixed + all[i].per_conn * conns;

				v += src * (1.0 - churn_mult(sc, run)) * all[i].type_size / a->type_size;
			}
	} else if (a->ramcache) {
		for (i = 0; i < n; i++)
			if (all[i].bucket >= 9)
				v += all[i].fixed + cache_items(sc, &all[i], life);
	}
	return v;
}
