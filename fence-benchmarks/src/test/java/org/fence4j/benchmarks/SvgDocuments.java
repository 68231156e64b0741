package org.fence4j.benchmarks;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** Parses SVG text with the JDK's XML parser (throws if it is not well-formed XML). */
final class SvgDocuments {
  private SvgDocuments() {}

  static Document parse(String svg) throws Exception {
    DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
    factory.setNamespaceAware(true);
    factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
    return factory
        .newDocumentBuilder()
        .parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
  }

  static List<Element> elements(Document doc, String name) {
    NodeList nodes = doc.getElementsByTagNameNS("http://www.w3.org/2000/svg", name);
    List<Element> list = new ArrayList<>();
    for (int i = 0; i < nodes.getLength(); i++) {
      list.add((Element) nodes.item(i));
    }
    return list;
  }

  static List<String> texts(Document doc) {
    List<String> texts = new ArrayList<>();
    for (Element e : elements(doc, "text")) {
      texts.add(e.getTextContent());
    }
    return texts;
  }
}
