package org.fence4j.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/**
 * Draws one series as an SVG line chart: one line per side (fence4j and each peer), the size {@code
 * N} on a log-scale x axis, ns per element on the y axis (linear from 0, or logarithmic when the
 * values span more than {@value #LOG_Y_SPAN}x, so that a line that grows stays readable beside flat
 * ones), labelled axes, a legend and a title. Every point has a tooltip ({@code <title>}) with its
 * value. JDK only; the output is standalone SVG 1.1.
 */
final class SeriesChart {

  /** One side of a series: its name and its points (sizes ascending, value per element). */
  record Line(String name, List<Point> points) {}

  /** A point: size {@code n}, value (NaN: not measured, left out). */
  record Point(long n, double value) {}

  /** Above this ratio between the largest and the smallest value, the y axis is logarithmic. */
  static final double LOG_Y_SPAN = 30;

  private static final int WIDTH = 720;
  private static final int HEIGHT = 440;
  private static final int LEFT = 80;
  private static final int RIGHT = 200; // legend column
  private static final int TOP = 50;
  private static final int BOTTOM = 60;
  private static final String[] COLORS = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"};

  private SeriesChart() {}

  /**
   * Returns the SVG document.
   *
   * @param title the chart's title
   * @param xLabel the x axis label (what N counts)
   * @param yLabel the y axis label
   * @param lines the lines, fence4j first
   * @return the SVG text
   */
  static String svg(String title, String xLabel, String yLabel, List<Line> lines) {
    TreeSet<Long> sizes = new TreeSet<>();
    double min = Double.POSITIVE_INFINITY;
    double max = 0;
    for (Line line : lines) {
      for (Point p : line.points()) {
        if (Double.isNaN(p.value()) || p.n() < 1) {
          continue;
        }
        sizes.add(p.n());
        min = Math.min(min, p.value());
        max = Math.max(max, p.value());
      }
    }
    if (sizes.isEmpty()) {
      sizes.add(1L);
      min = 1;
      max = 1;
    }
    boolean logY = min > 0 && max / min > LOG_Y_SPAN;
    Axis x = Axis.logSizes(sizes.first() / 1.5, sizes.last() * 1.5);
    Axis y = logY ? Axis.log(min, max) : Axis.linear(max);

    StringBuilder svg = new StringBuilder();
    svg.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    svg.append(
        String.format(
            Locale.ROOT,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%d\" height=\"%d\""
                + " viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">%n",
            WIDTH,
            HEIGHT,
            WIDTH,
            HEIGHT));
    svg.append("<title>").append(escape(title)).append("</title>\n");
    svg.append(
        String.format(
            Locale.ROOT,
            "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"white\"/>%n",
            WIDTH,
            HEIGHT));
    // Bold sans-serif glyphs average about 0.62 em: shrink a long title to fit the width.
    double titleSize = Math.min(16, (WIDTH - 20) / (0.62 * Math.max(1, title.length())));
    text(
        svg,
        WIDTH / 2.0,
        28,
        "middle",
        String.format(Locale.ROOT, "font-size=\"%.1f\" font-weight=\"bold\"", titleSize),
        title);

    int plotRight = WIDTH - RIGHT;
    int plotBottom = HEIGHT - BOTTOM;
    // grid and ticks
    svg.append("<g class=\"axes\" stroke=\"#cccccc\" stroke-width=\"1\">\n");
    for (long n : sizes) {
      double px = px(x, n);
      line(svg, px, TOP, px, plotBottom);
    }
    List<Double> yTicks = y.ticks();
    for (double v : yTicks) {
      double py = py(y, v);
      line(svg, LEFT, py, plotRight, py);
    }
    svg.append("</g>\n");
    svg.append(
        String.format(
            Locale.ROOT,
            "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"black\"/>%n",
            LEFT,
            TOP,
            plotRight - LEFT,
            plotBottom - TOP));
    for (long n : sizes) {
      text(svg, px(x, n), plotBottom + 18, "middle", "", Long.toString(n));
    }
    for (double v : yTicks) {
      text(svg, LEFT - 6, py(y, v) + 4, "end", "", tickLabel(v));
    }
    text(svg, (LEFT + plotRight) / 2.0, HEIGHT - 18, "middle", "", xLabel + " (log scale)");
    double yMid = (TOP + plotBottom) / 2.0;
    svg.append(
        String.format(
            Locale.ROOT,
            "<text x=\"18\" y=\"%.1f\" text-anchor=\"middle\" transform=\"rotate(-90 18 %.1f)\">"
                + "%s</text>%n",
            yMid,
            yMid,
            escape(yLabel + (logY ? " (log scale)" : ""))));

    // lines, points, legend
    for (int i = 0; i < lines.size(); i++) {
      Line l = lines.get(i);
      String color = COLORS[i % COLORS.length];
      List<String> coords = new ArrayList<>();
      StringBuilder dots = new StringBuilder();
      for (Point p : l.points()) {
        if (Double.isNaN(p.value()) || p.n() < 1) {
          continue;
        }
        double px = px(x, p.n());
        double py = py(y, p.value());
        coords.add(String.format(Locale.ROOT, "%.1f,%.1f", px, py));
        dots.append(
            String.format(
                Locale.ROOT,
                "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\"><title>%s</title></circle>%n",
                px,
                py,
                color,
                escape(
                    l.name()
                        + ", N = "
                        + p.n()
                        + ": "
                        + String.format(Locale.ROOT, "%.2f", p.value())
                        + " ns")));
      }
      svg.append("<g class=\"series\" data-name=\"").append(escape(l.name())).append("\">\n");
      svg.append(
          String.format(
              Locale.ROOT,
              "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"%s\"/>%n",
              color,
              String.join(" ", coords)));
      svg.append(dots);
      svg.append("</g>\n");
      double ly = TOP + 10 + 22 * i;
      svg.append(
          String.format(
              Locale.ROOT,
              "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"3\"/>%n",
              plotRight + 14,
              ly,
              plotRight + 38,
              ly,
              color));
      text(svg, plotRight + 44, ly + 4, "start", "class=\"legend\"", l.name());
    }
    svg.append("</svg>\n");
    return svg.toString();
  }

