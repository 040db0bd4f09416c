/* alloc_cache.c — allocator ids by (name, type_size) for the ingest's
 * per-row path: an in-memory open-addressing hash, checked first at the
 * slot the same row index used in the previous dump, so a row costs no
 * SELECT and no allocation; a miss reads (or creates) the allocator row.
 * Called by ingest.c only; never prints or exits.
 */
#include <stdlib.h>
#include <string.h>

#include "db_int.h"

tsm_status db_alloc_cache_init(const db *d, db_alloc_cache *in, char *err)
{
	memset(in, 0, sizeof *in);
	if (db_prepare(d, "SELECT id FROM allocator WHERE name = ?1 AND type_size = ?2", &in->st_find, err) != TSM_OK ||
	    db_prepare(d, "INSERT INTO allocator(name, bucket, grp, type_size, hugepage) VALUES (?1, ?2, ?3, ?4, ?5)",
	               &in->st_ins, err) != TSM_OK) {
		db_alloc_cache_free(in);
		return TSM_ERR;
	}
	return TSM_OK;
}

void db_alloc_cache_free(db_alloc_cache *in)
{
	size_t i;

	if (in == NULL)
		return;
	sqlite3_finalize(in->st_find);
	sqlite3_finalize(in->st_ins);
	for (i = 0; i < in->nslots; i++)
		free(in->slots[i].name);
	free(in->slots);
	memset(in, 0, sizeof *in);
}

static uint32_t name_hash(const char *s, uint32_t type_size)
{
	uint32_t h = 2166136261u;

	while (*s != '\0')
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return (h ^ type_size) * 16777619u;
}

static int slots_grow(db_alloc_cache *in)
{
	size_t n = in->nslots ? in->nslots * 2 : 256, i, j;
	alloc_slot *s = calloc(n, sizeof *s);

	if (s == NULL)
		return -1;
	for (i = 0; i < in->nslots; i++) {
		if (in->slots[i].name == NULL)
			continue;
		for (j = in->slots[i].hash & (n - 1); s[j].name != NULL; j = (j + 1) & (n - 1))
			;
		s[j] = in->slots[i];
	}
	free(in->slots);
	in->slots = s;
	in->nslots = n;
	return 0;
}

/* Find or create the allocator row; a miss costs a SELECT (and an INSERT
 * the first time the database sees the allocator). */
static tsm_status alloc_miss(db_alloc_cache *in, const parser_row *r, uint32_t hash, int64_t *id, size_t *slot,
                             char *err)
{
	sqlite3_stmt *st = in->st_find;
	alloc_slot *s;
	size_t j;
	int rc;

	sqlite3_bind_text(st, 1, r->name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, r->type_size);
	rc = sqlite3_step(st);
	*id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_sqlerr(NULL, sqlite3_db_handle(st), rc, "cannot read allocator", err);
	if (rc == SQLITE_DONE) {
		st = in->st_ins;
		sqlite3_bind_text(st, 1, r->name, -1, SQLITE_STATIC);
		if (r->bucket >= 0)
			sqlite3_bind_int(st, 2, r->bucket);
		else
			sqlite3_bind_null(st, 2);
		sqlite3_bind_text(st, 3, db_allocator_group(r->name, r->bucket), -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, r->type_size);
		sqlite3_bind_int(st, 5, strncmp(r->name, "ioBufAllocatorHP[", 17) == 0);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			return db_sqlerr(NULL, sqlite3_db_handle(st), rc, "cannot insert allocator", err);
		*id = sqlite3_last_insert_rowid(sqlite3_db_handle(st));
	}
	if ((in->nused + 1) * 2 > in->nslots && slots_grow(in) != 0)
		goto nomem;
	for (j = hash & (in->nslots - 1); in->slots[j].name != NULL; j = (j + 1) & (in->nslots - 1))
		;
	s = &in->slots[j];
	s->name = strdup(r->name);
	if (s->name == NULL)
		goto nomem;
	s->type_size = r->type_size;
	s->hash = hash;
	s->id = *id;
	in->nused++;
	*slot = j;
	return TSM_OK;
nomem:
	tsm_seterr(err, "out of memory");
	return TSM_ERR;
}

/* The allocator id of row `ri` of a dump.  Slots only move when the table
 * grows, and a remembered slot is used only when it holds the row's key,
 * so a stale entry in row_slot costs a lookup, never a wrong id. */
tsm_status db_alloc_id(db_alloc_cache *in, const parser_row *r, size_t ri, int64_t *id, char *err)
{
	uint32_t hash;
	size_t j = 0;

	if (ri < in->nrow_slot) {
		const alloc_slot *s = &in->slots[in->row_slot[ri]];

		if (s->name != NULL && s->type_size == r->type_size && strcmp(s->name, r->name) == 0) {
			*id = s->id;
			return TSM_OK;
		}
	}
	hash = name_hash(r->name, r->type_size);
	if (in->nslots != 0) {
		for (j = hash & (in->nslots - 1); in->slots[j].name != NULL; j = (j + 1) & (in->nslots - 1)) {
			const alloc_slot *s = &in->slots[j];

			if (s->hash == hash && s->type_size == r->type_size && strcmp(s->name, r->name) == 0) {
				*id = s->id;
				goto found;
			}
		}
	}
	if (alloc_miss(in, r, hash, id, &j, err) != TSM_OK)
		return TSM_ERR;
found:
	if (ri < PARSER_MAX_ROWS) {
		in->row_slot[ri] = (uint32_t)j;
		if (ri >= in->nrow_slot)
			in->nrow_slot = ri + 1;
	}
	return TSM_OK;
}

