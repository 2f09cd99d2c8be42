package dev.bpfvm.vm.btf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bpfvm.vm.btf.BtfExt.CoreRelo;
import dev.bpfvm.vm.btf.BtfExt.FuncInfo;
import dev.bpfvm.vm.btf.BtfExt.LineInfo;
import dev.bpfvm.vm.btf.BtfType.Func;
import dev.bpfvm.vm.btf.BtfType.FuncProto;
import dev.bpfvm.vm.btf.BtfType.Int;
import dev.bpfvm.vm.btf.BtfType.Linkage;
import dev.bpfvm.vm.btf.BtfType.Struct;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.Test;

class BtfExtTest {
    /** BTF whose string table holds the names used below; returns it parsed. */
    static Btf btf() {
        BtfBuilder b = new BtfBuilder("t.o");
        int i = b.add(new Int("int", 4, Int.SIGNED, 0, 32));
        int p = b.add(new FuncProto(i, List.of()));
        b.add(new Func("main", p, Linkage.GLOBAL));              // 3
        b.add(new Struct("s", 4, List.of(new BtfType.Member("a", i, 0))));
        b.add(new Struct("socket", 0, List.of()));                // a type named like the section
        b.add(new Struct("t.c", 0, List.of()));
        b.add(new Struct("\treturn 0;", 0, List.of()));
        b.add(new Struct("0:0", 0, List.of()));
        return b.build();
    }

    static byte[] ext(Btf btf, int funcRecSize) {
        ByteBuffer bb = ByteBuffer.allocate(256).order(ByteOrder.LITTLE_ENDIAN);
        int sec = btf.stringOffset("socket");
        // header
        bb.putShort((short) 0xeb9f).put((byte) 1).put((byte) 0).putInt(32);
        int funcOff = 0;
        int funcLen = 4 + 8 + funcRecSize;
        int lineOff = funcOff + funcLen;
        int lineLen = 4 + 8 + 2 * 16;
        int coreOff = lineOff + lineLen;
        int coreLen = 4 + 8 + 16;
        bb.putInt(funcOff).putInt(funcLen).putInt(lineOff).putInt(lineLen).putInt(coreOff).putInt(coreLen);
        bb.putInt(funcRecSize).putInt(sec).putInt(1).putInt(0).putInt(3);
        for (int i = 8; i < funcRecSize; i++) {
            bb.put((byte) 0);
        }
        bb.putInt(16).putInt(sec).putInt(2);
        bb.putInt(0).putInt(btf.stringOffset("t.c")).putInt(btf.stringOffset("\treturn 0;")).putInt(12 << 10 | 2);
        bb.putInt(16).putInt(btf.stringOffset("t.c")).putInt(btf.stringOffset("\treturn 0;")).putInt(13 << 10);
        bb.putInt(16).putInt(sec).putInt(1);
        bb.putInt(8).putInt(4).putInt(btf.stringOffset("0:0")).putInt(0);
        byte[] out = new byte[bb.position()];
        bb.flip().get(out);
        return out;
    }

    private static byte[] header(int hdrLen, int coreLen, int size) {
        ByteBuffer bb = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        bb.putShort((short) 0xeb9f).put((byte) 1).put((byte) 0).putInt(hdrLen);
        if (size >= 32) {
            bb.putInt(28, coreLen);
        }
        return bb.array();
    }

    @Test
    void whetherASectionMayHoldCoreRelocationsFromItsHeaderAlone() {
        assertThat(BtfExt.mayHaveCoreRelos(header(32, 0, 32))).isFalse();
        assertThat(BtfExt.mayHaveCoreRelos(header(32, 16, 48))).isTrue();
        assertThat(BtfExt.mayHaveCoreRelos(header(24, 0, 24))).isFalse();     // older header: no CO-RE part
        assertThat(BtfExt.mayHaveCoreRelos(header(32, 0, 24))).isTrue();      // header longer than the section
        assertThat(BtfExt.mayHaveCoreRelos(header(16, 0, 24))).isTrue();      // header too short to be one
        assertThat(BtfExt.mayHaveCoreRelos(new byte[23])).isTrue();
        byte[] badMagic = header(32, 0, 32);
        badMagic[0] = 0;
        assertThat(BtfExt.mayHaveCoreRelos(badMagic)).isTrue();
    }

    @Test
    void funcLineAndCoreRecords() {
        Btf btf = btf();
        BtfExt ext = BtfExt.parse("t.o", ext(btf, 8), btf);
        assertThat(ext.funcInfos("socket")).containsExactly(new FuncInfo(0, 3));
        assertThat(ext.lineInfos("socket")).containsExactly(
                new LineInfo(0, "t.c", "\treturn 0;", 12, 2), new LineInfo(16, "t.c", "\treturn 0;", 13, 0));
        assertThat(ext.coreRelos("socket")).containsExactly(new CoreRelo(8, 4, "0:0", CoreKind.FIELD_BYTE_OFFSET));
        assertThat(ext.funcInfos("other")).isEmpty();
    }

    @Test
    void largerRecordsAreSteppedOver() {
        Btf btf = btf();
        assertThat(BtfExt.parse("t.o", ext(btf, 12), btf).funcInfos("socket")).containsExactly(new FuncInfo(0, 3));
    }

    @Test
    void errors() {
        Btf btf = btf();
        byte[] good = ext(btf, 8);
        byte[] magic = good.clone();
        magic[0] = 1;
        assertThatThrownBy(() -> BtfExt.parse("t.o", magic, btf)).isInstanceOf(BtfException.class)
                .hasMessage("t.o: .BTF.ext: bad magic 0xeb01, expected 0xeb9f");
        byte[] typeId = good.clone();
        ByteBuffer.wrap(typeId).order(ByteOrder.LITTLE_ENDIAN).putInt(32 + 16, 1);
        assertThatThrownBy(() -> BtfExt.parse("t.o", typeId, btf))
                .hasMessage("t.o: .BTF.ext: func_info in section 'socket' at offset 12: type id 1 is not a FUNC");
        byte[] count = good.clone();
        ByteBuffer.wrap(count).order(ByteOrder.LITTLE_ENDIAN).putInt(32 + 8, 1000);
        assertThatThrownBy(() -> BtfExt.parse("t.o", count, btf))
                .hasMessage("t.o: .BTF.ext: func_info for section 'socket': 1000 records of 8 bytes do not fit (8 bytes left)");
        byte[] kind = good.clone();
        ByteBuffer.wrap(kind).order(ByteOrder.LITTLE_ENDIAN).putInt(kind.length - 4, 99);
        assertThatThrownBy(() -> BtfExt.parse("t.o", kind, btf))
                .hasMessage("t.o: .BTF.ext: CO-RE relocation in section 'socket' at offset 76: unknown kind 99");
        byte[] insn = good.clone();
        ByteBuffer.wrap(insn).order(ByteOrder.LITTLE_ENDIAN).putInt(32 + 12, 3);
        assertThatThrownBy(() -> BtfExt.parse("t.o", insn, btf))
                .hasMessage("t.o: .BTF.ext: record in section 'socket' at offset 12: instruction offset 3 is not a multiple of 8");
    }
}
