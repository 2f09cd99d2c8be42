/** The bpf() system call: commands, fd tables, refcounted objects and bpffs. */
package dev.bpfvm.kernel.syscall;
