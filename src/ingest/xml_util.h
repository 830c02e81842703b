/*
 * xml_util.h - helpers shared by the expat-based importers (import_atom.c,
 * import_oai.c). Both create their parsers with XML_ParserCreateNS(NULL,
 * PB_XML_NS_SEP), so element names arrive as "namespace\x01local".
 */
#ifndef PB_INGEST_XML_UTIL_H
#define PB_INGEST_XML_UTIL_H

#include <expat.h>
#include <stddef.h>

#define PB_XML_NS_SEP '\x01' /* cannot occur in XML 1.0 text */
#define PB_XML_CAT_MAX 48    /* longest arXiv category is ~20 bytes */

/* The local part of an expanded name (borrowed from name). */
const char *pb_xml_local_name(const XML_Char *name);
/* The value of the attribute with this local name, or NULL (borrowed). */
const char *pb_xml_attr(const XML_Char **attr, const char *local);
/* XML white space: space, tab, CR, LF. */
int pb_xml_is_space(char c);
/* Trim s[0..n) in place, and with collapse also squeeze each run of white
 * space to one space; returns the new length (s stays NUL-terminated). */
size_t pb_xml_tidy(char *s, size_t n, int collapse);
/* An arXiv category ("cs.CL", "hep-th", "cond-mat.str-el"), not an ACM or
 * MSC class ("I.2.7", "68T05"). */
int pb_xml_is_arxiv_category(const char *s);
/* Have xp parse every buffer it is given. expat 2.6.0, and Debian 12's
 * libexpat1 since its fix for CVE-2023-52425 (2.5.0-1+deb12u2 and later),
 * defer re-parsing an unfinished token until the buffer has grown; the
 * importers' token cap (TOKEN_MAX) reads XML_GetCurrentByteIndex after each
 * buffer and needs it parsed. A no-op on an expat without the switch. */
void pb_xml_no_reparse_deferral(XML_Parser xp);

#endif
