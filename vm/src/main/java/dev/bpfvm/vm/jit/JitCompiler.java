package dev.bpfvm.vm.jit;

import static org.objectweb.asm.Opcodes.*;

import dev.bpfvm.vm.exec.Program;
import java.lang.invoke.MethodHandles;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodTooLargeException;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Type;

/**
 * Compiles a {@link Program} into a hidden JVM class: one static method per BPF function (slot
 * 0, every local-call target, every function-pointer target), registers as {@code long} locals,
 * jumps as JVM branches. A function whose method would pass {@link EmitOptions#maxMethodBytes}
 * (HotSpot does not compile methods above 8000 bytes) is split into pieces run by a small
 * driver loop. Anything that still cannot be compiled is a {@link JitException}; the caller
 * then keeps the program interpreted.
 */
public final class JitCompiler {
    private JitCompiler() {}

    static final String CLASS_NAME = "dev/bpfvm/vm/jit/BpfCode";
    /** Most pieces a function may be split into before the compiler gives up. */
    private static final int MAX_SPLIT_ROUNDS = 6;

    static String functionName(int pc) {
        return "f" + pc;
    }

    /** Compiles with the default fast paths. */
    public static JitCode compile(Program p) {
        return compile(p, EmitOptions.DEFAULT);
    }

    public static JitCode compile(Program p, EmitOptions options) {
        long t0 = System.nanoTime();
        for (int pc = 0; pc < p.slotCount(); pc++) {
            dev.bpfvm.vm.isa.Insn i = p.insnAt(pc);
            if (i != null && i.opcode() == dev.bpfvm.vm.isa.Opcodes.MAY_GOTO) {
                throw new JitException(p.name(), "may_goto at insn " + pc + " is not compiled (the program stays interpreted)", null);
            }
        }
        CodeAnalysis an = new CodeAnalysis(p);
        Map<Integer, Integer> chunkBytes = new HashMap<>();   // entry -> target bytes per piece, for split functions
        for (int round = 0; ; round++) {
            Generated g;
            try {
                g = generate(an, options, chunkBytes);
            } catch (MethodTooLargeException e) {
                throw new JitException(p.name(), "method " + e.getMethodName() + " too large ("
                        + e.getCodeSize() + " bytes)", e);
            } catch (RuntimeException e) {
                throw new JitException(p.name(), "code generation failed: " + e, e);
            }
            if (g.tooLarge.isEmpty()) {
                JitCode code = define(p, g.bytes, g.constants);
                code.stats(new CompileStats(an.entries.size(), g.methods, g.maxMethodBytes, g.bytes.length,
                        System.nanoTime() - t0, g.loops));
                return code;
            }
            if (round == MAX_SPLIT_ROUNDS) {
                throw new JitException(p.name(), "function at insn " + g.tooLarge.get(0)
                        + " does not fit in methods of " + options.maxMethodBytes() + " bytes", null);
            }
            for (int entry : g.tooLarge) {
                int previous = chunkBytes.getOrDefault(entry, options.maxMethodBytes());
                chunkBytes.put(entry, previous / 2);
            }
        }
    }

    /** A generated class, or the functions too large for it; {@code constants} are its {@code K<i>} fields' values. */
    private record Generated(byte[] bytes, int methods, int maxMethodBytes, List<Integer> tooLarge, int loops,
                             List<Object> constants) {}

