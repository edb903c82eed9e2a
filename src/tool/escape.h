#ifndef QGET_TOOL_ESCAPE_H
#define QGET_TOOL_ESCAPE_H

#include <stddef.h>
#include <stdio.h>

/*
 * Text a peer chose (a reason phrase, a CONNECTION_CLOSE reason, a
 * certificate name) made safe to print on a terminal: every byte below
 * 0x20, 0x7f and every byte of 0x80 or more becomes "\xNN" (lower-case
 * hex); other bytes stay.  Bytes >= 0x80 go too, valid UTF-8 or not: the
 * C1 controls (0x9b is CSI on 8-bit terminals, U+009B in UTF-8 ones) and
 * bidirectional overrides (U+202E) rearrange what the user reads, and a
 * diagnostic loses little by showing them as hex.  The backslash stays as
 * it is, so escaping is idempotent: libqget escapes the peer's texts in
 * its error details the same way, and the tool may escape them again.
 * The result is for people, not meant to be decoded.
 */

/* Escapes src[0..len) (NUL bytes included) into dst, NUL-terminated.
 * Stops before an escape that would not fit whole.  Returns the length
 * written; cap 0 writes nothing. */
size_t tool_escape(char *dst, size_t cap, const void *src, size_t len);

/* Writes prefix, the escaped text[0..len) and "\n" to f in one write, so
 * that a line is not split (the progress meter shares stderr). */
void tool_escape_line(FILE *f, const char *prefix, const void *text,
    size_t len);

#endif
