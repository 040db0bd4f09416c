/* classify.c — recognise the rare lines of traffic.out: table headers and
 * rules (by their fields), diags lines, sbrk lines, jemalloc banners and
 * start/stop markers (PCRE2 with JIT, match and depth limits set).
 *
 * Table rows are not handled here: parser.c splits them by hand because
 * they are the hot path.  No I/O.
 */
#include <ctype.h>
#include <string.h>

#include "parser_int.h"

/* Timestamp + thread/prefix + level, both shapes of spec §2.4. */
static const char RE_DIAGS[] =
	"^\\s*\\[(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) ([ 0-9][0-9]) "
	"([0-9]{2}):([0-9]{2}):([0-9]{2})\\.([0-9]{3})\\] "
	"(?:(?:Server|Manager) \\{0x[0-9a-fA-F]{1,16}\\}|\\[[^\\]]{1,64}\\]|[A-Za-z_][A-Za-z0-9_.-]{0,63}) "
	"(?:DIAG|DEBUG|STATUS|NOTE|WARNING|ERROR|FATAL|ALERT|EMERGENCY): ";
/* The three shapes of spec §1.4 (the Note shape is a diags line). */
static const char RE_SBRK[] =
	"^\\s*sbrk 0x[0-9]{1,20}x? from first [0-9]{1,20} from last [0-9]{1,20}\\s*$";
static const char RE_MARKER[] =
	"^\\s*(?:(traffic_server: using root directory )|(traffic_server: received signal [0-9]{1,3})"
	"|(\\S{1,256} - STACK TRACE:)|(\\[E\\. Mgmt\\] log ==> )"
	"|(\\[TrafficManager\\] ==> Cleaning up and reissuing signal #[0-9]{1,3}))";

static pcre2_code *compile(const char *pat, char *err)
{
	int ec;
	PCRE2_SIZE off;
	pcre2_code *re;

	re = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED, 0, &ec, &off, NULL);
	if (re == NULL) {
		PCRE2_UCHAR buf[256];
		pcre2_get_error_message(ec, buf, sizeof buf);
		tsm_seterr(err, "internal regex error at %zu: %s", (size_t)off, (char *)buf);
		return NULL;
	}
	/* JIT is an optimisation: without it matching still works. */
	(void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
	return re;
}

int pclassify_init(pclassify *c, char *err)
{
	memset(c, 0, sizeof *c);
	c->re_diags = compile(RE_DIAGS, err);
	c->re_sbrk = compile(RE_SBRK, err);
	c->re_marker = compile(RE_MARKER, err);
	if (c->re_diags == NULL || c->re_sbrk == NULL || c->re_marker == NULL)
		goto fail;
	c->md = pcre2_match_data_create(16, NULL);
	c->mctx = pcre2_match_context_create(NULL);
	if (c->md == NULL || c->mctx == NULL) {
		tsm_seterr(err, "out of memory");
		goto fail;
	}
	/* Our patterns are linear; these limits bound any surprise. */
	pcre2_set_match_limit(c->mctx, 10000);
	pcre2_set_depth_limit(c->mctx, 200);
	return 0;
fail:
	pclassify_free(c);
	return -1;
}

void pclassify_free(pclassify *c)
{
	if (c == NULL)
		return;
	pcre2_code_free(c->re_diags);
	pcre2_code_free(c->re_sbrk);
	pcre2_code_free(c->re_marker);
	pcre2_match_data_free(c->md);
	pcre2_match_context_free(c->mctx);
	memset(c, 0, sizeof *c);
}

static int match(pclassify *c, pcre2_code *re, const char *s, size_t len)
{
	int rc = pcre2_match(re, (PCRE2_SPTR)s, len, 0, 0, c->md, c->mctx);
	return rc;
}

static int num2(const char *s)
{
	int a = (s[0] == ' ') ? 0 : s[0] - '0';
	return a * 10 + (s[1] - '0');
}

static int ieq(const char *a, size_t alen, const char *b)
{
	size_t i, blen = strlen(b);

	if (alen != blen)
		return 0;
	for (i = 0; i < alen; i++)
		if (tolower((unsigned char)a[i]) != b[i])
			return 0;
	return 1;
}

static int fields_are(const prow_fields *pf, const char *const *names, int n)
{
	int i;

	if (pf->n != n)
		return 0;
	for (i = 0; i < n; i++)
		if (!ieq(pf->f[i], pf->len[i], names[i]))
			return 0;
	return 1;
}

