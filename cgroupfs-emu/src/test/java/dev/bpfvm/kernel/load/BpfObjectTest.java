package dev.bpfvm.kernel.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bpfvm.vm.object.MapEntry;
import dev.bpfvm.vm.object.MapSpec;
import dev.bpfvm.vm.object.ObjectSpec;
import dev.bpfvm.vm.object.Pinning;
import dev.bpfvm.vm.spi.MapAttr;
import dev.bpfvm.vm.spi.MapType;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The pipeline on hand-made specs (objects from clang are tested in testprogs). */
class BpfObjectTest {
    private static ObjectSpec spec(MapSpec... maps) {
        return new ObjectSpec("unit", List.of(), List.of(maps), List.of(), List.of(), "GPL", 0, null);
    }

    private static MapSpec data(String section, byte[] bytes, boolean frozen) {
        return new MapSpec(section, MapType.ARRAY, 4, bytes.length, 1, MapSpec.BPF_F_MMAPABLE, 0, Pinning.NONE, 0,
                null, List.of(new MapEntry(new byte[4], bytes)), new TreeMap<>(), 0, 0, section, frozen);
    }

    @Test
    void integerViews() {
        try (BpfObject obj = BpfObject.load(spec(MapSpec.of("h", MapType.HASH, 4, 8, 16, 0)), LoadOptions.defaults())) {
            MapView h = obj.map("h");
            assertThat(h.lookupLong(1)).isEmpty();
            h.updateLong(1, 0x1122334455667788L);
            h.updateLong(2, 5);
            assertThat(h.lookupLong(1)).hasValue(0x1122334455667788L);
            assertThat(h.entriesLong()).containsExactly(Map.entry(1L, 0x1122334455667788L), Map.entry(2L, 5L));
            assertThat(h.deleteLong(1)).isTrue();
            assertThat(h.deleteLong(1)).isFalse();
            assertThat(h.keys()).hasSize(1);
        }
    }

    @Test
    void perCpuViews() {
        LoadOptions two = LoadOptions.defaults().withCpus(2);
        try (BpfObject obj = BpfObject.load(spec(MapSpec.of("pc", MapType.PERCPU_ARRAY, 4, 4, 2, 0)), two)) {
            MapView pc = obj.map("pc");
            assertThat(pc.perCpu()).isTrue();
            assertThat(pc.perCpuStride()).isEqualTo(8);
            pc.update(MapView.encode(1, 4), new byte[] {7, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0});
            assertThat(pc.lookupPerCpuLong(1)).containsExactly(7, 9);
            assertThat(pc.entriesLong()).containsExactly(Map.entry(0L, 0L), Map.entry(1L, 16L));
            assertThat(pc.lookupPerCpu(MapView.encode(1, 4))).hasSize(2);
        }
    }

    @Test
    void globalDataGetsLibbpfNamesAndRodataIsFrozen() {
        ObjectSpec s = new ObjectSpec("a_rather_long_object", List.of(),
                List.of(data(".rodata", new byte[] {1, 2, 3, 4}, true), data(".data", new byte[8], false)),
                List.of(), List.of(), "GPL", 0, null);
        try (BpfObject obj = BpfObject.load(s, LoadOptions.defaults())) {
            MapView ro = obj.map(".rodata");
            assertThat(ro.map().name()).isEqualTo("a_rather.rodata");
            assertThat(ro.map().frozen()).isTrue();
            assertThat(ro.map().flags()).isEqualTo(MapAttr.BPF_F_MMAPABLE | MapAttr.BPF_F_RDONLY_PROG);
            assertThat(ro.lookup(new byte[4])).containsExactly(1, 2, 3, 4);
            assertThat(obj.map(".data").map().name()).isEqualTo("a_rather_l.data");
            assertThat(obj.map(".data").map().frozen()).isFalse();
        }
    }

    @Test
    void aBadMapFailsNamingItAndFreesTheOthers() {
        MapSpec good = MapSpec.of("good", MapType.ARRAY, 4, 8, 4, 0);
        MapSpec bad = MapSpec.of("bad", MapType.HASH, 0, 8, 4, 0);
        assertThatThrownBy(() -> BpfObject.load(spec(good, bad), LoadOptions.defaults()))
                .isInstanceOf(BpfLoadException.class)
                .hasMessageStartingWith("unit: map bad: cannot create (EINVAL)")
                .satisfies(e -> assertThat(((BpfLoadException) e).map()).isEqualTo("bad"));
    }

    @Test
    void mapInMapSlotsNameUnknownMaps() {
        MapSpec inner = MapSpec.of("inner", MapType.ARRAY, 4, 8, 1, 0);
        TreeMap<Integer, String> slots = new TreeMap<>(Map.of(0, "missing"));
        MapSpec outer = new MapSpec("outer", MapType.ARRAY_OF_MAPS, 4, 4, 2, 0, 0, Pinning.NONE, 0, inner,
                List.of(), slots, 0, 0, ".maps", false);
        assertThatThrownBy(() -> BpfObject.load(spec(inner, outer), LoadOptions.defaults()))
                .isInstanceOf(BpfLoadException.class)
                .hasMessage("unit: map outer: slot 0 refers to unknown map 'missing'");
    }

    @Test
    void sizesAndEncodings() {
        assertThat(BpfObject.ringbufSize(1)).isEqualTo(4096);
        assertThat(BpfObject.ringbufSize(4096)).isEqualTo(4096);
        assertThat(BpfObject.ringbufSize(5000)).isEqualTo(8192);
        assertThat(MapView.encode(0x0102, 2)).containsExactly(2, 1);
        assertThat(MapView.decode(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff}, 0, 4))
                .isEqualTo(0xffffffffL);
        assertThatThrownBy(() -> MapView.encode(1, 3)).isInstanceOf(IllegalArgumentException.class);
    }
}
