/* emit.c -- small printers for generated C text (net.c and net.h).
 *
 * Names in a model are arbitrary bytes; these make them safe inside C
 * string literals and comments.  Weights are printed as exact hexadecimal
 * constants (integers up to 2^24 in decimal, also exact), so the C backend
 * computes with the very same weights the model holds; scalar arguments as
 * the shortest decimal that converts back to the same float (0.5f, not
 * 0x1p-1f), which is just as exact for a correctly rounding compiler.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"

void
emit_cstring(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', out);
	for (; *p; p++) {
		if (*p == '"' || *p == '\\' || *p == '?')
			fprintf(out, "\\%c", *p); /* '?': no trigraphs */
		else if (*p < 0x20 || *p >= 0x7f)
			fprintf(out, "\\%03o", *p);
		else
			fputc(*p, out);
	}
	fputc('"', out);
}

void
emit_comment_text(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	for (; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			fputc(' ', out);
		else if ((*p == '*' && p[1] == '/') ||
		         (*p == '/' && p[1] == '*'))
			fprintf(out, "%c ", *p);
		else
			fputc(*p, out);
	}
}

/* The shortest "%.Ng" that strtof reads back as f, as a float literal. */
static void
shortest_decimal(char *buf, size_t n, float f)
{
	for (int digits = 1; digits <= 9; digits++) {
		snprintf(buf, n, "%.*g", digits, (double)f);
		if (strtof(buf, NULL) == f)
			break;
	}
	if (!strpbrk(buf, ".e"))
		strncat(buf, ".0", n - strlen(buf) - 1);
	strncat(buf, "f", n - strlen(buf) - 1);
}

char *
emit_float_text(char *buf, size_t n, float f, bool shortest)
{
	if (isnan(f))
		snprintf(buf, n, "NAN");
	else if (isinf(f))
		snprintf(buf, n, "%s", f < 0 ? "-INFINITY" : "INFINITY");
	else if (shortest)
		shortest_decimal(buf, n, f);
	else if (f == truncf(f) && fabsf(f) <= 16777216.0f) /* 0.0f, 6.0f */
		snprintf(buf, n, "%.1ff", (double)f);
	else
		snprintf(buf, n, "%af", (double)f);
	return buf;
}

void
emit_float(FILE *out, float f, bool shortest)
{
	char buf[32];

	fputs(emit_float_text(buf, sizeof buf, f, shortest), out);
}
