package org.fence4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.SAXException;

/**
 * The BOM has no parent (importing it must not import the build's own dependency management), so
 * nothing in Maven keeps it in step with the build: this test does. Its version is the parent's,
 * and it lists exactly the artifacts the build publishes.
 */
class BomConsistencyTest {

  /** The BOM's version is the parent POM's version. */
  @Test
  void bomVersion_equalsParentVersion() throws Exception {
    Path root = root();

    assertThat(childText(pom(root.resolve("fence4j-bom")), "version"))
        .isEqualTo(childText(pom(root), "version"));
  }

  /** The BOM manages every published module's artifact, and nothing else. */
  @Test
  void bomEntries_areThePublishedModules() throws Exception {
    Path root = root();
    List<String> published = new ArrayList<>();
    for (Element module : children(child(pom(root), "modules"), "module")) {
      Path dir = root.resolve(module.getTextContent().trim());
      Element project = pom(dir);
      if (dir.getFileName().toString().equals("fence4j-bom") || deploySkipped(project)) {
        continue;
      }
      published.add(childText(project, "artifactId"));
    }
    List<String> managed = new ArrayList<>();
    Element bom = pom(root.resolve("fence4j-bom"));
    for (Element dependency :
        children(child(child(bom, "dependencyManagement"), "dependencies"), "dependency")) {
      assertThat(childText(dependency, "groupId")).isEqualTo("org.fence4j");
      assertThat(childText(dependency, "version")).isEqualTo("${project.version}");
      managed.add(childText(dependency, "artifactId"));
    }

    assertThat(published).isNotEmpty();
    assertThat(managed).containsExactlyInAnyOrderElementsOf(published);
  }

  private static boolean deploySkipped(Element project) {
    for (Element properties : children(project, "properties")) {
      for (Element skip : children(properties, "maven.deploy.skip")) {
        if (skip.getTextContent().trim().equals("true")) {
          return true;
        }
      }
    }
    return false;
  }

  private static Path root() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.exists(dir.resolve("fence4j-bom").resolve("pom.xml"))) {
      dir = dir.getParent();
    }
    assertThat(dir).as("the repository root above %s", Path.of("").toAbsolutePath()).isNotNull();
    return dir;
  }

  private static Element pom(Path dir)
      throws ParserConfigurationException, SAXException, IOException {
    DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
    factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
    Document doc = factory.newDocumentBuilder().parse(dir.resolve("pom.xml").toFile());
    return doc.getDocumentElement();
  }

  /** The direct children of {@code parent} named {@code name}. */
  private static List<Element> children(Element parent, String name) {
    List<Element> result = new ArrayList<>();
    NodeList nodes = parent.getChildNodes();
    for (int i = 0; i < nodes.getLength(); i++) {
      Node n = nodes.item(i);
      if (n instanceof Element && ((Element) n).getTagName().equals(name)) {
        result.add((Element) n);
      }
    }
    return result;
  }

  private static Element child(Element parent, String name) {
    List<Element> found = children(parent, name);
    assertThat(found).as("<%s> in <%s>", name, parent.getTagName()).hasSize(1);
    return found.get(0);
  }

  private static String childText(Element parent, String name) {
    return child(parent, name).getTextContent().trim();
  }
}
