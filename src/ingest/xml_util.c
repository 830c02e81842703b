/* xml_util.c - small helpers the XML importers share (expat names with a
 * namespace separator, attributes, white space, arXiv categories). */
#include "ingest/xml_util.h"

#include <string.h>

const char *pb_xml_local_name(const XML_Char *name)
{
    const char *s = strrchr(name, PB_XML_NS_SEP);
    return s ? s + 1 : name;
}

const char *pb_xml_attr(const XML_Char **attr, const char *local)
{
    for (size_t i = 0; attr[i] && attr[i + 1]; i += 2)
        if (strcmp(pb_xml_local_name(attr[i]), local) == 0)
            return attr[i + 1];
    return NULL;
}

int pb_xml_is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

size_t pb_xml_tidy(char *s, size_t n, int collapse)
{
    size_t i = 0, w = 0;
    while (i < n && pb_xml_is_space(s[i]))
        i++;
    while (n > i && pb_xml_is_space(s[n - 1]))
        n--;
    for (; i < n; i++) {
        if (collapse && pb_xml_is_space(s[i])) {
            while (pb_xml_is_space(s[i + 1]))
                i++;
            s[w++] = ' ';
        } else {
            s[w++] = s[i];
        }
    }
    s[w] = '\0';
    return w;
}

int pb_xml_is_arxiv_category(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= PB_XML_CAT_MAX || s[0] < 'a' || s[0] > 'z')
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' ||
              c == '.'))
            return 0;
    }
    return 1;
}

/* Weak: NULL when the expat this runs with has no such function (older
 * than the fix for CVE-2023-52425), whichever header it was built with. */
XML_Bool XML_SetReparseDeferralEnabled(XML_Parser parser, XML_Bool enabled)
    __attribute__((weak));

void pb_xml_no_reparse_deferral(XML_Parser xp)
{
    if (XML_SetReparseDeferralEnabled)
        XML_SetReparseDeferralEnabled(xp, XML_FALSE);
}
