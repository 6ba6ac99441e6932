#include "report/html.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define TRT_HTML_PALETTE 10
static const char *const palette[TRT_HTML_PALETTE] = {"#3b6ea8", "#e07b39", "#4c9a5b", "#b54a5a", "#7d5ba6",
                                      "#8c6d46", "#c65d9e", "#6b7b8c", "#b3a12e", "#3ba3a8"};

void html_escape(FILE *f, const char *s) {
  for (; s && *s; s++) {
    switch (*s) {
    case '<': fputs("&lt;", f); break;
    case '>': fputs("&gt;", f); break;
    case '&': fputs("&amp;", f); break;
    case '"': fputs("&quot;", f); break;
    case '\'': fputs("&#39;", f); break;
    default: fputc(*s, f);
    }
  }
}

void html_begin(FILE *f, const char *title) {
  fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>", f);
  html_escape(f, title);
  fputs("</title>\n<style>\n"
        "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:60rem;"
        "margin:2rem auto;padding:0 1rem;color:#222;line-height:1.45}\n"
        "h1{font-size:1.5rem;border-bottom:2px solid #3b6ea8;padding-bottom:.3rem}\n"
        "h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ddd}\n"
        "table{border-collapse:collapse;margin:.5rem 0;font-size:.9rem}\n"
        "th,td{padding:.2rem .6rem;border-bottom:1px solid #eee;text-align:left}\n"
        "th{background:#f4f6f9}\ntd.num,th.num{text-align:right;font-variant-numeric:tabular-nums}\n"
        "figure{margin:1rem 0}\nfigcaption{font-weight:600;margin-bottom:.3rem}\n"
        "svg text{font-size:12px;fill:#333}\nsvg .axis{stroke:#999;stroke-width:1}\n"
        "li{margin:.2rem 0}\n"
        "</style>\n</head>\n<body>\n<h1>",
        f);
  html_escape(f, title);
  fputs("</h1>\n", f);
}

void html_end(FILE *f) { fputs("</body>\n</html>\n", f); }

void html_heading(FILE *f, const char *text) {
  fputs("<h2>", f);
  html_escape(f, text);
  fputs("</h2>\n", f);
}

void html_paragraph(FILE *f, const char *text) {
  fputs("<p>", f);
  html_escape(f, text);
  fputs("</p>\n", f);
}

void html_list(FILE *f, const char *const *items, size_t n, bool ordered) {
  fputs(ordered ? "<ol>\n" : "<ul>\n", f);
  for (size_t i = 0; i < n; i++) {
    fputs("<li>", f);
    html_escape(f, items[i]);
    fputs("</li>\n", f);
  }
  fputs(ordered ? "</ol>\n" : "</ul>\n", f);
}

void html_table(FILE *f, const char *const *header, size_t ncols, const char *const *cells,
                size_t nrows) {
  fputs("<table>\n<tr>", f);
  for (size_t c = 0; c < ncols; c++) {
    bool num = header[c][0] == '#';
    fputs(num ? "<th class=\"num\">" : "<th>", f);
    html_escape(f, header[c] + num);
    fputs("</th>", f);
  }
  fputs("</tr>\n", f);
  for (size_t r = 0; r < nrows; r++) {
    fputs("<tr>", f);
    for (size_t c = 0; c < ncols; c++) {
      fputs(header[c][0] == '#' ? "<td class=\"num\">" : "<td>", f);
      html_escape(f, cells[r * ncols + c]);
      fputs("</td>", f);
    }
    fputs("</tr>\n", f);
  }
  fputs("</table>\n", f);
}

/* A value for a chart label: enough digits to tell small values apart. */
static void fmt_value(char *buf, size_t len, double v, const char *unit) {
  snprintf(buf, len, fabs(v) >= 100 ? "%.1f%s%s" : fabs(v) >= 1 ? "%.2f%s%s" : "%.3f%s%s", v,
           unit && *unit ? " " : "", unit ? unit : "");
}

