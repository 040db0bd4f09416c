/* tsm.c — shared helpers: severity names, the error-buffer setter. */
#include <stdarg.h>
#include <stdio.h>

#include "tsm.h"

const char *tsm_severity_name(tsm_severity s)
{
	switch (s) {
	case TSM_SEV_NOTE: return "note";
	case TSM_SEV_WARNING: return "warning";
	case TSM_SEV_ERROR: return "error";
	}
	return "error";
}

void tsm_seterr(char *err, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(err, TSM_ERRLEN, fmt, ap);
	va_end(ap);
}