    private static Generated generate(CodeAnalysis an, EmitOptions options, Map<Integer, Integer> chunkBytes) {
        ClassWriter cw = new ClassWriter(ClassWriter.COMPUTE_FRAMES) {
            @Override
            protected String getCommonSuperClass(String a, String b) {
                return "java/lang/Object";   // every local has one type; nothing relies on a merge
            }
        };
        cw.visit(V17, ACC_FINAL | ACC_SUPER | ACC_SYNTHETIC, CLASS_NAME, null, RuntimeRefs.JIT_CODE, null);
        cw.visitSource(an.prog.name(), null);
        cw.visitField(ACC_STATIC | ACC_FINAL | ACC_PRIVATE, "PROG", "L" + RuntimeRefs.PROGRAM + ";", null, null).visitEnd();
        cw.visitField(ACC_STATIC | ACC_FINAL | ACC_PRIVATE, "SELF", "L" + RuntimeRefs.JIT_CODE + ";", null, null).visitEnd();
        emitInit(cw);
        emitDispatch(cw, an);
        int methods = 0;
        int maxBytes = 0;
        int loops = 0;
        List<Integer> tooLarge = new ArrayList<>();
        List<Object> constants = new ArrayList<>();
        for (int entry : an.entries) {
            BitSet body = an.reachable(entry);
            Integer pieceBytes = chunkBytes.get(entry);
            if (pieceBytes == null) {
                // try it whole, measuring each slot; split it on the next round if too big
                FunctionEmitter fe = emitFunction(cw, an, entry, body, options, true, constants);
                methods++;
                loops += fe.loopCount();
                maxBytes = Math.max(maxBytes, fe.codeSize);
                if (fe.codeSize > options.maxMethodBytes()) {
                    tooLarge.add(entry);
                } else if (entry == 0) {
                    // the program's entry as a run starts it: nobody reads its r1-r5 after it
                    emitFunction(cw, an, entry, body, options, false, constants);
                    emitTop(cw);
                    methods++;
                }
                continue;
            }
            List<BitSet> pieces = partition(an, body, pieceBytes, options);
            List<BitSet> entriesOf = pieceEntries(an, entry, body, pieces);
            int k = 0;
            boolean fits = true;
            for (BitSet piece : pieces) {
                BitSet entries = entriesOf.get(k);
                MethodVisitor mv = cw.visitMethod(ACC_STATIC | ACC_PRIVATE, chunkName(entry, k++),
                        FunctionEmitter.CHUNK_DESC, null, null);
                FunctionEmitter fe = new FunctionEmitter(mv, CLASS_NAME, an, FunctionEmitter.Shape.CHUNK, piece,
                        entries, options);
                fe.constants = constants;
                fe.emit();
                methods++;
                loops += fe.loopCount();
                maxBytes = Math.max(maxBytes, fe.codeSize);
                fits &= fe.codeSize <= options.maxMethodBytes();
            }
            emitDriver(cw, entry, pieces);
            methods++;
            if (!fits) {
                tooLarge.add(entry);
            }
        }
        if (!tooLarge.isEmpty()) {
            return new Generated(null, methods, maxBytes, tooLarge, loops, constants);   // split and try again
        }
        for (int k = 0; k < constants.size(); k++) {
            cw.visitField(ACC_STATIC | ACC_FINAL | ACC_PRIVATE, constantName(k),
                    Type.getDescriptor(constants.get(k).getClass()), null, null).visitEnd();
        }
        emitClinit(cw, constants);
        cw.visitEnd();
        return new Generated(cw.toByteArray(), methods, maxBytes, tooLarge, loops, constants);
    }

    private static FunctionEmitter emitFunction(ClassWriter cw, CodeAnalysis an, int entry, BitSet body,
                                                EmitOptions options, boolean storeOuts, List<Object> constants) {
        String name = storeOuts ? functionName(entry) : "t" + entry;
        MethodVisitor mv = cw.visitMethod(ACC_STATIC, name, FunctionEmitter.FUNC_DESC, null, null);
        BitSet entries = new BitSet();
        entries.set(entry);
        FunctionEmitter fe = new FunctionEmitter(mv, CLASS_NAME, an, FunctionEmitter.Shape.FUNCTION, body, entries,
                options);
        fe.storeOuts = storeOuts;
        fe.constants = constants;
        fe.emit();
        return fe;
    }

    /**
     * {@code top}: a run (or a callback) entering slot 0 calls {@code t0}, the entry function
     * compiled without storing r1-r5 at its exits (only a local caller reads them), so values
     * that only feed r1-r5 die with the frame.
     */
    private static void emitTop(ClassWriter cw) {
        String desc = "(L" + RuntimeRefs.JIT_STATE + ";IJJJJJ)J";
        MethodVisitor mv = cw.visitMethod(0, "top", desc, null, null);
        mv.visitCode();
        mv.visitVarInsn(ALOAD, 1);
        mv.visitVarInsn(ILOAD, 2);
        mv.visitInsn(LCONST_0);
        for (int r = 0; r < 5; r++) {
            mv.visitVarInsn(LLOAD, 3 + 2 * r);
        }
        for (int r = 0; r < 4; r++) {
            mv.visitInsn(LCONST_0);
        }
        mv.visitMethodInsn(INVOKESTATIC, CLASS_NAME, "t0", FunctionEmitter.FUNC_DESC, false);
        mv.visitInsn(LRETURN);
        mv.visitMaxs(0, 0);
        mv.visitEnd();
    }

    static String chunkName(int entry, int k) {
        return "c" + entry + "_" + k;
    }