void html_bar_chart(FILE *f, const char *title, const html_bar *bars, size_t n, const char *unit) {
  const int label_w = 250, bar_w = 420, value_w = 110, row_h = 22, pad = 6;
  double max = 0;
  for (size_t i = 0; i < n; i++)
    if (bars[i].value > max) max = bars[i].value;
  int h = (int)n * row_h + 2 * pad;
  fputs("<figure class=\"chart bar-chart\">\n<figcaption>", f);
  html_escape(f, title);
  fprintf(f, "</figcaption>\n<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"%d\" "
             "height=\"%d\" viewBox=\"0 0 %d %d\" aria-label=\"",
          label_w + bar_w + value_w, h, label_w + bar_w + value_w, h);
  html_escape(f, title);
  fputs("\">\n", f);
  for (size_t i = 0; i < n; i++) {
    int y = pad + (int)i * row_h;
    double w = max > 0 && bars[i].value > 0 ? bars[i].value / max * bar_w : 0;
    char val[64];
    fmt_value(val, sizeof val, bars[i].value, unit);
    fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", label_w - 8, y + 15);
    html_escape(f, bars[i].label);
    fprintf(f, "</text><rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"><title>",
            label_w, y + 3, w, row_h - 6, palette[i % TRT_HTML_PALETTE]);
    html_escape(f, bars[i].label);
    fprintf(f, ": %s</title></rect><text x=\"%.1f\" y=\"%d\">%s</text>\n", val, label_w + w + 6,
            y + 15, val);
  }
  fputs("</svg>\n</figure>\n", f);
}

void html_histogram(FILE *f, const char *title, const double *values, size_t n, int bins,
                    const char *unit, const html_marker *markers, size_t n_markers) {
  const int w = 640, h = 240, left = 50, right = 20, top = 40, bottom = 36;
  const int pw = w - left - right, ph = h - top - bottom;
  if (bins < 1) bins = 1;
  if (bins > 200) bins = 200;
  int counts[200] = {0}, cmax = 0;
  double lo = INFINITY, hi = -INFINITY;
  for (size_t i = 0; i < n; i++) {
    if (values[i] < lo) lo = values[i];
    if (values[i] > hi) hi = values[i];
  }
  if (n == 0) lo = 0, hi = 1;
  if (hi <= lo) hi = lo + (lo != 0 ? fabs(lo) * 0.01 : 1.0); /* all equal: one visible bin */
  for (size_t i = 0; i < n; i++) {
    int b = (int)((values[i] - lo) / (hi - lo) * bins);
    if (b >= bins) b = bins - 1;
    if (b < 0) b = 0;
    if (++counts[b] > cmax) cmax = counts[b];
  }
  fputs("<figure class=\"chart histogram\">\n<figcaption>", f);
  html_escape(f, title);
  fprintf(f, "</figcaption>\n<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"%d\" "
             "height=\"%d\" viewBox=\"0 0 %d %d\" aria-label=\"",
          w, h, w, h);
  html_escape(f, title);
  fputs("\">\n", f);
  double bw = (double)pw / bins;
  for (int b = 0; b < bins; b++) {
    double bh = cmax ? (double)counts[b] / cmax * ph : 0;
    fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\">"
               "<title>%d</title></rect>\n",
            left + b * bw + 0.5, top + ph - bh, bw > 2 ? bw - 1 : bw, bh, palette[0], counts[b]);
  }
  char a[64], b[64];
  fmt_value(a, sizeof a, lo, unit);
  fmt_value(b, sizeof b, hi, unit);
  fprintf(f, "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n", left, top + ph,
          left + pw, top + ph);
  fprintf(f, "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n", left, top, left,
          top + ph);
  fprintf(f, "<text x=\"%d\" y=\"%d\">%s</text><text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>\n",
          left, h - 14, a, left + pw, h - 14, b);
  fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%d</text>\n", left - 6, top + 10, cmax);
  /* markers at the same spot (p90 = p99 on few runs) share one line and one "p90/p99" label */
  for (size_t m = 0, row = 0; m < n_markers; row++) {
    double x = left + (markers[m].value - lo) / (hi - lo) * pw;
    if (x < left) x = left;
    if (x > left + pw) x = left + pw;
    size_t e = m + 1;
    while (e < n_markers && fabs(left + (markers[e].value - lo) / (hi - lo) * pw - x) < 1.0) e++;
    char v[64];
    fmt_value(v, sizeof v, markers[m].value, unit);
    /* labels alternate between two rows so close percentiles stay readable */
    fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"%s\" "
               "stroke-width=\"2\" stroke-dasharray=\"4 3\"><title>",
            x, top - 4, x, top + ph, palette[1 + row % (TRT_HTML_PALETTE - 1)]);
    for (size_t k = m; k < e; k++) {
      if (k > m) fputc('/', f);
      html_escape(f, markers[k].label);
    }
    fprintf(f, ": %s</title></line><text x=\"%.1f\" y=\"%d\" text-anchor=\"%s\">", v, x,
            14 + (int)(row % 2) * 13, x < left + 30 ? "start" : "middle");
    for (size_t k = m; k < e; k++) {
      if (k > m) fputc('/', f);
      html_escape(f, markers[k].label);
    }
    fputs("</text>\n", f);
    m = e;
  }
  fputs("</svg>\n</figure>\n", f);
}
