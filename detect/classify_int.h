/* classify_int.h — what classify.c and load_trend.c share inside detect/:
 * the scratch arrays of one detect_classify call and the floor trend that
 * both the raw and the load-free series go through.  Not part of the
 * layer's interface. */
#ifndef TSMEM_DETECT_CLASSIFY_INT_H
#define TSMEM_DETECT_CLASSIFY_INT_H

#include "classify.h"
#include "stats.h"

/* Scratch arrays of one call, freed together. */
typedef struct detect_scratch {
	double *x, *u, *lo;
	uint64_t *ua, *uu;
	detect_window *win;
	double *wt, *wy, *wz;
} detect_scratch;

void detect_scratch_free(detect_scratch *s);

/* Drop the floor-trend scratch (detect_floor_trend allocates it afresh). */
void detect_scratch_free_trend(detect_scratch *s);

/* The floor trend of s->u on the axis s->x (classify.c): window minima of
 * the rolling-min in-use, Mann–Kendall/Theil–Sen, saturation; fills the
 * floor fields of *r.  Returns TSM_OK (also when too few windows) or
 * TSM_NOMEM. */
tsm_status detect_floor_trend(const detect_input *in, const detect_params *p, detect_scratch *s,
                              detect_result *r);

/* The load-relative floor and the split at the largest level shift
 * (load_trend.c); see there. */
tsm_status detect_load_trend(const detect_input *in, const detect_params *p, detect_scratch *s,
                             detect_result *r);
tsm_status detect_seg_trend(const detect_input *in, const detect_params *p, detect_scratch *s,
                            detect_result *r);

#endif
