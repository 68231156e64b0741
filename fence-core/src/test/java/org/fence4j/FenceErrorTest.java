package org.fence4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** FenceError and FenceErrorException. */
class FenceErrorTest {

  /** The constants have the errno names and codes of the kernel. */
  @Test
  void constants_always_haveErrnoNamesAndCodes() {
    Map<FenceError, String> expected =
        Map.of(
            FenceError.EIO, "EIO(-5)",
            FenceError.ENOENT, "ENOENT(-2)",
            FenceError.EINVAL, "EINVAL(-22)",
            FenceError.EDEADLK, "EDEADLK(-35)",
            FenceError.ENODATA, "ENODATA(-61)",
            FenceError.ETIME, "ETIME(-62)",
            FenceError.ECANCELED, "ECANCELED(-125)");

    expected.forEach(
        (error, nameAndCode) ->
            assertThat(error.name() + "(" + error.code() + ")").isEqualTo(nameAndCode));
  }

  /** of() returns the constant for a known code. */
  @Test
  void of_knownCode_returnsConstant() {
    assertThat(FenceError.of(-5)).isSameAs(FenceError.EIO);
    assertThat(FenceError.of(-125)).isSameAs(FenceError.ECANCELED);
  }

  /** An unknown code gets the name ERRNO_ followed by its positive number. */
  @Test
  void of_unknownCode_isNamedAfterItsNumber() {
    assertThat(FenceError.of(-4000).name()).isEqualTo("ERRNO_4000");
  }

  /** of() accepts every code in [-4095, -1], both ends included. */
  @Test
  void of_boundaryCodes_accepted() {
    assertThat(FenceError.of(-1).code()).isEqualTo(-1);
    assertThat(FenceError.of(-4095).code()).isEqualTo(-4095);
  }

  /** of() outside [-4095, -1] is an IllegalArgumentException. */
  @ParameterizedTest
  @ValueSource(ints = {0, 1, 5, -4096, Integer.MIN_VALUE, Integer.MAX_VALUE})
  void of_codeOutsideRange_throwsIllegalArgument(int code) {
    assertThatIllegalArgumentException().isThrownBy(() -> FenceError.of(code));
  }

  /** Errors are equal, with equal hash codes, exactly when their codes are equal. */
  @Test
  void equals_sameCode_equalAndSameHash() {
    FenceError a = FenceError.of(-1000);
    FenceError b = FenceError.of(-1000);

    assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
    assertThat(a).isNotEqualTo(FenceError.of(-1001));
    assertThat(FenceError.EIO).isEqualTo(FenceError.of(-5)).isNotEqualTo(FenceError.ENOENT);
  }

  /** toString() is NAME(code). */
  @Test
  void toString_constant_isNameAndCode() {
    assertThat(FenceError.ETIME).hasToString("ETIME(-62)");
  }

  /** An unnamed code still gets a name. */
  @Test
  void name_unknownCode_isNotEmpty() {
    assertThat(FenceError.of(-3000).name()).isNotBlank();
  }

  /** FenceErrorException carries its error and mentions it in the default message. */
  @Test
  void fenceErrorException_defaultMessage_carriesErrorAndNamesIt() {
    FenceErrorException e = new FenceErrorException(FenceError.ECANCELED);

    assertThat(e.error()).isEqualTo(FenceError.ECANCELED);
    assertThat(e).hasMessageContaining("ECANCELED");
  }

  /** FenceErrorException keeps a given message and error. */
  @Test
  void fenceErrorException_givenMessage_keepsMessageAndError() {
    FenceErrorException e = new FenceErrorException(FenceError.EIO, "render failed");

    assertThat(e.error()).isEqualTo(FenceError.EIO);
    assertThat(e).hasMessage("render failed").isInstanceOf(RuntimeException.class);
  }
}
