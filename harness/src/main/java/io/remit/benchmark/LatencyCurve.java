package io.remit.benchmark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.DoubleUnaryOperator;
import java.util.function.ToDoubleFunction;

/**
 * The latency-under-load chart, as SVG text the benchmark writes itself (no library): above, each worker's e2e p50
 * (solid) and p99 (dashed) against the commands/s offered, on a log scale of milliseconds; below, the commands/s it
 * achieved against those offered, beside the diagonal of keeping up, so that where a worker's line leaves the
 * diagonal it saturates. One colour per worker; a step with no measurement (NaN) is left out of its line.
 */
final class LatencyCurve {
    /** One step of a worker's curve: its share of the worker's capacity, commands/s offered and achieved, e2e in ms. */
    record Step(int percent, double offered, double achieved, double p50Ms, double p99Ms) {}

    /** A worker's steps, in the order they were offered. */
    record Series(String worker, List<Step> steps) {}

    static final int WIDTH = 820, HEIGHT = 660, LEFT = 80, RIGHT = 620;
    static final int LATENCY_TOP = 60, LATENCY_BOTTOM = 380, RATE_TOP = 440, RATE_BOTTOM = 610;
    private static final List<String> COLOURS =
            List.of("#1b6ac9", "#d9480f", "#2b8a3e", "#862e9c", "#c92a2a", "#5c940d", "#495057");

    private final StringBuilder svg = new StringBuilder();

    private LatencyCurve() {}

    /** Writes the chart of {@code series} under {@code title} to {@code file}, creating its directory. */
    static void write(Path file, String title, List<Series> series) throws IOException {
        if (file.getParent() != null) Files.createDirectories(file.getParent());
        Files.writeString(file, svg(title, series));
    }

    static String svg(String title, List<Series> series) {
        return new LatencyCurve().draw(title, series);
    }

    private String draw(String title, List<Series> series) {
        List<Step> all = series.stream().flatMap(s -> s.steps().stream()).toList();
        double xMax = niceCeil(max(all, Step::offered));
        double yMax = niceCeil(Math.max(max(all, Step::achieved), max(all, Step::offered)));
        double msMin = Math.pow(
                10, Math.floor(Math.log10(Math.max(1, Math.min(min(all, Step::p50Ms), min(all, Step::p99Ms))))));
        double msMax = Math.max(msMin * 10, Math.pow(10, Math.ceil(Math.log10(Math.max(1, max(all, Step::p99Ms))))));
        DoubleUnaryOperator x = v -> LEFT + (RIGHT - LEFT) * v / xMax;
        DoubleUnaryOperator yMs =
                v -> LATENCY_BOTTOM - (LATENCY_BOTTOM - LATENCY_TOP) * Math.log(v / msMin) / Math.log(msMax / msMin);
        DoubleUnaryOperator yRate = v -> RATE_BOTTOM - (RATE_BOTTOM - RATE_TOP) * v / yMax;
        svg.append(String.format(
                Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
                        + "font-family=\"sans-serif\" font-size=\"12\">%n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>%n",
                WIDTH,
                HEIGHT,
                WIDTH,
                HEIGHT));
        text(LEFT, 24, "start", "font-size=\"15\" font-weight=\"bold\"", title);
        text(LEFT, LATENCY_TOP - 10, "start", "", "e2e latency (ms, log scale): p50 solid, p99 dashed");
        text(LEFT, RATE_TOP - 10, "start", "", "achieved commands/s (dotted: offered, keeping up)");
        for (double v : linearTicks(xMax)) {
            line(x.applyAsDouble(v), LATENCY_TOP, x.applyAsDouble(v), LATENCY_BOTTOM, "#eee", "");
            line(x.applyAsDouble(v), RATE_TOP, x.applyAsDouble(v), RATE_BOTTOM, "#eee", "");
            text(x.applyAsDouble(v), LATENCY_BOTTOM + 16, "middle", "", label(v));
            text(x.applyAsDouble(v), RATE_BOTTOM + 16, "middle", "", label(v));
        }
        for (double v : logTicks(msMin, msMax)) {
            boolean decade = Math.abs(Math.log10(v) - Math.rint(Math.log10(v))) < 1e-9;
            line(LEFT, yMs.applyAsDouble(v), RIGHT, yMs.applyAsDouble(v), decade ? "#ccc" : "#eee", "");
            text(LEFT - 6, yMs.applyAsDouble(v) + 4, "end", "", label(v));
        }
        for (double v : linearTicks(yMax)) {
            line(LEFT, yRate.applyAsDouble(v), RIGHT, yRate.applyAsDouble(v), "#eee", "");
            text(LEFT - 6, yRate.applyAsDouble(v) + 4, "end", "", label(v));
        }
        rect(LATENCY_TOP, LATENCY_BOTTOM);
        rect(RATE_TOP, RATE_BOTTOM);
        text((LEFT + RIGHT) / 2.0, HEIGHT - 14, "middle", "", "offered commands/s");
        line(
                x.applyAsDouble(0),
                yRate.applyAsDouble(0),
                x.applyAsDouble(Math.min(xMax, yMax)),
                yRate.applyAsDouble(Math.min(xMax, yMax)),
                "#999",
                " stroke-dasharray=\"2 3\"");
        for (int i = 0; i < series.size(); i++) {
            Series s = series.get(i);
            String colour = COLOURS.get(i % COLOURS.size());
            polyline(s, "p50", colour, "", x, Step::p50Ms, yMs);
            polyline(s, "p99", colour, " stroke-dasharray=\"6 4\"", x, Step::p99Ms, yMs);
            polyline(s, "achieved", colour, "", x, Step::achieved, yRate);
            legend(i, s.worker(), colour, "");
        }
        legend(series.size() + 1, "p50", "#333", "");
        legend(series.size() + 2, "p99", "#333", " stroke-dasharray=\"6 4\"");
        return svg.append("</svg>\n").toString();
    }

