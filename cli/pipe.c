/* pipe.c — the parser in a worker thread, its records handed to the main
 * thread through a bounded ring (see pipe.h).
 *
 * The ring is one block of RING_BYTES.  A record is a 16-byte header (kind,
 * size) and its payload, padded to 16 bytes, always contiguous: when the
 * end of the block is too short for the next record, the worker writes a
 * WRAP header over the rest and starts again at offset 0.  `head` counts
 * bytes written, `tail` bytes released; both only grow.  One mutex guards
 * head, tail, the commands and the flags; the payload is written outside
 * it (the region between head and the reserved end belongs to the worker)
 * and read outside it (the record the main thread holds stays below head
 * and is released only by the next pipe_next).  The worker, when the ring
 * is full, waits for a quarter of it to be free, so that it is not woken
 * for every record the main thread releases.
 *
 * A dump is copied up to its last used row: a parser_dump has room for
 * PARSER_MAX_ROWS rows, a typical one uses a few dozen.  The main thread
 * reads it in place through a parser_dump pointer and touches rows below
 * nrows only (db/ingest.c and cli/ingest_run.c do exactly that).
 */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "pipe.h"

#define RING_BYTES ((size_t)2 << 20)   /* 1 and 8 MiB measured the same */
#define HDR 16
#define REC_WRAP 0
#define MAX_DUMP_BYTES (offsetof(parser_dump, rows) + PARSER_MAX_ROWS * sizeof(parser_row))

_Static_assert(2 * (HDR + MAX_DUMP_BYTES + 16) <= RING_BYTES, "the ring must hold two of the largest dumps");

typedef struct rec_hdr {
	uint32_t kind;       /* pipe_ev_kind, or REC_WRAP */
	uint32_t size;       /* bytes of the record, header included, a multiple of 16 */
} rec_hdr;

typedef struct done_rec {
	pipe_cmd cmd;
	tsm_status status;
	uint64_t dumps;
} done_rec;

typedef struct cmd_slot {
	pipe_cmd cmd;
	const char *buf;
	size_t len;
} cmd_slot;

struct parse_pipe {
	parser *p;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv_data;    /* main waits for a record */
	pthread_cond_t cv_space;   /* worker waits for room */
	pthread_cond_t cv_cmd;     /* worker waits for a command */
	unsigned char *ring;
	uint64_t head, tail;
	size_t space_wanted;       /* free bytes the waiting worker needs, 0 = not waiting */
	int main_waiting;
	size_t held;               /* size of the record main holds (main only) */
	cmd_slot cmds[PIPE_MAX_CMDS];
	unsigned cmd_head, cmd_tail;
	int outstanding;           /* main only */
	int aborted, closing;
};

static size_t round16(size_t n)
{
	return (n + 15) & ~(size_t)15;
}

/* ---- worker side ------------------------------------------------------------ */

/* Room for a record of `size` bytes (header included); NULL when the pipe
 * is closing, or aborted and the record is not a DONE. */
static unsigned char *reserve(parse_pipe *pp, size_t size, int is_done)
{
	unsigned char *at = NULL;
	size_t pos, contig, total;

	pthread_mutex_lock(&pp->mu);
	for (;;) {
		if (pp->closing || (pp->aborted && !is_done))
			goto out;
		pos = (size_t)(pp->head % RING_BYTES);
		contig = RING_BYTES - pos;
		total = size <= contig ? size : contig + size;
		if (RING_BYTES - (size_t)(pp->head - pp->tail) >= total)
			break;
		pp->space_wanted = total > RING_BYTES / 4 ? total : RING_BYTES / 4;
		pthread_cond_wait(&pp->cv_space, &pp->mu);
	}
	pp->space_wanted = 0;
	if (size > contig) {
		rec_hdr *w = (rec_hdr *)(void *)(pp->ring + pos);
		w->kind = REC_WRAP;
		w->size = (uint32_t)contig;
		pp->head += contig;
		pos = 0;
	}
	at = pp->ring + pos;
out:
	pthread_mutex_unlock(&pp->mu);
	return at;
}

static void publish(parse_pipe *pp, size_t size)
{
	pthread_mutex_lock(&pp->mu);
	pp->head += size;
	if (pp->main_waiting)
		pthread_cond_signal(&pp->cv_data);
	pthread_mutex_unlock(&pp->mu);
}

