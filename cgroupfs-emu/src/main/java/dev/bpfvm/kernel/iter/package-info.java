/** The cgroup iterator, seq_file reads and the seq_file helpers. */
package dev.bpfvm.kernel.iter;
