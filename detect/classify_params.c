/* classify_params.c — the classifier's named thresholds: one table of
 * names, defaults, ranges and help text that `--param NAME=VALUE`, the JSON
 * `params` object and `report --help` all read, plus the verdict and
 * time-basis names.
 *
 * Pure data and parsing; no I/O.  The rules that use the values are in
 * classify.c.
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"

#define MIB (1024.0 * 1024.0)

typedef struct param_def {
	const char *name;
	size_t off;
	double def, min, max;
	int bytes;          /* accepts K/M/G suffixes */
	const char *help;
} param_def;

static const param_def PARAMS[] = {
	{"min_dumps", offsetof(detect_params, min_dumps), 12, 1, 1e9, 0,
	 "fewer dumps than this: insufficient_data"},
	{"min_span_hours", offsetof(detect_params, min_span_hours), 6, 0, 1e6, 0,
	 "shorter span than this (hours): insufficient_data"},
	{"alpha", offsetof(detect_params, alpha), 0.01, 1e-12, 0.5, 0,
	 "significance of the floor trend (Mann-Kendall/Hamed-Rao, Sen CI)"},
	{"window_samples", offsetof(detect_params, window_samples), 6, 1, 1e6, 0,
	 "a floor window holds at least this many dumps"},
	{"window_hours", offsetof(detect_params, window_hours), 1, 0, 1e4, 0,
	 "a floor window spans at least this many hours"},
	{"min_windows", offsetof(detect_params, min_windows), 4, 3, 1e6, 0,
	 "the floor trend needs at least this many windows"},
	{"max_windows", offsetof(detect_params, max_windows), 1000, 6, 1e6, 0,
	 "windows are widened to keep at most this many (bounds the work)"},
	{"floor_hours", offsetof(detect_params, floor_hours), 24, 0, 1e4, 0,
	 "hours of rolling minimum under the window minima (0 = plain minima)"},
	{"floor_overlap", offsetof(detect_params, floor_overlap), 1, 0, 1, 0,
	 "1: the floor trend counts the overlap of its windows' rolling minima"},
	{"leak_effect_chunks", offsetof(detect_params, leak_effect_chunks), 2, 0, 1e9, 0,
	 "leak: floor rise must exceed this many chunks"},
	{"leak_effect_frac", offsetof(detect_params, leak_effect_frac), 0.05, 0, 100, 0,
	 "leak: floor rise must exceed this fraction of allocated"},
	{"leak_slack_frac", offsetof(detect_params, leak_slack_frac), 1, 0, 100, 0,
	 "leak: floor rise must exceed this share of the thread-cache slack"},
	{"leak_follow_frac", offsetof(detect_params, leak_follow_frac), 0.5, 0, 10, 0,
	 "leak: allocated grows by this share of the floor rise, less a chunk"},
	{"leak_step_share", offsetof(detect_params, leak_step_share), 0.5, 1e-6, 1, 0,
	 "leak: one persistent floor step carries at most this share of rise"},
	{"cycle_hours", offsetof(detect_params, cycle_hours), 24, 0, 1e4, 0,
	 "load cycle, hours: churn stays low >= 1 cycle; saturation (0: none)"},
	{"leak_load_cycles", offsetof(detect_params, leak_load_cycles), 7, 0, 1e4, 0,
	 "leak on spans < this many cycles: floor also rises against load (0: off)"},
	{"leak_drift_family", offsetof(detect_params, leak_drift_family), 1, 0, 1, 0,
	 "leak on short spans: drift significant at alpha / allocators (0: off)"},
	{"leak_segment_share", offsetof(detect_params, leak_segment_share), 0.25, 0, 1, 0,
	 "leak on short spans: load-free floor rises within a part around the shift"},
	{"fill_shared_share", offsetof(detect_params, fill_shared_share), 0.5, 0, 1e6, 0,
	 "levelled off is a fill only if other iobuf buckets gained this share too"},
	{"seg_transition_share", offsetof(detect_params, seg_transition_share), 0.25, 0, 0.5, 0,
	 "level shift parts leave out dumps this share of the shift off their level"},
	{"leak_move_test", offsetof(detect_params, leak_move_test), 1, 0, 1, 0,
	 "leak on short spans: not when a shift moved bytes in, no drift left (0: off)"},
	{"leak_move_share", offsetof(detect_params, leak_move_share), 0.5, 0, 1, 0,
	 "level shift = load moved in if other iobuf buckets lose this share"},
	{"load_window_samples", offsetof(detect_params, load_window_samples), 2, 1, 1e6, 0,
	 "load-free floor: windows of at least this many dumps (no hour minimum)"},
	{"load_max_collinearity", offsetof(detect_params, load_max_collinearity), 0.9, 0, 1, 0,
	 "load falls in step with time (R^2 above this): beta 0"},
	{"load_max_elasticity", offsetof(detect_params, load_max_elasticity), 1, 0, 100, 0,
	 "load-relative floor: at most this x median in-use per unit of load"},
	{"load_min_allocators", offsetof(detect_params, load_min_allocators), 5, 1, 1e6, 0,
	 "the load index of a dump needs this many active allocators"},
	{"saturation_ratio", offsetof(detect_params, saturation_ratio), 0.5, 1e-6, 1, 0,
	 "late/early floor slope (or last-cycle gain) <= this: saturating"},
	{"churn_ratio", offsetof(detect_params, churn_ratio), 1.5, 1, 1e12, 0,
	 "churn: past per-cycle peak / recent in-use (+slack) at least this"},
	{"churn_ratio_strong", offsetof(detect_params, churn_ratio_strong), 10, 1, 1e12, 0,
	 "churn, few dumps or short low: allocated/(in-use+slack) >= this"},
	{"churn_min_bytes", offsetof(detect_params, churn_min_bytes), 10 * MIB, 0, 1e18, 1,
	 "churn: stranded at least this many bytes (K/M/G suffixes)"},
	{"churn_min_chunks", offsetof(detect_params, churn_min_chunks), 2, 0, 1e9, 0,
	 "churn: stranded at least this many chunks"},
	{"churn_recent_hours", offsetof(detect_params, churn_recent_hours), 24, 0, 1e6, 0,
	 "churn: in-use stays low for this many recent hours (<= half span)"},
	{"churn_recent_frac", offsetof(detect_params, churn_recent_frac), 0.25, 0, 1, 0,
	 "churn without times: recent part as a share of the dumps"},
	{"churn_slack_frac", offsetof(detect_params, churn_slack_frac), 1, 0, 100, 0,
	 "churn: stranded must also exceed this share of the thread slack"},
};