/* Copy one record into the ring.  Returns 0, or 1 to stop the parser. */
static int push(parse_pipe *pp, pipe_ev_kind kind, const void *data, size_t len)
{
	size_t size = HDR + round16(len);
	unsigned char *at = reserve(pp, size, kind == PIPE_EV_DONE);
	rec_hdr *h;

	if (at == NULL)
		return 1;
	h = (rec_hdr *)(void *)at;
	h->kind = (uint32_t)kind;
	h->size = (uint32_t)size;
	memcpy(at + HDR, data, len);
	publish(pp, size);
	return 0;
}

static int w_dump(void *ctx, const parser_dump *d)
{
	size_t n = d->nrows <= PARSER_MAX_ROWS ? d->nrows : PARSER_MAX_ROWS;

	return push(ctx, PIPE_EV_DUMP, d, offsetof(parser_dump, rows) + n * sizeof d->rows[0]);
}

static int w_resource(void *ctx, const parser_resource *r)
{
	return push(ctx, PIPE_EV_RESOURCE, r, sizeof *r);
}

static int w_anchor(void *ctx, const parser_anchor *a)
{
	return push(ctx, PIPE_EV_ANCHOR, a, sizeof *a);
}

static int w_marker(void *ctx, const parser_marker *m)
{
	return push(ctx, PIPE_EV_MARKER, m, sizeof *m);
}

static int w_diag(void *ctx, const tsm_diag *dg)
{
	return push(ctx, PIPE_EV_DIAG, dg, sizeof *dg);
}

static void *worker(void *arg)
{
	parse_pipe *pp = arg;
	cmd_slot c;
	done_rec dn;

	pthread_mutex_lock(&pp->mu);
	for (;;) {
		while (pp->cmd_head == pp->cmd_tail && !pp->closing)
			pthread_cond_wait(&pp->cv_cmd, &pp->mu);
		if (pp->closing)
			break;
		c = pp->cmds[pp->cmd_tail % PIPE_MAX_CMDS];
		pp->cmd_tail++;
		pthread_mutex_unlock(&pp->mu);
		switch (c.cmd) {
		case PIPE_FEED:
			dn.status = parser_feed(pp->p, c.buf, c.len);
			break;
		case PIPE_FLUSH:
			dn.status = parser_flush(pp->p);
			break;
		case PIPE_NEW_STREAM:
			dn.status = parser_new_stream(pp->p);
			break;
		default:
			dn.status = parser_finish(pp->p);
			break;
		}
		dn.cmd = c.cmd;
		dn.dumps = parser_get_stats(pp->p)->dumps;
		(void)push(pp, PIPE_EV_DONE, &dn, sizeof dn);
		pthread_mutex_lock(&pp->mu);
	}
	pthread_mutex_unlock(&pp->mu);
	return NULL;
}

/* ---- main side ------------------------------------------------------------- */

parse_pipe *pipe_start(char *err)
{
	parse_pipe *pp = calloc(1, sizeof *pp);
	parser_callbacks cb;
	sigset_t all, old;
	int rc;

	if (pp == NULL || (pp->ring = malloc(RING_BYTES)) == NULL) {
		free(pp);
		tsm_seterr(err, "out of memory");
		return NULL;
	}
	memset(&cb, 0, sizeof cb);
	cb.ctx = pp;
	cb.on_dump = w_dump;
	cb.on_resource = w_resource;
	cb.on_anchor = w_anchor;
	cb.on_marker = w_marker;
	cb.on_diag = w_diag;
	pp->p = parser_new(&cb, err);
	if (pp->p == NULL) {
		free(pp->ring);
		free(pp);
		return NULL;
	}
	pthread_mutex_init(&pp->mu, NULL);
	pthread_cond_init(&pp->cv_data, NULL);
	pthread_cond_init(&pp->cv_space, NULL);
	pthread_cond_init(&pp->cv_cmd, NULL);
	/* signals (SIGINT, SIGTERM for --follow) go to the main thread */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&pp->thread, NULL, worker, pp);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		tsm_seterr(err, "cannot start the parser thread: %s", strerror(rc));
		parser_free(pp->p);
		pthread_mutex_destroy(&pp->mu);
		pthread_cond_destroy(&pp->cv_data);
		pthread_cond_destroy(&pp->cv_space);
		pthread_cond_destroy(&pp->cv_cmd);
		free(pp->ring);
		free(pp);
		return NULL;
	}
	return pp;
}

