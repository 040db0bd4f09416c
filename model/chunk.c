/* chunk.c — static facts of the ATS freelist allocator: version families,
 * effective chunk sizes (spec §3.2, §3.6), per-thread-cached allocators and
 * their slack (§3.5), and the chunk-identity check on one dump (§2.8).
 *
 * Pure functions over names and numbers; no I/O.  Series work is in
 * backward.c, the records file reader in records.c.
 */
#include <string.h>

#include "model.h"

const char *model_version_name(model_version v)
{
	switch (v) {
	case MODEL_V_5_3: return "5.3";
	case MODEL_V_6_0: return "6.0";
	case MODEL_V_6_1: return "6.1";
	case MODEL_V_7: return "6.2-8.x";
	case MODEL_V_9_0: return "9.0-9.1";
	case MODEL_V_9_2: return "9.2";
	case MODEL_V_10: return "10.x";
	case MODEL_V_UNKNOWN: break;
	}
	return "unknown";
}

model_version model_version_from_format(const char *format)
{
	if (format == NULL)
		return MODEL_V_UNKNOWN;
	if (strcmp(format, "F1") == 0)
		return MODEL_V_6_0;
	if (strcmp(format, "F2") == 0)
		return MODEL_V_6_1;
	if (strcmp(format, "F3") == 0)
		return MODEL_V_7;
	if (strcmp(format, "F4") == 0)
		return MODEL_V_10;
	return MODEL_V_UNKNOWN;
}

static const char *strip_memory(const char *name)
{
	if (name != NULL && strncmp(name, "memory/", 7) == 0)
		return name + 7;
	return name != NULL ? name : "";
}

static int name_in(const char *name, const char *const *list)
{
	size_t i;

	for (i = 0; list[i] != NULL; i++)
		if (strcmp(name, list[i]) == 0)
			return 1;
	return 0;
}

model_version model_version_refine(model_version v, const char *const *names, size_t n)
{
	static const char *const legacy71[] = {"clusterVCAllocator", "ICPRequestCont_allocator",
		"PrefetchBlasterAllocator", "prefetchUrlEntryAllocator", "CongestionDBContAllocator",
		"CacheLookupHttpConfigAllocator", NULL};
	int has_prewarm = 0, has_http3 = 0, has_legacy = 0, has_update = 0, has_53 = 0, has_h1 = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		const char *s = strip_memory(names[i]);

		if (strcmp(s, "preWarmSMAllocator") == 0)
			has_prewarm = 1;
		else if (strncmp(s, "http3", 5) == 0 || strncmp(s, "quic", 4) == 0)
			has_http3 = 1;
		else if (strcmp(s, "httpUpdateSMAllocator") == 0)
			has_update = 1;
		else if (strcmp(s, "httpClientSessionAllocator") == 0 || strcmp(s, "ObjectReloadCont") == 0)
			has_53 = 1;
		else if (strcmp(s, "http1ClientSessionAllocator") == 0)
			has_h1 = 1;
		else if (name_in(s, legacy71))
			has_legacy = 1;
	}
	switch (v) {
	case MODEL_V_6_0:
	case MODEL_V_5_3:
		if (has_53)
			return MODEL_V_5_3;
		if (has_h1)
			return MODEL_V_6_0;
		return v;
	case MODEL_V_7:
	case MODEL_V_9_0:
	case MODEL_V_9_2:
		if (has_prewarm)
			return MODEL_V_9_2;
		if (has_legacy)
			return MODEL_V_7;
		if (has_http3 && has_update)
			return MODEL_V_9_0;
		if (has_http3)
			return v == MODEL_V_7 ? MODEL_V_9_0 : v;
		return v;
	default:
		return v;
	}
}

void model_config_init(model_config *cfg, model_version v)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->version = v;
	cfg->page_size = 4096;
	cfg->hugepage_size = 2u * 1024u * 1024u;
	cfg->thread_freelist_size = 512;
	cfg->thread_freelist_low = 32;
	cfg->exec_autoconfig = 1;
	cfg->exec_scale = (v >= MODEL_V_9_0) ? 1.0 : 1.5;
	cfg->exec_limit = 2;
	cfg->accept_threads = 1;
	cfg->task_threads = 2;
	cfg->ram_cache_size = -1;
}

const char *model_chunk_source_name(model_chunk_source s)
{
	switch (s) {
	case MODEL_CHUNK_DUMP: return "dump";
	case MODEL_CHUNK_CONFIG: return "config";
	case MODEL_CHUNK_HUGEPAGE: return "hugepage";
	case MODEL_CHUNK_TABLE: return "table";
	case MODEL_CHUNK_INFERRED: return "inferred";
	case MODEL_CHUNK_UNKNOWN: break;
	}
	return "unknown";
}

uint32_t model_chunk_requested(const char *name, int bucket)
{
	const char *s = strip_memory(name);

	if (bucket >= 0)
		return bucket <= 5 ? 128 : 32;
	if (strcmp(s, "eventAllocator") == 0)
		return 256;
	if (strcmp(s, "dnsBufAllocator") == 0)
		return 2;
	return 128;
}

