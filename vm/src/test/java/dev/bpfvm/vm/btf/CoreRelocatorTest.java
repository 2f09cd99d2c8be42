package dev.bpfvm.vm.btf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bpfvm.vm.btf.BtfExt.CoreRelo;
import dev.bpfvm.vm.btf.BtfType.Array;
import dev.bpfvm.vm.btf.BtfType.Enum;
import dev.bpfvm.vm.btf.BtfType.Enum64;
import dev.bpfvm.vm.btf.BtfType.EnumValue;
import dev.bpfvm.vm.btf.BtfType.Int;
import dev.bpfvm.vm.btf.BtfType.Member;
import dev.bpfvm.vm.btf.BtfType.Ptr;
import dev.bpfvm.vm.btf.BtfType.Struct;
import dev.bpfvm.vm.btf.BtfType.Typedef;
import dev.bpfvm.vm.btf.BtfType.Union;
import java.util.List;
import org.junit.jupiter.api.Test;

class CoreRelocatorTest {
    // local (program) types
    static final int L_INT = 1;
    static final int L_UINT = 2;
    static final int L_S = 3;        // struct s { int a; int b; unsigned int u; }
    static final int L_K = 4;        // struct k___v2 { struct k___v2 *parent; }
    static final int L_KPTR = 5;
    static final int L_A = 6;        // struct a { int x; int arr[4]; }
    static final int L_ARR = 7;
    static final int L_BF = 8;       // struct bf { unsigned int lo:3; unsigned int mid:7; int neg:5; }
    static final int L_E = 9;        // enum e { E_ONE = 1, E_TWO = 2 }
    static final int L_GONE = 10;    // struct gone { int x; }
    static final int L_E64 = 11;     // enum e64 { BIG = 1 }
    static final int L_ANON = 12;    // anonymous struct
    static final int L_T = 13;       // typedef struct s s_t

    static Btf local() {
        BtfBuilder b = new BtfBuilder("prog.o");
        b.add(new Int("int", 4, Int.SIGNED, 0, 32));
        b.add(new Int("unsigned int", 4, 0, 0, 32));
        b.add(new Struct("s", 12, List.of(new Member("a", L_INT, 0), new Member("b", L_INT, 32),
                new Member("u", L_UINT, 64))));
        int k = b.reserve();
        b.add(new Ptr(k));
        b.set(k, new Struct("k___v2", 8, List.of(new Member("parent", L_KPTR, 0))));
        b.reserve();
        b.add(new Array(L_INT, L_INT, 4));
        b.set(L_A, new Struct("a", 20, List.of(new Member("x", L_INT, 0), new Member("arr", L_ARR, 32))));
        b.add(new Struct("bf", 4, List.of(new Member("lo", L_UINT, 0, 3), new Member("mid", L_UINT, 3, 7),
                new Member("neg", L_INT, 10, 5))));
        b.add(new Enum("e", 4, false, List.of(new EnumValue("E_ONE", 1), new EnumValue("E_TWO", 2))));
        b.add(new Struct("gone", 4, List.of(new Member("x", L_INT, 0))));
        b.add(new Enum64("e64", 8, false, List.of(new EnumValue("BIG", 1))));
        b.add(new Struct("", 4, List.of(new Member("x", L_INT, 0))));
        b.add(new Typedef("s_t", L_S));
        return b.build();
    }

    static final int T_S = 5;
    static final int T_K = 6;

