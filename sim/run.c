/* run.c — the simulator's main loop: process lifetimes, sub-steps between
 * dumps (so that peaks between dumps exist), the allocator rule from
 * model/ (allocated grows by whole chunks when used passes it, never falls,
 * occasional race chunks), periodic and SIGUSR1 dumps, crashes, and the
 * ground truth by mechanism.  Text goes through writer.c; nothing else is
 * written.  Memory does not grow with the simulated duration.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim_int.h"

#define RUN_DEFAULT_START 1736121600 /* 2025-01-06 00:00:00 */
#define MIN_DUMPS 12
#define MIN_SPAN (6 * 3600.0)
#define CHURN_MIN_STRANDED (10.0 * 1024 * 1024)

typedef struct sim_ctx {
	sim_opts o;
	sim_scenario sc;
	model_config cfg;
	sim_rng rng;
	sim_alloc *a;
	size_t na;
	sim_row_obs *obs;
	sim_writer w;
	sim_truth *truth;
	double run_start, run_end;
	double *crash;
	size_t ncrash, next_crash;
	double *usr1;
	size_t nusr1, next_usr1;
	uint64_t seq;
	unsigned lifetime;
	double life_start, life_end;
	uint64_t life_dumps;
	int baseline_taken;
	double prev_t;
	double burst_until, burst_factor, next_burst;
	double p_race;
	int aborted;
} sim_ctx;

void sim_opts_init(sim_opts *o)
{
	memset(o, 0, sizeof *o);
	o->days = 7;
	o->interval = 60;
	o->format = SIM_FMT_F3;
	o->seed = 1;
	o->host = "sim-01";
	o->threads = 16;
	o->noise = 0.05;
	o->burstiness = 0.5;
	o->start = RUN_DEFAULT_START;
}

const char *sim_format_name(sim_format f)
{
	switch (f) {
	case SIM_FMT_F1: return "F1";
	case SIM_FMT_F2: return "F2";
	case SIM_FMT_F3: return "F3";
	case SIM_FMT_F4: return "F4";
	case SIM_FMT_BASELINE: return "baseline";
	}
	return "F3";
}

int sim_format_parse(const char *s, sim_format *out)
{
	static const sim_format all[] = {SIM_FMT_F1, SIM_FMT_F2, SIM_FMT_F3, SIM_FMT_F4, SIM_FMT_BASELINE};
	size_t i;

	for (i = 0; s != NULL && i < sizeof all / sizeof all[0]; i++)
		if (strcasecmp(s, sim_format_name(all[i])) == 0) {
			*out = all[i];
			return 0;
		}
	return -1;
}

static model_version format_version(sim_format f)
{
	switch (f) {
	case SIM_FMT_F1: return MODEL_V_6_0;
	case SIM_FMT_F2: return MODEL_V_6_1;
	case SIM_FMT_F4: return MODEL_V_10;
	default: return MODEL_V_7;
	}
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return (a > b) - (a < b);
}