static const char *const HDR_OLD[] = {"allocated", "in-use", "type size", "free list name"};
static const char *const HDR_F4[] = {"allocated", "allocated count", "in-use", "in-use count",
                                     "type size", "chunk size", "hp fails", "free list name"};
static const char *const HDR_BASE[] = {"allocated", "in-use", "count", "type size", "free list name"};
static const char *const HDR_BASE2[] = {"relative to base", "relative to base", "", "", ""};
static const char *const HDR_R1[] = {"location", "size in-use"};
static const char *const HDR_R3[] = {"allocs", "frees", "size in-use", "avg size", "location"};
static const char *const HDR_SSL[] = {"total allocated", "total freed", "currently allocated", "type"};

static pline_kind classify_piped(const char *s, size_t len)
{
	prow_fields pf;
	size_t i;
	int only_rule = 1;

	for (i = 0; i < len; i++) {
		char ch = s[i];
		if (ch != '-' && ch != '|' && ch != '+' && ch != ' ' && ch != '\t') {
			only_rule = 0;
			break;
		}
	}
	if (only_rule)
		return PL_RULE;
	if (prow_split(s, len, &pf) == 0)
		return PL_OTHER;
	if (fields_are(&pf, HDR_OLD, 4)) {
		const char *p = pf.f[0];
		return (*p == 'A') ? PL_HDR_UPPER : PL_HDR_LOWER;
	}
	if (fields_are(&pf, HDR_F4, 8))
		return PL_HDR_F4;
	if (fields_are(&pf, HDR_BASE, 5))
		return PL_HDR_BASELINE;
	if (fields_are(&pf, HDR_BASE2, 5))
		return PL_HDR_BASELINE2;
	if (fields_are(&pf, HDR_R1, 2))
		return PL_R1_HDR;
	if (fields_are(&pf, HDR_R3, 5))
		return PL_R3_HDR;
	if (fields_are(&pf, HDR_SSL, 4))
		return PL_SSL_HDR;
	return PL_OTHER;
}

pline_kind pclassify_line(pclassify *c, const char *s, size_t len,
                          parser_anchor *a, parser_marker_kind *mk, int *also_sbrk)
{
	size_t i = 0, n;
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";

	*also_sbrk = 0;
	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i == len)
		return PL_BLANK;
	n = len - i;
	if (s[i] == '-') {
		size_t j = i;
		while (j < len && s[j] == '-')
			j++;
		if (j == len) {
			if (n == 89)
				return PL_TRAILER89;
			if (n == 130)
				return PL_TRAILER130;
			return PL_RULE;
		}
		if (n >= 31 && memcmp(s + i, "--- End jemalloc statistics ---", 31) == 0)
			return PL_JEMALLOC_END;
		while (j < len && (s[j] == '-' || s[j] == '+'))
			j++;
		if (j == len)
			return PL_RULE; /* R1 rule: dashes and one '+' */
	}
	if (n >= 33 && memcmp(s + i, "___ Begin jemalloc statistics ___", 33) == 0)
		return PL_JEMALLOC_BEGIN;
	if (n >= 12 && memcmp(s + i, "{\"jemalloc\":", 12) == 0)
		return PL_JEMALLOC_JSON;
	if (memchr(s + i, '|', n) != NULL)
		return classify_piped(s + i, n);
	if (s[i] == '[' && match(c, c->re_diags, s, len) > 0) {
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(c->md);
		const char *m = s + ov[2];
		const char *pm = strstr(months, (char[]){m[0], m[1], m[2], 0});
		a->month = pm ? (int)((pm - months) / 3) + 1 : 1;
		a->day = num2(s + ov[4]);
		a->hour = num2(s + ov[6]);
		a->minute = num2(s + ov[8]);
		a->second = num2(s + ov[10]);
		a->msec = (s[ov[12]] - '0') * 100 + (s[ov[12] + 1] - '0') * 10 + (s[ov[12] + 2] - '0');
		/* 8.x-9.x route the SIGUSR1 sbrk line through Note(). */
		{
			size_t rest = len - ov[1];
			const char *r = s + ov[1];
			if (rest >= 7 && memcmp(r, "sbrk 0x", 7) == 0)
				*also_sbrk = 1;
		}
		return PL_DIAGS;
	}
	if (s[i] == 's' && match(c, c->re_sbrk, s, len) > 0)
		return PL_SBRK;
	if (match(c, c->re_marker, s, len) > 0) {
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(c->md);
		int g;
		for (g = 1; g <= 5; g++)
			if (ov[2 * g] != PCRE2_UNSET)
				break;
		*mk = (parser_marker_kind)(g - 1);
		return PL_MARKER;
	}
	return PL_OTHER;
}
