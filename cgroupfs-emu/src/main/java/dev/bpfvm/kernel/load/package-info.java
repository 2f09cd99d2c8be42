/**
 * The loading pipeline: an object file's {@link dev.bpfvm.vm.object.ObjectSpec} becomes live maps
 * and linked programs in a {@link dev.bpfvm.vm.exec.BpfRuntime} ({@link BpfObject}), with typed
 * map views ({@link MapView}) and test runs ({@link BpfProgram#testRun}).
 */
package dev.bpfvm.kernel.load;