/* Advance every allocator to time ts. */
static void step(sim_ctx *c, double ts)
{
	const sim_scenario *sc = &c->sc;
	double dt = ts - c->prev_t, life = ts - c->life_start, run = ts - c->run_start;
	double load = sim_load(sc, ts), bf = 1.0, conns;
	double H = (double)c->cfg.thread_freelist_size, L = (double)c->cfg.thread_freelist_low;
	size_t i;

	if (c->o.burstiness > 0 && ts >= c->next_burst) {
		c->burst_factor = 1.3 + 0.7 * sim_rng_unif(&c->rng);
		c->burst_until = ts + c->o.interval / SIM_SUBSTEPS * (double)(1 + sim_rng_below(&c->rng, 6)) - 1e-6;
		c->next_burst = ts + sim_rng_exp(&c->rng, 1800.0 / c->o.burstiness);
	}
	if (ts <= c->burst_until)
		bf = c->burst_factor;
	conns = sc->conns * load * bf;
	for (i = 0; i < c->na; i++) {
		sim_alloc *x = &c->a[i];
		double live = sim_live_items(sc, x, conns, life, run, c->a, c->na), v;
		uint64_t items;
		uint32_t race = 0;

		x->noise = 0.7 * x->noise + 0.714 * c->o.noise * sim_rng_normal(&c->rng);
		v = live * exp(x->noise);
		switch (x->leak_kind) {
		case LEAK_LINEAR:
			x->leaked += x->leak_rate * dt;
			break;
		case LEAK_LOADPROP:
			x->leaked += x->leak_rate * load * dt;
			break;
		case LEAK_STEPPED:
			if (x->next_step == 0)
				x->next_step = sim_rng_exp(&c->rng, sc->step_period);
			if (life >= x->next_step) {
				double per = x->leak_total * sc->step_period / (c->run_end - c->run_start);

				x->leaked += per * (0.5 + sim_rng_unif(&c->rng));
				x->next_step = life + sim_rng_exp(&c->rng, sc->step_period);
			}
			break;
		default:
			break;
		}
		if (x->leaked >= 1 && x->event_time == 0)
			x->event_time = ts;
		if (x->churn == CHURN_SOURCE && run >= sc->churn_at && x->event_time == 0)
			x->event_time = ts;
		v += floor(x->leaked);
		if (x->cached && live > 0) {
			double f = 0.3 + 0.5 * (load * bf - 1.0) + x->noise;

			f = f < 0 ? 0 : f > 1 ? 1 : f;
			v += (double)c->o.threads * (L + (H - L) * f);
		}
		items = v > 0 ? (uint64_t)llround(v) : 0;
		if (items > x->fl.allocated && sim_rng_unif(&c->rng) < c->p_race)
			race = 1;
		model_freelist_set_used(&x->fl, items, race);
		if (items > x->peak_since_dump)
			x->peak_since_dump = items;
	}
	c->prev_t = ts;
}

static uint64_t total_allocated(const sim_ctx *c)
{
	uint64_t s = 0;
	size_t i;

	for (i = 0; i < c->na; i++)
		s += c->a[i].fl.allocated * c->a[i].type_size;
	return s;
}

static void emit_dump(sim_ctx *c, double t, int sigusr1, int truncate)
{
	sim_format fmt = c->o.format;
	int first = 0;
	size_t i, debug_at = (size_t)-1, trunc_at = (size_t)-1;
	sim_dump_obs d;

	if (fmt == SIM_FMT_BASELINE) {
		if (sigusr1)
			fmt = SIM_FMT_F3;
		else
			first = !c->baseline_taken;
	}
	for (i = 0; i < c->na; i++) {
		sim_alloc *x = &c->a[i];
		sim_row_obs *r = &c->obs[i];

		r->name = x->name;
		r->bucket = x->bucket;
		r->type_size = x->type_size;
		r->chunk_items = x->chunk;
		r->allocated = x->fl.allocated * x->type_size;
		r->in_use = x->fl.used * x->type_size;
		r->true_peak = x->peak_since_dump;
		r->races = x->fl.races;
	}
	if (c->o.debug_lines && sim_rng_unif(&c->rng) < 0.1)
		debug_at = 1 + sim_rng_below(&c->rng, c->na - 1);
	if (truncate)
		trunc_at = c->na / 2;
	if (sigusr1 && fmt == SIM_FMT_F4 && c->o.jemalloc) {
		uint64_t ta = total_allocated(c);

		sw_jemalloc(&c->w, ta + ta / 5, ta + ta / 4);
	}
	sw_table(&c->w, fmt, first, c->a, c->na, c->obs, t, debug_at, trunc_at, &c->rng);
	if (sigusr1 && fmt != SIM_FMT_F4)
		sw_sbrk(&c->w, total_allocated(c) / 4096 * 4096);
	if (fmt == SIM_FMT_BASELINE && first) {
		/* ink_freelists_snap_baseline() runs once, after the first (absolute) table */
		for (i = 0; i < c->na; i++) {
			c->a[i].base_alloc = c->a[i].fl.allocated;
			c->a[i].base_used = c->a[i].fl.used;
		}
		c->baseline_taken = 1;
	}
	for (i = 0; i < c->na; i++) {
		sim_alloc *x = &c->a[i];

		if (truncate && i >= trunc_at)
			break;
		if (x->fl.used > x->dump_peak)
			x->dump_peak = x->fl.used;
		x->last_alloc = x->fl.allocated;
		x->last_used = x->fl.used;
		x->last_leaked = floor(x->leaked);
		x->peak_since_dump = x->fl.used;
	}
	c->life_dumps++;
	c->life_end = t;
	if (c->truth != NULL) {
		c->truth->dumps++;
		for (i = 0; i < c->na; i++)
			c->truth->rows += (uint64_t)c->obs[i].printed;
	}
	if (c->o.observer != NULL) {
		memset(&d, 0, sizeof d);
		d.seq = c->seq;
		d.lifetime = c->lifetime;
		d.t = t;
		d.sigusr1 = sigusr1;
		d.format = fmt;
		d.baseline_relative = fmt == SIM_FMT_BASELINE && !first;
		d.truncated = truncate;
		d.nrows = c->na;
		d.rows = c->obs;
		if (c->o.observer(c->o.observer_ctx, &d) != 0)
			c->aborted = 1;
	}
	c->seq++;
}

