/** cgroup rstat: per-CPU updated trees, flush walks and the rstat kfuncs. */
package dev.bpfvm.kernel.rstat;
