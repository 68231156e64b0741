package org.fence4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.Test;

/**
 * The signal path's methods stay small enough for HotSpot's C2 to inline them where they are hot
 * (FreqInlineSize: 325 bytes of bytecode). Past it, a cascade link calls the nested signal path
 * instead of inlining it; the cost shows only in the benchmarks, so the size is checked here.
 */
class HotPathShapeTest {
  /** C2's default FreqInlineSize on x86-64 and AArch64 (JDK 17 to 25). */
  private static final int FREQ_INLINE_SIZE = 325;

  @Test
  void signalNested_bytecode_fitsFreqInlineSize() throws IOException {
    assertThat(codeLengths(Dispatcher.class).get("signalNested"))
        .isNotNull()
        .isLessThanOrEqualTo(FREQ_INLINE_SIZE);
  }

  @Test
  void signalOutermost_bytecode_fitsFreqInlineSize() throws IOException {
    assertThat(codeLengths(Dispatcher.class).get("signalOutermost"))
        .isNotNull()
        .isLessThanOrEqualTo(FREQ_INLINE_SIZE);
  }

  @Test
  void publishSignal_bytecode_fitsFreqInlineSize() throws IOException {
    assertThat(codeLengths(Fence.class).get("publishSignal"))
        .isNotNull()
        .isLessThanOrEqualTo(FREQ_INLINE_SIZE);
  }

  /**
   * The code length of each method of {@code type} (for overloads, the longest), read from its
   * class file (JVMS 4: constant pool, fields, methods, Code attribute).
   */
  private static Map<String, Integer> codeLengths(Class<?> type) throws IOException {
    String resource = type.getSimpleName() + ".class";
    try (InputStream raw = Objects.requireNonNull(type.getResourceAsStream(resource), resource);
        DataInputStream in = new DataInputStream(raw)) {
      in.readInt(); // magic
      in.readUnsignedShort(); // minor
      in.readUnsignedShort(); // major
      int count = in.readUnsignedShort();
      String[] utf8 = new String[count];
      for (int i = 1; i < count; i++) {
        int tag = in.readUnsignedByte();
        switch (tag) {
          case 1 -> utf8[i] = in.readUTF();
          case 3, 4, 9, 10, 11, 12, 17, 18 -> in.skipNBytes(4);
          case 5, 6 -> {
            in.skipNBytes(8);
            i++; // takes two entries
          }
          case 7, 8, 16, 19, 20 -> in.skipNBytes(2);
          case 15 -> in.skipNBytes(3);
          default -> throw new IOException("constant pool tag " + tag);
        }
      }
      in.skipNBytes(6); // access, this, super
      in.skipNBytes(2L * in.readUnsignedShort()); // interfaces
      skipMembers(in); // fields
      Map<String, Integer> lengths = new HashMap<>();
      int methods = in.readUnsignedShort();
      for (int m = 0; m < methods; m++) {
        in.skipNBytes(2); // access
        String name = utf8[in.readUnsignedShort()];
        in.skipNBytes(2); // descriptor
        int attributes = in.readUnsignedShort();
        for (int a = 0; a < attributes; a++) {
          String attribute = utf8[in.readUnsignedShort()];
          int length = in.readInt();
          if (attribute.equals("Code")) {
            in.skipNBytes(4); // max_stack, max_locals
            int code = in.readInt();
            lengths.merge(name, code, Math::max);
            in.skipNBytes(length - 8L);
          } else {
            in.skipNBytes(length);
          }
        }
      }
      return lengths;
    }
  }

  private static void skipMembers(DataInputStream in) throws IOException {
    int members = in.readUnsignedShort();
    for (int m = 0; m < members; m++) {
      in.skipNBytes(6); // access, name, descriptor
      int attributes = in.readUnsignedShort();
      for (int a = 0; a < attributes; a++) {
        in.skipNBytes(2);
        in.skipNBytes(Integer.toUnsignedLong(in.readInt()));
      }
    }
  }
}
