package dev.bpfvm.vm.jit;

import dev.bpfvm.vm.exec.BpfRuntime;
import dev.bpfvm.vm.exec.ExecContext;
import dev.bpfvm.vm.exec.Program;
import dev.bpfvm.vm.exec.Semantics;
import dev.bpfvm.vm.mem.AddressSpace;
import dev.bpfvm.vm.spi.HelperFunction;
import dev.bpfvm.vm.spi.HelperRegistry;
import dev.bpfvm.vm.spi.HelperSpec;
import dev.bpfvm.vm.spi.InlineLookup;
import dev.bpfvm.vm.spi.KfuncRegistry;
import dev.bpfvm.vm.spi.KfuncSpec;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;

/**
 * The methods generated code calls, resolved once by reflection (so a renamed method fails when
 * this class loads, not when some program happens to need it) and emitted as invoke
 * instructions.
 */
final class RuntimeRefs {
    private RuntimeRefs() {}

    /** A method to call from generated code. */
    record Ref(int opcode, String owner, String name, String desc, boolean itf) {
        void emit(MethodVisitor mv) {
            mv.visitMethodInsn(opcode, owner, name, desc, itf);
        }
    }

    static Ref ref(Class<?> owner, String name, Class<?>... params) {
        try {
            Method m = owner.getDeclaredMethod(name, params);
            int op = Modifier.isStatic(m.getModifiers()) ? Opcodes.INVOKESTATIC
                    : owner.isInterface() ? Opcodes.INVOKEINTERFACE : Opcodes.INVOKEVIRTUAL;
            return new Ref(op, Type.getInternalName(owner), name, Type.getMethodDescriptor(m), owner.isInterface());
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException("runtime method missing: " + owner.getName() + "." + name, e);
        }
    }

    static final String JIT_STATE = Type.getInternalName(JitState.class);
    static final String JIT_CODE = Type.getInternalName(JitCode.class);
    static final String PROGRAM = Type.getInternalName(Program.class);
    static final String EXEC_CONTEXT = Type.getInternalName(ExecContext.class);

    private static final Class<?> J = long.class;
    private static final Class<?> I = int.class;

    // --- Semantics, shared with the interpreter ---
    static final Ref UDIV64 = ref(Semantics.class, "udiv64", J, J);
    static final Ref UMOD64 = ref(Semantics.class, "umod64", J, J);
    static final Ref SDIV64 = ref(Semantics.class, "sdiv64", J, J);
    static final Ref SMOD64 = ref(Semantics.class, "smod64", J, J);
    static final Ref UDIV32 = ref(Semantics.class, "udiv32", J, J);
    static final Ref UMOD32 = ref(Semantics.class, "umod32", J, J);
    static final Ref SDIV32 = ref(Semantics.class, "sdiv32", J, J);
    static final Ref SMOD32 = ref(Semantics.class, "smod32", J, J);
    static final Ref LSH32 = ref(Semantics.class, "lsh32", J, J);
    static final Ref RSH32 = ref(Semantics.class, "rsh32", J, J);
    static final Ref ARSH32 = ref(Semantics.class, "arsh32", J, J);
    static final Ref MOVSX64 = ref(Semantics.class, "movsx64", J, I);
    static final Ref MOVSX32 = ref(Semantics.class, "movsx32", J, I);
    static final Ref TO_LE = ref(Semantics.class, "toLe", J, I);
    static final Ref BSWAP = ref(Semantics.class, "bswap", J, I);
    static final Ref COND32 = ref(Semantics.class, "cond32", I, J, J);
    static final Ref COMPARE_UNSIGNED = ref(Long.class, "compareUnsigned", J, J);

