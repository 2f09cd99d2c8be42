package dev.bpfvm.vm.object;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bpfvm.vm.object.ExternSpec.KconfigType;
import java.util.List;
import org.junit.jupiter.api.Test;

class KconfigTest {
    static ExternSpec ext(String name, KconfigType t, int off, int size, boolean weak) {
        return new ExternSpec(name, ExternSpec.Kind.KCONFIG, weak, 1, "t", off, size, t);
    }

    @Test
    void defaultsDescribeTheEmulatedKernel() {
        Kconfig k = Kconfig.defaults();
        assertThat(k.get("LINUX_KERNEL_VERSION")).isEqualTo("396288");
        assertThat(Kconfig.KERNEL_VERSION).isEqualTo(0x060c00);
        assertThat(Kconfig.version(5, 15, 300)).isEqualTo(0x050fff);
        assertThat(k.get("CONFIG_HZ")).isEqualTo("250");
        assertThat(k.get("CONFIG_NOPE")).isNull();
    }

    @Test
    void rendersEveryType() {
        Kconfig k = Kconfig.empty().with("B", "y").with("T", "m").with("C", "n").with("I", "-5").with("U", "0x10")
                .with("S", "\"abcdef\"");
        byte[] out = k.render("t.o", List.of(
                ext("B", KconfigType.BOOL, 0, 1, false), ext("T", KconfigType.TRISTATE, 4, 4, false),
                ext("C", KconfigType.CHAR, 1, 1, false), ext("I", KconfigType.INT, 8, 2, false),
                ext("U", KconfigType.UINT, 10, 2, false), ext("S", KconfigType.STRING, 12, 4, false),
                ext("W", KconfigType.UINT, 16, 8, true)), 24);
        assertThat(out).containsExactly(1, 'n', 0, 0, 2, 0, 0, 0, 0xfb, 0xff, 0x10, 0, 'a', 'b', 'c', 0,
                0, 0, 0, 0, 0, 0, 0, 0);
    }

    @Test
    void badValuesAreErrorsNamingTheExtern() {
        Kconfig k = Kconfig.empty().with("B", "m").with("I", "300").with("S", "abc").with("N", "y");
        assertThatThrownBy(() -> k.render("t.o", List.of(ext("B", KconfigType.BOOL, 0, 1, false)), 8))
                .isInstanceOf(RelocationException.class).hasMessage("t.o: extern (kcfg) 'B': value 'm' is not valid for a bool");
        assertThatThrownBy(() -> k.render("t.o", List.of(ext("I", KconfigType.INT, 0, 1, false)), 8))
                .hasMessage("t.o: extern (kcfg) 'I': value 300 does not fit in 1 byte(s)");
        assertThatThrownBy(() -> k.render("t.o", List.of(ext("S", KconfigType.STRING, 0, 4, false)), 8))
                .hasMessage("t.o: extern (kcfg) 'S': value abc is not a quoted string");
        assertThatThrownBy(() -> k.render("t.o", List.of(ext("N", KconfigType.INT, 0, 4, false)), 8))
                .hasMessage("t.o: extern (kcfg) 'N': value 'y' is not a number");
        assertThatThrownBy(() -> k.render("t.o", List.of(ext("X", KconfigType.INT, 0, 4, false)), 8))
                .hasMessage("t.o: extern (kcfg) 'X': value not found (declare it __weak or set it)");
    }

    @Test
    void configTextSyntax() {
        Kconfig k = Kconfig.empty().withConfigText("# comment\nCONFIG_A=y\n# CONFIG_B is not set\nCONFIG_C=\"x\"\n");
        assertThat(k.values()).containsExactly(
                java.util.Map.entry("CONFIG_A", "y"), java.util.Map.entry("CONFIG_B", "n"), java.util.Map.entry("CONFIG_C", "\"x\""));
    }
}
