/*
 * User text in messages (input.h): escaped byte by byte, and cut. A value
 * read from a file may be a line of a file that was never meant to be
 * shown, or hold a terminal's escape sequence; a message shows only a
 * short, inert excerpt of it.
 */
#include "portsim/input.h"

#include <string.h>

static bool printable(unsigned char c)
{
	return c >= 0x20 && c < 0x7f;
}

char *ps_excerpt(char *buf, size_t size, const char *s, size_t len, size_t max)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0, shown = len < max ? len : max;
	if (!size)
		return buf;
	/* Each piece goes in whole or not at all, so a cut never splits an escape. */
	for (size_t i = 0; i < shown; i++) {
		unsigned char c = (unsigned char)s[i];
		size_t w = printable(c) ? 1 : 4;
		if (o + w + 1 > size)
			break;
		if (w == 1) {
			buf[o++] = (char)c;
		} else {
			buf[o++] = '\\';
			buf[o++] = 'x';
			buf[o++] = hex[c >> 4];
			buf[o++] = hex[c & 15];
		}
	}
	if (len > shown && o + 4 <= size) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}

char *ps_excerpt_text(char *buf, size_t size, const char *s)
{
	return ps_excerpt(buf, size, s, strlen(s), PS_EXCERPT_CHARS);
}

char *ps_excerpt_name(char *buf, size_t size, const char *s)
{
	return ps_excerpt(buf, size, s, strlen(s), PS_EXCERPT_NAME_CHARS);
}

bool ps_excerpt_needs_escape(const char *s)
{
	for (; *s; s++)
		if (!printable((unsigned char)*s))
			return true;
	return false;
}