/* INK_ALIGN(items × size, unit) / size: chunk bytes rounded up to the unit. */
static uint32_t round_chunk(uint32_t items, uint32_t type_size, uint32_t unit)
{
	uint64_t bytes = (uint64_t)items * type_size;

	if (unit > 0)
		bytes = (bytes + unit - 1) / unit * unit;
	return (uint32_t)(bytes / type_size);
}

uint32_t model_chunk_default(const char *name, int bucket, uint32_t type_size,
                             const model_config *cfg, model_chunk_source *src)
{
	model_config def;
	const char *s = strip_memory(name);
	uint32_t req;
	int hp = 0, from_cfg = 0;
	model_version v;

	if (cfg == NULL) {
		model_config_init(&def, MODEL_V_UNKNOWN);
		cfg = &def;
	}
	v = cfg->version;
	if (src != NULL)
		*src = MODEL_CHUNK_TABLE;
	if (type_size == 0)
		return 0;
	req = model_chunk_requested(s, bucket);
	if (bucket >= 0 && bucket < MODEL_IOBUF_BUCKETS && cfg->iobuf_chunk[bucket] > 0 &&
	    (v == MODEL_V_10 || v == MODEL_V_UNKNOWN)) {
		req = cfg->iobuf_chunk[bucket];
		from_cfg = 1;
	}
	if (bucket >= 0) {
		/* 10.x names hugepage buckets ioBufAllocatorHP[i]; 6.1-9.x round
		 * every bucket when hugepages are on. */
		hp = strncmp(s, "ioBufAllocatorHP[", 17) == 0 ||
		     (v != MODEL_V_10 && v != MODEL_V_5_3 && cfg->hugepages);
	}
	if (src != NULL)
		*src = from_cfg ? MODEL_CHUNK_CONFIG : hp ? MODEL_CHUNK_HUGEPAGE : MODEL_CHUNK_TABLE;
	if (hp)
		return round_chunk(req, type_size, cfg->hugepage_size);
	if (v == MODEL_V_5_3 || v == MODEL_V_6_0)
		return req;
	return round_chunk(req, type_size, cfg->page_size);
}

static uint64_t gcd64(uint64_t a, uint64_t b)
{
	while (b != 0) {
		uint64_t r = a % b;

		a = b;
		b = r;
	}
	return a;
}

uint32_t model_chunk_infer(const uint64_t *alloc_items, size_t n)
{
	uint64_t g = 0;
	size_t i;

	if (alloc_items == NULL)
		return 0;
	for (i = 0; i < n; i++)
		if (alloc_items[i] != 0)
			g = gcd64(alloc_items[i], g);
	return g > UINT32_MAX ? UINT32_MAX : (uint32_t)g;
}

uint32_t model_chunk_pick(const char *name, int bucket, uint32_t type_size,
                          uint32_t dump_chunk, const uint64_t *alloc_items, size_t n,
                          const model_config *cfg, model_chunk_source *src)
{
	uint32_t c, g;
	size_t i;

	if (dump_chunk > 0) {
		if (src != NULL)
			*src = MODEL_CHUNK_DUMP;
		return dump_chunk;
	}
	c = model_chunk_default(name, bucket, type_size, cfg, src);
	if (alloc_items == NULL || c == 0)
		return c;
	for (i = 0; i < n; i++)
		if (alloc_items[i] % c != 0)
			break;
	if (i == n)
		return c;
	g = model_chunk_infer(alloc_items, n);
	if (g == 0)
		return c;
	if (src != NULL)
		*src = MODEL_CHUNK_INFERRED;
	return g;
}

int model_is_ram_cache_entry(const char *name)
{
	static const char *const names[] = {"RamCacheLRUEntry", "RamCacheCLFUSEntry",
		"RamCacheS3FIFOEntry", NULL};

	return name != NULL && name_in(strip_memory(name), names);
}

int model_is_thread_cached(const char *name, model_version v)
{
	static const char *const base[] = {"eventAllocator", "netVCAllocator", "sslNetVCAllocator",
		"httpServerSessionAllocator", "hdrHeap", "hdrStrHeap", "cacheVConnection", "openDirEntry",
		"RamCacheCLFUSEntry", "RamCacheLRUEntry", "evacuationBlock", "ioDataAllocator",
		"ioAllocator", "ioBlockAllocator", NULL};
	static const char *const since60[] = {"http1ClientSessionAllocator",
		"http2ClientSessionAllocator", "http2StreamAllocator", NULL};
	static const char *const since92[] = {"httpSMAllocator", "preWarmSMAllocator",
		"quicNetVCAllocator", "apiHookAllocator", "INKContAllocator", "INKVConnAllocator",
		"MIMEFieldSDKHandle", NULL};
	static const char *const since10[] = {"http2ServerSessionAllocator", "cacheEvacuateDocVC",
		"cripts::Context", NULL};
	const char *s = strip_memory(name);

	if (strncmp(s, "ioBufAllocator", 14) == 0)
		return 0;
	if (name_in(s, base))
		return 1;
	if (strcmp(s, "httpClientSessionAllocator") == 0)
		return 1; /* 5.3.x name of the client session */
	if (name_in(s, since60))
		return v != MODEL_V_5_3;
	if (name_in(s, since92))
		return v == MODEL_V_9_2 || v == MODEL_V_10;
	if (name_in(s, since10))
		return v == MODEL_V_10;
	return 0;
}