static const char *plateau_mechanism(const sim_ctx *c, const sim_alloc *x)
{
	if (x->churn == CHURN_TARGET)
		return "churn-target";
	if (c->sc.cache_fill && x->cache_frac > 0)
		return "cache-fill";
	if (x->cached)
		return "thread-cache";
	return c->sc.diurnal_amp >= 0.5 ? "diurnal" : "steady";
}

static int record_lifetime(sim_ctx *c, const char *reason)
{
	sim_truth *tr = c->truth;
	sim_truth_lifetime *lt;
	/* the span a reader of the dumps can see: first dump (start + one
	 * interval) to the last, as DESIGN §5's "< 6 h span" means it */
	double span = c->life_end - (c->life_start + c->o.interval);
	int enough = c->life_dumps >= MIN_DUMPS && span >= MIN_SPAN;
	size_t i;

	if (tr == NULL || c->life_dumps == 0)
		return 0;
	lt = realloc(tr->lifetimes, (tr->nlifetimes + 1) * sizeof *lt);
	if (lt == NULL)
		return -1;
	tr->lifetimes = lt;
	lt = &tr->lifetimes[tr->nlifetimes];
	memset(lt, 0, sizeof *lt);
	lt->alloc = calloc(c->na, sizeof *lt->alloc);
	if (lt->alloc == NULL)
		return -1;
	tr->nlifetimes++;
	lt->index = c->lifetime;
	lt->start = c->life_start;
	lt->end = c->life_end;
	lt->dumps = c->life_dumps;
	lt->end_reason = reason;
	lt->nalloc = c->na;
	for (i = 0; i < c->na; i++) {
		const sim_alloc *x = &c->a[i];
		sim_truth_alloc *ta = &lt->alloc[i];
		uint64_t ts = x->type_size, C = x->chunk;

		snprintf(ta->name, sizeof ta->name, "%s", x->name);
		ta->bucket = x->bucket;
		ta->type_size = x->type_size;
		ta->chunk_items = x->chunk;
		ta->leaked_bytes = (uint64_t)x->last_leaked * ts;
		ta->stranded_bytes = x->last_alloc > x->last_used ? (x->last_alloc - x->last_used) * ts : 0;
		ta->peak_in_use = x->dump_peak * ts;
		ta->allocated_last = x->last_alloc * ts;
		ta->in_use_last = x->last_used * ts;
		ta->races = x->fl.races;
		ta->event_time = x->event_time;
		if (x->last_alloc == 0) {
			ta->verdict = "idle";
			ta->mechanism = "unused";
			ta->detectable = 1;
		} else if (x->leak_kind != LEAK_NONE && x->last_leaked >= 1) {
			ta->verdict = "leak";
			ta->mechanism = x->leak_kind == LEAK_LINEAR ? "leak-linear"
			                : x->leak_kind == LEAK_STEPPED ? "leak-stepped" : "leak-loadprop";
			ta->detectable = enough && x->last_leaked >= fmax(2.0 * C, 0.05 * (double)x->last_alloc);
		} else if (x->churn == CHURN_SOURCE && c->life_end - c->run_start > c->sc.churn_at) {
			double stranded = (double)ta->stranded_bytes;

			ta->verdict = "churn";
			ta->mechanism = "churn-source";
			ta->detectable = enough && (double)x->dump_peak >= 1.5 * (double)x->last_used &&
			                 stranded >= fmax(2.0 * C * ts, CHURN_MIN_STRANDED);
		} else {
			ta->verdict = "plateau";
			ta->mechanism = plateau_mechanism(c, x);
			ta->detectable = enough;
			if (c->sc.cache_fill && x->cache_frac > 0 &&
			    1.0 - exp(-(c->life_end - c->life_start) / c->sc.fill_tau) < 0.9)
				ta->detectable = 0;
		}
	}
	return 0;
}

