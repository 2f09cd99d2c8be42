/**
 * Text tools: {@link dev.bpfvm.vm.asm.Assembler} (text → instructions), {@link
 * dev.bpfvm.vm.asm.Disassembler} (instructions → assembler text or kernel pseudo-C) and the
 * {@link dev.bpfvm.vm.asm.Asm} builder for tests.
 *
 * <p>Decisions:
 *
 * <ul>
 *   <li>The assembler syntax is ubpf's / bpf_conformance's, so their {@code -- asm} sections
 *       assemble as they are: {@code %r} optional, {@code lock [fetch] OP[32]} atomics, {@code
 *       ja32} for JMP32|JA (also {@code gotol}), {@code call local}/{@code call runtime}/{@code
 *       call %rN}, the implicit {@code exit} label. Values that do not fit their field are
 *       errors; bpf_conformance's silent truncation is an option.
 *   <li>The disassembler prints that same syntax and guarantees a bit-exact round trip for
 *       every encoding: what the syntax cannot express (reserved fields set, unknown opcodes,
 *       registers above r10) prints as {@code .insn op, dst, src, off, imm}.
 *   <li>The kernel printer follows {@code kernel/bpf/disasm.c} line for line. Where the kernel
 *       has no text we chose: {@code callx rN} for 0x8d (as LLVM prints it), {@code unknown
 *       opcode XX} for bytes outside the instruction set (the verifier's wording). Helper names,
 *       kfunc names and ld_imm64 values come from {@link dev.bpfvm.vm.asm.Disassembler.Symbols}
 *       (the kernel's {@code cb_call}/{@code cb_imm}); without them a helper prints as {@code
 *       unknown#N} and an ld_imm64 as its raw value.
 * </ul>
 */
package dev.bpfvm.vm.asm;