    /**
     * Splits a function's slots, in order, into runs whose estimated code stays under the piece
     * size (the estimate: each slot's bytes when the function was emitted whole).
     */
    private static List<BitSet> partition(CodeAnalysis an, BitSet body, int pieceBytes, EmitOptions options) {
        // measure the function emitted whole, in a scratch class
        ClassWriter scratch = new ClassWriter(0);
        scratch.visit(V17, ACC_FINAL, CLASS_NAME, null, RuntimeRefs.JIT_CODE, null);
        int entry = body.nextSetBit(0);
        MethodVisitor mv = scratch.visitMethod(ACC_STATIC, "measure", FunctionEmitter.FUNC_DESC, null, null);
        BitSet entries = new BitSet();
        entries.set(entry);
        FunctionEmitter fe = new FunctionEmitter(mv, CLASS_NAME, an, FunctionEmitter.Shape.FUNCTION, body, entries,
                options);
        fe.measuring = true;
        fe.constants = new ArrayList<>();   // sites of a scratch class
        fe.emit();
        List<BitSet> pieces = new ArrayList<>();
        BitSet current = new BitSet();
        int start = 0;
        for (int pc = body.nextSetBit(0); pc >= 0; ) {
            int next = body.nextSetBit(pc + 1);
            int end = next >= 0 ? fe.offsets[next] : fe.codeSize;
            if (!current.isEmpty() && end - start > pieceBytes) {
                pieces.add(current);
                current = new BitSet();
                start = fe.offsets[pc];
            }
            current.set(pc);
            pc = next;
        }
        if (!current.isEmpty()) {
            pieces.add(current);
        }
        return pieces;
    }

    /**
     * Per piece, the slots entered from outside it: the function entry and the targets of
     * jumps and fall-throughs from other pieces.
     */
    private static List<BitSet> pieceEntries(CodeAnalysis an, int entry, BitSet body, List<BitSet> pieces) {
        int[] pieceOf = new int[an.slots];
        List<BitSet> entries = new ArrayList<>();
        for (int k = 0; k < pieces.size(); k++) {
            BitSet piece = pieces.get(k);
            for (int pc = piece.nextSetBit(0); pc >= 0; pc = piece.nextSetBit(pc + 1)) {
                pieceOf[pc] = k;
            }
            entries.add(new BitSet());
        }
        entries.get(pieceOf[entry]).set(entry);
        for (int pc = body.nextSetBit(0); pc >= 0; pc = body.nextSetBit(pc + 1)) {
            dev.bpfvm.vm.isa.Insn i = an.valid(pc);
            if (i == null) {
                continue;
            }
            int op = i.opcode();
            if (dev.bpfvm.vm.isa.Opcodes.isCondJump(op) || op == dev.bpfvm.vm.isa.Opcodes.JA64
                    || op == dev.bpfvm.vm.isa.Opcodes.GOTOL) {
                markEntry(body, pieceOf, entries, pc, CodeAnalysis.jumpTarget(i, pc));
            }
            if (CodeAnalysis.fallsThrough(i)) {
                markEntry(body, pieceOf, entries, pc, pc + i.slots());
            }
        }
        return entries;
    }

    private static void markEntry(BitSet body, int[] pieceOf, List<BitSet> entries, int from, int to) {
        if (to >= 0 && to < pieceOf.length && body.get(to) && pieceOf[to] != pieceOf[from]) {
            entries.get(pieceOf[to]).set(to);
        }
    }

