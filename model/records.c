/* records.c — read the ATS settings that change the allocator model
 * (spec §3.8) from records.config (`CONFIG proxy.config.X TYPE VALUE`) or
 * records.yaml (nested keys under `ts:`), and parse iobuf_chunk_sizes.
 *
 * model_records_load is the only function in model/ that touches a file;
 * everything else here works on text in memory.  Bad values are reported
 * through the caller's diagnostic callback, never printed.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

#define REC_MAX_TEXT (16u * 1024u * 1024u)
#define REC_KEY_MAX 256

enum rec_kind { REC_INT, REC_FLOAT, REC_STRING };

enum rec_id {
	R_TFL_SIZE, R_TFL_LOW, R_HUGEPAGES, R_IOBUF_CHUNKS, R_AUTOCONF, R_AUTOCONF_EN,
	R_SCALE, R_LIMIT, R_ACCEPT, R_TASK, R_RAM_CACHE, R_DUMP_FREQ
};

static const struct rec_key {
	const char *name;
	enum rec_kind kind;
	enum rec_id id;
} rec_keys[] = {
	{"proxy.config.allocator.thread_freelist_size", REC_INT, R_TFL_SIZE},
	{"proxy.config.allocator.thread_freelist_low_watermark", REC_INT, R_TFL_LOW},
	{"proxy.config.allocator.hugepages", REC_INT, R_HUGEPAGES},
	{"proxy.config.allocator.iobuf_chunk_sizes", REC_STRING, R_IOBUF_CHUNKS},
	{"proxy.config.exec_thread.autoconfig", REC_INT, R_AUTOCONF},
	{"proxy.config.exec_thread.autoconfig.enabled", REC_INT, R_AUTOCONF_EN},
	{"proxy.config.exec_thread.autoconfig.scale", REC_FLOAT, R_SCALE},
	{"proxy.config.exec_thread.limit", REC_INT, R_LIMIT},
	{"proxy.config.accept_threads", REC_INT, R_ACCEPT},
	{"proxy.config.task_threads", REC_INT, R_TASK},
	{"proxy.config.cache.ram_cache.size", REC_INT, R_RAM_CACHE},
	{"proxy.config.dump_mem_info_frequency", REC_INT, R_DUMP_FREQ},
};

static void rec_diag(model_diag_fn diag, void *ctx, uint64_t line, const char *key,
                     const char *what, const char *val)
{
	tsm_diag d;

	if (diag == NULL)
		return;
	memset(&d, 0, sizeof d);
	d.line = line;
	d.severity = TSM_SEV_WARNING;
	d.code = "bad-record";
	snprintf(d.message, sizeof d.message, "%.120s: %s '%.100s'", key, what, val);
	diag(ctx, &d);
}

/* Integer with optional K/M/G/T (×1024) suffix, as records.config allows. */
static int parse_int(const char *s, int64_t *out)
{
	char *end;
	long long v;
	int64_t mul = 1;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (end == s || errno != 0)
		return -1;
	switch (toupper((unsigned char)*end)) {
	case 'K': mul = 1024; end++; break;
	case 'M': mul = 1024 * 1024; end++; break;
	case 'G': mul = 1024LL * 1024 * 1024; end++; break;
	case 'T': mul = 1024LL * 1024 * 1024 * 1024; end++; break;
	default: break;
	}
	while (isspace((unsigned char)*end))
		end++;
	if (*end != '\0')
		return -1;
	if (v != 0 && (v > INT64_MAX / mul || v < INT64_MIN / mul))
		return -1;
	*out = (int64_t)v * mul;
	return 0;
}

static int parse_float(const char *s, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	if (end == s || errno != 0)
		return -1;
	while (isspace((unsigned char)*end))
		end++;
	return *end == '\0' ? 0 : -1;
}