#define NPARAMS (sizeof PARAMS / sizeof PARAMS[0])

static const char *const VERDICTS[DETECT_V_COUNT] = {
	"plateau", "leak", "churn", "warming", "idle", "insufficient_data", "malloc_mode",
};

const char *detect_verdict_name(detect_verdict v)
{
	if ((int)v < 0 || v >= DETECT_V_COUNT)
		return "?";
	return VERDICTS[v];
}

int detect_verdict_parse(const char *s, detect_verdict *out)
{
	int i;

	for (i = 0; i < DETECT_V_COUNT; i++) {
		if (strcmp(s, VERDICTS[i]) == 0) {
			*out = (detect_verdict)i;
			return 0;
		}
	}
	return -1;
}

const char *detect_basis_name(detect_basis b)
{
	switch (b) {
	case DETECT_BASIS_TIME:
		return "time";
	case DETECT_BASIS_RELATIVE:
		return "relative";
	case DETECT_BASIS_SEQUENCE:
		return "sequence";
	}
	return "?";
}

static double *slot(detect_params *p, size_t i)
{
	return (double *)(void *)((char *)p + PARAMS[i].off);
}

void detect_params_default(detect_params *p)
{
	size_t i;

	memset(p, 0, sizeof *p);
	for (i = 0; i < NPARAMS; i++)
		*slot(p, i) = PARAMS[i].def;
}

size_t detect_param_count(void)
{
	return NPARAMS;
}

const char *detect_param_name(size_t i)
{
	return i < NPARAMS ? PARAMS[i].name : NULL;
}

const char *detect_param_help(size_t i)
{
	return i < NPARAMS ? PARAMS[i].help : NULL;
}

double detect_param_default(size_t i)
{
	return i < NPARAMS ? PARAMS[i].def : NAN;
}

double detect_param_value(const detect_params *p, size_t i)
{
	if (i >= NPARAMS)
		return NAN;
	return *(const double *)(const void *)((const char *)p + PARAMS[i].off);
}

tsm_status detect_param_set(detect_params *p, const char *assignment, char *err)
{
	const char *eq = strchr(assignment, '=');
	size_t i, len;
	double v;
	char *end;

	if (eq == NULL || eq == assignment) {
		tsm_seterr(err, "'%s': expected NAME=VALUE", assignment);
		return TSM_ERR;
	}
	len = (size_t)(eq - assignment);
	for (i = 0; i < NPARAMS; i++)
		if (strlen(PARAMS[i].name) == len && strncmp(PARAMS[i].name, assignment, len) == 0)
			break;
	if (i == NPARAMS) {
		tsm_seterr(err, "unknown parameter '%.*s'", (int)len, assignment);
		return TSM_ERR;
	}
	errno = 0;
	v = strtod(eq + 1, &end);
	if (end == eq + 1 || errno != 0) {
		tsm_seterr(err, "parameter %s: '%s' is not a number", PARAMS[i].name, eq + 1);
		return TSM_ERR;
	}
	if (PARAMS[i].bytes && *end != '\0' && end[1] == '\0') {
		switch (*end) {
		case 'k': case 'K': v *= 1024.0; end++; break;
		case 'm': case 'M': v *= MIB; end++; break;
		case 'g': case 'G': v *= MIB * 1024.0; end++; break;
		default: break;
		}
	}
	if (*end != '\0' || !isfinite(v)) {
		tsm_seterr(err, "parameter %s: '%s' is not a number", PARAMS[i].name, eq + 1);
		return TSM_ERR;
	}
	if (v < PARAMS[i].min || v > PARAMS[i].max) {
		tsm_seterr(err, "parameter %s: %g is outside [%g, %g]", PARAMS[i].name, v,
		           PARAMS[i].min, PARAMS[i].max);
		return TSM_ERR;
	}
	*slot(p, i) = v;
	return TSM_OK;
}
