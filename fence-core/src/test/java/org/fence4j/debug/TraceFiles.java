package org.fence4j.debug;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * Reads the files {@link FenceTrace} writes, for tests: the Chrome trace-event JSON (with Jackson)
 * and the SVG timeline (with the JDK's XML parser, which throws unless the file is well-formed).
 * The tests of {@link FenceTrace} and of the examples' pipeline demo check the same structure with
 * it. Shipped to other modules' tests in fence-core's small {@code tests} jar (this class only).
 */
// Compiled into fence-core's module for its tests, where a public signature naming Jackson or
// java.xml types warns (-Xlint:exports); it is no module API: other modules use it on the class
// path.
@SuppressWarnings("exports")
public final class TraceFiles {
  private static final ObjectMapper JSON = new ObjectMapper();

  private TraceFiles() {}

  /** Parses a Chrome trace-event JSON file. */
  public static JsonNode readChromeTrace(Path file) throws Exception {
    return JSON.readTree(file.toFile());
  }

  /** The events of {@code root}'s {@code traceEvents} whose phase ({@code ph}) is {@code ph}. */
  public static List<JsonNode> events(JsonNode root, String ph) {
    List<JsonNode> result = new ArrayList<>();
    for (JsonNode e : root.get("traceEvents")) {
      if (e.get("ph").asText().equals(ph)) {
        result.add(e);
      }
    }
    return result;
  }

  /** The track names of a Chrome trace: its {@code thread_name} metadata events, by thread id. */
  public static Map<Integer, String> trackNames(JsonNode root) {
    Map<Integer, String> names = new HashMap<>();
    for (JsonNode e : events(root, "M")) {
      if (e.get("name").asText().equals("thread_name")) {
        names.put(e.get("tid").asInt(), e.get("args").get("name").asText());
      }
    }
    return names;
  }

  /** Parses an SVG timeline; throws if the file is not well-formed XML. */
  public static Svg readSvg(Path file) throws Exception {
    return new Svg(
        DocumentBuilderFactory.newInstance()
            .newDocumentBuilder()
            .parse(file.toFile())
            .getDocumentElement());
  }

  /** A parsed SVG timeline: its root element and what its groups and bars are. */
  public static final class Svg {
    private final Element root;

    private Svg(Element root) {
      this.root = root;
    }

    /** The root element's tag name ({@code svg} for an SVG document). */
    public String rootTag() {
      return root.getTagName();
    }

    /** The {@code class} attribute of every {@code g} element, in document order. */
    public List<String> groupClasses() {
      List<String> classes = new ArrayList<>();
      for (Element g : elements("g")) {
        classes.add(g.getAttribute("class"));
      }
      return classes;
    }

    /** The {@code data-track} of every row ({@code g class="row"}), in document order. */
    public List<String> rows() {
      List<String> rows = new ArrayList<>();
      for (Element g : elements("g")) {
        if (g.getAttribute("class").equals("row")) {
          rows.add(g.getAttribute("data-track"));
        }
      }
      return rows;
    }

    /** The {@code rect} elements, in document order. */
    public List<Element> rects() {
      return elements("rect");
    }

    /** Whether a {@code rect} of the given {@code class} exists. */
    public boolean hasRect(String cssClass) {
      return rects().stream().anyMatch(r -> r.getAttribute("class").equals(cssClass));
    }

    /** Whether a {@code rect} of the given {@code class} and {@code fill} exists. */
    public boolean hasRect(String cssClass, String fill) {
      return rects().stream()
          .anyMatch(
              r -> r.getAttribute("class").equals(cssClass) && r.getAttribute("fill").equals(fill));
    }

    private List<Element> elements(String tag) {
      NodeList nodes = root.getElementsByTagName(tag);
      List<Element> list = new ArrayList<>(nodes.getLength());
      for (int i = 0; i < nodes.getLength(); i++) {
        list.add((Element) nodes.item(i));
      }
      return list;
    }
  }
}
