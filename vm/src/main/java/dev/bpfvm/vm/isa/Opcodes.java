package dev.bpfvm.vm.isa;

/**
 * The eBPF opcode byte, split into its parts (RFC 9669 section 3 and the Linux uapi
 * {@code bpf.h}/{@code bpf_common.h} names), and the one table of truth that says which of the
 * 256 byte values are instructions.
 *
 * <p>Decoder, encoder, interpreter, disassembler, verifier and JIT all switch on these constants
 * and ask {@link #isValid(int)}; none of them keeps a list of its own.
 */
public final class Opcodes {
    private Opcodes() {}

    // --- instruction classes (low 3 bits) ---
    public static final int LD = 0x00;
    public static final int LDX = 0x01;
    public static final int ST = 0x02;
    public static final int STX = 0x03;
    public static final int ALU = 0x04;
    public static final int JMP = 0x05;
    public static final int JMP32 = 0x06;
    public static final int ALU64 = 0x07;

    // --- load/store size (bits 3-4) ---
    public static final int W = 0x00;
    public static final int H = 0x08;
    public static final int B = 0x10;
    public static final int DW = 0x18;

    // --- load/store mode (bits 5-7) ---
    public static final int IMM = 0x00;
    public static final int ABS = 0x20;
    public static final int IND = 0x40;
    public static final int MEM = 0x60;
    public static final int MEMSX = 0x80;
    public static final int ATOMIC = 0xc0;

    // --- source operand (bit 3) ---
    public static final int K = 0x00;
    public static final int X = 0x08;

    // --- ALU operations (bits 4-7) ---
    public static final int ADD = 0x00;
    public static final int SUB = 0x10;
    public static final int MUL = 0x20;
    public static final int DIV = 0x30;
    public static final int OR = 0x40;
    public static final int AND = 0x50;
    public static final int LSH = 0x60;
    public static final int RSH = 0x70;
    public static final int NEG = 0x80;
    public static final int MOD = 0x90;
    public static final int XOR = 0xa0;
    public static final int MOV = 0xb0;
    public static final int ARSH = 0xc0;
    public static final int END = 0xd0;

    /** END with class ALU: source bit selects the target byte order. */
    public static final int TO_LE = 0x00;
    public static final int TO_BE = 0x08;

    // --- jump operations (bits 4-7) ---
    public static final int JA = 0x00;
    public static final int JEQ = 0x10;
    public static final int JGT = 0x20;
    public static final int JGE = 0x30;
    public static final int JSET = 0x40;
    public static final int JNE = 0x50;
    public static final int JSGT = 0x60;
    public static final int JSGE = 0x70;
    public static final int CALL = 0x80;
    public static final int EXIT = 0x90;
    public static final int JLT = 0xa0;
    public static final int JLE = 0xb0;
    public static final int JSLT = 0xc0;
    public static final int JSLE = 0xd0;
    /** BPF_JCOND: a jump whose condition is not a register comparison (src names which one). */
    public static final int JCOND = 0xe0;

    // --- atomic operations (in imm of STX|ATOMIC) ---
    public static final int FETCH = 0x01;
    public static final int ATOMIC_ADD = 0x00;
    public static final int ATOMIC_OR = 0x40;
    public static final int ATOMIC_AND = 0x50;
    public static final int ATOMIC_XOR = 0xa0;
    public static final int ATOMIC_XCHG = 0xe0 | FETCH;
    public static final int ATOMIC_CMPXCHG = 0xf0 | FETCH;

    // --- src register meanings of ld_imm64 (BPF_PSEUDO_*) ---
    public static final int PSEUDO_MAP_FD = 1;
    public static final int PSEUDO_MAP_VALUE = 2;
    public static final int PSEUDO_BTF_ID = 3;
    public static final int PSEUDO_FUNC = 4;
    public static final int PSEUDO_MAP_IDX = 5;
    public static final int PSEUDO_MAP_IDX_VALUE = 6;

    // --- src register meanings of call ---
    public static final int PSEUDO_CALL_HELPER = 0;
    public static final int PSEUDO_CALL = 1;
    public static final int PSEUDO_KFUNC_CALL = 2;

    // --- frequently named whole opcodes ---
    public static final int LDDW = LD | IMM | DW;              // 0x18
    public static final int CALL_IMM = JMP | CALL | K;          // 0x85
    public static final int CALLX = JMP | CALL | X;             // 0x8d
    public static final int EXIT_INSN = JMP | EXIT;             // 0x95
    public static final int JA64 = JMP | JA;                    // 0x05
    public static final int GOTOL = JMP32 | JA;                 // 0x06
    /** {@code may_goto}: BPF_JMP | BPF_JCOND with src BPF_MAY_GOTO (0), off the target. */
    public static final int MAY_GOTO = JMP | JCOND;             // 0xe5
    /** src of {@link #MAY_GOTO}: BPF_MAY_GOTO. */
    public static final int JCOND_MAY_GOTO = 0;
    /** Linux's BPF_MAX_LOOPS: the iterations a may_goto allows per function call (8M). */
    public static final int MAX_LOOPS = 8 * 1024 * 1024;

