/* utf8.c — UTF-8 decoding and the verdict order shared by the renderers
 * that escape input strings (html.c, openmetrics.c).  Allocator and host
 * names come from the log verbatim: any bytes, so decoding never trusts
 * them and maps every malformed byte to U+FFFD.
 */
#include "report_int.h"

size_t report_utf8_next(const char *s, uint32_t *cp)
{
	const unsigned char *u = (const unsigned char *)s;
	uint32_t c = u[0], min;
	size_t n, i;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		n = 2;
		c &= 0x1F;
		min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3;
		c &= 0x0F;
		min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4;
		c &= 0x07;
		min = 0x10000;
	} else {
		*cp = REPORT_UTF8_BAD;
		return 1;
	}
	for (i = 1; i < n; i++) {
		if ((u[i] & 0xC0) != 0x80) {   /* also stops at the NUL */
			*cp = REPORT_UTF8_BAD;
			return 1;
		}
		c = (c << 6) | (u[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
		*cp = REPORT_UTF8_BAD;
		return 1;
	}
	*cp = c;
	return n;
}

int report_verdict_rank(detect_verdict v)
{
	switch (v) {
	case DETECT_V_LEAK:
		return 0;
	case DETECT_V_CHURN:
		return 1;
	case DETECT_V_WARMING:
		return 2;
	case DETECT_V_MALLOC:
		return 3;
	case DETECT_V_INSUFFICIENT:
		return 4;
	case DETECT_V_PLATEAU:
		return 5;
	default:
		return 6;
	}
}
