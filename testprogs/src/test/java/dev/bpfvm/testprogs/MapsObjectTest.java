package dev.bpfvm.testprogs;

import static dev.bpfvm.junit.BpfAssertions.assertThat;

import dev.bpfvm.junit.BpfMapName;
import dev.bpfvm.junit.BpfObjectFile;
import dev.bpfvm.junit.BpfProgramName;
import dev.bpfvm.junit.BpfTest;
import dev.bpfvm.kernel.load.BpfObject;
import dev.bpfvm.kernel.load.BpfProgram;
import dev.bpfvm.kernel.load.MapView;
import dev.bpfvm.kernel.testrun.TestRunOptions;
import dev.bpfvm.vm.spi.MapType;
import org.junit.jupiter.api.Test;

/** maps.c through the JUnit extension: a fresh maps.o per test, maps and programs injected by name. */
@BpfTest
@BpfObjectFile("maps.o")
class MapsObjectTest {
    @Test
    void mapsObjectCreatesEveryMapAndFillsSlots(BpfObject obj, @BpfProgramName("use_maps") BpfProgram useMaps,
            @BpfMapName("array") MapView array, @BpfMapName("hash") MapView hash,
            @BpfMapName("percpu_hash") MapView percpuHash) {
        assertThat(hash.type()).isEqualTo(MapType.HASH);
        assertThat(obj.map("outer_array").map().type()).isEqualTo(MapType.ARRAY_OF_MAPS);
        // jumps[1] = tail_b, so an odd skb->len tail-calls tail_b (returns 2), even: tail_a (1)
        assertThat(useMaps.testRun(TestRunOptions.data(new byte[14 + 7]))).hasRetval(2);
        assertThat(useMaps.testRun(TestRunOptions.data(new byte[14 + 8]))).hasRetval(1);
        assertThat(array).containsEntry(0, 2);
        assertThat(hash).doesNotContainKey(0);                          // hash had no element 0
        assertThat(percpuHash.lookupPerCpuLong(7)).containsExactly(7, 0, 0, 0);
        assertThat(percpuHash.lookupPerCpuLong(8)).containsExactly(8, 0, 0, 0);
        assertThat(percpuHash).containsEntry(7, 7).containsEntry(8, 8).hasSize(2);
    }

    @Test
    void mapInMapSlotsAreFilled(@BpfProgramName("use_maps") BpfProgram useMaps, @BpfMapName("inner_a") MapView innerA,
            @BpfMapName("inner_b") MapView innerB, @BpfMapName("queue") MapView queue) {
        useMaps.testRun(TestRunOptions.data(new byte[14 + 8]));
        assertThat(innerA).containsEntry(0, 1);                         // through outer_array[0]
        assertThat(innerB).containsEntry(0, 0);
        assertThat(queue.map().type()).isEqualTo(MapType.QUEUE);
    }

    @Test
    void programsRunOnTheChosenCpu(@BpfProgramName("use_maps") BpfProgram useMaps,
            @BpfMapName("percpu_hash") MapView percpuHash) {
        useMaps.testRun(TestRunOptions.data(new byte[14 + 9]).withCpu(3));
        assertThat(percpuHash.lookupPerCpuLong(9)).containsExactly(0, 0, 0, 9);
    }
}
