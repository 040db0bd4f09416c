/* benchgen.h — the deterministic F3 dump generator shared by the benchmark
 * programs: bench/gen.c writes its dumps as text, bench/limit.c inserts the
 * very same values straight into SQLite without parsing.
 *
 * One process lifetime of ATS 6.2-9.2 (format F3, spec §1.1): the fifteen
 * ioBufAllocator buckets [14]..[0] then BG_NAMED named allocators, values in
 * bytes that are whole chunks, allocated never falling, in-use <= allocated.
 * No I/O except bg_write_dump; nothing here depends on tsmem's library.
 */
#ifndef BENCHGEN_H
#define BENCHGEN_H

#include <stdint.h>
#include <stdio.h>

#define BG_IOBUF 15
#define BG_NAMED 44
#define BG_ROWS (BG_IOBUF + BG_NAMED)

/* One freelist of the generated process. */
typedef struct bg_alloc {
	const char *name;      /* without "memory/" */
	uint32_t type_size;    /* bytes */
	uint32_t chunk;        /* effective items per chunk (page rounded) */
	uint64_t cap;          /* largest in-use item count the walk may reach */
	uint64_t allocated;    /* items */
	uint64_t used;         /* items */
} bg_alloc;

/* Generator state: a value, no heap.  Dump k (0-based) is fully determined
 * by the seed and k. */
typedef struct bg_state {
	uint64_t rng;
	uint64_t dumps;        /* dumps generated so far */
	int interval;          /* seconds between dumps (for the diags times) */
	int diag_every;        /* a diags line before every Nth dump (0 = none) */
	long clock;            /* seconds since Jan 1 00:00:00 of the stream */
	int real;              /* real-shaped: most rows repeat (bg_init_real) */
	uint64_t changed;      /* rows of the current dump that differ from the previous one */
	uint64_t changed_total;/* the same, summed over the dumps so far */
	bg_alloc a[BG_ROWS];   /* in dump row order */
} bg_state;

/* Initialise for `seed`; interval is the dump period in seconds (> 0).
 * Every allocator with a cap moves at every dump (about 80 % of the rows
 * change from one dump to the next). */
void bg_init(bg_state *s, uint64_t seed, int interval);

/* The real-shaped variant, after the lab's ATS 9.2 captures (about 4 % of
 * rows differ from the allocator's previous dump; of 58 allocators about 36
 * idle or constant): the 11 idle rows stay 0, the 25 allocators whose cap
 * is at most BG_REAL_CONST_CAP items never move, and the other 23 move at a
 * dump with probability BG_REAL_MOVE_PERMILLE / 1000. */
#define BG_REAL_CONST_CAP 700
#define BG_REAL_MOVE_PERMILLE 105
void bg_init_real(bg_state *s, uint64_t seed, int interval);

/* Advance to the next dump: updates a[].allocated / a[].used and the clock.
 * Call once per dump before reading the values or writing it. */
void bg_next(bg_state *s);

/* Write the current dump (and, every diag_every dumps, one diags line before
 * it) in the exact F3 format.  Returns the number of bytes written, or -1 on
 * a write error. */
long bg_write_dump(const bg_state *s, FILE *f);

/* Bytes of the current dump's row i (allocated and in-use). */
uint64_t bg_allocated_bytes(const bg_state *s, int i);
uint64_t bg_in_use_bytes(const bg_state *s, int i);

/* The bucket of row i (0..14) or -1 for a named allocator. */
int bg_bucket(int i);

#endif
