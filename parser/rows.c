/* rows.c — the hot path: split a table row on '|', parse its numbers, and
 * look names up in the previous dump.  No allocation, no regex.
 */
#include <string.h>

#include "parser_int.h"

int prow_split(const char *s, size_t len, prow_fields *out)
{
	const char *end = s + len, *p = s;
	int n = 0;

	for (;;) {
		const char *bar = memchr(p, '|', (size_t)(end - p));
		const char *fs = p, *fe = bar ? bar : end;
		if (n == 9)
			return 0;
		while (fs < fe && (*fs == ' ' || *fs == '\t'))
			fs++;
		while (fe > fs && (fe[-1] == ' ' || fe[-1] == '\t'))
			fe--;
		out->f[n] = fs;
		out->len[n] = (size_t)(fe - fs);
		n++;
		if (bar == NULL)
			break;
		p = bar + 1;
	}
	out->n = n;
	return n >= 2 ? n : 0;
}

int parser_parse_u64(const char *s, size_t len, uint64_t *out)
{
	size_t i = 0;
	uint64_t v = 0;

	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	while (len > i && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (i == len)
		return -1;
	for (; i < len; i++) {
		unsigned d = (unsigned)(unsigned char)s[i] - '0';
		if (d > 9)
			return -1;
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

int parser_bucket_of(const char *name)
{
	const char *p;
	int v = 0, digits = 0;

	if (strncmp(name, "ioBufAllocator", 14) != 0)
		return -1;
	p = name + 14;
	if (p[0] == 'H' && p[1] == 'P')
		p += 2;
	if (*p++ != '[')
		return -1;
	while (*p >= '0' && *p <= '9' && digits < 3) {
		v = v * 10 + (*p++ - '0');
		digits++;
	}
	if (digits == 0 || *p != ']' || p[1] != '\0' || v > 14)
		return -1;
	return v;
}

uint32_t pname_hash(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s) {
		h ^= (unsigned char)*s++;
		h *= 16777619u;
	}
	return h;
}

void pname_index_build(pname_index *ix, const parser_dump *d)
{
	size_t i;

	memset(ix->slot, 0xff, sizeof ix->slot);
	for (i = 0; i < d->nrows; i++) {
		uint32_t h = pname_hash(d->rows[i].name) & (PNAME_SLOTS - 1);
		while (ix->slot[h] >= 0)
			h = (h + 1) & (PNAME_SLOTS - 1);
		ix->slot[h] = (int32_t)i;
	}
}

int pname_index_find(const pname_index *ix, const parser_dump *d, const char *name)
{
	uint32_t h = pname_hash(name) & (PNAME_SLOTS - 1);

	while (ix->slot[h] >= 0) {
		if (strcmp(d->rows[ix->slot[h]].name, name) == 0)
			return ix->slot[h];
		h = (h + 1) & (PNAME_SLOTS - 1);
	}
	return -1;
}
