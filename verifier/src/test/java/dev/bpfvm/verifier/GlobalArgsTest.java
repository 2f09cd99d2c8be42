package dev.bpfvm.verifier;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bpfvm.vm.btf.Btf;
import dev.bpfvm.vm.btf.BtfBuilder;
import dev.bpfvm.vm.btf.BtfType;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Global function arguments from BTF prototypes and their {@code btf_decl_tag("arg:...")} tags;
 * whether a prototype returns a scalar.
 */
class GlobalArgsTest {
    /** int f(int *p, T *q) with optional tags on q; returns [btf, funcId]. */
    private static Object[] func(BtfType qType, String... qTags) {
        BtfBuilder b = new BtfBuilder("t.o");
        int i = b.add(new BtfType.Int("int", 4, BtfType.Int.SIGNED, 0, 32));
        int pi = b.add(new BtfType.Ptr(i));
        int q = b.add(qType);
        int pq = b.add(new BtfType.Ptr(q));
        int proto = b.add(new BtfType.FuncProto(i, List.of(new BtfType.Param("p", pi), new BtfType.Param("q", pq))));
        int f = b.add(new BtfType.Func("f", proto, BtfType.Linkage.GLOBAL));
        for (String t : qTags) {
            b.add(new BtfType.DeclTag(t, f, 1));
        }
        return new Object[] {b.build(), f};
    }

    private static List<FuncInfo.FuncArg> args(Object[] bf, ProgramTypeRules rules) {
        return ObjectPrograms.globalArgs((Btf) bf[0], (Integer) bf[1], rules);
    }

    @Test
    void pointersToSizedTypesAreNullableMemory() {
        assertThat(args(func(new BtfType.Int("long", 8, BtfType.Int.SIGNED, 0, 64)), ProgramTypes.RAW_TRACEPOINT))
                .containsExactly(FuncInfo.FuncArg.mem(4, true), FuncInfo.FuncArg.mem(8, true));
    }

    @Test
    void argNonnullMakesTheMemoryNonNull() {
        assertThat(args(func(new BtfType.Int("long", 8, BtfType.Int.SIGNED, 0, 64), "arg:nonnull"),
                ProgramTypes.RAW_TRACEPOINT))
                .containsExactly(FuncInfo.FuncArg.mem(4, true), FuncInfo.FuncArg.mem(8, false));
    }

    @Test
    void argCtxMakesAnyPointerTheContext() {
        assertThat(args(func(new BtfType.Int("long", 8, BtfType.Int.SIGNED, 0, 64), "arg:ctx"),
                ProgramTypes.RAW_TRACEPOINT))
                .containsExactly(FuncInfo.FuncArg.mem(4, true), FuncInfo.FuncArg.ctx());
    }

    @Test
    void anAnonymousStructIsMemoryNotTheContext() {
        // a tracepoint has no named context struct: an anonymous struct must not match it
        assertThat(args(func(new BtfType.Struct("", 4, List.of())), ProgramTypes.TRACEPOINT))
                .containsExactly(FuncInfo.FuncArg.mem(4, true), FuncInfo.FuncArg.mem(4, true));
    }

    /** Whether {@code ret f(void)} returns a scalar, {@code ret} added by {@code add}. */
    private static boolean scalarReturn(java.util.function.ToIntFunction<BtfBuilder> add) {
        BtfBuilder b = new BtfBuilder("t.o");
        int ret = add.applyAsInt(b);
        int proto = b.add(new BtfType.FuncProto(ret, List.of()));
        int f = b.add(new BtfType.Func("f", proto, BtfType.Linkage.STATIC));
        return ObjectPrograms.scalarReturn(b.build(), f);
    }

    @Test
    void integersAndEnumsBehindTypedefsAreScalarReturns() {
        assertThat(scalarReturn(b -> b.add(new BtfType.Int("int", 4, BtfType.Int.SIGNED, 0, 32)))).isTrue();
        assertThat(scalarReturn(b -> b.add(new BtfType.Typedef("u64_t",
                b.add(new BtfType.Int("unsigned long", 8, 0, 0, 64)))))).isTrue();
        assertThat(scalarReturn(b -> b.add(new BtfType.Enum("e", 4, false,
                List.of(new BtfType.EnumValue("A", 0)))))).isTrue();
    }

    @Test
    void voidPointersAndStructsAreNotScalarReturns() {
        assertThat(scalarReturn(b -> 0)).isFalse();
        assertThat(scalarReturn(b -> b.add(new BtfType.Ptr(0)))).isFalse();
        assertThat(scalarReturn(b -> b.add(new BtfType.Struct("s", 4, List.of())))).isFalse();
    }

    @Test
    void aFunctionWithoutBtfIsNotChecked() {
        assertThat(ObjectPrograms.scalarReturn(null, 3)).isTrue();
        BtfBuilder b = new BtfBuilder("t.o");
        int notFunc = b.add(new BtfType.Ptr(0));
        Btf btf = b.build();
        assertThat(ObjectPrograms.scalarReturn(btf, 0)).isTrue();
        assertThat(ObjectPrograms.scalarReturn(btf, notFunc)).isTrue();
    }
}