int pipe_submit(parse_pipe *pp, pipe_cmd cmd, const char *buf, size_t len)
{
	cmd_slot *c;

	if (pp->outstanding >= PIPE_MAX_CMDS)
		return -1;
	pthread_mutex_lock(&pp->mu);
	c = &pp->cmds[pp->cmd_head % PIPE_MAX_CMDS];
	c->cmd = cmd;
	c->buf = buf;
	c->len = len;
	pp->cmd_head++;
	pthread_cond_signal(&pp->cv_cmd);
	pthread_mutex_unlock(&pp->mu);
	pp->outstanding++;
	return 0;
}

int pipe_outstanding(const parse_pipe *pp)
{
	return pp->outstanding;
}

/* Release `n` bytes at the tail (mutex held); wake the worker when it has
 * the room it waits for. */
static void release(parse_pipe *pp, size_t n)
{
	pp->tail += n;
	if (pp->space_wanted != 0 && RING_BYTES - (size_t)(pp->head - pp->tail) >= pp->space_wanted)
		pthread_cond_signal(&pp->cv_space);
}

int pipe_next(parse_pipe *pp, pipe_event *ev)
{
	const rec_hdr *h;
	const unsigned char *body;

	memset(ev, 0, sizeof *ev);
	pthread_mutex_lock(&pp->mu);
	if (pp->held != 0) {
		release(pp, pp->held);
		pp->held = 0;
	}
	for (;;) {
		while (pp->head == pp->tail) {
			if (pp->outstanding == 0) {
				pthread_mutex_unlock(&pp->mu);
				return -1;
			}
			pp->main_waiting = 1;
			pthread_cond_wait(&pp->cv_data, &pp->mu);
			pp->main_waiting = 0;
		}
		h = (const rec_hdr *)(const void *)(pp->ring + pp->tail % RING_BYTES);
		if (h->kind == REC_WRAP || (pp->aborted && h->kind != PIPE_EV_DONE)) {
			release(pp, h->size);
			continue;
		}
		break;
	}
	pp->held = h->size;
	pthread_mutex_unlock(&pp->mu);
	body = (const unsigned char *)h + HDR;
	ev->kind = (pipe_ev_kind)h->kind;
	switch (ev->kind) {
	case PIPE_EV_DUMP:
		ev->dump = (const parser_dump *)(const void *)body;
		break;
	case PIPE_EV_RESOURCE:
		ev->resource = (const parser_resource *)(const void *)body;
		break;
	case PIPE_EV_ANCHOR:
		ev->anchor = (const parser_anchor *)(const void *)body;
		break;
	case PIPE_EV_MARKER:
		ev->marker = (const parser_marker *)(const void *)body;
		break;
	case PIPE_EV_DIAG:
		ev->diag = (const tsm_diag *)(const void *)body;
		break;
	case PIPE_EV_DONE: {
		const done_rec *dn = (const done_rec *)(const void *)body;
		ev->cmd = dn->cmd;
		ev->status = dn->status;
		ev->dumps = dn->dumps;
		pp->outstanding--;
		break;
	}
	}
	return 0;
}

void pipe_abort(parse_pipe *pp)
{
	pthread_mutex_lock(&pp->mu);
	pp->aborted = 1;
	pthread_cond_signal(&pp->cv_space);
	pthread_mutex_unlock(&pp->mu);
}

void pipe_free(parse_pipe *pp)
{
	if (pp == NULL)
		return;
	pthread_mutex_lock(&pp->mu);
	pp->closing = 1;
	pthread_cond_broadcast(&pp->cv_cmd);
	pthread_cond_broadcast(&pp->cv_space);
	pthread_mutex_unlock(&pp->mu);
	pthread_join(pp->thread, NULL);
	parser_free(pp->p);
	pthread_mutex_destroy(&pp->mu);
	pthread_cond_destroy(&pp->cv_data);
	pthread_cond_destroy(&pp->cv_space);
	pthread_cond_destroy(&pp->cv_cmd);
	free(pp->ring);
	free(pp);
}