    static Btf target() {
        BtfBuilder b = new BtfBuilder("kernel");
        int intT = b.add(new Int("int", 4, Int.SIGNED, 0, 32));                // 1
        int uint = b.add(new Int("unsigned int", 4, 0, 0, 32));                // 2
        int ulong = b.add(new Int("long unsigned int", 8, 0, 0, 64));          // 3
        int longT = b.add(new Int("long int", 8, Int.SIGNED, 0, 64));          // 4
        // struct s { long pad; int b; int a; unsigned long u; }: a and b swapped, u wider
        b.add(new Struct("s", 24, List.of(new Member("pad", longT, 0), new Member("b", intT, 64),
                new Member("a", intT, 96), new Member("u", ulong, 128))));     // 5
        int k = b.reserve();                                                   // 6
        int kptr = b.add(new Ptr(k));                                          // 7
        int u = b.add(new Union("", 8, List.of(new Member("parent", kptr, 0), new Member("__parent", kptr, 0))));
        b.set(k, new Struct("k", 16, List.of(new Member("count", intT, 0), new Member("", u, 64))));
        int arr = b.add(new Array(intT, intT, 8));
        b.add(new Struct("a", 48, List.of(new Member("x", intT, 0), new Member("pad", ulong, 64),
                new Member("arr", arr, 128))));
        // bitfields moved: lo at bit 40, mid at 43, neg at 50, in a 64-bit storage unit
        b.add(new Struct("bf", 8, List.of(new Member("lo", uint, 40, 3), new Member("mid", uint, 43, 7),
                new Member("neg", intT, 50, 5))));
        b.add(new Enum64("e", 8, false, List.of(new EnumValue("E_TWO", 20), new EnumValue("E_ONE___x", 10))));
        b.add(new Enum("e64", 4, false, List.of(new EnumValue("BIG", 7))));
        return b.build();
    }

    private final CoreRelocator r = new CoreRelocator(local(), target());

    private CoreRelocator.Result resolve(int type, String access, CoreKind kind) {
        return r.resolve(new CoreRelo(0, type, access, kind));
    }

    @Test
    void fieldOffsetsFollowTheKernelLayout() {
        CoreRelocator.Result a = resolve(L_S, "0:0", CoreKind.FIELD_BYTE_OFFSET);
        assertThat(a.origValue()).isEqualTo(0);
        assertThat(a.newValue()).isEqualTo(12);
        assertThat(a.poison()).isFalse();
        assertThat(a.origSize()).isEqualTo(4);
        assertThat(a.newSize()).isEqualTo(4);
        assertThat(a.targetSpec().describe()).isEqualTo("<byte_off> [5] struct s.a (0:2 @ offset 12)");
        assertThat(a.localSpec().describe()).isEqualTo("<byte_off> [3] struct s.a (0:0 @ offset 0)");
        assertThat(resolve(L_S, "0:1", CoreKind.FIELD_BYTE_OFFSET).newValue()).isEqualTo(8);
        assertThat(resolve(L_S, "1:1", CoreKind.FIELD_BYTE_OFFSET).newValue()).isEqualTo(24 + 8);
        assertThat(resolve(L_T, "0:1", CoreKind.FIELD_BYTE_OFFSET).poison()).isTrue();   // no typedef s_t in the kernel
    }

    @Test
    void widerUnsignedFieldsResizeTheLoad() {
        CoreRelocator.Result u = resolve(L_S, "0:2", CoreKind.FIELD_BYTE_OFFSET);
        assertThat(u.newValue()).isEqualTo(16);
        assertThat(u.origSize()).isEqualTo(4);
        assertThat(u.newSize()).isEqualTo(8);
        assertThat(u.failMemSizeAdjust()).isFalse();
        assertThat(resolve(L_S, "0:2", CoreKind.FIELD_BYTE_SIZE).newValue()).isEqualTo(8);
    }

    @Test
    void flavorsAndAnonymousMembers() {
        CoreRelocator.Result p = resolve(L_K, "0:0", CoreKind.FIELD_BYTE_OFFSET);
        assertThat(p.newValue()).isEqualTo(8);
        assertThat(p.targetSpec().raw()).containsExactly(0, 1, 0);
        assertThat(p.targetSpec().describe()).isEqualTo("<byte_off> [6] struct k.parent (0:1:0 @ offset 8)");
        assertThat(CoreRelocator.essentialName("task_struct___v2")).isEqualTo("task_struct");
        assertThat(CoreRelocator.essentialName("a____b")).isEqualTo("a____b");
        assertThat(CoreRelocator.essentialName("___x")).isEqualTo("___x");
        assertThat(CoreRelocator.essentialName("plain")).isEqualTo("plain");
    }

