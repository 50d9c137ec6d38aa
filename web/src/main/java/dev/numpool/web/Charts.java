package dev.numpool.web;

import java.util.List;
import java.util.function.LongFunction;

/**
 * Line charts drawn on the server as inline SVG: no script, nothing fetched, readable by the
 * page's CSP. Each chart carries its numbers too, in a table under a disclosure, for people who
 * cannot see it and for anyone who wants the exact values.
 */
final class Charts {
    private static final int WIDTH = 640;
    private static final int HEIGHT = 180;
    private static final int LEFT = 64;
    private static final int TOP = 12;
    private static final int BOTTOM = 24;
    private static final String[] COLOURS = {"#1f5fbf", "#1a7f37", "#b35900"};

    private Charts() {
    }

    /** One line: its name and a value per label. */
    record Series(String name, List<Long> values) {
    }

    /** A chart of {@code series} over {@code labels} (oldest first); {@code format} writes a value for people. */
    static String lines(String title, List<String> labels, List<Series> series, LongFunction<String> format) {
        long max = Math.max(1, series.stream().flatMap(s -> s.values().stream()).mapToLong(Long::longValue).max().orElse(1));
        long min = Math.min(0, series.stream().flatMap(s -> s.values().stream()).mapToLong(Long::longValue).min().orElse(0));
        int plotWidth = WIDTH - LEFT - 8;
        int plotHeight = HEIGHT - TOP - BOTTOM;
        StringBuilder svg = new StringBuilder("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + WIDTH + " " + HEIGHT
                + "\" class=\"chart\" role=\"img\" aria-label=\"" + Html.escape(title) + "\">");
        svg.append("<line x1=\"").append(LEFT).append("\" y1=\"").append(TOP + plotHeight).append("\" x2=\"").append(WIDTH - 8).append("\" y2=\"")
                .append(TOP + plotHeight).append("\" stroke=\"#888\"/>");
        svg.append(text(LEFT - 6, TOP + 10, "end", format.apply(max))).append(text(LEFT - 6, TOP + plotHeight, "end", format.apply(min)));
        if (!labels.isEmpty()) {
            svg.append(text(LEFT, HEIGHT - 6, "start", labels.getFirst())).append(text(WIDTH - 8, HEIGHT - 6, "end", labels.getLast()));
        }
        for (int s = 0; s < series.size(); s++) {
            List<Long> values = series.get(s).values();
            StringBuilder points = new StringBuilder();
            for (int i = 0; i < values.size(); i++) {
                double x = LEFT + (values.size() == 1 ? plotWidth / 2.0 : (double) plotWidth * i / (values.size() - 1));
                double y = TOP + plotHeight - (double) plotHeight * (values.get(i) - min) / (max - min);
                points.append(String.format(java.util.Locale.ROOT, "%.1f,%.1f ", x, y));
            }
            String colour = COLOURS[s % COLOURS.length];
            svg.append("<polyline fill=\"none\" stroke=\"").append(colour).append("\" stroke-width=\"2\" points=\"").append(points.toString().strip())
                    .append("\"/>");
            svg.append(text(LEFT + 8 + s * 150, TOP + 10, "start", "— " + series.get(s).name()).replace("<text ", "<text fill=\"" + colour + "\" "));
        }
        svg.append("</svg>");
        return "<figure class=\"chart\">" + svg + "<figcaption>" + Html.escape(title) + "</figcaption>" + table(labels, series, format) + "</figure>";
    }

    private static String text(int x, int y, String anchor, String text) {
        return "<text x=\"" + x + "\" y=\"" + y + "\" text-anchor=\"" + anchor + "\" font-size=\"11\">" + Html.escape(text) + "</text>";
    }

    private static String table(List<String> labels, List<Series> series, LongFunction<String> format) {
        StringBuilder out = new StringBuilder("<details><summary>The numbers</summary><table class=\"compact\"><thead><tr><th scope=\"col\"></th>");
        series.forEach(s -> out.append("<th scope=\"col\" class=\"num\">").append(Html.escape(s.name())).append("</th>"));
        out.append("</tr></thead><tbody>");
        for (int i = 0; i < labels.size(); i++) {
            out.append("<tr><th scope=\"row\">").append(Html.escape(labels.get(i))).append("</th>");
            for (Series s : series) {
                out.append("<td class=\"num\">").append(Html.escape(format.apply(s.values().get(i)))).append("</td>");
            }
            out.append("</tr>");
        }
        return out.append("</tbody></table></details>").toString();
    }
}
