package dev.bpfvm.maps;

import static dev.bpfvm.vm.spi.BpfMap.BPF_ANY;
import static dev.bpfvm.vm.spi.BpfMap.BPF_EXIST;
import static dev.bpfvm.vm.spi.BpfMap.BPF_NOEXIST;
import static org.assertj.core.api.Assertions.assertThat;

import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.exec.Program;
import dev.bpfvm.vm.isa.Insn;
import dev.bpfvm.vm.spi.BpfMap;
import dev.bpfvm.vm.spi.MapAttr;
import dev.bpfvm.vm.spi.MapType;
import java.util.List;
import org.junit.jupiter.api.Test;

class MapInMapTest extends MapTesting {

    BpfMap array(int max) {
        return create(MapType.ARRAY, 4, 8, max);
    }

    @Test
    void arrayOfMapsHoldsMatchingInnerMaps() {
        BpfMap template = array(4);
        ArrayOfMapsMap outer = (ArrayOfMapsMap) create(MapAttr.builder(MapType.ARRAY_OF_MAPS, 4, 4, 2).name("outer").innerMap(template));
        BpfMap inner = array(4);
        outer.update(u32(1), u32(inner.id()), BPF_ANY);
        assertThat(outer.get(1)).isSameAs(inner);
        assertThat(outer.lookup(u32(1))).isEqualTo(u32(inner.id()));
        assertThat(outer.lookupElem(cpu0, putU32(0, 1))).isEqualTo(inner.address());
        assertThat(outer.lookupElem(cpu0, putU32(0, 0))).isZero();
        assertThat(outer.lookupElem(cpu0, putU32(0, 2))).isZero();
        assertErrno(() -> outer.lookup(u32(0)), Errno.ENOENT);
        assertErrno(() -> outer.update(u32(0), u32(array(5).id()), BPF_ANY), Errno.EINVAL);     // max_entries differ
        assertErrno(() -> outer.update(u32(0), u32(create(MapType.HASH, 4, 8, 4).id()), BPF_ANY), Errno.EINVAL);
        assertErrno(() -> outer.update(u32(0), u32(999_999), BPF_ANY), Errno.EBADF);
        assertErrno(() -> outer.update(u32(0), u32(inner.id()), BPF_NOEXIST), Errno.EINVAL);
        assertErrno(() -> outer.update(u32(2), u32(inner.id()), BPF_ANY), Errno.E2BIG);
        outer.delete(u32(1));
        assertErrno(() -> outer.delete(u32(1)), Errno.ENOENT);
        assertThat(outer.updateElem(cpu0, putU32(0, 1), putU32(4, inner.id()), BPF_ANY)).isEqualTo(-95);
    }

    @Test
    void innerMapFlagRelaxesArraySize() {
        BpfMap template = create(MapAttr.builder(MapType.ARRAY, 4, 8, 4).name("t").flags(MapAttr.BPF_F_INNER_MAP));
        ArrayOfMapsMap outer = (ArrayOfMapsMap) create(MapAttr.builder(MapType.ARRAY_OF_MAPS, 4, 4, 1).innerMap(template));
        BpfMap big = create(MapAttr.builder(MapType.ARRAY, 4, 8, 100).name("big").flags(MapAttr.BPF_F_INNER_MAP));
        outer.set(0, big);
        assertThat(outer.get(0)).isSameAs(big);
    }

    @Test
    void mapInMapCreateChecks() {
        assertErrno(() -> create(MapAttr.builder(MapType.ARRAY_OF_MAPS, 4, 4, 2)), Errno.EBADF);
        assertErrno(() -> create(MapAttr.builder(MapType.ARRAY_OF_MAPS, 4, 8, 2).innerMap(array(1))), Errno.EINVAL);
        BpfMap outer = create(MapAttr.builder(MapType.ARRAY_OF_MAPS, 4, 4, 2).innerMap(array(1)));
        assertErrno(() -> create(MapAttr.builder(MapType.HASH_OF_MAPS, 4, 4, 2).innerMap(outer)), Errno.EINVAL);
        BpfMap progs = create(MapType.PROG_ARRAY, 4, 4, 2);
        assertErrno(() -> create(MapAttr.builder(MapType.HASH_OF_MAPS, 4, 4, 2).innerMap(progs)), Errno.ENOTSUPP);
        assertErrno(() -> create(MapAttr.builder(MapType.HASH_OF_MAPS, 4, 8, 2).innerMap(array(1))), Errno.EINVAL);
    }

