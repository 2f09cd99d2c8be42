/** Scenario scripts: a line-based language that drives the emulated kernel. */
package dev.bpfvm.kernel.scenario;