static int size_index(const char *s, size_t len)
{
	static const char *const names[][3] = {
		{"128", NULL, NULL}, {"256", NULL, NULL}, {"512", NULL, NULL}, {"1k", "1024", NULL},
		{"2k", "2048", NULL}, {"4k", "4096", NULL}, {"8k", "8192", NULL}, {"16k", "16384", NULL},
		{"32k", "32768", NULL}, {"64k", "65536", NULL}, {"128k", "131072", NULL},
		{"256k", "262144", NULL}, {"512k", "524288", NULL}, {"1M", "1024k", "1048576"},
		{"2M", "2048k", "2097152"}};
	int i, j;

	for (i = 0; i < MODEL_IOBUF_BUCKETS; i++)
		for (j = 0; j < 3 && names[i][j] != NULL; j++)
			if (strlen(names[i][j]) == len && strncasecmp(names[i][j], s, len) == 0)
				return i;
	return -1;
}

int model_parse_iobuf_chunk_sizes(const char *s, uint32_t chunk[MODEL_IOBUF_BUCKETS])
{
	int idx = 0;

	memset(chunk, 0, MODEL_IOBUF_BUCKETS * sizeof chunk[0]);
	while (*s != '\0') {
		const char *tok, *colon;
		size_t len;
		char *end;
		unsigned long v;

		while (*s == ',' || isspace((unsigned char)*s))
			s++;
		if (*s == '\0')
			break;
		tok = s;
		while (*s != '\0' && *s != ',' && !isspace((unsigned char)*s))
			s++;
		len = (size_t)(s - tok);
		colon = memchr(tok, ':', len);
		if (colon != NULL) {
			idx = size_index(tok, (size_t)(colon - tok));
			if (idx < 0)
				return -1;
			tok = colon + 1;
			len = (size_t)(s - tok);
		}
		if (idx >= MODEL_IOBUF_BUCKETS || len == 0 || !isdigit((unsigned char)*tok))
			return -1;
		errno = 0;
		v = strtoul(tok, &end, 10);
		if (end != s || errno != 0 || v > UINT32_MAX)
			return -1;
		chunk[idx++] = (uint32_t)v;
	}
	return 0;
}

/* Apply one key/value; returns 1 if applied, 0 if unknown, -1 if malformed. */
static int apply(model_config *cfg, const char *key, const char *val)
{
	const struct rec_key *k = NULL;
	int64_t iv = 0;
	double fv = 0;
	size_t i;

	for (i = 0; i < sizeof rec_keys / sizeof rec_keys[0]; i++)
		if (strcmp(rec_keys[i].name, key) == 0)
			k = &rec_keys[i];
	if (k == NULL)
		return 0;
	if (k->kind == REC_INT && parse_int(val, &iv) != 0)
		return -1;
	if (k->kind == REC_FLOAT && parse_float(val, &fv) != 0)
		return -1;
	switch (k->id) {
	case R_TFL_SIZE:
		if (iv < 0)
			return -1;
		cfg->thread_freelist_size = iv;
		cfg->set_watermarks = 1;
		break;
	case R_TFL_LOW:
		if (iv < 0)
			return -1;
		cfg->thread_freelist_low = iv;
		cfg->set_watermarks = 1;
		break;
	case R_HUGEPAGES:
		if (iv < 0 || iv > 1)
			return -1;
		cfg->hugepages = (int)iv;
		cfg->set_hugepages = 1;
		break;
	case R_IOBUF_CHUNKS: {
		uint32_t ch[MODEL_IOBUF_BUCKETS];
		int b;

		if (model_parse_iobuf_chunk_sizes(val, ch) != 0)
			return -1;
		memcpy(cfg->iobuf_chunk, ch, sizeof ch);
		cfg->has_iobuf_chunk = 0;
		for (b = 0; b < MODEL_IOBUF_BUCKETS; b++)
			if (ch[b] > 0)
				cfg->has_iobuf_chunk = 1;
		break;
	}
	case R_AUTOCONF:
	case R_AUTOCONF_EN:
		if (iv < 0 || iv > 1)
			return -1;
		cfg->exec_autoconfig = (int)iv;
		cfg->set_threads = 1;
		break;
	case R_SCALE:
		if (!(fv > 0) || fv > 1024)
			return -1;
		cfg->exec_scale = fv;
		cfg->set_threads = 1;
		break;
	case R_LIMIT:
	case R_ACCEPT:
	case R_TASK:
		if (iv < 0 || iv > 65536)
			return -1;
		if (k->id == R_LIMIT)
			cfg->exec_limit = (int)iv;
		else if (k->id == R_ACCEPT)
			cfg->accept_threads = (int)iv;
		else
			cfg->task_threads = (int)iv;
		cfg->set_threads = 1;
		break;
	case R_RAM_CACHE:
		if (iv < -1)
			return -1;
		cfg->ram_cache_size = iv;
		cfg->set_ram_cache = 1;
		break;
	case R_DUMP_FREQ:
		if (iv < 0)
			return -1;
		cfg->dump_interval = iv;
		break;
	}
	return 1;
}