    @Test
    void hashOfMaps() {
        BpfMap template = create(MapType.HASH, 8, 8, 10);
        HashOfMapsMap outer = (HashOfMapsMap) create(MapAttr.builder(MapType.HASH_OF_MAPS, 4, 4, 2).innerMap(template));
        BpfMap a = create(MapType.HASH, 8, 8, 99);          // hash inner maps may differ in max_entries
        BpfMap b = create(MapType.HASH, 8, 8, 10);
        outer.update(u32(7), u32(a.id()), BPF_NOEXIST);
        assertErrno(() -> outer.update(u32(7), u32(b.id()), BPF_NOEXIST), Errno.EEXIST);
        assertErrno(() -> outer.update(u32(8), u32(b.id()), BPF_EXIST), Errno.ENOENT);
        outer.update(u32(8), u32(b.id()), BPF_ANY);
        assertErrno(() -> outer.update(u32(9), u32(b.id()), BPF_ANY), Errno.E2BIG);
        assertThat(outer.lookupElem(cpu0, putU32(0, 8))).isEqualTo(b.address());
        assertThat(outer.lookupElem(cpu0, putU32(0, 9))).isZero();
        assertThat(outer.lookup(u32(7))).isEqualTo(u32(a.id()));
        assertThat(outer.nextKey(null)).isEqualTo(u32(7));
        assertThat(outer.nextKey(u32(7))).isEqualTo(u32(8));
        assertThat(outer.lookupBatch(null, 10, 0, 0, true).count()).isEqualTo(2);
        assertErrno(() -> outer.nextKey(null), Errno.ENOENT);
    }

    @Test
    void progArrayStoresProgramsAndReportsTheirIds() {
        ProgArrayMap pa = (ProgArrayMap) create(MapType.PROG_ARRAY, 4, 4, 3);
        Program p = new Program("target", List.of(new Insn(0xb7, 0, 0, 0, 7), new Insn(0x95, 0, 0, 0, 0)));
        pa.set(2, p);
        assertThat(pa.lookup(u32(2))).isEqualTo(u32(ObjectIds.idOf(p)));
        assertThat(pa.lookupElem(cpu0, putU32(0, 2))).isZero();     // programs cannot look into it
        pa.update(u32(0), u32(ObjectIds.idOf(p)), BPF_ANY);
        assertThat(pa.get(0)).isSameAs(p);
        assertErrno(() -> pa.update(u32(1), u32(ObjectIds.idOf(p)), BPF_EXIST), Errno.EINVAL);
        assertErrno(() -> pa.lookup(u32(1)), Errno.ENOENT);
        assertErrno(() -> pa.update(u32(1), u32(-5), BPF_ANY), Errno.EBADF);
        pa.delete(u32(0));
        assertErrno(() -> pa.delete(u32(0)), Errno.ENOENT);
        assertErrno(() -> pa.delete(u32(3)), Errno.E2BIG);
        assertThat(pa.tailCall(cpu0, 5)).isEqualTo(-2);
        assertThat(pa.tailCall(cpu0, 0)).isEqualTo(-2);
        pa.freeze();
        assertErrno(() -> pa.set(1, p), Errno.EPERM);
        assertErrno(() -> pa.clear(2), Errno.EPERM);
        assertThat(pa.get(2)).isSameAs(p);
        assertErrno(() -> create(MapType.PROG_ARRAY, 4, 8, 3), Errno.EINVAL);
        assertErrno(() -> create(MapType.PROG_ARRAY, 8, 4, 3), Errno.EINVAL);
    }
}
