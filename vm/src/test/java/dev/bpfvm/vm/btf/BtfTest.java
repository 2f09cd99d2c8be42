package dev.bpfvm.vm.btf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bpfvm.vm.btf.BtfType.Array;
import dev.bpfvm.vm.btf.BtfType.Const;
import dev.bpfvm.vm.btf.BtfType.DataSec;
import dev.bpfvm.vm.btf.BtfType.DeclTag;
import dev.bpfvm.vm.btf.BtfType.Enum;
import dev.bpfvm.vm.btf.BtfType.Enum64;
import dev.bpfvm.vm.btf.BtfType.EnumValue;
import dev.bpfvm.vm.btf.BtfType.Func;
import dev.bpfvm.vm.btf.BtfType.FuncProto;
import dev.bpfvm.vm.btf.BtfType.Fwd;
import dev.bpfvm.vm.btf.BtfType.Int;
import dev.bpfvm.vm.btf.BtfType.Linkage;
import dev.bpfvm.vm.btf.BtfType.Member;
import dev.bpfvm.vm.btf.BtfType.Param;
import dev.bpfvm.vm.btf.BtfType.Ptr;
import dev.bpfvm.vm.btf.BtfType.Restrict;
import dev.bpfvm.vm.btf.BtfType.Struct;
import dev.bpfvm.vm.btf.BtfType.TypeTag;
import dev.bpfvm.vm.btf.BtfType.Typedef;
import dev.bpfvm.vm.btf.BtfType.Union;
import dev.bpfvm.vm.btf.BtfType.Var;
import dev.bpfvm.vm.btf.BtfType.VarSecInfo;
import dev.bpfvm.vm.btf.BtfType.Volatile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class BtfTest {
    /** One type of every kind. */
    static Btf everyKind() {
        BtfBuilder b = new BtfBuilder("t.o");
        int intT = b.add(new Int("int", 4, Int.SIGNED, 0, 32));                               // 1
        int charT = b.add(new Int("char", 1, Int.SIGNED | Int.CHAR, 0, 8));                   // 2
        int node = b.reserve();                                                               // 3
        int ptr = b.add(new Ptr(node));                                                       // 4
        int arr = b.add(new Array(charT, intT, 16));                                          // 5
        b.set(node, new Struct("node", 32, List.of(new Member("next", ptr, 0),
                new Member("name", arr, 64), new Member("flag", intT, 192, 3), new Member("more", intT, 195, 5))));
        int u = b.add(new Union("u", 8, List.of(new Member("i", intT, 0), new Member("p", ptr, 0))));   // 6
        int e = b.add(new Enum("colour", 4, true, List.of(new EnumValue("RED", -1), new EnumValue("BLUE", 2)))); // 7
        int e64 = b.add(new Enum64("big", 8, false, List.of(new EnumValue("HUGE", 1L << 40))));             // 8
        int fwd = b.add(new Fwd("opaque", true));                                             // 9
        int td = b.add(new Typedef("node_t", node));                                          // 10
        int v = b.add(new Volatile(td));                                                      // 11
        int c = b.add(new Const(v));                                                          // 12
        int r = b.add(new Restrict(ptr));                                                     // 13
        int proto = b.add(new FuncProto(intT, List.of(new Param("n", c), new Param("", 0))));  // 14
        int fn = b.add(new Func("f", proto, Linkage.GLOBAL));                                  // 15
        int var = b.add(new Var("g", intT, Linkage.STATIC));                                   // 16
        b.add(new DataSec(".data", 4, List.of(new VarSecInfo(var, 0, 4))));                     // 17
        b.add(new BtfType.Float("double", 8));                                                 // 18
        b.add(new DeclTag("tag", fn, -1));                                                     // 19
        b.add(new TypeTag("user", r));                                                         // 20
        assertThat(List.of(u, e, e64, fwd)).containsExactly(6, 7, 8, 9);
        return b.build();
    }

    @Test
    void encodeThenParseGivesTheSameTypes() {
        Btf btf = everyKind();
        Btf again = Btf.parse("t.o", btf.encode());
        assertThat(again.types()).isEqualTo(btf.types());
        assertThat(again.count()).isEqualTo(21);
        assertThat(Arrays.equals(again.encode(), btf.encode())).isTrue();
        assertThat(btf.type(3)).isEqualTo(new Struct("node", 32, List.of(new Member("next", 4, 0),
                new Member("name", 5, 64), new Member("flag", 1, 192, 3), new Member("more", 1, 195, 5))));
        assertThat(btf.type(7)).isEqualTo(new Enum("colour", 4, true, List.of(new EnumValue("RED", -1), new EnumValue("BLUE", 2))));
        assertThat(btf.type(8)).isEqualTo(new Enum64("big", 8, false, List.of(new EnumValue("HUGE", 1L << 40))));
        assertThat(((FuncProto) btf.type(14)).isVariadic()).isTrue();
    }

    @Test
    void queries() {
        Btf btf = everyKind();
        assertThat(btf.resolve(12)).isEqualTo(3);
        assertThat(btf.skipModifiers(12)).isEqualTo(10);
        assertThat(btf.size(12)).isEqualTo(32);
        assertThat(btf.size(5)).isEqualTo(16);
        assertThat(btf.size(16)).isEqualTo(4);
        assertThat(btf.align(3)).isEqualTo(8);
        assertThat(btf.align(5)).isEqualTo(1);
        assertThat(btf.find(BtfKind.STRUCT, "node")).isEqualTo(3);
        assertThat(btf.find(BtfKind.UNION, "node")).isEqualTo(-1);
        assertThat(btf.byName("f")).containsExactly(15);
        assertThat(btf.typeName(4)).isEqualTo("struct node *");
        assertThat(btf.typeName(5)).isEqualTo("char[16]");
        assertThat(btf.typeName(12)).isEqualTo("const volatile node_t");
        assertThat(btf.typeName(9)).isEqualTo("union opaque");
        assertThat(btf.typeName(13)).isEqualTo("struct node * restrict");
        assertThat(btf.typeName(0)).isEqualTo("void");
        assertThatThrownBy(() -> btf.size(15)).isInstanceOf(BtfException.class)
                .hasMessage("t.o: .BTF: type [15] FUNC has no size");
        assertThatThrownBy(() -> btf.type(21)).isInstanceOf(BtfException.class)
                .hasMessage("t.o: .BTF: type id 21 out of range (0..20)");
    }

    @Test
    void stringsOfTheTableAreReadable() {
        Btf btf = Btf.parse("t.o", everyKind().encode());
        assertThat(btf.string(0)).isEmpty();
        assertThat(btf.string(1)).isEqualTo("int");
        assertThatThrownBy(() -> btf.string(100000)).isInstanceOf(BtfException.class)
                .hasMessageStartingWith("t.o: .BTF: string offset 100000 outside the string table");
    }

    private static ByteBuffer le(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Test
    void headerErrors() {
        byte[] good = everyKind().encode();
        assertThatThrownBy(() -> Btf.parse("t.o", new byte[10])).hasMessage("t.o: .BTF: truncated header: 10 bytes, need 24");
        byte[] magic = good.clone();
        magic[0] = 0;
        assertThatThrownBy(() -> Btf.parse("t.o", magic)).hasMessage("t.o: .BTF: bad magic 0xeb00, expected 0xeb9f");
        byte[] be = good.clone();
        be[0] = (byte) 0xeb;
        be[1] = (byte) 0x9f;
        assertThatThrownBy(() -> Btf.parse("t.o", be)).hasMessage("t.o: .BTF: big-endian BTF is not supported");
        byte[] ver = good.clone();
        ver[2] = 2;
        assertThatThrownBy(() -> Btf.parse("t.o", ver)).hasMessage("t.o: .BTF: unsupported version 2");
        byte[] types = good.clone();
        le(types).putInt(12, 1 << 20);
        assertThatThrownBy(() -> Btf.parse("t.o", types)).isInstanceOf(BtfException.class)
                .hasMessageStartingWith("t.o: .BTF: type section (offset 0, 1048576 bytes) extends past the end");
        byte[] truncated = Arrays.copyOf(good, good.length - 1);
        assertThatThrownBy(() -> Btf.parse("t.o", truncated)).isInstanceOf(BtfException.class)
                .hasMessageStartingWith("t.o: .BTF: string section (offset");
    }

    @Test
    void typeErrors() {
        byte[] good = everyKind().encode();
        // type 1 (int) header: name_off, info, size at offset 24
        byte[] kind = good.clone();
        le(kind).putInt(28, 25 << 24);
        assertThatThrownBy(() -> Btf.parse("t.o", kind)).hasMessage("t.o: .BTF: type [1] at offset 0: unknown kind 25");
        byte[] name = good.clone();
        le(name).putInt(24, 1 << 24);
        assertThatThrownBy(() -> Btf.parse("t.o", name)).isInstanceOf(BtfException.class)
                .hasMessageStartingWith("t.o: .BTF: type [1] at offset 0: name offset 16777216 outside the string section");
        byte[] size = good.clone();
        le(size).putInt(32, 3);
        assertThatThrownBy(() -> Btf.parse("t.o", size)).hasMessage("t.o: .BTF: type [1] at offset 0: INT 'int' has invalid size 3");
    }

    @Test
    void referencesMustBeInRange() {
        BtfBuilder b = new BtfBuilder("t.o");
        b.add(new Ptr(7));
        assertThatThrownBy(b::build).isInstanceOf(BtfException.class)
                .hasMessage("t.o: .BTF: type [1] PTR: points to type id 7, out of range (0..1)");
        BtfBuilder f = new BtfBuilder("t.o");
        int i = f.add(new Int("int", 4, 0, 0, 32));
        f.add(new Func("f", i, Linkage.GLOBAL));
        assertThatThrownBy(f::build).hasMessage("t.o: .BTF: type [2] FUNC 'f': prototype [1] is a INT, not a FUNC_PROTO");
    }

    @Test
    void loopsAreRejected() {
        BtfBuilder b = new BtfBuilder("t.o");
        int a = b.reserve();
        int c = b.add(new Const(a));
        b.set(a, new Typedef("loop", c));
        assertThatThrownBy(b::build).isInstanceOf(BtfException.class)
                .hasMessage("t.o: .BTF: type [1] TYPEDEF 'loop': type loop (a chain of pointers, typedefs, modifiers or arrays returns to it)");
        BtfBuilder p = new BtfBuilder("t.o");
        int self = p.reserve();
        p.set(self, new Ptr(self));
        assertThatThrownBy(p::build).hasMessageContaining("type [1] PTR: type loop");
        BtfBuilder s = new BtfBuilder("t.o");
        int st = s.reserve();
        int arr = s.add(new Array(st, st, 2));
        s.set(st, new Struct("s", 8, List.of(new Member("inner", arr, 0))));
        assertThatThrownBy(s::build).hasMessage("t.o: .BTF: type [1] STRUCT 's': contains itself by value");
    }

    @Test
    void structsMayPointToThemselves() {
        Btf btf = everyKind();
        assertThat(btf.resolved(4)).isEqualTo(new Ptr(3));
    }
}