    // --- memory ---
    static final Ref LOAD = ref(AddressSpace.class, "load", J, I);
    static final Ref STORE = ref(AddressSpace.class, "store", J, I, J);
    static final Ref ATOMIC = ref(AddressSpace.class, "atomic", J, I, I, J);
    static final Ref CMPXCHG = ref(AddressSpace.class, "cmpxchg", J, I, J, J);
    static final Ref LD8 = ref(MemoryAccess.class, "ld8", byte[].class, I);
    static final Ref LD16 = ref(MemoryAccess.class, "ld16", byte[].class, I);
    static final Ref LD32 = ref(MemoryAccess.class, "ld32", byte[].class, I);
    static final Ref LD64 = ref(MemoryAccess.class, "ld64", byte[].class, I);
    static final Ref ST8 = ref(MemoryAccess.class, "st8", byte[].class, I, J);
    static final Ref ST16 = ref(MemoryAccess.class, "st16", byte[].class, I, J);
    static final Ref ST32 = ref(MemoryAccess.class, "st32", byte[].class, I, J);
    static final Ref ST64 = ref(MemoryAccess.class, "st64", byte[].class, I, J);
    static final Ref LOAD_MISS = ref(MemoryAccess.class, "loadMiss", JitState.class, J, I);
    static final Ref STORE_MISS = ref(MemoryAccess.class, "storeMiss", JitState.class, J, I, J);
    static final Ref REMOVALS = ref(AddressSpace.class, "removals");
    static final Ref WINDOW = ref(MemoryAccess.class, "window", JitState.class, J);
    static final Ref LIMIT_TRIPS = ref(MemoryAccess.class, "limitTrips", J, J, J, J, J, I);
    static final Ref TRIPS_WHILE = ref(MemoryAccess.class, "tripsWhile", I, J, J, J);
    static final Ref UDIV_POSITIVE = ref(MemoryAccess.class, "udivPositive", J, J);
    static final Ref UMOD_POSITIVE = ref(MemoryAccess.class, "umodPositive", J, J);
    static final Ref MIN_LONG = ref(Math.class, "min", J, J);
    static final Ref CLAMP_TRIPS = ref(MemoryAccess.class, "clampTrips", J);

    // --- context and registries ---
    static final Ref GET_EXECUTED = ref(ExecContext.class, "executed");
    static final Ref SET_EXECUTED = ref(ExecContext.class, "executed", J);
    static final Ref RUN_BUDGET = ref(ExecContext.class, "runBudget");
    static final Ref SET_DEPTH = ref(ExecContext.class, "depth", I);
    static final Ref TAKE_TAIL_CALL = ref(ExecContext.class, "takeTailCall");
    static final Ref RUNTIME = ref(ExecContext.class, "runtime");
    static final Ref FUNCTION_ADDRESS = ref(Program.class, "functionAddress", BpfRuntime.class, I);
    static final Ref HELPER_BY_ID = ref(HelperRegistry.class, "byId", J);
    static final Ref HELPER_FN = ref(HelperSpec.class, "fn");
    static final Ref KFUNC_BY_ID = ref(KfuncRegistry.class, "byBtfId", I);
    static final Ref KFUNC_FN = ref(KfuncSpec.class, "fn");
    static final Ref CALL_FN = ref(HelperFunction.class, "call", ExecContext.class, J, J, J, J, J);
    static final Ref LOOKUP_INDEX = ref(InlineLookup.class, "lookupIndex", ExecContext.class, I);
    static final Ref LEARN_LOOKUP = ref(LookupSite.class, "learn", JitState.class, J);
    static final Ref FAST_LOOKUP = ref(LookupSite.class, "forFastLoop", JitState.class);
    static final Ref INDEX_ADDRESS = ref(InlineLookup.class, "indexAddress", ExecContext.class, I);

    // --- JitRuntime ---
    static final Ref FAULT = ref(JitRuntime.class, "fault", Throwable.class, I, Program.class, JitState.class, J);
    static final Ref INVALID = ref(JitRuntime.class, "invalid", JitState.class, J, I, Program.class);
    static final Ref OUT_OF_RANGE = ref(JitRuntime.class, "outOfRange", JitState.class, J, I, Program.class, I);
    static final Ref BUDGET = ref(JitRuntime.class, "budget", JitState.class, J, I, Program.class);
    static final Ref TOO_DEEP = ref(JitRuntime.class, "tooDeep", JitState.class, J, I, Program.class);
    static final Ref UNKNOWN_HELPER = ref(JitRuntime.class, "unknownHelper", JitState.class, J, I, Program.class, J);
    static final Ref UNKNOWN_KFUNC = ref(JitRuntime.class, "unknownKfunc", JitState.class, J, I, Program.class, I);
    static final Ref CALLX = ref(JitRuntime.class, "callx", JitState.class, JitCode.class, J, I, I,
            J, J, J, J, J, J, J, J, J, J);
    static final Ref TAIL_CALL = ref(JitRuntime.class, "tailCall", Program.class, JitState.class, I, Program.class, I,
            J, J, J, J, J, J, J, J, J, J);
    static final Ref INTERPRET = ref(JitRuntime.class, "interpret", JitState.class, Program.class, I, I,
            J, J, J, J, J, J, J, J, J, J);
    static final Ref LEGACY_LOAD = ref(JitRuntime.class, "legacyLoad", JitState.class, J, J, I, I);
}
