/** Attach points (tracepoints, tp_btf, raw_tp, fentry/fexit) and the firing of their programs. */
package dev.bpfvm.kernel.trace;
