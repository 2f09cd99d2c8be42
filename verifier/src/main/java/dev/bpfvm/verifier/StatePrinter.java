package dev.bpfvm.verifier;

/**
 * Register and stack state in the kernel log's format ({@code kernel/bpf/log.c}):
 * {@code R1=ctx() R10=fp0}, {@code R0_w=map_value(map=counts,ks=4,vs=8)},
 * {@code R2_w=scalar(smin=smin32=0,smax=umax=smax32=umax32=255,var_off=(0x0; 0xff))}.
 */
final class StatePrinter {
    private StatePrinter() {}

    /** The kernel prints numbers in this range in decimal, others in hex. */
    private static boolean unumDecimal(long v) {
        return Long.compareUnsigned(v, 0xffff) <= 0;
    }

    private static boolean snumDecimal(long v) {
        return v >= Short.MIN_VALUE && v <= Short.MAX_VALUE;
    }

    static String unum(long v) {
        return unumDecimal(v) ? Long.toUnsignedString(v) : Tnum.hex(v);
    }

    static String snum(long v) {
        return snumDecimal(v) ? Long.toString(v) : Tnum.hex(v);
    }

    /** reg_type_str: modifiers as prefixes, {@code _or_null} as suffix. */
    static String typeStr(RegType t, int flags) {
        StringBuilder sb = new StringBuilder();
        if ((flags & RegState.RDONLY) != 0) {
            sb.append("rdonly_");
        }
        if ((flags & RegState.RINGBUF) != 0) {
            sb.append("ringbuf_");
        }
        if ((flags & RegState.USER) != 0) {
            sb.append("user_");
        }
        if ((flags & RegState.PERCPU) != 0) {
            sb.append("percpu_");
        }
        if ((flags & RegState.RCU) != 0) {
            sb.append("rcu_");
        }
        if ((flags & RegState.UNTRUSTED) != 0) {
            sb.append("untrusted_");
        }
        if ((flags & RegState.TRUSTED) != 0) {
            sb.append("trusted_");
        }
        sb.append(t.shortName());
        if ((flags & RegState.MAYBE_NULL) != 0) {
            sb.append(t == RegType.PTR_TO_BTF_ID ? "or_null_" : "_or_null");
        }
        return sb.toString();
    }

    static String typeStr(RegState r) {
        return typeStr(r.type, r.flags);
    }

    /** The register value as the kernel prints it after {@code R1=}, in a frame numbered {@code frameno}. */
    static String regToString(RegState r, int frameno) {
        StringBuilder sb = new StringBuilder();
        appendReg(sb, r, frameno);
        return sb.toString();
    }

    private static final class Sep {
        private final StringBuilder sb;
        private boolean first = true;

        Sep(StringBuilder sb) {
            this.sb = sb;
        }

        StringBuilder a() {
            if (!first) {
                sb.append(',');
            }
            first = false;
            return sb;
        }
    }

    static void appendReg(StringBuilder sb, RegState r, int frameno) {
        RegType t = r.type;
        if (t == RegType.SCALAR_VALUE && r.precise) {
            sb.append('P');
        }
        if (t == RegType.SCALAR_VALUE && r.varOff.isConst()) {
            sb.append(snum(r.varOff.value()));
            return;
        }
        sb.append(typeStr(r));
        if (t == RegType.PTR_TO_STACK) {
            if (r.frameno != frameno) {
                sb.append('[').append(r.frameno).append(']');
            }
            if (r.varOff.isConst()) {
                sb.append(snum(r.varOff.value() + r.off));
                return;
            }
        }
        if (t == RegType.PTR_TO_BTF_ID) {
            sb.append(r.btf != null ? r.btf.name() : "");
        }
        sb.append('(');
        Sep s = new Sep(sb);
        if (r.id != 0) {
            s.a().append("id=").append(r.id & ~RegState.ADD_CONST);
            if ((r.id & RegState.ADD_CONST) != 0) {
                sb.append(r.off >= 0 ? "+" : "").append(r.off);
            }
        }
        if (r.refObjId != 0) {
            s.a().append("ref_obj_id=").append(r.refObjId);
        }
        if (t.isMapPtr() && r.map != null) {
            if (r.map.name() != null && !r.map.name().isEmpty()) {
                s.a().append("map=").append(r.map.name());
            }
            s.a().append("ks=").append(r.map.keySize()).append(",vs=").append(r.map.valueSize());
        }
        if (t != RegType.SCALAR_VALUE && r.off != 0) {
            s.a().append("off=").append(snum(r.off));
        }
        if (t.isPacket()) {
            s.a().append("r=").append(unum(r.range));
        }
        if (t == RegType.PTR_TO_MEM) {
            s.a().append("sz=").append(unum(Integer.toUnsignedLong(r.memSize)));
        }
        if (r.varOff.isConst()) {
            if (r.varOff.value() != 0) {
                s.a().append("imm=").append(snum(r.varOff.value()));
            }
        } else {
            appendScalarRanges(s, r);
            if (!r.varOff.isUnknown()) {
                s.a().append("var_off=").append(r.varOff);
            }
        }
        sb.append(')');
    }

    private record MinMax(String name, long val, boolean omit) {}

