/*
 * What most real programs set up first: a UTF-8 locale (locale files mapped
 * from /usr/lib/locale) and an iconv converter (the gconv module cache mapped
 * shared). After the restart the locale must still be in force and the
 * converter opened before the checkpoint must still convert.
 */
#include "scenario.h"
#include <iconv.h>
#include <langinfo.h>
#include <locale.h>
#include <wchar.h>

static size_t to_utf16(iconv_t cd, const char *in, char *out, size_t outsize)
{
	char *ip = (char *)in, *op = out;
	size_t il = strlen(in), ol = outsize;
	CHECK(iconv(cd, &ip, &il, &op, &ol) != (size_t)-1, "iconv: %s", strerror(errno));
	return outsize - ol;
}

int main(int argc, char **argv)
{
	scen_init(argc, argv);
	CHECK(setlocale(LC_ALL, "C.UTF-8") != NULL, "setlocale C.UTF-8");
	iconv_t cd = iconv_open("UTF-16LE", "UTF-8");
	CHECK(cd != (iconv_t)-1, "iconv_open: %s", strerror(errno));
	const char *text = "caf\xc3\xa9 \xe2\x82\xac";  /* "café €" */
	char before[64], after[64];
	size_t nb = to_utf16(cd, text, before, sizeof before);
	CHECK(nb == 12, "UTF-16 of the text is %zu bytes, want 12", nb);

	scen_ready();
	scen_wait_go();

	EXPECT(!strcmp(nl_langinfo(CODESET), "UTF-8"), "codeset %s, want UTF-8", nl_langinfo(CODESET));
	EXPECT(!strcmp(setlocale(LC_CTYPE, NULL), "C.UTF-8"), "LC_CTYPE is %s", setlocale(LC_CTYPE, NULL));
	wchar_t w[16];
	size_t nw = mbstowcs(w, text, 16);
	EXPECT(nw == 6 && w[3] == 0xe9 && w[5] == 0x20ac, "mbstowcs gave %zu characters", nw);
	size_t na = to_utf16(cd, text, after, sizeof after);
	EXPECT(na == nb && !memcmp(before, after, nb), "iconv output differs after the restart");
	EXPECT(iconv_close(cd) == 0, "iconv_close");
	scen_finish();
}
