package dev.bpfvm.vm.jit;

/**
 * What compiling a program produced.
 *
 * @param functions  BPF functions compiled (entry and every call or function-pointer target)
 * @param methods    JVM methods generated for them (more than functions when some were split)
 * @param maxMethodBytes the largest method's bytecode size
 * @param classBytes size of the generated class file
 * @param nanos      time spent compiling
 * @param versionedLoops loops compiled with a fast copy ({@link EmitOptions#loops()})
 */
public record CompileStats(int functions, int methods, int maxMethodBytes, int classBytes, long nanos,
                           int versionedLoops) {}
