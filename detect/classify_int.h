/* classify_int.h — the lifetime context's layout, shared by context.c
 * (which builds it) and classify.c (which reads it).  Not part of the
 * layer's interface. */
#ifndef TSMEM_DETECT_CLASSIFY_INT_H
#define TSMEM_DETECT_CLASSIFY_INT_H

#include "classify.h"

/* The load index of a bin needs this many active allocators: a median of
 * fewer is one allocator's own curve. */
#define CTX_MIN_LOAD_ALLOCATORS 5

enum ctx_role {
	CTX_ROLE_OTHER = 0,
	CTX_ROLE_RAM_ENTRY,  /* RamCacheLRUEntry / RamCacheCLFUSEntry: one item per cached object */
	CTX_ROLE_IODATA      /* ioDataAllocator: the RAM cache holds one per entry */
};

struct detect_ctx {
	detect_basis basis;
	double x0, x1;       /* the axis the bins cut */
	size_t nb, na;       /* bins, allocators */
	detect_params p;
	float *lo, *mean;    /* na × nb: min / mean in-use (bytes) per bin, NaN none */
	double *med;         /* na: median in-use, bytes (0 = not active) */
	uint32_t *tsize;     /* na: type size */
	unsigned char *role; /* na: enum ctx_role */
	int *bucket;         /* na: 0..14 for iobuf rows, else -1 */
	double *ram_w;       /* na: share of the bucket's items the RAM cache's
	                      * entries account for (iobuf buckets), 0..1 */
	double *bx;          /* nb: bin centre on the axis */
	double *load;        /* nb: load index, NaN unknown */
	double *ram;         /* nb: RAM cache entries (bin minimum, items), NaN unknown */
	size_t ram_i;        /* the entry allocator used, SIZE_MAX none */
	size_t active;       /* allocators with median in-use > 0 */
	int load_ok, ram_ok, oom;
	double period, period_acf;
};

/* The bin of axis value x. */
size_t detect_ctx_bin(const detect_ctx *c, double x);

#endif
