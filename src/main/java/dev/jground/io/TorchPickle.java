package dev.jground.io;

import dev.jground.tensor.DType;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The part of Python's pickle machine that a {@code torch.save}d state dict needs, and nothing
 * more. Nothing is ever called: the few globals a state dict names (OrderedDict, the tensor
 * and parameter rebuild functions, the storage classes) are recognised by name and turned into
 * Java values; any other global, and any opcode not listed here, stops the load with an error
 * naming it. Opcode semantics follow CPython's {@code Lib/pickle.py} ({@code _Unpickler});
 * what the torch globals take, {@code torch/_utils.py} and {@code torch/serialization.py}
 * ({@code _save}'s {@code persistent_id}: {@code ('storage', storage class, key, location, numel)}).
 */
final class TorchPickle {
    /** A storage the pickle points at: {@code data/<key>} of the archive, {@code numel} elements. */
    record Storage(String key, DType dtype, String typeName, long numel) {}

    /** {@code _rebuild_tensor_v2(storage, storage_offset, size, stride, ...)}; offsets and strides in elements. */
    record Tensor(Storage storage, long offset, long[] shape, long[] stride) {}

    record Tuple(List<Object> items) {}

    /** A global that is allowed, kept by name until REDUCE or BINPERSID uses it. */
    private record Global(String module, String name) {
        String qualified() { return module + "." + name; }
    }

    private static final Object MARK = new Object() { @Override public String toString() { return "MARK"; } };
    private static final Object NONE = new Object() { @Override public String toString() { return "None"; } };

    /** torch's legacy storage class names (still what torch.save pickles) and their element types. */
    static final Map<String, DType> STORAGES = Map.of(
            "FloatStorage", DType.F32, "HalfStorage", DType.F16, "BFloat16Storage", DType.BF16,
            "DoubleStorage", DType.F64, "LongStorage", DType.I64, "IntStorage", DType.I32,
            "ShortStorage", DType.I16, "CharStorage", DType.I8, "ByteStorage", DType.U8, "BoolStorage", DType.BOOL);

    private static final Global ORDERED_DICT = new Global("collections", "OrderedDict");
    private static final Global REBUILD_TENSOR = new Global("torch._utils", "_rebuild_tensor_v2");
    private static final Global REBUILD_PARAMETER = new Global("torch._utils", "_rebuild_parameter");

    private final String file;
    private final ByteBuffer in;
    private final List<Object> stack = new ArrayList<>();
    private final Map<Long, Object> memo = new HashMap<>();

    private TorchPickle(String file, byte[] bytes) {
        this.file = file;
        this.in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Runs the pickle and returns its one result; {@code file} (e.g. "x.bin: data.pkl") starts every error. */
    static Object load(String file, byte[] pickle) {
        try {
            return new TorchPickle(file, pickle).run();
        } catch (java.nio.BufferUnderflowException e) {
            throw new SafeTensorsException(file + ": pickle ends in the middle of an opcode");
        }
    }

    private Object run() {
        while (true) {
            if (!in.hasRemaining()) throw fail("pickle ends without STOP");
            int at = in.position();
            int op = in.get() & 0xFF;
            switch (op) {
                case 0x80 -> { int v = in.get() & 0xFF; if (v > 5) throw fail("pickle protocol " + v + " is unknown"); } // PROTO
                case 0x95 -> in.getLong();                                                      // FRAME: a length hint
                case '.' -> {                                                                   // STOP
                    if (stack.size() != 1) throw fail("pickle stops with " + stack.size() + " values on the stack");
                    return stack.getFirst();
                }
                case '}' -> push(new LinkedHashMap<>());                                        // EMPTY_DICT
                case ']' -> push(new ArrayList<>());                                            // EMPTY_LIST
                case ')' -> push(new Tuple(List.of()));                                         // EMPTY_TUPLE
                case '(' -> push(MARK);
                case 'N' -> push(NONE);
                case 0x88 -> push(Boolean.TRUE);                                                // NEWTRUE
                case 0x89 -> push(Boolean.FALSE);                                               // NEWFALSE
                case 'K' -> push((long) (in.get() & 0xFF));                                     // BININT1
                case 'M' -> push((long) (in.getShort() & 0xFFFF));                              // BININT2
                case 'J' -> push((long) in.getInt());                                           // BININT
                case 0x8a -> push(long1(in.get() & 0xFF));                                      // LONG1
                case 'G' -> push(Double.longBitsToDouble(Long.reverseBytes(in.getLong())));      // BINFLOAT, big-endian
                case 'X' -> push(utf8(length(in.getInt() & 0xFFFFFFFFL)));                      // BINUNICODE
                case 0x8c -> push(utf8(in.get() & 0xFF));                                       // SHORT_BINUNICODE
                case 'q' -> memo.put((long) (in.get() & 0xFF), top());                          // BINPUT
                case 'r' -> memo.put(in.getInt() & 0xFFFFFFFFL, top());                         // LONG_BINPUT
                case 0x94 -> memo.put((long) memo.size(), top());                               // MEMOIZE
                case 'h' -> push(get(in.get() & 0xFF));                                         // BINGET
                case 'j' -> push(get(in.getInt() & 0xFFFFFFFFL));                               // LONG_BINGET
                case 't' -> push(new Tuple(popMark()));                                         // TUPLE
                case 0x85 -> push(new Tuple(pop(1)));                                           // TUPLE1
                case 0x86 -> push(new Tuple(pop(2)));                                           // TUPLE2
                case 0x87 -> push(new Tuple(pop(3)));                                           // TUPLE3
                case 's' -> setItems(pop(2));                                                   // SETITEM
                case 'u' -> setItems(popMark());                                                // SETITEMS
                case 'a' -> { List<Object> item = pop(1); list("APPEND").addAll(item); }         // APPEND
                case 'e' -> { List<Object> items = popMark(); list("APPENDS").addAll(items); }  // APPENDS
                case 'c' -> push(global(line(), line()));                                       // GLOBAL
                case 0x93 -> { List<Object> mn = pop(2); push(global(string(mn.get(0)), string(mn.get(1)))); } // STACK_GLOBAL
                case 'Q' -> push(storage(pop(1).getFirst()));                                   // BINPERSID
                case 'R' -> { List<Object> fa = pop(2); push(reduce(fa.get(0), fa.get(1))); }   // REDUCE
                case 'b' -> build(pop(1).getFirst());                                           // BUILD
                default -> throw fail(String.format("pickle opcode 0x%02x%s at byte %d is not allowed in a state dict",
                        op, op >= 0x20 && op < 0x7f ? " ('" + (char) op + "')" : "", at));
            }
        }
    }

    private Object global(String module, String name) {
        Global g = new Global(module, name);
        if (g.equals(ORDERED_DICT) || g.equals(REBUILD_TENSOR) || g.equals(REBUILD_PARAMETER)) return g;
        if (module.equals("torch") && STORAGES.containsKey(name)) return g;
        if (module.equals("torch") && name.endsWith("Storage"))
            throw fail("unsupported storage type torch." + name + " (supported: " + String.join(", ", STORAGES.keySet()) + ")");
        throw fail("global " + g.qualified() + " is not allowed in a state dict (refused, not called)");
    }

    /** BINPERSID: torch's {@code ('storage', torch.XStorage, key, location, numel)}. */
    private Storage storage(Object pid) {
        if (!(pid instanceof Tuple(List<Object> t)) || t.size() != 5 || !"storage".equals(t.get(0))
                || !(t.get(1) instanceof Global type) || !(t.get(2) instanceof String key) || !(t.get(4) instanceof Long numel))
            throw fail("persistent id " + show(pid) + " is not a torch storage reference");
        if (!type.module().equals("torch") || !STORAGES.containsKey(type.name()))
            throw fail("persistent id names " + type.qualified() + ", not a storage class");
        if (numel < 0) throw fail("storage '" + key + "' has " + numel + " elements");
        return new Storage(key, STORAGES.get(type.name()), type.qualified(), numel);
    }

    private Object reduce(Object callable, Object args) {
        if (!(args instanceof Tuple(List<Object> a))) throw fail("REDUCE arguments are " + show(args) + ", not a tuple");
        if (!(callable instanceof Global g)) throw fail("REDUCE calls " + show(callable) + ", which is not callable here");
        if (g.equals(ORDERED_DICT)) {
            if (!a.isEmpty()) throw fail("OrderedDict built from arguments " + show(args) + " (only OrderedDict() is allowed)");
            return new LinkedHashMap<>();
        }
        if (g.equals(REBUILD_TENSOR)) {
            // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
            if (a.size() < 6 || a.size() > 7 || !(a.get(0) instanceof Storage s) || !(a.get(1) instanceof Long offset))
                throw fail("_rebuild_tensor_v2 called with " + show(args));
            return new Tensor(s, offset, longs(a.get(2), "size"), longs(a.get(3), "stride"));
        }
        if (g.equals(REBUILD_PARAMETER)) {   // (tensor, requires_grad, backward_hooks)
            if (a.size() != 3 || !(a.get(0) instanceof Tensor t)) throw fail("_rebuild_parameter called with " + show(args));
            return t;
        }
        throw fail(g.qualified() + " cannot be called");   // a storage class: torch never reduces one in a state dict
    }

    /** BUILD on a dict with a dict of attributes: the {@code _metadata} torch's state_dict() attaches; dropped. */
    private void build(Object state) {
        if (!(top() instanceof Map<?, ?>) || !(state instanceof Map<?, ?>))
            throw fail("BUILD of " + show(top()) + " with " + show(state) + " (only dict attributes are allowed)");
    }

    private long[] longs(Object o, String what) {
        if (!(o instanceof Tuple(List<Object> t))) throw fail("tensor " + what + " is " + show(o) + ", not a tuple");
        long[] out = new long[t.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(t.get(i) instanceof Long v)) throw fail("tensor " + what + " " + show(o) + " holds a non-integer");
            out[i] = v;
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private void setItems(List<Object> kv) {
        if (!(top() instanceof Map<?, ?> m)) throw fail("SETITEM(S) on " + show(top()) + ", not a dict");
        if (kv.size() % 2 != 0) throw fail("SETITEMS with an odd number of values");
        for (int i = 0; i < kv.size(); i += 2) ((Map<Object, Object>) m).put(kv.get(i), kv.get(i + 1));
    }

    @SuppressWarnings("unchecked")
    private List<Object> list(String op) {
        if (!(top() instanceof ArrayList<?> l)) throw fail(op + " on " + show(top()) + ", not a list");
        return (List<Object>) l;
    }

    private Object long1(int n) {
        byte[] le = new byte[n];
        in.get(le);
        byte[] be = new byte[Math.max(n, 1)];
        for (int i = 0; i < n; i++) be[n - 1 - i] = le[i];
        BigInteger v = new BigInteger(be);   // two's complement, like pickle.decode_long
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    private int length(long n) {
        if (n > in.remaining()) throw fail("string of " + n + " bytes runs past the end of the pickle");
        return (int) n;
    }

    private String utf8(int n) {
        byte[] b = new byte[length(n)];
        in.get(b);
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            throw fail("string is not UTF-8");
        }
    }

    /** GLOBAL's operands: ASCII up to a newline. */
    private String line() {
        StringBuilder sb = new StringBuilder();
        for (byte b = in.get(); b != '\n'; b = in.get()) {
            if (b < 0x20 || b > 0x7e || sb.length() > 200) throw fail("GLOBAL name is not a short printable line");
            sb.append((char) b);
        }
        return sb.toString();
    }

    private String string(Object o) {
        if (!(o instanceof String s)) throw fail("STACK_GLOBAL with " + show(o) + ", not a string");
        return s;
    }

    private Object get(long key) {
        Object v = memo.get(key);
        if (v == null) throw fail("memo slot " + key + " is read before it is written");
        return v;
    }

    private void push(Object v) { stack.add(v); }

    private Object top() {
        if (stack.isEmpty() || stack.getLast() == MARK) throw fail("an opcode needs a value but the stack is empty");
        return stack.getLast();
    }

    private List<Object> pop(int n) {
        if (stack.size() < n) throw fail("an opcode needs " + n + " values, the stack has " + stack.size());
        List<Object> tail = stack.subList(stack.size() - n, stack.size());
        if (tail.contains(MARK)) throw fail("an opcode reads past a MARK");
        List<Object> out = new ArrayList<>(tail);
        tail.clear();
        return out;
    }

    private List<Object> popMark() {
        int mark = stack.lastIndexOf(MARK);
        if (mark < 0) throw fail("no MARK on the stack");
        List<Object> tail = stack.subList(mark + 1, stack.size());
        List<Object> out = new ArrayList<>(tail);
        stack.subList(mark, stack.size()).clear();
        return out;
    }

    static String show(Object o) {
        String s = switch (o) {
            case null -> "None";
            case Tuple(List<Object> t) -> "(" + String.join(", ", t.stream().map(TorchPickle::show).toList()) + ")";
            case Map<?, ?> m -> "a dict of " + m.size();
            case List<?> l -> "a list of " + l.size();
            case String str -> "'" + str + "'";
            case Global g -> g.qualified();
            case Storage st -> st.typeName() + " '" + st.key() + "'";
            case Tensor t -> "a tensor";
            default -> o.toString();
        };
        return s.length() > 120 ? s.substring(0, 117) + "..." : s;
    }

    private SafeTensorsException fail(String message) { return new SafeTensorsException(file + ": " + message); }
}
