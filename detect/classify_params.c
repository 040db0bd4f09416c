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
	{"alpha", offsetof(detect_params, alpha), 0.01, 1e-12, 0.5, 0,
	 "family-wise significance of a lifetime's leak tests (alpha / allocators each)"},
	{"max_bins", offsetof(detect_params, max_bins), 1024, 16, 65536, 0,
	 "the lifetime's common grid has at most this many bins (bounds the work)"},
	{"period_acf", offsetof(detect_params, period_acf), 0.3, 0, 1, 0,
	 "a load period needs the load index's autocorrelation peak to reach this"},
	{"leak_effect_chunks", offsetof(detect_params, leak_effect_chunks), 1, 0, 1e9, 0,
	 "leak: the floor rises by at least this many chunks"},
	{"leak_noise", offsetof(detect_params, leak_noise), 3, 0, 1e6, 0,
	 "leak: ... and by this many times the floor's own spread around its trend"},
	{"saturation_ratio", offsetof(detect_params, saturation_ratio), 0.5, 1e-6, 1, 0,
	 "levelling off: later half's floor slope <= this share of the earlier half's"},
	{"churn_ratio", offsetof(detect_params, churn_ratio), 1.5, 1, 1e12, 0,
	 "churn: past level / recent in-use (also against the load) at least this"},
	{"churn_ratio_strong", offsetof(detect_params, churn_ratio_strong), 10, 1, 1e12, 0,
	 "churn on too few dumps: allocated less a chunk / highest in-use >= this"},
	{"churn_min_bytes", offsetof(detect_params, churn_min_bytes), 10 * MIB, 0, 1e18, 1,
	 "churn: stranded at least this many bytes (K/M/G suffixes)"},
	{"churn_min_chunks", offsetof(detect_params, churn_min_chunks), 1, 0, 1e9, 0,
	 "churn: stranded at least this many chunks (less is the last chunk's rounding)"},
};

/* Parameters of the earlier classifier, and what took their place. */
static const struct {
	const char *name, *instead;
} GONE[] = {
	{"min_span_hours", "min_dumps (time scales come from the data: bins, load period)"},
	{"window_samples", "max_bins (the floor is the bin minima of the lifetime's grid)"},
	{"window_hours", "max_bins (the floor is the bin minima of the lifetime's grid)"},
	{"min_windows", "min_dumps"},
	{"max_windows", "max_bins"},
	{"floor_hours", "max_bins (and the load index takes the load out)"},
	{"floor_overlap", "alpha (Hamed-Rao corrects the floor's autocorrelation)"},
	{"leak_effect_frac", "leak_effect_chunks and leak_noise"},
	{"leak_slack_frac", "leak_noise (the slack is measured from the floor's spread)"},
	{"leak_follow_frac", "leak_effect_chunks"},
	{"leak_step_share", "alpha (Sen's lower bound rejects a single step)"},
	{"cycle_hours", "period_acf (the load period is found in the data)"},
	{"leak_load_cycles", "period_acf (every span takes the load out)"},
	{"leak_drift_family", "alpha (always family-wise)"},
	{"leak_segment_share", "saturation_ratio"},
	{"fill_shared_share", "saturation_ratio (RAM cache fills: its entries are taken out)"},
	{"seg_transition_share", "saturation_ratio"},
	{"leak_move_test", "churn_ratio"},
	{"leak_move_share", "churn_ratio"},
	{"load_window_samples", "max_bins"},
	{"load_max_collinearity", "alpha"},
	{"load_max_elasticity", "alpha"},
	{"load_min_allocators", "(fixed: 5 active allocators make a load index)"},
	{"churn_recent_hours", "period_acf (the recent part is a load period, >= a quarter span)"},
	{"churn_recent_frac", "churn_ratio"},
	{"churn_slack_frac", "churn_min_chunks"},
};

static const char *const REASONS[DETECT_R_COUNT] = {
	"no_dumps", "idle", "malloc", "few_dumps", "churn", "churn_few", "leak", "levelling", "ram_filling",
	"levelled", "small", "flat",
};

const char *detect_reason_name(detect_reason r)
{
	if ((int)r < 0 || r >= DETECT_R_COUNT)
		return "?";
	return REASONS[r];
}

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
		size_t g;

		for (g = 0; g < sizeof GONE / sizeof GONE[0]; g++)
			if (strlen(GONE[g].name) == len && strncmp(GONE[g].name, assignment, len) == 0) {
				tsm_seterr(err, "parameter '%s' is gone; use %s", GONE[g].name, GONE[g].instead);
				return TSM_ERR;
			}
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
