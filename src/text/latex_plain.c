/* latex_plain.c - LaTeX to plain text (see latex_plain.h). */
#include "text/latex_plain.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "core/mem.h"
#include "core/utf8.h"

struct sym {
    const char *name;
    const char *display; /* UTF-8 */
    const char *index;   /* word for the index, or " " */
};

/* Greek letters become words in the index so that "alpha" finds \alpha. */
static const struct sym syms[] = {
    {"alpha", "α", "alpha"},     {"beta", "β", "beta"},
    {"gamma", "γ", "gamma"},     {"delta", "δ", "delta"},
    {"epsilon", "ε", "epsilon"}, {"varepsilon", "ε", "epsilon"},
    {"zeta", "ζ", "zeta"},       {"eta", "η", "eta"},
    {"theta", "θ", "theta"},     {"vartheta", "ϑ", "theta"},
    {"iota", "ι", "iota"},       {"kappa", "κ", "kappa"},
    {"lambda", "λ", "lambda"},   {"mu", "μ", "mu"},
    {"nu", "ν", "nu"},           {"xi", "ξ", "xi"},
    {"pi", "π", "pi"},           {"varpi", "ϖ", "pi"},
    {"rho", "ρ", "rho"},         {"varrho", "ϱ", "rho"},
    {"sigma", "σ", "sigma"},     {"varsigma", "ς", "sigma"},
    {"tau", "τ", "tau"},         {"upsilon", "υ", "upsilon"},
    {"phi", "φ", "phi"},         {"varphi", "φ", "phi"},
    {"chi", "χ", "chi"},         {"psi", "ψ", "psi"},
    {"omega", "ω", "omega"},     {"Gamma", "Γ", "gamma"},
    {"Delta", "Δ", "delta"},     {"Theta", "Θ", "theta"},
    {"Lambda", "Λ", "lambda"},   {"Xi", "Ξ", "xi"},
    {"Pi", "Π", "pi"},           {"Sigma", "Σ", "sigma"},
    {"Upsilon", "Υ", "upsilon"}, {"Phi", "Φ", "phi"},
    {"Psi", "Ψ", "psi"},         {"Omega", "Ω", "omega"},
    {"ell", "ℓ", "l"},           {"hbar", "ħ", "hbar"},
    {"leq", "≤", " "},           {"le", "≤", " "},
    {"geq", "≥", " "},           {"ge", "≥", " "},
    {"neq", "≠", " "},           {"ne", "≠", " "},
    {"times", "×", " "},         {"cdot", "·", " "},
    {"pm", "±", " "},            {"mp", "∓", " "},
    {"infty", "∞", " infinity "}, {"approx", "≈", " "},
    {"sim", "∼", " "},           {"simeq", "≃", " "},
    {"equiv", "≡", " "},         {"propto", "∝", " "},
    {"to", "→", " "},            {"rightarrow", "→", " "},
    {"leftarrow", "←", " "},     {"Rightarrow", "⇒", " "},
    {"leftrightarrow", "↔", " "}, {"mapsto", "↦", " "},
    {"in", "∈", " "},            {"notin", "∉", " "},
    {"subset", "⊂", " "},        {"subseteq", "⊆", " "},
    {"cup", "∪", " "},           {"cap", "∩", " "},
    {"partial", "∂", " "},       {"nabla", "∇", " "},
    {"sum", "∑", " "},           {"prod", "∏", " "},
    {"int", "∫", " "},           {"oint", "∮", " "},
    {"sqrt", "√", " "},          {"ldots", "…", " "},
    {"dots", "…", " "},          {"cdots", "⋯", " "},
    {"ll", "≪", " "},            {"gg", "≫", " "},
    {"forall", "∀", " "},        {"exists", "∃", " "},
    {"langle", "⟨", " "},        {"rangle", "⟩", " "},
    {"circ", "∘", " "},          {"star", "⋆", " "},
    {"ast", "∗", " "},           {"otimes", "⊗", " "},
    {"oplus", "⊕", " "},         {"emptyset", "∅", " "},
    {"AA", "Å", "a"},
    {"aa", "å", "a"},            {"ss", "ß", "ss"},
    {"o", "ø", "o"},             {"O", "Ø", "o"},
    {"ae", "æ", "ae"},           {"AE", "Æ", "ae"},
    {"oe", "œ", "oe"},           {"OE", "Œ", "oe"},
    {"l", "ł", "l"},             {"L", "Ł", "l"},
    {"i", "ı", "i"},             {"j", "ȷ", "j"},
    {"quad", " ", " "},          {"qquad", " ", " "},
    {"item", " ", " "},          {"newline", " ", " "},
    {"par", " ", " "},           {"noindent", "", ""},
    {"log", "log", "log"},
    {"ln", "ln", "ln"},
    {"exp", "exp", "exp"},
    {"sin", "sin", "sin"},
    {"cos", "cos", "cos"},
    {"tan", "tan", "tan"},
    {"max", "max", "max"},
    {"min", "min", "min"},
    {"lim", "lim", "lim"},
    {"sup", "sup", "sup"},
    {"inf", "inf", "inf"},
    {"det", "det", "det"},
    {"dim", "dim", "dim"},
    {"ker", "ker", "ker"},
    {"arg", "arg", "arg"},
    {"deg", "deg", "deg"},
    {"Pr", "Pr", "pr"},
    {"gcd", "gcd", "gcd"},
    {"mod", "mod", "mod"},
    {"sinh", "sinh", "sinh"},
    {"cosh", "cosh", "cosh"},
    {"tanh", "tanh", "tanh"},
    {"arcsin", "arcsin", "arcsin"},
    {"arccos", "arccos", "arccos"},
    {"arctan", "arctan", "arctan"},
    {"limsup", "limsup", "limsup"},
    {"liminf", "liminf", "liminf"},
    {"argmax", "argmax", "argmax"},
    {"argmin", "argmin", "argmin"},
    {"LaTeX", "LaTeX", "latex"}, {"TeX", "TeX", "tex"},
};