    @Test
    void arrayElements() {
        assertThat(resolve(L_A, "0:1:2", CoreKind.FIELD_BYTE_OFFSET).newValue()).isEqualTo(16 + 8);
        assertThat(resolve(L_A, "0:1", CoreKind.FIELD_BYTE_SIZE).newValue()).isEqualTo(32);
        assertThat(resolve(L_A, "0:1:2", CoreKind.FIELD_BYTE_SIZE).newValue()).isEqualTo(4);
        assertThatThrownBy(() -> resolve(L_A, "0:1:9", CoreKind.FIELD_BYTE_OFFSET)).isInstanceOf(BtfException.class)
                .hasMessage("prog.o: CO-RE byte_off on type [6] access '0:1:9': array index 9 out of range (4 elements)");
    }

    @Test
    void bitfields() {
        // mid: 7 bits at bit 43 of an 8-byte unit; read as a u32 at byte 4 (bits 32..63)
        assertThat(resolve(L_BF, "0:1", CoreKind.FIELD_BYTE_OFFSET).newValue()).isEqualTo(4);
        assertThat(resolve(L_BF, "0:1", CoreKind.FIELD_BYTE_SIZE).newValue()).isEqualTo(4);
        assertThat(resolve(L_BF, "0:1", CoreKind.FIELD_LSHIFT_U64).newValue()).isEqualTo(64 - (43 + 7 - 32));
        assertThat(resolve(L_BF, "0:1", CoreKind.FIELD_RSHIFT_U64).newValue()).isEqualTo(64 - 7);
        assertThat(resolve(L_BF, "0:1", CoreKind.FIELD_SIGNED).newValue()).isEqualTo(0);
        assertThat(resolve(L_BF, "0:2", CoreKind.FIELD_SIGNED).newValue()).isEqualTo(1);
        CoreRelocator.Result local = resolve(L_BF, "0:1", CoreKind.FIELD_LSHIFT_U64);
        assertThat(local.origValue()).isEqualTo(64 - 10);
        assertThat(local.validate()).isFalse();
    }

    @Test
    void missingFieldsAndTypes() {
        CoreRelocator.Result gone = resolve(L_GONE, "0:0", CoreKind.FIELD_BYTE_OFFSET);
        assertThat(gone.poison()).isTrue();
        assertThat(gone.reason()).isEqualTo("field not found in the kernel's BTF");
        assertThat(gone.targetSpec()).isNull();
        assertThat(resolve(L_GONE, "0:0", CoreKind.FIELD_EXISTS).newValue()).isEqualTo(0);
        assertThat(resolve(L_GONE, "0:0", CoreKind.FIELD_EXISTS).poison()).isFalse();
        assertThat(resolve(L_S, "0:1", CoreKind.FIELD_EXISTS).newValue()).isEqualTo(1);
        assertThat(resolve(L_GONE, "0", CoreKind.TYPE_EXISTS).newValue()).isEqualTo(0);
        assertThat(resolve(L_GONE, "0", CoreKind.TYPE_SIZE).newValue()).isEqualTo(0);
        assertThat(resolve(L_S, "0", CoreKind.TYPE_EXISTS).newValue()).isEqualTo(1);
        assertThat(resolve(L_S, "0", CoreKind.TYPE_SIZE).newValue()).isEqualTo(24);
        assertThat(resolve(L_S, "0", CoreKind.TYPE_ID_TARGET).newValue()).isEqualTo(T_S);
        assertThat(resolve(L_S, "0", CoreKind.TYPE_ID_LOCAL).newValue()).isEqualTo(L_S);
        // s has members a, b, u; the kernel's s has a, b and a wider u: not a "match"
        assertThat(resolve(L_S, "0", CoreKind.TYPE_MATCHES).newValue()).isEqualTo(0);
        assertThat(resolve(L_K, "0", CoreKind.TYPE_MATCHES).newValue()).isEqualTo(0);
    }

    @Test
    void typeMatchesAcceptsASubsetOfMembersWithEqualTypes() {
        BtfBuilder lb = new BtfBuilder("l");
        int li = lb.add(new Int("int", 4, Int.SIGNED, 0, 32));
        lb.add(new Struct("m", 4, List.of(new Member("y", li, 0))));
        BtfBuilder tb = new BtfBuilder("t");
        int ti = tb.add(new Int("int", 4, Int.SIGNED, 0, 32));
        tb.add(new Struct("m", 8, List.of(new Member("x", ti, 0), new Member("y", ti, 32))));
        CoreRelocator c = new CoreRelocator(lb.build(), tb.build());
        assertThat(c.resolve(new CoreRelo(0, 2, "0", CoreKind.TYPE_MATCHES)).newValue()).isEqualTo(1);
    }