  /** An axis mapping values to [0, 1]. */
  private record Axis(boolean log, double lo, double hi) {
    static Axis log(double lo, double hi) {
      double l = Math.pow(10, Math.floor(Math.log10(lo)));
      double h = Math.pow(10, Math.ceil(Math.log10(hi)));
      if (h <= l) {
        h = l * 10;
      }
      return new Axis(true, l, h);
    }

    static Axis logSizes(double lo, double hi) {
      return new Axis(true, lo, hi);
    }

    static Axis linear(double max) {
      double step = niceStep(max <= 0 ? 1 : max / 5);
      return new Axis(false, 0, step * Math.max(1, Math.ceil(max / step)));
    }

    double fraction(double v) {
      if (log) {
        return (Math.log(v) - Math.log(lo)) / (Math.log(hi) - Math.log(lo));
      }
      return (v - lo) / (hi - lo);
    }

    List<Double> ticks() {
      List<Double> ticks = new ArrayList<>();
      if (log) {
        for (double v = lo; v <= hi * 1.0001; v *= 10) {
          ticks.add(v);
        }
      } else {
        double step = niceStep(hi / 5);
        for (double v = 0; v <= hi * 1.0001; v += step) {
          ticks.add(v);
        }
      }
      return ticks;
    }

    private static double niceStep(double raw) {
      double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
      double r = raw / magnitude;
      double nice = r <= 1 ? 1 : r <= 2 ? 2 : r <= 5 ? 5 : 10;
      return nice * magnitude;
    }
  }

  private static double px(Axis x, double n) {
    return LEFT + x.fraction(n) * (WIDTH - RIGHT - LEFT);
  }

  private static double py(Axis y, double v) {
    return HEIGHT - BOTTOM - y.fraction(v) * (HEIGHT - BOTTOM - TOP);
  }

  private static void line(StringBuilder svg, double x1, double y1, double x2, double y2) {
    svg.append(
        String.format(
            Locale.ROOT,
            "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>%n",
            x1,
            y1,
            x2,
            y2));
  }

  private static void text(
      StringBuilder svg, double x, double y, String anchor, String attributes, String content) {
    svg.append(
        String.format(
            Locale.ROOT,
            "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\"%s>%s</text>%n",
            x,
            y,
            anchor,
            attributes.isEmpty() ? "" : " " + attributes,
            escape(content)));
  }

  private static String tickLabel(double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      return Long.toString((long) v);
    }
    return String.format(Locale.ROOT, "%.3g", v);
  }

  /** Escapes text for XML content and attribute values. */
  static String escape(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '<' -> sb.append("&lt;");
        case '>' -> sb.append("&gt;");
        case '&' -> sb.append("&amp;");
        case '"' -> sb.append("&quot;");
        case '\'' -> sb.append("&apos;");
        default -> sb.append(c);
      }
    }
    return sb.toString();
  }
}