int model_thread_count(const model_config *cfg)
{
	int ncpu, net;

	if (cfg == NULL)
		return 8 + 2 + 1 + 4;
	if (cfg->threads > 0)
		return cfg->threads;
	ncpu = cfg->ncpu > 0 ? cfg->ncpu : 8;
	if (cfg->exec_autoconfig) {
		net = (int)(ncpu * (cfg->exec_scale > 0 ? cfg->exec_scale : 1.0) + 0.5);
		if (net < 1)
			net = 1;
	} else {
		net = cfg->exec_limit > 0 ? cfg->exec_limit : 1;
	}
	return net + (cfg->task_threads > 0 ? cfg->task_threads : 0) +
	       (cfg->accept_threads > 0 ? cfg->accept_threads : 0) + 4;
}

uint64_t model_thread_slack_items(const model_config *cfg, int *unbounded)
{
	model_config def;
	int64_t h;
	uint64_t threads;

	if (cfg == NULL) {
		model_config_init(&def, MODEL_V_UNKNOWN);
		cfg = &def;
	}
	if (unbounded != NULL)
		*unbounded = 0;
	threads = (uint64_t)model_thread_count(cfg);
	h = cfg->thread_freelist_size;
	if (h <= 0) {
		if (cfg->version == MODEL_V_9_2 || cfg->version == MODEL_V_10) {
			if (unbounded != NULL)
				*unbounded = 1;
			return 0;
		}
		h = cfg->thread_freelist_low > 0 ? cfg->thread_freelist_low : 0;
	}
	return threads * (uint64_t)h;
}

const char *model_mode_name(model_mode m)
{
	switch (m) {
	case MODEL_MODE_FREELIST: return "freelist";
	case MODEL_MODE_MALLOC: return "malloc";
	case MODEL_MODE_RECLAIMABLE: return "reclaimable";
	case MODEL_MODE_EMPTY: return "empty";
	}
	return "freelist";
}

void model_identity_check(const model_row *rows, size_t n, const model_config *cfg,
                          model_identity *out)
{
	model_config hpcfg, def;

	memset(&def, 0, sizeof def);
	int present[MODEL_IOBUF_BUCKETS] = {0};
	int any_alloc = 0, any_use = 0, lo = -1, hi = -1, b;
	size_t i;

	memset(out, 0, sizeof *out);
	out->first_bad_bucket = -1;
	if (cfg == NULL) {
		model_config_init(&def, MODEL_V_UNKNOWN);
		cfg = &def;
	}
	hpcfg = *cfg;
	hpcfg.hugepages = 1;
	if (hpcfg.version == MODEL_V_5_3 || hpcfg.version == MODEL_V_10)
		hpcfg.version = MODEL_V_7;
	for (i = 0; i < n; i++) {
		const model_row *r = &rows[i];
		uint64_t items;
		uint32_t c, chp;
		int ok;

		if (r->allocated > 0)
			any_alloc = 1;
		if (r->in_use > 0)
			any_use = 1;
		if (r->type_size == 0)
			continue;
		if (r->allocated % r->type_size != 0 || r->in_use % r->type_size != 0)
			out->rows_not_integral++;
		items = r->allocated / r->type_size;
		c = r->chunk_items > 0 ? r->chunk_items
		                       : model_chunk_default(r->name, r->bucket, r->type_size, cfg, NULL);
		chp = r->chunk_items > 0 ? c
		                         : model_chunk_default(r->name, r->bucket, r->type_size, &hpcfg, NULL);
		ok = (c > 0 && items % c == 0) || (chp > 0 && items % chp == 0);
		if (!ok)
			out->rows_not_multiple++;
		if (c > 0 && r->in_use > r->allocated + (uint64_t)c * r->type_size)
			out->rows_over++;
		if (r->bucket >= 0 && r->bucket < MODEL_IOBUF_BUCKETS) {
			present[r->bucket] = 1;
			out->iobuf_rows++;
			if (r->allocated > 0) {
				out->iobuf_checked++;
				if (ok)
					out->iobuf_ok++;
				else if (out->first_bad_bucket < 0)
					out->first_bad_bucket = r->bucket;
			}
		}
	}
	for (b = 0; b < MODEL_IOBUF_BUCKETS; b++) {
		if (!present[b])
			continue;
		if (lo < 0)
			lo = b;
		hi = b;
	}
	for (b = lo; lo >= 0 && b <= hi; b++)
		if (!present[b])
			out->missing_iobuf = 1;
	if (!any_alloc)
		out->mode = any_use ? MODEL_MODE_MALLOC : MODEL_MODE_EMPTY;
	else if (out->first_bad_bucket >= 0 || out->missing_iobuf)
		out->mode = MODEL_MODE_RECLAIMABLE;
	else
		out->mode = MODEL_MODE_FREELIST;
}
