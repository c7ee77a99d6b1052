package io.remit.benchmark;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** The latency curve's SVG, read back as XML: the lines, where their points fall, the log axis's labels. */
class LatencyCurveTest {
    private static final List<LatencyCurve.Series> TWO = List.of(
            new LatencyCurve.Series(
                    "remit",
                    List.of(
                            new LatencyCurve.Step(10, 170, 168, 62, 140),
                            new LatencyCurve.Step(50, 850, 840, 75, 310),
                            new LatencyCurve.Step(100, 1700, 1450, 2400, 5100))),
            new LatencyCurve.Series(
                    "PC <at-least-once> & co",
                    List.of(
                            new LatencyCurve.Step(10, 140, 139, 58, 120),
                            new LatencyCurve.Step(50, 700, 690, Double.NaN, Double.NaN),
                            new LatencyCurve.Step(100, 1400, 1390, 90, 800))));

    @Test
    void drawsAParsableChartWithALineForEachWorkerAndPercentileAndOneForWhatEachAchieved() throws Exception {
        Document svg = parse(LatencyCurve.svg("API latency 50 ms", TWO));

        NodeList lines = svg.getElementsByTagName("polyline");
        assertThat(lines.getLength()).isEqualTo(2 * 3);
        assertThat(titles(lines))
                .containsExactly(
                        "remit p50",
                        "remit p99",
                        "remit achieved",
                        "PC <at-least-once> & co p50",
                        "PC <at-least-once> & co p99",
                        "PC <at-least-once> & co achieved");
        assertThat(((Element) lines.item(1)).getAttribute("stroke-dasharray")).isNotEmpty();
        assertThat(((Element) lines.item(0)).getAttribute("stroke-dasharray")).isEmpty();
    }

    @Test
    void keepsEveryPointInsideItsPanelAndLeavesOutStepsNotMeasured() throws Exception {
        NodeList lines = parse(LatencyCurve.svg("t", TWO)).getElementsByTagName("polyline");

        for (int i = 0; i < lines.getLength(); i++) {
            Element line = (Element) lines.item(i);
            boolean latency = !line.getAttribute("class").equals("achieved");
            for (double[] p : points(line)) {
                assertThat(p[0]).isBetween((double) LatencyCurve.LEFT, (double) LatencyCurve.RIGHT);
                assertThat(p[1])
                        .isBetween((double) (latency ? LatencyCurve.LATENCY_TOP : LatencyCurve.RATE_TOP), (double)
                                (latency ? LatencyCurve.LATENCY_BOTTOM : LatencyCurve.RATE_BOTTOM));
            }
        }
        assertThat(points((Element) lines.item(3))).hasSize(2); // the peer's p50 without its unmeasured step
        List<double[]> remitP50 = points((Element) lines.item(0));
        assertThat(remitP50.get(2)[1]).isLessThan(remitP50.get(0)[1]); // 2.4 s drawn above 62 ms
    }

    @Test
    void labelsTheLatencyAxisInDecadesOfMilliseconds() throws Exception {
        NodeList texts = parse(LatencyCurve.svg("t", TWO)).getElementsByTagName("text");
        List<String> labels = new ArrayList<>();
        for (int i = 0; i < texts.getLength(); i++) labels.add(texts.item(i).getTextContent());

        assertThat(labels).contains("10", "20", "50", "100", "1,000", "10,000", "offered commands/s");
        assertThat(LatencyCurve.logTicks(10, 1000)).containsExactly(10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0);
    }

    @Test
    void writesTheFileWhereItIsAsked(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("docs/latency-curve.svg");

        LatencyCurve.write(file, "t", TWO);

        assertThat(parse(Files.readString(file)).getDocumentElement().getTagName())
                .isEqualTo("svg");
    }

    private static Document parse(String svg) throws Exception {
        return DocumentBuilderFactory.newInstance()
                .newDocumentBuilder()
                .parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    }

    private static List<String> titles(NodeList lines) {
        List<String> titles = new ArrayList<>();
        for (int i = 0; i < lines.getLength(); i++) titles.add(lines.item(i).getTextContent());
        return titles;
    }

    private static List<double[]> points(Element line) {
        List<double[]> points = new ArrayList<>();
        for (String xy : line.getAttribute("points").trim().split("\\s+")) {
            String[] parts = xy.split(",");
            points.add(new double[] {Double.parseDouble(parts[0]), Double.parseDouble(parts[1])});
        }
        return points;
    }
}
