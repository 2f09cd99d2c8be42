/**
 * bpfvm's emulated kernel: the cgroup v2 tree and tasks ({@code cgroup}), attach points and
 * the events that fire them ({@code trace}), rstat ({@code rstat}), the cgroup iterator and
 * seq_file ({@code iter}), behind one facade, {@link dev.bpfvm.kernel.EmulatedKernel}.
 */
package dev.bpfvm.kernel;