    /**
     * The method of a split function: runs the piece holding the current slot until the
     * function's exit, with the registers and the count in an array.
     */
    private static void emitDriver(ClassWriter cw, int entry, List<BitSet> pieces) {
        MethodVisitor mv = cw.visitMethod(ACC_STATIC, functionName(entry), FunctionEmitter.FUNC_DESC, null, null);
        mv.visitCode();
        int regs = 22;
        int pc = 23;
        mv.visitIntInsn(BIPUSH, 11);
        mv.visitIntInsn(NEWARRAY, T_LONG);
        mv.visitVarInsn(ASTORE, regs);
        for (int r = 0; r < 10; r++) {
            mv.visitVarInsn(ALOAD, regs);
            mv.visitIntInsn(BIPUSH, r);
            mv.visitVarInsn(LLOAD, 2 + 2 * r);
            mv.visitInsn(LASTORE);
        }
        mv.visitVarInsn(ALOAD, regs);
        mv.visitIntInsn(BIPUSH, 10);
        mv.visitVarInsn(ALOAD, 0);
        mv.visitFieldInsn(GETFIELD, RuntimeRefs.JIT_STATE, "ctx", "L" + RuntimeRefs.EXEC_CONTEXT + ";");
        RuntimeRefs.GET_EXECUTED.emit(mv);
        mv.visitInsn(LASTORE);
        mv.visitLdcInsn(entry);
        mv.visitVarInsn(ISTORE, pc);
        Label loop = new Label();
        Label check = new Label();
        mv.visitLabel(loop);
        Label[] calls = new Label[pieces.size()];
        for (int k = 0; k < pieces.size(); k++) {
            calls[k] = new Label();
        }
        int[] starts = pieces.stream().mapToInt(b -> b.nextSetBit(0)).toArray();
        pieceTree(mv, pc, starts, calls, 0, pieces.size() - 1);
        for (int k = 0; k < pieces.size(); k++) {
            mv.visitLabel(calls[k]);
            mv.visitVarInsn(ALOAD, 0);
            mv.visitVarInsn(ILOAD, 1);
            mv.visitVarInsn(ALOAD, regs);
            mv.visitVarInsn(ILOAD, pc);
            mv.visitMethodInsn(INVOKESTATIC, CLASS_NAME, chunkName(entry, k), FunctionEmitter.CHUNK_DESC, false);
            mv.visitVarInsn(ISTORE, pc);
            mv.visitJumpInsn(GOTO, check);
        }
        mv.visitLabel(check);
        mv.visitVarInsn(ILOAD, pc);
        mv.visitJumpInsn(IFGE, loop);
        mv.visitVarInsn(ALOAD, regs);
        mv.visitInsn(ICONST_0);
        mv.visitInsn(LALOAD);
        mv.visitInsn(LRETURN);
        mv.visitMaxs(0, 0);
        mv.visitEnd();
    }

    /** Jumps to the call of the piece holding slot {@code pc}: a balanced tree of compares on piece starts. */
    private static void pieceTree(MethodVisitor mv, int pc, int[] starts, Label[] calls, int lo, int hi) {
        if (lo == hi) {
            mv.visitJumpInsn(GOTO, calls[lo]);
            return;
        }
        int mid = (lo + hi + 1) >>> 1;
        Label right = new Label();
        mv.visitVarInsn(ILOAD, pc);
        mv.visitLdcInsn(starts[mid]);
        mv.visitJumpInsn(IF_ICMPGE, right);
        pieceTree(mv, pc, starts, calls, lo, mid - 1);
        mv.visitLabel(right);
        pieceTree(mv, pc, starts, calls, mid, hi);
    }

    /** The static final field holding class constant {@code k} (class data element {@code 2 + k}). */
    static String constantName(int k) {
        return "K" + k;
    }

    /**
     * {@code <clinit>}: class data is {@code Object[] {program, null, constants...}}; PROG =
     * data[0], SELF = new instance, stored back into data[1] for the compiler to pick up,
     * {@code K<k>} = data[2 + k].
     */
    private static void emitClinit(ClassWriter cw, List<Object> constants) {
        MethodVisitor mv = cw.visitMethod(ACC_STATIC, "<clinit>", "()V", null, null);
        mv.visitCode();
        mv.visitMethodInsn(INVOKESTATIC, "java/lang/invoke/MethodHandles", "lookup",
                "()Ljava/lang/invoke/MethodHandles$Lookup;", false);
        mv.visitLdcInsn("_");
        mv.visitLdcInsn(Type.getType(Object[].class));
        mv.visitMethodInsn(INVOKESTATIC, "java/lang/invoke/MethodHandles", "classData",
                "(Ljava/lang/invoke/MethodHandles$Lookup;Ljava/lang/String;Ljava/lang/Class;)Ljava/lang/Object;", false);
        mv.visitTypeInsn(CHECKCAST, "[Ljava/lang/Object;");
        mv.visitVarInsn(ASTORE, 0);
        mv.visitVarInsn(ALOAD, 0);
        mv.visitInsn(ICONST_0);
        mv.visitInsn(AALOAD);
        mv.visitTypeInsn(CHECKCAST, RuntimeRefs.PROGRAM);
        mv.visitFieldInsn(PUTSTATIC, CLASS_NAME, "PROG", "L" + RuntimeRefs.PROGRAM + ";");
        mv.visitTypeInsn(NEW, CLASS_NAME);
        mv.visitInsn(DUP);
        mv.visitMethodInsn(INVOKESPECIAL, CLASS_NAME, "<init>", "()V", false);
        mv.visitInsn(DUP);
        mv.visitFieldInsn(PUTSTATIC, CLASS_NAME, "SELF", "L" + RuntimeRefs.JIT_CODE + ";");
        mv.visitVarInsn(ALOAD, 0);
        mv.visitInsn(SWAP);
        mv.visitInsn(ICONST_1);
        mv.visitInsn(SWAP);
        mv.visitInsn(AASTORE);
        for (int k = 0; k < constants.size(); k++) {
            mv.visitVarInsn(ALOAD, 0);
            mv.visitLdcInsn(2 + k);
            mv.visitInsn(AALOAD);
            mv.visitTypeInsn(CHECKCAST, Type.getInternalName(constants.get(k).getClass()));
            mv.visitFieldInsn(PUTSTATIC, CLASS_NAME, constantName(k), Type.getDescriptor(constants.get(k).getClass()));
        }
        mv.visitInsn(RETURN);
        mv.visitMaxs(0, 0);
        mv.visitEnd();
    }

