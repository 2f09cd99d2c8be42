package dev.bpfvm.verifier;

/**
 * BTF func info of one (sub)program: where it starts, its name and linkage. Global functions
 * are verified once, on their own, instead of at every call site.
 *
 * @param insnOff first slot of the function
 * @param name    function name
 * @param global  {@code BTF_FUNC_GLOBAL} linkage
 */
public record FuncInfo(int insnOff, String name, boolean global) {}
