package dev.bpfvm.vm.btf;

import dev.bpfvm.vm.btf.BtfType.Array;
import dev.bpfvm.vm.btf.BtfType.Composite;
import dev.bpfvm.vm.btf.BtfType.Const;
import dev.bpfvm.vm.btf.BtfType.DataSec;
import dev.bpfvm.vm.btf.BtfType.DeclTag;
import dev.bpfvm.vm.btf.BtfType.Func;
import dev.bpfvm.vm.btf.BtfType.FuncProto;
import dev.bpfvm.vm.btf.BtfType.Member;
import dev.bpfvm.vm.btf.BtfType.Param;
import dev.bpfvm.vm.btf.BtfType.Ptr;
import dev.bpfvm.vm.btf.BtfType.Restrict;
import dev.bpfvm.vm.btf.BtfType.TypeTag;
import dev.bpfvm.vm.btf.BtfType.Typedef;
import dev.bpfvm.vm.btf.BtfType.Var;
import dev.bpfvm.vm.btf.BtfType.VarSecInfo;
import dev.bpfvm.vm.btf.BtfType.Volatile;
import java.util.List;

/**
 * Structural checks of a whole type table, so that every later query terminates and never
 * indexes out of range: every referenced id exists, FUNC points at a FUNC_PROTO, DATASEC
 * entries are variables or functions, no chain of pointers/typedefs/modifiers/arrays loops,
 * and no struct contains itself by value.
 */
final class BtfValidator {
    private BtfValidator() {}

    static void validate(Btf btf) {
        List<BtfType> types = btf.types();
        int n = types.size();
        for (int id = 1; id < n; id++) {
            BtfType t = types.get(id);
            if (t instanceof Ptr p) {
                ref(btf, id, p.type(), "points to");
            } else if (t instanceof Typedef td) {
                ref(btf, id, td.type(), "refers to");
            } else if (t instanceof Const c) {
                ref(btf, id, c.type(), "refers to");
            } else if (t instanceof Volatile v) {
                ref(btf, id, v.type(), "refers to");
            } else if (t instanceof Restrict r) {
                ref(btf, id, r.type(), "refers to");
            } else if (t instanceof TypeTag tt) {
                ref(btf, id, tt.type(), "refers to");
            } else if (t instanceof Array a) {
                ref(btf, id, a.elemType(), "element type");
                ref(btf, id, a.indexType(), "index type");
                if (a.elemType() == 0) {
                    throw error(btf, id, t, "array of void");
                }
            } else if (t instanceof Composite c) {
                int i = 0;
                for (Member m : c.members()) {
                    ref(btf, id, m.type(), "member " + i + " '" + m.name() + "' has type");
                    if (m.type() == 0) {
                        throw error(btf, id, t, "member " + i + " '" + m.name() + "' has type void");
                    }
                    i++;
                }
            } else if (t instanceof Func f) {
                ref(btf, id, f.type(), "has prototype");
                if (!(types.get(f.type()) instanceof FuncProto)) {
                    throw error(btf, id, t, "prototype [" + f.type() + "] is a " + types.get(f.type()).kind()
                            + ", not a FUNC_PROTO");
                }
            } else if (t instanceof FuncProto fp) {
                ref(btf, id, fp.returnType(), "returns");
                int i = 0;
                for (Param p : fp.params()) {
                    ref(btf, id, p.type(), "parameter " + i + " has type");
                    if (p.type() == 0 && i != fp.params().size() - 1) {
                        throw error(btf, id, t, "parameter " + i + " has type void");
                    }
                    i++;
                }
            } else if (t instanceof Var v) {
                ref(btf, id, v.type(), "has type");
                if (v.type() == 0) {
                    throw error(btf, id, t, "variable of type void");
                }
            } else if (t instanceof DataSec d) {
                int i = 0;
                for (VarSecInfo vs : d.vars()) {
                    ref(btf, id, vs.type(), "entry " + i + " is");
                    BtfType e = types.get(vs.type());
                    if (!(e instanceof Var) && !(e instanceof Func)) {
                        throw error(btf, id, t, "entry " + i + " [" + vs.type() + "] is a " + e.kind()
                                + ", not a VAR or FUNC");
                    }
                    i++;
                }
            } else if (t instanceof DeclTag dt) {
                ref(btf, id, dt.type(), "tags");
                if (dt.componentIdx() < -1) {
                    throw error(btf, id, t, "invalid component index " + dt.componentIdx());
                }
            }
        }
        checkChains(btf);
        checkContainment(btf);
    }

