package org.fence4j.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.util.List;
import org.fence4j.benchmarks.SeriesChart.Line;
import org.fence4j.benchmarks.SeriesChart.Point;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

class SeriesChartTest {

  private static final List<Line> TWO_LINES =
      List.of(
          new Line(
              "fence4j",
              List.of(
                  new Point(1, 30),
                  new Point(8, 12),
                  new Point(64, 10),
                  new Point(512, 10),
                  new Point(4096, 11))),
          new Line(
              "CompletableFuture",
              List.of(
                  new Point(1, 40),
                  new Point(8, 20),
                  new Point(64, Double.NaN),
                  new Point(512, 15),
                  new Point(4096, 16))));

  private static String chart(String title, List<Line> lines) {
    return SeriesChart.svg(title, "N (fences per operation)", "ns per fence", lines);
  }

  @Test
  void svg_isWellFormedXml() {
    assertThatCode(() -> SvgDocuments.parse(chart("waitAny", TWO_LINES)))
        .doesNotThrowAnyException();
  }

  @Test
  void svg_rootIsSvgElement() throws Exception {
    Document doc = SvgDocuments.parse(chart("waitAny", TWO_LINES));
    assertThat(doc.getDocumentElement().getLocalName()).isEqualTo("svg");
    assertThat(doc.getDocumentElement().getNamespaceURI()).isEqualTo("http://www.w3.org/2000/svg");
  }

  @Test
  void svg_drawsOnePolylinePerLine() throws Exception {
    Document doc = SvgDocuments.parse(chart("waitAny", TWO_LINES));
    List<Element> polylines = SvgDocuments.elements(doc, "polyline");
    assertThat(polylines).hasSize(2);
    assertThat(polylines.get(0).getAttribute("points").split(" ")).hasSize(5);
    assertThat(polylines.get(1).getAttribute("points").split(" ")).hasSize(4); // NaN left out
  }

  @Test
  void svg_drawsOneCirclePerMeasuredPoint() throws Exception {
    Document doc = SvgDocuments.parse(chart("waitAny", TWO_LINES));
    assertThat(SvgDocuments.elements(doc, "circle")).hasSize(9);
  }

  @Test
  void svg_legendNamesEveryLine() throws Exception {
    Document doc = SvgDocuments.parse(chart("waitAny", TWO_LINES));
    List<String> legend =
        SvgDocuments.elements(doc, "text").stream()
            .filter(e -> e.getAttribute("class").equals("legend"))
            .map(Element::getTextContent)
            .toList();
    assertThat(legend).containsExactly("fence4j", "CompletableFuture");
  }

  @Test
  void svg_labelsTitleAxesAndSizes() throws Exception {
    List<String> texts = SvgDocuments.texts(SvgDocuments.parse(chart("waitAny", TWO_LINES)));
    assertThat(texts)
        .contains("waitAny", "N (fences per operation) (log scale)", "ns per fence")
        .contains("1", "8", "64", "512", "4096");
  }

  @Test
  void svg_escapesMarkupInText() throws Exception {
    Document doc = SvgDocuments.parse(chart("a < b & \"c\"", TWO_LINES));
    assertThat(SvgDocuments.texts(doc)).contains("a < b & \"c\"");
  }

  @Test
  void svg_usesLogScaleWhenValuesSpanWidely() throws Exception {
    List<Line> growing =
        List.of(new Line("fence4j", List.of(new Point(64, 10), new Point(4096, 640))));
    assertThat(SvgDocuments.texts(SvgDocuments.parse(chart("grows", growing))))
        .contains("ns per fence (log scale)");
  }

  @Test
  void svg_placesLargerNFurtherRight() throws Exception {
    Document doc = SvgDocuments.parse(chart("waitAny", TWO_LINES));
    List<Element> circles = SvgDocuments.elements(doc, "circle");
    double previous = -1;
    for (Element c : circles.subList(0, 5)) {
      double cx = Double.parseDouble(c.getAttribute("cx"));
      assertThat(cx).isGreaterThan(previous);
      previous = cx;
    }
  }
}
