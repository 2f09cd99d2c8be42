package dev.bpfvm.maps;

import static dev.bpfvm.vm.spi.BpfMap.BPF_ANY;
import static dev.bpfvm.vm.spi.BpfMap.BPF_EXIST;
import static dev.bpfvm.vm.spi.BpfMap.BPF_F_LOCK;
import static dev.bpfvm.vm.spi.BpfMap.BPF_NOEXIST;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bpfvm.vm.BpfException;
import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.spi.MapAttr;
import dev.bpfvm.vm.spi.MapType;
import org.junit.jupiter.api.Test;

class LocalStorageTest extends MapTesting {
    /** A stand-in for the emulated kernel's cgroup or task. */
    static final class Owner implements StorageOwner {
        final LocalStorage storage = new LocalStorage();
        final MapType type;
        final String name;

        Owner(MapType type, String name) {
            this.type = type;
            this.name = name;
        }

        @Override
        public LocalStorage localStorage() {
            return storage;
        }

        @Override
        public MapType storageType() {
            return type;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static final long F_CREATE = LocalStorageMap.BPF_LOCAL_STORAGE_GET_F_CREATE;

    LocalStorageMap storage(MapType type, int valueSize) {
        return (LocalStorageMap) create(MapAttr.builder(type, 4, valueSize, 0).name("st")
                .flags(MapAttr.BPF_F_NO_PREALLOC).btf(1, 2));
    }

    @Test
    void getCreatesOnDemandAndReturnsTheLiveValue() {
        LocalStorageMap m = storage(MapType.CGRP_STORAGE, 16);
        Owner cg = new Owner(MapType.CGRP_STORAGE, "cgroup /a");
        assertThat(m.get(cpu0, cg, 0, 0)).isZero();
        long v = m.get(cpu0, cg, 0, F_CREATE);
        assertThat(v).isNotZero();
        assertThat(mem.load(v, 8)).isZero();
        mem.store(v + 8, 8, 99);
        assertThat(m.get(cpu1, cg, 0, 0)).isEqualTo(v);
        assertThat(u64At(m.lookup(cg, 0), 8)).isEqualTo(99);
        assertThat(m.get(cpu0, cg, 0, 2)).isZero();              // unknown flags: NULL
        assertThat(m.get(cpu0, null, 0, F_CREATE)).isZero();
        // an initial value from the program
        Owner other = new Owner(MapType.CGRP_STORAGE, "cgroup /b");
        long w = m.get(cpu0, other, put(0, u64s(5, 6)), F_CREATE);
        assertThat(mem.load(w + 8, 8)).isEqualTo(6);
        assertThat(m.size()).isEqualTo(2);
    }

    @Test
    void deleteAndUserOps() {
        LocalStorageMap m = storage(MapType.TASK_STORAGE, 8);
        Owner t = new Owner(MapType.TASK_STORAGE, "task 42");
        assertThat(m.delete(cpu0, t)).isEqualTo(-2);
        assertThat(m.delete(cpu0, null)).isEqualTo(-22);
        assertErrno(() -> m.lookup(t, 0), Errno.ENOENT);
        assertErrno(() -> m.update(t, u64(1), BPF_EXIST), Errno.ENOENT);
        m.update(t, u64(1), BPF_NOEXIST);
        assertErrno(() -> m.update(t, u64(2), BPF_NOEXIST), Errno.EEXIST);
        assertErrno(() -> m.update(t, u64(2), 3), Errno.EINVAL);
        assertErrno(() -> m.update(t, u64(2), BPF_F_LOCK), Errno.EINVAL);
        m.update(t, u64(3), BPF_ANY);
        assertThat(u64At(m.lookup(t, 0), 0)).isEqualTo(3);
        assertThat(m.delete(cpu0, t)).isZero();
        assertErrno(() -> m.delete(t), Errno.ENOENT);
        // byte[] commands name owners by fd, which do not exist here
        assertErrno(() -> m.lookup(u32(3)), Errno.EBADF);
        assertErrno(() -> m.update(u32(3), u64(1), BPF_ANY), Errno.EBADF);
        assertErrno(() -> m.nextKey(null), Errno.ENOTSUPP);
    }

    @Test
    void releasingTheOwnerFreesItsStorageInEveryMap() {
        LocalStorageMap a = storage(MapType.CGRP_STORAGE, 8);
        LocalStorageMap b = storage(MapType.CGRP_STORAGE, 8);
        Owner cg = new Owner(MapType.CGRP_STORAGE, "cgroup /gone");
        long va = a.get(cpu0, cg, 0, F_CREATE);
        b.get(cpu0, cg, 0, F_CREATE);
        assertThat(cg.storage.size()).isEqualTo(2);
        cg.storage.release();
        assertThat(cg.storage.size()).isZero();
        assertThat(a.size()).isZero();
        assertThat(b.size()).isZero();
        assertThatThrownBy(() -> mem.load(va, 8)).isInstanceOf(BpfException.class);   // freed
        assertThat(a.get(cpu0, cg, 0, F_CREATE)).isZero();                          // a dying owner gets nothing
        assertErrno(() -> a.update(cg, u64(1), BPF_ANY), Errno.ENOENT);
        cg.storage.release();
    }

    @Test
    void closingTheMapForgetsItsOwners() {
        LocalStorageMap a = storage(MapType.CGRP_STORAGE, 8);
        Owner cg = new Owner(MapType.CGRP_STORAGE, "cgroup /x");
        a.get(cpu0, cg, 0, F_CREATE);
        a.close();
        assertThat(cg.storage.size()).isZero();
    }

    @Test
    void ownersMustMatchTheMapType() {
        LocalStorageMap m = storage(MapType.CGRP_STORAGE, 8);
        Owner task = new Owner(MapType.TASK_STORAGE, "task 1");
        assertThatThrownBy(() -> m.get(cpu0, task, 0, F_CREATE)).isInstanceOf(BpfException.class)
                .hasMessageContaining("task 1");
    }

    @Test
    void spinLockedStorage() {
        LocalStorageMap m = (LocalStorageMap) create(MapAttr.builder(MapType.CGRP_STORAGE, 4, 16, 0).name("st")
                .flags(MapAttr.BPF_F_NO_PREALLOC).btf(1, 2).spinLock(0));
        Owner cg = new Owner(MapType.CGRP_STORAGE, "cgroup /l");
        m.update(cg, u64s(0xffffffffL, 4), BPF_F_LOCK);
        long v = m.get(cpu0, cg, 0, 0);
        assertThat(mem.load(v, 4)).isZero();
        assertThat(u64At(m.lookup(cg, BPF_F_LOCK), 8)).isEqualTo(4);
    }

    @Test
    void createChecks() {
        assertErrno(() -> create(MapAttr.builder(MapType.CGRP_STORAGE, 4, 8, 0).btf(1, 2)), Errno.EINVAL);      // no NO_PREALLOC
        assertErrno(() -> create(MapAttr.builder(MapType.CGRP_STORAGE, 4, 8, 1).flags(MapAttr.BPF_F_NO_PREALLOC).btf(1, 2)), Errno.EINVAL);
        assertErrno(() -> create(MapAttr.builder(MapType.CGRP_STORAGE, 8, 8, 0).flags(MapAttr.BPF_F_NO_PREALLOC).btf(1, 2)), Errno.EINVAL);
        assertErrno(() -> create(MapAttr.builder(MapType.TASK_STORAGE, 4, 8, 0).flags(MapAttr.BPF_F_NO_PREALLOC)), Errno.EINVAL);
        assertErrno(() -> create(MapAttr.builder(MapType.TASK_STORAGE, 4, 0, 0).flags(MapAttr.BPF_F_NO_PREALLOC).btf(1, 2)), Errno.EINVAL);
        assertErrno(() -> create(MapAttr.builder(MapType.TASK_STORAGE, 4, 65408, 0).flags(MapAttr.BPF_F_NO_PREALLOC).btf(1, 2)), Errno.E2BIG);
        assertThat(storage(MapType.TASK_STORAGE, 65407).userValueSize()).isEqualTo(65407);
    }
}
