/* source.c — recognise an input stream seen before.
 *
 * A source's identity is "L:HASH": the length L (≤ 4096) of the prefix that
 * was hashed and the hash of those first L bytes.  A file that has grown
 * still starts with the same L bytes, so it is found again even when it was
 * shorter than 4 KiB the first time; the identity is then lengthened, so
 * that small prefixes do not stay ambiguous.  SQL stays in db/.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_int.h"

void db_identity(const char *buf, size_t n, char out[DB_IDENTITY_MAX])
{
	uint64_t h1 = 1469598103934665603ull, h2 = 0x9e3779b97f4a7c15ull;
	size_t i;

	if (n > DB_IDENTITY_PREFIX)
		n = DB_IDENTITY_PREFIX;
	for (i = 0; i < n; i++) {
		h1 = (h1 ^ (unsigned char)buf[i]) * 1099511628211ull;
		h2 = (h2 ^ (unsigned char)buf[i]) * 0x100000001b3ull + (h2 >> 29);
	}
	snprintf(out, DB_IDENTITY_MAX, "%zu:%016llx%016llx", n, (unsigned long long)h1, (unsigned long long)h2);
}

tsm_status db_source_match(db *d, const char *host, const char *buf, size_t n, char out[DB_IDENTITY_MAX],
                           char *err)
{
	sqlite3_stmt *st = NULL;
	char best[DB_IDENTITY_MAX] = "", mine[DB_IDENTITY_MAX];
	int64_t best_id = 0;
	size_t best_len = 0;
	int rc;
	tsm_status ret = TSM_ERR;

	db_identity(buf, n, out);
	if (db_prepare(d, "SELECT id, identity FROM source WHERE host = ?1", &st, err) != TSM_OK)
		return TSM_ERR;
	sqlite3_bind_text(st, 1, host, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *idn = (const char *)sqlite3_column_text(st, 1);
		char *end;
		unsigned long long l = idn ? strtoull(idn, &end, 10) : 0;
		if (idn == NULL || end == idn || *end != ':' || l == 0 || l > n)
			continue;
		db_identity(buf, (size_t)l, mine);
		if (strcmp(mine, idn) == 0 && l > best_len) {
			best_len = (size_t)l;
			best_id = sqlite3_column_int64(st, 0);
			snprintf(best, sizeof best, "%s", idn);
		}
	}
	if (rc != SQLITE_DONE) {
		db_sqlerr(d, d->h, rc, "looking up the source", err);
		goto out;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (best_len > 0 && strcmp(best, out) != 0) {
		/* lengthen the stored identity to the prefix we have now */
		if (db_prepare(d, "UPDATE source SET identity = ?1 WHERE id = ?2", &st, err) != TSM_OK)
			goto out;
		sqlite3_bind_text(st, 1, out, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, best_id);
		rc = sqlite3_step(st);
		if (rc != SQLITE_DONE && (rc & 0xff) != SQLITE_CONSTRAINT) {
			db_sqlerr(d, d->h, rc, "updating the source identity", err);
			goto out;
		}
		if ((rc & 0xff) == SQLITE_CONSTRAINT)
			snprintf(out, DB_IDENTITY_MAX, "%s", best);
	}
	ret = TSM_OK;
out:
	sqlite3_finalize(st);
	return ret;
}

tsm_status db_source_id(db *d, const char *host, const char *identity, int64_t *id, char *err)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*id = 0;
	if (db_prepare(d, "SELECT id FROM source WHERE host = ?1 AND identity = ?2", &st, err) != TSM_OK)
		return TSM_ERR;
	sqlite3_bind_text(st, 1, host, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, identity, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_sqlerr(d, d->h, rc, "looking up the source", err);
	return TSM_OK;
}