    /** Register count: r0-r10. */
    public static final int REGS = 11;
    /** The read-only frame pointer. */
    public static final int FP = 10;

    public static int cls(int opcode) {
        return opcode & 0x07;
    }

    public static int size(int opcode) {
        return opcode & 0x18;
    }

    public static int mode(int opcode) {
        return opcode & 0xe0;
    }

    public static int op(int opcode) {
        return opcode & 0xf0;
    }

    public static int source(int opcode) {
        return opcode & 0x08;
    }

    /** Bytes moved by a load/store of this size code. */
    public static int sizeBytes(int sizeCode) {
        switch (sizeCode) {
            case W: return 4;
            case H: return 2;
            case B: return 1;
            case DW: return 8;
            default: throw new IllegalArgumentException("size code " + sizeCode);
        }
    }

    public static boolean isAlu(int opcode) {
        int c = cls(opcode);
        return c == ALU || c == ALU64;
    }

    public static boolean isJump(int opcode) {
        int c = cls(opcode);
        return c == JMP || c == JMP32;
    }

    /** A conditional jump (JMP or JMP32 class, not JA, CALL or EXIT). */
    public static boolean isCondJump(int opcode) {
        if (!isJump(opcode)) {
            return false;
        }
        int o = op(opcode);
        return o != JA && o != CALL && o != EXIT;
    }

    private static final boolean[] VALID = new boolean[256];

    static {
        int[] aluOps = {ADD, SUB, MUL, DIV, OR, AND, LSH, RSH, MOD, XOR, MOV, ARSH};
        for (int c : new int[] {ALU, ALU64}) {
            for (int o : aluOps) {
                VALID[c | o | K] = true;
                VALID[c | o | X] = true;
            }
            VALID[c | NEG | K] = true;
        }
        VALID[ALU | END | TO_LE] = true;   // 0xd4 le16/32/64
        VALID[ALU | END | TO_BE] = true;   // 0xdc be16/32/64
        VALID[ALU64 | END | K] = true;     // 0xd7 bswap16/32/64

        VALID[LDDW] = true;
        for (int s : new int[] {W, H, B}) {
            VALID[LD | ABS | s] = true;
            VALID[LD | IND | s] = true;
            VALID[LDX | MEMSX | s] = true;
        }
        for (int s : new int[] {W, H, B, DW}) {
            VALID[LDX | MEM | s] = true;
            VALID[ST | MEM | s] = true;
            VALID[STX | MEM | s] = true;
        }
        VALID[STX | ATOMIC | W] = true;
        VALID[STX | ATOMIC | DW] = true;

        int[] condOps = {JEQ, JGT, JGE, JSET, JNE, JSGT, JSGE, JLT, JLE, JSLT, JSLE};
        for (int c : new int[] {JMP, JMP32}) {
            for (int o : condOps) {
                VALID[c | o | K] = true;
                VALID[c | o | X] = true;
            }
        }
        VALID[JA64] = true;
        VALID[GOTOL] = true;
        VALID[MAY_GOTO] = true;
        VALID[CALL_IMM] = true;
        VALID[CALLX] = true;
        VALID[EXIT_INSN] = true;
    }

    /** Whether the byte is the opcode of some instruction (RFC 9669 incl. v4, legacy packet loads). */
    public static boolean isValid(int opcode) {
        return opcode >= 0 && opcode < 256 && VALID[opcode];
    }

    /** Every valid opcode byte, ascending. */
    public static int[] validOpcodes() {
        int n = 0;
        for (boolean v : VALID) {
            if (v) {
                n++;
            }
        }
        int[] out = new int[n];
        int i = 0;
        for (int op = 0; op < 256; op++) {
            if (VALID[op]) {
                out[i++] = op;
            }
        }
        return out;
    }

    /** Whether an atomic imm names an operation (for 32- or 64-bit STX|ATOMIC). */
    public static boolean isValidAtomicOp(int imm) {
        switch (imm) {
            case ATOMIC_ADD: case ATOMIC_ADD | FETCH:
            case ATOMIC_OR: case ATOMIC_OR | FETCH:
            case ATOMIC_AND: case ATOMIC_AND | FETCH:
            case ATOMIC_XOR: case ATOMIC_XOR | FETCH:
            case ATOMIC_XCHG:
            case ATOMIC_CMPXCHG:
                return true;
            default:
                return false;
        }
    }
}