    private static void emitInit(ClassWriter cw) {
        MethodVisitor mv = cw.visitMethod(ACC_PRIVATE, "<init>", "()V", null, null);
        mv.visitCode();
        mv.visitVarInsn(ALOAD, 0);
        mv.visitFieldInsn(GETSTATIC, CLASS_NAME, "PROG", "L" + RuntimeRefs.PROGRAM + ";");
        mv.visitMethodInsn(INVOKESPECIAL, RuntimeRefs.JIT_CODE, "<init>", "(L" + RuntimeRefs.PROGRAM + ";)V", false);
        mv.visitInsn(RETURN);
        mv.visitMaxs(0, 0);
        mv.visitEnd();
    }

    /** {@code dispatch}: a switch over the function entries; other slots go to the interpreter. */
    private static void emitDispatch(ClassWriter cw, CodeAnalysis an) {
        String desc = "(L" + RuntimeRefs.JIT_STATE + ";IIJJJJJJJJJJ)J";
        MethodVisitor mv = cw.visitMethod(0, "dispatch", desc, null, null);
        mv.visitCode();
        int[] keys = an.entries.stream().mapToInt(Integer::intValue).toArray();
        Label[] cases = new Label[keys.length];
        for (int k = 0; k < keys.length; k++) {
            cases[k] = new Label();
        }
        Label other = new Label();
        mv.visitVarInsn(ILOAD, 2);
        mv.visitLookupSwitchInsn(other, keys, cases);
        for (int k = 0; k < keys.length; k++) {
            mv.visitLabel(cases[k]);
            mv.visitVarInsn(ALOAD, 1);
            mv.visitVarInsn(ILOAD, 3);
            for (int r = 0; r < 10; r++) {
                mv.visitVarInsn(LLOAD, 4 + 2 * r);
            }
            mv.visitMethodInsn(INVOKESTATIC, CLASS_NAME, functionName(keys[k]), FunctionEmitter.FUNC_DESC, false);
            mv.visitInsn(LRETURN);
        }
        mv.visitLabel(other);
        mv.visitVarInsn(ALOAD, 1);
        mv.visitFieldInsn(GETSTATIC, CLASS_NAME, "PROG", "L" + RuntimeRefs.PROGRAM + ";");
        mv.visitVarInsn(ILOAD, 2);
        mv.visitVarInsn(ILOAD, 3);
        for (int r = 0; r < 10; r++) {
            mv.visitVarInsn(LLOAD, 4 + 2 * r);
        }
        RuntimeRefs.INTERPRET.emit(mv);
        mv.visitInsn(LRETURN);
        mv.visitMaxs(0, 0);
        mv.visitEnd();
    }

    /** Defines the class as a hidden class (unloadable with its code) and returns its instance. */
    private static JitCode define(Program p, byte[] bytes, List<Object> constants) {
        Object[] data = new Object[2 + constants.size()];
        data[0] = p;
        for (int k = 0; k < constants.size(); k++) {
            data[2 + k] = constants.get(k);
        }
        try {
            MethodHandles.lookup().defineHiddenClassWithClassData(bytes, data, true);
        } catch (LinkageError e) {
            throw new JitException(p.name(), "generated class rejected: " + e, e);
        } catch (IllegalAccessException | RuntimeException e) {
            throw new JitException(p.name(), "cannot define generated class: " + e, e);
        }
        return (JitCode) data[1];
    }

    /** The generated class file, for tests and dumps. */
    static byte[] classBytes(Program p, EmitOptions options) {
        return generate(new CodeAnalysis(p), options, new HashMap<>()).bytes;
    }
}