    @Test
    void enumValues() {
        CoreRelocator.Result one = resolve(L_E, "0", CoreKind.ENUMVAL_VALUE);
        assertThat(one.origValue()).isEqualTo(1);
        assertThat(one.newValue()).isEqualTo(10);
        assertThat(one.localSpec().describe()).isEqualTo("<enumval_value> [9] enum e::E_ONE = 1");
        assertThat(resolve(L_E, "1", CoreKind.ENUMVAL_VALUE).newValue()).isEqualTo(20);
        assertThat(resolve(L_E, "1", CoreKind.ENUMVAL_EXISTS).newValue()).isEqualTo(1);
        assertThat(resolve(L_E64, "0", CoreKind.ENUMVAL_VALUE).newValue()).isEqualTo(7);
        assertThatThrownBy(() -> resolve(L_E, "2", CoreKind.ENUMVAL_VALUE)).isInstanceOf(BtfException.class)
                .hasMessage("prog.o: CO-RE enumval_value on type [9] access '2': not an enumerator of enum e");
    }

    @Test
    void anonymousRootsAndBadAccessStringsAreErrors() {
        assertThatThrownBy(() -> resolve(L_ANON, "0:0", CoreKind.FIELD_BYTE_OFFSET)).isInstanceOf(BtfException.class)
                .hasMessage("prog.o: CO-RE <byte_off> [12] struct <anon>.x (0:0 @ offset 0): relocation against an anonymous type");
        assertThatThrownBy(() -> resolve(L_S, "0:x", CoreKind.FIELD_BYTE_OFFSET))
                .hasMessage("prog.o: CO-RE byte_off on type [3] access '0:x': malformed access string");
        assertThatThrownBy(() -> resolve(L_S, "0:5", CoreKind.FIELD_BYTE_OFFSET))
                .hasMessage("prog.o: CO-RE byte_off on type [3] access '0:5': member index 5 out of range for struct s");
        assertThatThrownBy(() -> resolve(L_S, "0:0", CoreKind.TYPE_SIZE))
                .hasMessage("prog.o: CO-RE type_size on type [3] access '0:0': type relocations need access '0'");
    }

    @Test
    void candidatesThatDisagreeAreAnError() {
        BtfBuilder tb = new BtfBuilder("t");
        int ti = tb.add(new Int("int", 4, Int.SIGNED, 0, 32));
        tb.add(new Struct("gone", 4, List.of(new Member("x", ti, 0))));
        tb.add(new Struct("gone___other", 8, List.of(new Member("pad", ti, 0), new Member("x", ti, 32))));
        CoreRelocator c = new CoreRelocator(local(), tb.build());
        assertThatThrownBy(() -> c.resolve(new CoreRelo(0, L_GONE, "0:0", CoreKind.FIELD_BYTE_OFFSET)))
                .isInstanceOf(BtfException.class)
                .hasMessage("prog.o: CO-RE <byte_off> [10] struct gone.x (0:0 @ offset 0): relocation decision ambiguity:"
                        + " <byte_off> [2] struct gone.x (0:0 @ offset 0) gives 0, <byte_off> [3] struct gone___other.x"
                        + " (0:1 @ offset 4) gives 4");
        // agreeing candidates are fine
        assertThat(c.resolve(new CoreRelo(0, L_GONE, "0:0", CoreKind.FIELD_EXISTS)).newValue()).isEqualTo(1);
    }

    @Test
    void signedFieldsCannotBeResized() {
        BtfBuilder tb = new BtfBuilder("t");
        int tl = tb.add(new Int("long int", 8, Int.SIGNED, 0, 64));
        tb.add(new Struct("gone", 8, List.of(new Member("x", tl, 0))));
        CoreRelocator c = new CoreRelocator(local(), tb.build());
        CoreRelocator.Result res = c.resolve(new CoreRelo(0, L_GONE, "0:0", CoreKind.FIELD_BYTE_OFFSET));
        assertThat(res.failMemSizeAdjust()).isTrue();
        assertThat(res.newSize()).isEqualTo(8);
    }
}