/* Copy [s, s+n) trimmed into buf (cap bytes); returns buf. */
static char *trimcpy(char *buf, size_t cap, const char *s, size_t n)
{
	while (n > 0 && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	if (n >= cap)
		n = cap - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return buf;
}

static int apply_report(model_config *cfg, const char *key, const char *val, uint64_t line,
                        model_diag_fn diag, void *ctx)
{
	int r = apply(cfg, key, val);

	if (r < 0)
		rec_diag(diag, ctx, line, key, "malformed value", val);
	return r > 0;
}

/* records.config: CONFIG|LOCAL name TYPE value */
static int parse_config_line(model_config *cfg, const char *s, size_t n, uint64_t line,
                             model_diag_fn diag, void *ctx)
{
	char buf[1024], *p, *name, *type, *val;

	trimcpy(buf, sizeof buf, s, n);
	if (buf[0] == '\0' || buf[0] == '#')
		return 0;
	p = buf;
	if (strncmp(p, "CONFIG", 6) == 0 && isspace((unsigned char)p[6]))
		p += 6;
	else if (strncmp(p, "LOCAL", 5) == 0 && isspace((unsigned char)p[5]))
		p += 5;
	else
		return 0;
	while (isspace((unsigned char)*p))
		p++;
	name = p;
	while (*p != '\0' && !isspace((unsigned char)*p))
		p++;
	if (*p == '\0')
		goto bad;
	*p++ = '\0';
	while (isspace((unsigned char)*p))
		p++;
	type = p;
	while (*p != '\0' && !isspace((unsigned char)*p))
		p++;
	if (*p == '\0')
		goto bad;
	*p++ = '\0';
	while (isspace((unsigned char)*p))
		p++;
	val = p;
	(void)type;
	return apply_report(cfg, name, val, line, diag, ctx);
bad:
	rec_diag(diag, ctx, line, name, "missing type or value", "");
	return 0;
}

struct yaml_level {
	int indent;
	size_t keylen; /* length of the path including this key */
};

static int is_yaml(const char *text, size_t len)
{
	size_t i = 0;

	while (i < len) {
		size_t j = i;

		while (j < len && (text[j] == ' ' || text[j] == '\t'))
			j++;
		if (j < len && text[j] != '\n' && text[j] != '#' && text[j] != '\r')
			return !(strncmp(text + j, "CONFIG", 6) == 0 || strncmp(text + j, "LOCAL", 5) == 0);
		while (i < len && text[i] != '\n')
			i++;
		i++;
	}
	return 0;
}

int model_records_parse(const char *text, size_t len, model_config *cfg,
                        model_diag_fn diag, void *ctx)
{
	struct yaml_level stack[32];
	char path[REC_KEY_MAX];
	size_t depth = 0, i = 0, pathlen = 0;
	uint64_t line = 0;
	int yaml = is_yaml(text, len), applied = 0;

	path[0] = '\0';
	while (i < len) {
		const char *s = text + i, *nl = memchr(s, '\n', len - i);
		size_t n = nl != NULL ? (size_t)(nl - s) : len - i;
		char key[REC_KEY_MAX], val[512], full[REC_KEY_MAX * 2];
		const char *colon, *v, *hash;
		int indent = 0;
		size_t vn;

		i += n + 1;
		line++;
		if (!yaml) {
			applied += parse_config_line(cfg, s, n, line, diag, ctx);
			continue;
		}
		while (indent < (int)n && s[indent] == ' ')
			indent++;
		if ((size_t)indent == n || s[indent] == '#' || s[indent] == '\r' || s[indent] == '-')
			continue;
		if (n - (size_t)indent >= 3 && strncmp(s + indent, "---", 3) == 0)
			continue;
		colon = memchr(s + indent, ':', n - (size_t)indent);
		if (colon == NULL) {
			rec_diag(diag, ctx, line, "records.yaml", "not a key: value line", "");
			continue;
		}
		trimcpy(key, sizeof key, s + indent, (size_t)(colon - s - indent));
		v = colon + 1;
		vn = (size_t)(s + n - v);
		hash = NULL;
		{
			size_t q;
			for (q = 0; q < vn; q++)
				if (v[q] == '#' && (q == 0 || v[q - 1] == ' ' || v[q - 1] == '\t')) {
					hash = v + q;
					break;
				}
		}
		if (hash != NULL)
			vn = (size_t)(hash - v);
		trimcpy(val, sizeof val, v, vn);
		if ((val[0] == '"' || val[0] == '\'') && strlen(val) >= 2 && val[strlen(val) - 1] == val[0]) {
			memmove(val, val + 1, strlen(val) - 2);
			val[strlen(val) - 2] = '\0';
		}
		while (depth > 0 && stack[depth - 1].indent >= indent)
			depth--;
		pathlen = depth > 0 ? stack[depth - 1].keylen : 0;
		path[pathlen] = '\0';
		snprintf(full, sizeof full, "%s%s%s", path, pathlen > 0 ? "." : "", key);
		if (val[0] == '\0') {
			size_t fl = strlen(full);

			if (depth < sizeof stack / sizeof stack[0] && fl < sizeof path) {
				memcpy(path, full, fl + 1);
				stack[depth].indent = indent;
				stack[depth].keylen = fl;
				depth++;
			}
			continue;
		}
		if (strncmp(full, "ts.", 3) == 0) {
			char rec[REC_KEY_MAX * 2 + 16];

			snprintf(rec, sizeof rec, "proxy.config.%s", full + 3);
			applied += apply_report(cfg, rec, val, line, diag, ctx);
		} else if (strncmp(full, "proxy.config.", 13) == 0) {
			applied += apply_report(cfg, full, val, line, diag, ctx);
		}
	}
	return applied;
}

tsm_status model_records_load(const char *path, model_config *cfg,
                              model_diag_fn diag, void *ctx, char *err)
{
	FILE *f = NULL;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	tsm_status rc = TSM_ERR;

	f = fopen(path, "rb");
	if (f == NULL) {
		tsm_seterr(err, "%s: %s", path, strerror(errno));
		goto out;
	}
	for (;;) {
		size_t got;

		if (len == cap) {
			char *nb;

			if (cap >= REC_MAX_TEXT) {
				tsm_seterr(err, "%s: file too large for a records file", path);
				goto out;
			}
			cap = cap ? cap * 2 : 65536;
			nb = realloc(buf, cap);
			if (nb == NULL) {
				tsm_seterr(err, "%s: out of memory", path);
				rc = TSM_NOMEM;
				goto out;
			}
			buf = nb;
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		tsm_seterr(err, "%s: read error", path);
		goto out;
	}
	model_records_parse(buf != NULL ? buf : "", len, cfg, diag, ctx);
	rc = TSM_OK;
out:
	if (f != NULL)
		fclose(f);
	free(buf);
	return rc;
}
