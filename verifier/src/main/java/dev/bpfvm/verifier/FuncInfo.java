package dev.bpfvm.verifier;

import java.util.List;

/**
 * BTF func info of one (sub)program: where it starts, its name, its linkage and — for a
 * global function — its arguments as its BTF prototype declares them. A global function with
 * known arguments is verified once, on its own, for any arguments matching its prototype
 * (as Linux does); at call sites only the arguments are checked against the prototype.
 *
 * @param insnOff first slot of the function
 * @param name    function name
 * @param global  {@code BTF_FUNC_GLOBAL} linkage
 * @param args    the arguments of a global function, or null when unknown (then the function is
 *                verified at each call site like a static one)
 * @param scalarReturn the BTF prototype returns an integer or an enum (check_btf_func's
 *                {@code scalar_return}); a subprogram that does not may not use LD_ABS/LD_IND
 *                or tail calls
 */
public record FuncInfo(int insnOff, String name, boolean global, List<FuncArg> args, boolean scalarReturn) {
    public FuncInfo {
        args = args != null ? List.copyOf(args) : null;
    }

    /** A function returning a scalar. */
    public FuncInfo(int insnOff, String name, boolean global, List<FuncArg> args) {
        this(insnOff, name, global, args, true);
    }

    /** A function returning a scalar, its arguments unknown. */
    public FuncInfo(int insnOff, String name, boolean global) {
        this(insnOff, name, global, null, true);
    }

    /**
     * One argument of a global function ({@code struct bpf_subprog_arg_info}).
     *
     * @param kind     how the verifier types it
     * @param memSize  for {@link Kind#MEM}: the size of the pointed-to type
     * @param nullable for {@link Kind#MEM}: the pointer may be NULL
     */
    public record FuncArg(Kind kind, int memSize, boolean nullable) {
        public enum Kind {
            /** An integer or enum: any scalar. */
            SCALAR,
            /** A pointer to the program type's context. */
            CTX,
            /** A pointer to memory of {@code memSize} bytes. */
            MEM
        }

        public static FuncArg scalar() {
            return new FuncArg(Kind.SCALAR, 0, false);
        }

        public static FuncArg ctx() {
            return new FuncArg(Kind.CTX, 0, false);
        }

        public static FuncArg mem(int size, boolean nullable) {
            return new FuncArg(Kind.MEM, size, nullable);
        }
    }
}