    private static void appendScalarRanges(Sep s, RegState r) {
        long smin32 = snumDecimal(r.s32min) ? r.s32min : Integer.toUnsignedLong(r.s32min);
        long smax32 = snumDecimal(r.s32max) ? r.s32max : Integer.toUnsignedLong(r.s32max);
        MinMax[] m = {
            new MinMax("smin", r.smin, r.smin == Long.MIN_VALUE),
            new MinMax("smax", r.smax, r.smax == Long.MAX_VALUE),
            new MinMax("umin", r.umin, r.umin == 0),
            new MinMax("umax", r.umax, r.umax == -1L),
            new MinMax("smin32", smin32, r.s32min == Integer.MIN_VALUE),
            new MinMax("smax32", smax32, r.s32max == Integer.MAX_VALUE),
            new MinMax("umin32", r.u32minL(), r.u32min == 0),
            new MinMax("umax32", r.u32maxL(), r.u32max == -1),
        };
        boolean[] omit = new boolean[m.length];
        for (int i = 0; i < m.length; i++) {
            omit[i] = m[i].omit();
        }
        for (int i = 0; i < m.length; i++) {
            if (omit[i]) {
                continue;
            }
            boolean neg1 = m[i].name().charAt(0) == 's' && m[i].val() < 0;
            StringBuilder sb = s.a();
            sb.append(m[i].name()).append('=');
            for (int j = i + 2; j < m.length; j += 2) {
                if (omit[j] || m[j].val() != m[i].val()) {
                    continue;
                }
                boolean neg2 = m[j].name().charAt(0) == 's' && m[j].val() < 0;
                if (neg2 != neg1) {
                    continue;
                }
                omit[j] = true;
                sb.append(m[j].name()).append('=');
            }
            sb.append(m[i].name().charAt(0) == 's' ? snum(m[i].val()) : unum(m[i].val()));
        }
    }

    /**
     * print_verifier_state: the registers and stack slots of one frame ({@code all}, or only
     * the scratched ones), then a newline.
     */
    static void appendFrame(StringBuilder sb, VerifierState vs, FuncState f, boolean all, int scratchedRegs,
            long scratchedStack) {
        if (f.frameno != 0) {
            sb.append(" frame").append(f.frameno).append(':');
        }
        for (int i = 0; i < f.regs.length; i++) {
            RegState r = f.regs[i];
            if (r.type == RegType.NOT_INIT) {
                continue;
            }
            if (!all && (scratchedRegs & (1 << i)) == 0) {
                continue;
            }
            sb.append(" R").append(i);
            if (r.written) {
                sb.append("_w");
            }
            sb.append('=');
            appendReg(sb, r, f.frameno);
        }
        for (int i = 0; i < f.stack.size(); i++) {
            if (!all && (i >= 64 || (scratchedStack & (1L << i)) == 0)) {
                continue;
            }
            StackSlot slot = f.stack.get(i);
            if (slot.isAllInvalid()) {
                continue;
            }
            RegState r = slot.spilled;
            if (slot.types[7] == StackSlot.ITER) {
                if (r.refObjId == 0) {
                    continue;
                }
                sb.append(" fp").append((-i - 1) * 8).append(r.written ? "_w" : "").append("=iter_")
                        .append(slot.iterKind).append("(ref_id=").append(r.refObjId).append(",state=")
                        .append(slot.iterState == StackSlot.ITER_ACTIVE ? "active" : "drained")
                        .append(",depth=").append(slot.iterDepth).append(')');
                continue;
            }
            if (slot.types[7] == StackSlot.DYNPTR) {
                if (!slot.dynptrFirst && i + 1 < f.stack.size()) {
                    i++;
                    slot = f.stack.get(i);
                    r = slot.spilled;
                }
                sb.append(" fp").append((-i - 1) * 8).append(r.written ? "_w" : "").append("=dynptr_")
                        .append(slot.dynptrKind).append('(');
                String sep = "";
                if (r.id != 0) {
                    sb.append("id=").append(r.id);
                    sep = ",";
                }
                if (r.refObjId != 0) {
                    sb.append(sep).append("ref_id=").append(r.refObjId);
                }
                sb.append(')');
                continue;
            }
            sb.append(" fp").append((-i - 1) * 8);
            if (r.written) {
                sb.append("_w");
            }
            sb.append('=');
            if (slot.types[7] == StackSlot.SPILL) {
                for (int j = 0; j < 8 && slot.types[j] != StackSlot.SPILL; j++) {
                    sb.append(StackSlot.typeChar(slot.types[j]));
                }
                appendReg(sb, r, f.frameno);
            } else {
                for (int j = 0; j < 8; j++) {
                    sb.append(StackSlot.typeChar(slot.types[j]));
                }
            }
        }
        if (!vs.refs.isEmpty()) {
            sb.append(" refs=").append(vs.refs.get(0).id());
            for (int i = 1; i < vs.refs.size(); i++) {
                sb.append(',').append(vs.refs.get(i).id());
            }
        }
        if (f.inCallbackFn) {
            sb.append(" cb");
        }
        if (f.inAsyncCallbackFn) {
            sb.append(" async_cb");
        }
        sb.append('\n');
    }
}
