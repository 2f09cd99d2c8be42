/**
 * Testing BPF programs with JUnit 5: {@link dev.bpfvm.junit.BpfTest} (the
 * {@link dev.bpfvm.junit.BpfExtension}) injects a fresh emulated kernel, a loaded object, its maps
 * and programs into each test; {@link dev.bpfvm.junit.BpfAssertions} asserts on maps, test runs
 * and verifier results with messages that show the BPF context (disassembly with source lines,
 * the map diff, the verifier log tail).
 */
package dev.bpfvm.junit;
