package dev.bpfvm.helpers;

import dev.bpfvm.vm.isa.Insn;

/** Tiny instruction builders for tests (kernel insn macros by their names). */
final class Bpf {
    private Bpf() {}

    static final int R0 = 0, R1 = 1, R2 = 2, R3 = 3, R4 = 4, R5 = 5, R6 = 6, R7 = 7, R8 = 8, R9 = 9, R10 = 10;

    static Insn movImm(int dst, int imm) {
        return new Insn(0xb7, dst, 0, 0, imm);
    }

    static Insn movReg(int dst, int src) {
        return new Insn(0xbf, dst, src, 0, 0);
    }

    static Insn addImm(int dst, int imm) {
        return new Insn(0x07, dst, 0, 0, imm);
    }

    static Insn addReg(int dst, int src) {
        return new Insn(0x0f, dst, src, 0, 0);
    }

    /** *(u32 *)(dst + off) = imm */
    static Insn stW(int dst, int off, int imm) {
        return new Insn(0x62, dst, 0, off, imm);
    }

    /** *(u64 *)(dst + off) = imm */
    static Insn stDw(int dst, int off, int imm) {
        return new Insn(0x7a, dst, 0, off, imm);
    }

    /** *(u64 *)(dst + off) = src */
    static Insn stxDw(int dst, int off, int src) {
        return new Insn(0x7b, dst, src, off, 0);
    }

    /** *(u32 *)(dst + off) = src */
    static Insn stxW(int dst, int off, int src) {
        return new Insn(0x63, dst, src, off, 0);
    }

    /** dst = *(u64 *)(src + off) */
    static Insn ldxDw(int dst, int src, int off) {
        return new Insn(0x79, dst, src, off, 0);
    }

    /** dst = *(u32 *)(src + off) */
    static Insn ldxW(int dst, int src, int off) {
        return new Insn(0x61, dst, src, off, 0);
    }

    /** lock *(u64 *)(dst + off) += src */
    static Insn atomicAdd64(int dst, int off, int src) {
        return new Insn(0xdb, dst, src, off, 0x00);
    }

    static Insn jeqImm(int dst, int imm, int off) {
        return new Insn(0x15, dst, 0, off, imm);
    }

    static Insn jneImm(int dst, int imm, int off) {
        return new Insn(0x55, dst, 0, off, imm);
    }

    static Insn ja(int off) {
        return new Insn(0x05, 0, 0, off, 0);
    }

    static Insn call(int helper) {
        return new Insn(0x85, 0, 0, 0, helper);
    }

    static Insn exit() {
        return new Insn(0x95, 0, 0, 0, 0);
    }

    /** dst = the 64-bit constant (a map address after linking). */
    static Insn ldImm64(int dst, long imm) {
        return Insn.lddw(dst, 0, imm);
    }

    /** dst = address of the function {@code rel} slots after the next instruction (BPF_PSEUDO_FUNC). */
    static Insn ldFunc(int dst, int rel) {
        return Insn.lddw(dst, 4, rel);
    }
}