static tsm_status validate(const sim_opts *o, char *err)
{
	if (sim_scenario_find(o->scenario) < 0) {
		tsm_seterr(err, "unknown scenario '%s'", o->scenario != NULL ? o->scenario : "");
		return TSM_ERR;
	}
	if (!(o->days > 0 && o->days <= 3660)) {
		tsm_seterr(err, "days must be in (0, 3660]");
		return TSM_ERR;
	}
	if (!(o->interval >= 1 && o->interval <= 86400)) {
		tsm_seterr(err, "interval must be in [1, 86400] seconds");
		return TSM_ERR;
	}
	if (o->days * 86400.0 / o->interval > 5e7) {
		tsm_seterr(err, "more than 50 million dumps requested");
		return TSM_ERR;
	}
	if (o->threads < 1 || o->threads > 65536 || !(o->noise >= 0 && o->noise <= 1) ||
	    !(o->burstiness >= 0 && o->burstiness <= 1000) || o->sigusr1 < 0 || o->sigusr1 > 1000000) {
		tsm_seterr(err, "threads, noise, burstiness or sigusr1 out of range");
		return TSM_ERR;
	}
	if (o->format < SIM_FMT_F1 || o->format > SIM_FMT_BASELINE) {
		tsm_seterr(err, "bad format");
		return TSM_ERR;
	}
	return TSM_OK;
}

static tsm_status setup(sim_ctx *c, const sim_opts *o, FILE *out, sim_truth *truth, char *err)
{
	double run;
	size_t i, k;

	c->o = *o;
	c->truth = truth;
	sim_rng_seed(&c->rng, o->seed);
	if (sim_scenario_setup(&c->sc, o, &c->rng, err) != 0)
		return TSM_ERR;
	model_config_init(&c->cfg, format_version(o->format));
	c->cfg.threads = o->threads;
	c->a = sim_allocs_new(&c->sc, o, &c->cfg, &c->na);
	c->obs = c->a != NULL ? calloc(c->na, sizeof *c->obs) : NULL;
	if (c->obs == NULL || sw_init(&c->w, out, o->format) != 0)
		return TSM_NOMEM;
	c->run_start = (double)o->start;
	run = o->days * 86400.0;
	c->run_end = c->run_start + run;
	c->p_race = fmin(0.3, 0.0025 * o->threads);
	c->next_burst = c->run_start + sim_rng_exp(&c->rng, o->burstiness > 0 ? 1800.0 / o->burstiness : 1);
	if (c->sc.restarts > 0) {
		c->crash = calloc((size_t)c->sc.restarts, sizeof *c->crash);
		if (c->crash == NULL)
			return TSM_NOMEM;
		for (i = 0; i < (size_t)c->sc.restarts; i++)
			c->crash[i] = c->run_start + run * (0.1 + 0.85 * sim_rng_unif(&c->rng));
		qsort(c->crash, (size_t)c->sc.restarts, sizeof *c->crash, cmp_double);
		for (i = 0, k = 0; i < (size_t)c->sc.restarts; i++)
			if (k == 0 || c->crash[i] - c->crash[k - 1] > 3 * o->interval + 200)
				c->crash[k++] = c->crash[i];
		c->ncrash = k;
	}
	if (o->sigusr1 > 0) {
		c->usr1 = calloc((size_t)o->sigusr1, sizeof *c->usr1);
		if (c->usr1 == NULL)
			return TSM_NOMEM;
		for (i = 0; i < (size_t)o->sigusr1; i++)
			c->usr1[i] = c->run_start + run * sim_rng_unif(&c->rng);
		qsort(c->usr1, (size_t)o->sigusr1, sizeof *c->usr1, cmp_double);
		c->nusr1 = (size_t)o->sigusr1;
	}
	if (truth != NULL) {
		memset(truth, 0, sizeof *truth);
		snprintf(truth->scenario, sizeof truth->scenario, "%s", c->sc.name);
		snprintf(truth->host, sizeof truth->host, "%s", o->host != NULL ? o->host : "sim-01");
		snprintf(truth->format, sizeof truth->format, "%s", sim_format_name(o->format));
		truth->seed = o->seed;
		truth->days = o->days;
		truth->interval = o->interval;
	}
	return TSM_OK;
}

