/* Building blocks of a self-contained HTML page (inline CSS, inline SVG charts, no scripts, no
 * external resources), shared by `tinyrt analyze --html` and `tinyrt report --html`.
 * Every function escapes the text it is given. Write errors stick to the FILE: check ferror()
 * (or fclose()) once at the end. */
#ifndef TRT_REPORT_HTML_H
#define TRT_REPORT_HTML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef struct html_bar {
  const char *label;
  double value;
} html_bar;

/* A labelled vertical line on a histogram (e.g. p50, p99). */
typedef struct html_marker {
  const char *label;
  double value;
} html_marker;

void html_escape(FILE *f, const char *s);
/* The doctype, <head> with the style sheet, <body> and an <h1> of title. */
void html_begin(FILE *f, const char *title);
void html_end(FILE *f);
/* A section heading (<h2>). */
void html_heading(FILE *f, const char *text);
void html_paragraph(FILE *f, const char *text);
void html_list(FILE *f, const char *const *items, size_t n, bool ordered);
/* A table: header[ncols], cells[nrows * ncols] row-major (NULL cells print empty). Columns whose
 * header starts with '#' are right-aligned (numbers); the '#' is not shown. */
void html_table(FILE *f, const char *const *header, size_t ncols, const char *const *cells,
                size_t nrows);
/* Horizontal bars, one per row, longest = the largest value; values printed with unit. */
void html_bar_chart(FILE *f, const char *title, const html_bar *bars, size_t n, const char *unit);
/* A histogram of values in bins equal-width bins between their min and max, with markers. */
void html_histogram(FILE *f, const char *title, const double *values, size_t n, int bins,
                    const char *unit, const html_marker *markers, size_t n_markers);

#endif
