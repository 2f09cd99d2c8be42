/**
 * {@code BPF_PROG_TEST_RUN}: program contexts per program type ({@code __sk_buff}, {@code xdp_md},
 * tracing arguments, {@code pt_regs}, tracepoint records, syscall arguments), the packet helpers
 * that need those models, and the run itself ({@link TestRun}).
 */
package dev.bpfvm.kernel.testrun;