    private static void ref(Btf btf, int id, int target, String what) {
        if (target < 0 || target >= btf.count()) {
            throw error(btf, id, btf.types().get(id), what + " type id " + (target & 0xffffffffL)
                    + ", out of range (0.." + (btf.count() - 1) + ")");
        }
    }

    static BtfException error(Btf btf, int id, BtfType t, String what) {
        String name = t.name().isEmpty() ? "" : " '" + t.name() + "'";
        return new BtfException(btf.file(), ".BTF: type [" + id + "] " + t.kind() + name + ": " + what);
    }

    /** The next type in a chain that must end (pointer, typedef, modifier, array, var), or -1. */
    private static int chainNext(BtfType t) {
        if (t instanceof Ptr p) {
            return p.type();
        } else if (t instanceof Typedef td) {
            return td.type();
        } else if (t instanceof Const c) {
            return c.type();
        } else if (t instanceof Volatile v) {
            return v.type();
        } else if (t instanceof Restrict r) {
            return r.type();
        } else if (t instanceof TypeTag tt) {
            return tt.type();
        } else if (t instanceof Array a) {
            return a.elemType();
        } else if (t instanceof Var v) {
            return v.type();
        }
        return -1;
    }

    private static void checkChains(Btf btf) {
        List<BtfType> types = btf.types();
        byte[] state = new byte[types.size()];   // 0 unknown, 1 on the current walk, 2 ends
        int[] walk = new int[types.size()];
        for (int start = 1; start < types.size(); start++) {
            int len = 0;
            int id = start;
            while (id > 0 && state[id] == 0) {
                state[id] = 1;
                walk[len++] = id;
                id = chainNext(types.get(id));
            }
            if (id > 0 && state[id] == 1) {
                throw error(btf, id, types.get(id), "type loop (a chain of pointers, typedefs, modifiers or arrays returns to it)");
            }
            for (int i = 0; i < len; i++) {
                state[walk[i]] = 2;
            }
        }
    }

    private static void checkContainment(Btf btf) {
        List<BtfType> types = btf.types();
        byte[] state = new byte[types.size()];
        for (int id = 1; id < types.size(); id++) {
            if (types.get(id) instanceof Composite && state[id] == 0) {
                visit(btf, id, state, 0);
            }
        }
    }

    /** Depth-first over by-value members; a back edge is a struct containing itself. */
    private static void visit(Btf btf, int id, byte[] state, int depth) {
        if (depth > 4096) {
            throw error(btf, id, btf.types().get(id), "structs nested too deeply");
        }
        state[id] = 1;
        Composite c = (Composite) btf.types().get(id);
        for (Member m : c.members()) {
            int inner = byValueComposite(btf, m.type());
            if (inner <= 0) {
                continue;
            }
            if (state[inner] == 1) {
                throw error(btf, inner, btf.types().get(inner), "contains itself by value");
            }
            if (state[inner] == 0) {
                visit(btf, inner, state, depth + 1);
            }
        }
        state[id] = 2;
    }

    /** The composite a member of this type holds by value (through typedefs, modifiers, arrays), or -1. */
    private static int byValueComposite(Btf btf, int id) {
        List<BtfType> types = btf.types();
        while (id > 0) {
            BtfType t = types.get(id);
            if (t instanceof Composite) {
                return id;
            }
            if (t instanceof Ptr || t instanceof Var) {
                return -1;
            }
            id = chainNext(t);
        }
        return -1;
    }
}