static double drift(sim_ctx *c)
{
	return 0.0002 + 0.0018 * sim_rng_unif(&c->rng);
}

/* One process lifetime; returns 1 if it ended by a crash, 0 at end of run. */
static int run_lifetime(sim_ctx *c)
{
	double crash_t = c->next_crash < c->ncrash ? c->crash[c->next_crash] : INFINITY;
	double prev = c->life_start, dr = drift(c);
	int s;

	sw_root_dir(&c->w);
	c->w.sbrk_seen = 0; /* a new process has its own first sbrk */
	sim_allocs_reset(c->a, c->na);
	c->baseline_taken = 0;
	c->life_dumps = 0;
	c->life_end = c->life_start;
	c->prev_t = c->life_start;
	while (c->next_usr1 < c->nusr1 && c->usr1[c->next_usr1] < c->life_start)
		c->next_usr1++;
	for (;;) {
		double td = prev + c->o.interval + dr, next_dr;
		int last, dbg_sub = -1;

		if (td > c->run_end)
			return 0;
		if (td > crash_t)
			return 1;
		if (c->o.debug_lines && sim_rng_unif(&c->rng) < 0.7)
			dbg_sub = (int)sim_rng_below(&c->rng, SIM_SUBSTEPS);
		for (s = 1; s <= SIM_SUBSTEPS; s++) {
			double ts = prev + (td - prev) * s / SIM_SUBSTEPS;

			step(c, ts);
			if (s - 1 == dbg_sub)
				sw_debug_line(&c->w, ts - 0.001 * (double)sim_rng_below(&c->rng, 500), &c->rng);
			while (c->next_usr1 < c->nusr1 && c->usr1[c->next_usr1] <= ts) {
				emit_dump(c, ts + 0.25, 1, 0);
				c->next_usr1++;
			}
		}
		next_dr = drift(c);
		last = td + c->o.interval + next_dr > c->run_end && c->next_crash >= c->ncrash;
		emit_dump(c, td, 0, last && c->o.truncate);
		if (c->aborted || c->w.err)
			return 0;
		prev = td;
		dr = next_dr;
	}
}

tsm_status sim_run(const sim_opts *o, FILE *out, sim_truth *truth, char *err)
{
	sim_ctx c;
	tsm_status rc;

	memset(&c, 0, sizeof c);
	if (truth != NULL)
		memset(truth, 0, sizeof *truth);
	rc = validate(o, err);
	if (rc != TSM_OK)
		return rc;
	rc = setup(&c, o, out, truth, err);
	if (rc != TSM_OK) {
		if (rc == TSM_NOMEM)
			tsm_seterr(err, "out of memory");
		goto out;
	}
	c.life_start = c.run_start;
	for (;;) {
		int crashed = run_lifetime(&c);

		if (c.aborted || c.w.err)
			break;
		if (crashed) {
			double ct = c.crash[c.next_crash++];

			if (c.o.debug_lines)
				sw_debug_line(&c.w, ct - 0.05, &c.rng);
			sw_crash(&c.w, &c.rng);
		}
		if (record_lifetime(&c, crashed ? "crash" : "end-of-file") != 0) {
			rc = TSM_NOMEM;
			tsm_seterr(err, "out of memory");
			goto out;
		}
		if (!crashed)
			break;
		c.lifetime += c.life_dumps > 0;
		c.life_start = c.crash[c.next_crash - 1] + 5 + 85 * sim_rng_unif(&c.rng);
	}
	sw_flush(&c.w);
	if (truth != NULL)
		truth->bytes = c.w.bytes;
	if (c.w.err || fflush(out) != 0 || ferror(out)) {
		tsm_seterr(err, "write error");
		rc = TSM_ERR;
	} else if (c.aborted) {
		rc = TSM_ABORT;
	}
out:
	sw_free(&c.w);
	free(c.obs);
	free(c.a);
	free(c.crash);
	free(c.usr1);
	return rc;
}
