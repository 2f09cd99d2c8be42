/** JMH benchmarks. */
package dev.bpfvm.bench;