    private void polyline(
            Series s,
            String what,
            String colour,
            String style,
            DoubleUnaryOperator x,
            ToDoubleFunction<Step> value,
            DoubleUnaryOperator y) {
        List<String> points = new ArrayList<>();
        for (Step step : s.steps()) {
            double v = value.applyAsDouble(step);
            if (Double.isFinite(v) && Double.isFinite(step.offered()) && v > 0)
                points.add(format("%.1f,%.1f", x.applyAsDouble(step.offered()), y.applyAsDouble(v)));
        }
        svg.append(format(
                "<polyline class=\"%s\" points=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s>"
                        + "<title>%s %s</title></polyline>%n",
                what, String.join(" ", points), colour, style, escape(s.worker()), what));
        for (String point : points) {
            String[] xy = point.split(",");
            svg.append(format("<circle cx=\"%s\" cy=\"%s\" r=\"2.5\" fill=\"%s\"/>%n", xy[0], xy[1], colour));
        }
    }

    private void legend(int row, String name, String colour, String style) {
        double y = LATENCY_TOP + 10 + 22 * row;
        line(RIGHT + 20, y, RIGHT + 50, y, colour, " stroke-width=\"2\"" + style);
        text(RIGHT + 58, y + 4, "start", "", name);
    }

    private void line(double x1, double y1, double x2, double y2, String colour, String style) {
        svg.append(format(
                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"%s/>%n",
                x1, y1, x2, y2, colour, style));
    }

    private void rect(int top, int bottom) {
        svg.append(format(
                "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#333\"/>%n",
                LEFT, top, RIGHT - LEFT, bottom - top));
    }

    private void text(double x, double y, String anchor, String attributes, String text) {
        svg.append(format(
                "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" %s>%s</text>%n",
                x, y, anchor, attributes, escape(text)));
    }

    /** 1, 2 and 5 times each power of ten from {@code lo} to {@code hi}. */
    static List<Double> logTicks(double lo, double hi) {
        List<Double> ticks = new ArrayList<>();
        for (double decade = lo; decade <= hi * (1 + 1e-9); decade *= 10)
            for (int m : new int[] {1, 2, 5}) if (decade * m <= hi * (1 + 1e-9)) ticks.add(decade * m);
        return ticks;
    }

    /** Five or so round ticks from 0 to {@code max}. */
    static List<Double> linearTicks(double max) {
        double step = niceCeil(max / 5);
        List<Double> ticks = new ArrayList<>();
        for (double v = 0; v <= max * (1 + 1e-9); v += step) ticks.add(v);
        return ticks;
    }

    /** The smallest of 1, 2, 2.5, 5 or 10 times a power of ten that is at least {@code v}. */
    static double niceCeil(double v) {
        if (!(v > 0) || !Double.isFinite(v)) return 1;
        double decade = Math.pow(10, Math.floor(Math.log10(v)));
        for (double m : new double[] {1, 2, 2.5, 5, 10}) if (m * decade >= v * (1 - 1e-9)) return m * decade;
        return 10 * decade;
    }

    private static double max(List<Step> steps, ToDoubleFunction<Step> value) {
        return steps.stream().mapToDouble(value).filter(Double::isFinite).max().orElse(1);
    }

    private static double min(List<Step> steps, ToDoubleFunction<Step> value) {
        return steps.stream()
                .mapToDouble(value)
                .filter(v -> Double.isFinite(v) && v > 0)
                .min()
                .orElse(1);
    }

    private static String label(double v) {
        return v == Math.rint(v) ? format("%,d", (long) v) : format("%,.1f", v);
    }

    private static String format(String pattern, Object... args) {
        return String.format(Locale.ROOT, pattern, args);
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;")
                .replace("<", "&lt;")
                .replace(">", "&gt;")
                .replace("\"", "&quot;");
    }
}