/* Commands whose first braced argument is not text (dropped with it). */
static const char *const drop_arg[] = {
    "cite",  "citep",   "citet", "ref",     "eqref",  "label",
    "begin", "end",     "bibitem", "pageref", "vspace", "hspace",
    "href",  "includegraphics", "footnotemark", NULL,
};

/* Accent commands and the combining mark each one puts on its letter. */
static unsigned accent_mark(const char *name, size_t n)
{
    if (n != 1)
        return 0;
    switch (name[0]) {
    case '"': return 0x308;
    case '\'': return 0x301;
    case '`': return 0x300;
    case '^': return 0x302;
    case '~': return 0x303;
    case '=': return 0x304;
    case '.': return 0x307;
    case 'u': return 0x306;
    case 'v': return 0x30C;
    case 'H': return 0x30B;
    case 'c': return 0x327;
    case 'k': return 0x328;
    case 'r': return 0x30A;
    case 'd': return 0x323;
    case 'b': return 0x331;
    default: return 0;
    }
}

static int is_alpha(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int put_cp(struct pb_buf *out, unsigned cp)
{
    char tmp[4];
    size_t n = pb_utf8_encode(cp, tmp);
    return n ? pb_buf_append(out, tmp, n) : PB_OK;
}

/* Index of the byte after the group starting at s[i] == '{' (or len). */
static size_t skip_group(const char *s, size_t len, size_t i)
{
    int depth = 0;
    for (; i < len; i++) {
        if (s[i] == '\\' && i + 1 < len) {
            i++;
            continue;
        }
        if (s[i] == '{')
            depth++;
        else if (s[i] == '}' && --depth == 0)
            return i + 1;
    }
    return len;
}

/* The letter an accent applies to: "{o}", "o", "{\i}", "\i", " o". Writes
 * the base letter (a code point) and returns the index after it. */
static size_t accent_base(const char *s, size_t len, size_t i, int letter_cmd,
                          unsigned *out_cp)
{
    *out_cp = 0;
    if (letter_cmd)
        while (i < len && s[i] == ' ')
            i++;
    int braced = i < len && s[i] == '{';
    if (braced)
        i++;
    if (i < len && s[i] == '\\' && i + 1 < len &&
        (s[i + 1] == 'i' || s[i + 1] == 'j') &&
        !(i + 2 < len && is_alpha((unsigned char)s[i + 2]))) {
        *out_cp = (unsigned char)s[i + 1];
        i += 2;
    } else if (i < len && (unsigned char)s[i] < 0x80 && s[i] != '}' &&
               s[i] != '\\') {
        *out_cp = (unsigned char)s[i];
        i++;
    }
    if (braced) {
        while (i < len && s[i] == ' ')
            i++;
        if (i < len && s[i] == '}')
            i++;
    }
    return i;
}

int pb_text_latex_convert(const char *s, size_t len, enum pb_latex_mode mode,
                          struct pb_buf *out)
{
    int rc = PB_OK;
    int disp = mode == PB_LATEX_DISPLAY;
    size_t i = 0;
    while (i < len && rc == PB_OK) {
        unsigned char c = (unsigned char)s[i];
        if (c == '{' || c == '}' || c == '$') {
            i++;
            continue;
        }
        if (c == '~') {
            rc = pb_buf_putc(out, ' ');
            i++;
            continue;
        }
        if (disp && c == '-' && i + 1 < len && s[i + 1] == '-') {
            int em = i + 2 < len && s[i + 2] == '-';
            rc = pb_buf_puts(out, em ? "—" : "–");
            i += em ? 3 : 2;
            continue;
        }
        if (c != '\\') {
            size_t j = i + 1;
            while (j < len && s[j] != '\\' && s[j] != '{' && s[j] != '}' &&
                   s[j] != '$' && s[j] != '~' && s[j] != '-')
                j++;
            rc = pb_buf_append(out, s + i, j - i);
            i = j;
            continue;
        }
        /* A command: \name (letters) or \c (one other character). */
        size_t ns = i + 1, ne = ns;
        if (ne >= len) {
            i = len;
            break;
        }
        int letter_cmd = is_alpha((unsigned char)s[ne]);
        if (letter_cmd)
            while (ne < len && is_alpha((unsigned char)s[ne]))
                ne++;
        else
            ne++;
        const char *name = s + ns;
        size_t n = ne - ns;
        i = ne;
        unsigned mark = accent_mark(name, n);
        /* \u, \v, \c, ... are accents only before a letter or group; "\d" as
         * a word ("\dim") never reaches here since names are maximal. */
        if (mark) {
            unsigned base;
            i = accent_base(s, len, i, letter_cmd, &base);
            if (base) {
                rc = put_cp(out, base);
                if (!rc)
                    rc = put_cp(out, mark);
            }
            continue;
        }
        if (!letter_cmd) {
            char e = name[0];
            if (strchr("%&_$#{}", e))
                rc = pb_buf_putc(out, e);
            else if (strchr(",;:! \\\n\t", e))
                rc = pb_buf_putc(out, ' ');
            else if (e == '(' || e == ')' || e == '[' || e == ']')
                rc = pb_buf_putc(out, ' ');
            else
                rc = pb_buf_putc(out, e);
            continue;
        }
        const struct sym *hit = NULL;
        for (size_t k = 0; k < sizeof syms / sizeof syms[0]; k++)
            if (strlen(syms[k].name) == n && memcmp(syms[k].name, name, n) == 0) {
                hit = &syms[k];
                break;
            }
        if (hit) {
            const char *rep = disp ? hit->display : hit->index;
            /* Keep words apart: "\alpha x" and "a\alpha" stay separate. */
            if (!disp && rep[0] != ' ')
                rc = pb_buf_putc(out, ' ');
            if (!rc)
                rc = pb_buf_puts(out, rep);
            if (!rc && !disp && rep[0] != ' ')
                rc = pb_buf_putc(out, ' ');
            continue;
        }
        int drop = 0;
        for (const char *const *d = drop_arg; *d; d++)
            if (strlen(*d) == n && memcmp(*d, name, n) == 0)
                drop = 1;
        if (drop) {
            size_t j = i;
            while (j < len && s[j] == ' ')
                j++;
            if (j < len && s[j] == '[') {
                const char *close = memchr(s + j, ']', len - j);
                j = close ? (size_t)(close - s) + 1 : len;
            }
            if (j < len && s[j] == '{') {
                i = skip_group(s, len, j);
                /* \href{url}{text}: the text is kept. */
            }
            continue;
        }
        /* Unknown command: dropped, its argument (if any) kept. */
        if (!disp)
            rc = pb_buf_putc(out, ' ');
    }
    return rc;
}

int pb_text_nfc_inert_cp(uint32_t cp)
{
    return cp < 0x300 ||                   /* ASCII, Latin, IPA, modifiers */
           (cp >= 0x391 && cp <= 0x3FF) || /* Greek letters and symbols */
           (cp >= 0x2010 && cp <= 0x2027) || /* dashes, quotes, bullets */
           (cp >= 0x2030 && cp <= 0x205E) || /* per mille, primes, ... */
           (cp >= 0x2190 && cp <= 0x22FF);   /* arrows, math operators */
}

int pb_text_nfc_inert(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        unsigned c = p[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        uint32_t cp;
        size_t n;
        if (c >= 0xC2 && c < 0xE0)
            n = 2, cp = c & 0x1F;
        else if (c >= 0xE0 && c < 0xF0)
            n = 3, cp = c & 0x0F;
        else
            return 0; /* 4-byte forms and bad bytes: the full path */
        if (i + n > len)
            return 0;
        for (size_t k = 1; k < n; k++) {
            if ((p[i + k] & 0xC0) != 0x80)
                return 0;
            cp = cp << 6 | (p[i + k] & 0x3F);
        }
        if (n == 3 && cp < 0x800)
            return 0; /* overlong */
        if (!pb_text_nfc_inert_cp(cp))
            return 0;
        i += n;
    }
    return 1;
}

char *pb_text_latex_plain(const char *s, size_t len)
{
    struct pb_buf b, o;
    pb_buf_init(&b, SIZE_MAX / 2);
    pb_buf_init(&o, SIZE_MAX / 2);
    if (pb_text_latex_convert(s, len, PB_LATEX_DISPLAY, &b) != PB_OK)
        abort(); /* no cap: only allocation can fail, and that aborts */
    const char *t = pb_buf_cstr(&b);
    char *nfc = NULL;
    /* text of NFC-inert code points only (ASCII, Latin, Greek letters,
     * punctuation, arrows and math operators: most abstracts) is its own
     * NFC: no pass through utf8proc */
    if (!pb_text_nfc_inert(t, b.len) && pb_utf8_check(t, b.len) == b.len) {
        nfc = (char *)utf8proc_NFC((const utf8proc_uint8_t *)t);
        if (nfc)
            t = nfc;
    }
    int space = 0;
    for (const char *p = t; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
            space = 1;
            continue;
        }
        if (space && o.len > 0 && pb_buf_putc(&o, ' '))
            abort();
        space = 0;
        if (pb_buf_putc(&o, (char)c))
            abort();
    }
    free(nfc);
    pb_buf_clear(&b);
    return pb_buf_steal(&o);
}
