// One class because the opcode switch is one table; the value types it builds are small records beside it.
package org.neuralstyle.torchfile;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A restricted reader of Python pickles, in the spirit of {@code torch.load(weights_only=True)}:
 * it builds only plain values (numbers, strings, tuples, lists, dicts) and the few objects a
 * state dict of tensors needs, and refuses every other global (a function or class the pickle
 * names to be called) at the opcode that names it, before anything is built. Nothing in a
 * pickle is ever executed: the allowed globals are interpreted here, not looked up.
 */
final class Pickle {

	/** Python's None. */
	static final Object NONE = new Object() {
		@Override
		public String toString() {
			return "None";
		}
	};

	/** The storage element types PyTorch names in persistent ids, with their element size in bytes. */
	static final Map<String, Integer> STORAGE_TYPES = Map.of("FloatStorage", 4, "HalfStorage", 2, "BFloat16Storage", 2,
		"DoubleStorage", 8, "LongStorage", 8);

	/** Globals a state dict needs; anything else is refused. */
	static final Set<String> ALLOWED = Set.of("collections.OrderedDict", "torch._utils._rebuild_tensor_v2",
		"torch._utils._rebuild_tensor", "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state", "torch.FloatStorage", "torch.HalfStorage", "torch.BFloat16Storage",
		"torch.DoubleStorage", "torch.LongStorage");

	/** Caps: a state dict's pickle holds names and small tuples, never this much. */
	static final int MAX_STACK = 1 << 20, MAX_MEMO = 1 << 20, MAX_STRING = 1 << 24;

	record Global(String name) {}

	record Tuple(List<Object> items) {}

	/** A storage named by a persistent id: its element type, key in the file and element count. */
	record StorageRef(String type, String key, long numel) {
		int elementSize() {
			return STORAGE_TYPES.get(type);
		}
	}

	/** A tensor: a view (offset, sizes, strides, all in elements) into a storage. */
	record TensorRef(StorageRef storage, long offset, long[] size, long[] stride) {}

	/** Calls into this reader's {@code persistent_load}: turns a persistent id into a storage. */
	interface Persistent {
		Object load(Object pid) throws TorchFileException;
	}

	private final ByteBuffer buf;
	private final Persistent persistent;
	private final String where;
	private final List<Object> stack = new ArrayList<>();
	private final List<Integer> marks = new ArrayList<>();
	private final Map<Long, Object> memo = new LinkedHashMap<>();

	private Pickle(ByteBuffer buf, Persistent persistent, String where) {
		this.buf = buf.order(ByteOrder.LITTLE_ENDIAN);
		this.persistent = persistent;
		this.where = where;
	}

	/** Reads one pickle starting at the buffer's position; the position ends after its STOP. */
	static Object read(ByteBuffer buf, Persistent persistent, String where) throws TorchFileException {
		try {
			return new Pickle(buf, persistent, where).run();
		}
		catch (java.nio.BufferUnderflowException | IndexOutOfBoundsException e) {
			throw new TorchFileException(where + ": the pickle ends early (truncated file?)");
		}
		catch (StackOverflowError e) { // a key that holds itself, hashed
			throw new TorchFileException(where + ": a pickle whose values contain themselves; refusing the file");
		}
	}

	private TorchFileException bad(String message) {
		return new TorchFileException(where + ": " + message);
	}

	private Object run() throws TorchFileException {
		while (true) {
			int at = buf.position();
			int op = buf.get() & 0xff;
			switch (op) {
				case 0x80 -> { // PROTO
					int p = buf.get() & 0xff;
					if (p > 5) throw bad("pickle protocol " + p + " is newer than any this reader knows");
				}
				case 0x95 -> buf.getLong(); // FRAME: a length hint only
				case '.' -> { // STOP
					if (stack.size() != 1 || !marks.isEmpty()) throw bad("malformed pickle (stack at STOP)");
					return stack.get(0);
				}
				case '(' -> {
					if (marks.size() >= MAX_STACK) throw bad("more than " + MAX_STACK + " nested MARKs");
					marks.add(stack.size());
				}
				case '}' -> push(new LinkedHashMap<>());
				case ']' -> push(new ArrayList<>());
				case ')' -> push(new Tuple(List.of()));
				case 't' -> push(new Tuple(popMark()));
				case 0x85 -> push(new Tuple(List.of(pop())));
				case 0x86 -> {
					Object b = pop(), a = pop();
					push(new Tuple(List.of(a, b)));
				}
				case 0x87 -> {
					Object c = pop(), b = pop(), a = pop();
					push(new Tuple(List.of(a, b, c)));
				}
				case 'l' -> push(new ArrayList<>(popMark()));
				case 'd' -> {
					List<Object> items = popMark();
					Map<Object, Object> d = new LinkedHashMap<>();
					for (int i = 0; i + 1 < items.size(); i += 2) d.put(key(items.get(i)), items.get(i + 1));
					push(d);
				}
				case 'J' -> push((long) buf.getInt());
				case 'K' -> push((long) (buf.get() & 0xff));
				case 'M' -> push((long) (buf.getShort() & 0xffff));
				case 0x8a -> push(longBytes(buf.get() & 0xff));
				case 0x8b -> push(longBytes(length(buf.getInt())));
				case 'G' -> push(Double.longBitsToDouble(Long.reverseBytes(buf.getLong()))); // big-endian
				case 0x88 -> push(Boolean.TRUE);
				case 0x89 -> push(Boolean.FALSE);
				case 'N' -> push(NONE);
				case 'X' -> push(string(length(buf.getInt()), StandardCharsets.UTF_8));
				case 0x8c -> push(string(buf.get() & 0xff, StandardCharsets.UTF_8));
				case 0x8d -> push(string(length(buf.getLong()), StandardCharsets.UTF_8));
				case 'T' -> push(string(length(buf.getInt()), StandardCharsets.ISO_8859_1));
				case 'U' -> push(string(buf.get() & 0xff, StandardCharsets.ISO_8859_1));
				case 'B' -> push(bytes(length(buf.getInt())));
				case 'C' -> push(bytes(buf.get() & 0xff));
				case 'q' -> put(buf.get() & 0xff);
				case 'r' -> put(buf.getInt() & 0xffffffffL);
				case 0x94 -> put(memo.size());
				case 'h' -> get(buf.get() & 0xff);
				case 'j' -> get(buf.getInt() & 0xffffffffL);
				case '0' -> pop();
				case '1' -> popMark();
				case '2' -> push(peek());
				case 'a' -> {
					Object v = pop();
					list(peek()).add(v);
				}
				case 'e' -> {
					List<Object> items = popMark();
					list(peek()).addAll(items);
				}
				case 's' -> {
					Object v = pop(), k = pop();
					dict(peek()).put(key(k), v);
				}
				case 'u' -> {
					List<Object> items = popMark();
					if (items.size() % 2 != 0) throw bad("malformed pickle (odd SETITEMS)");
					Map<Object, Object> d = dict(peek());
					for (int i = 0; i < items.size(); i += 2) d.put(key(items.get(i)), items.get(i + 1));
				}
				case 'c' -> push(global(line(), line()));
				case 0x93 -> {
					Object name = pop(), module = pop();
					if (!(module instanceof String m) || !(name instanceof String n)) throw bad("malformed pickle (STACK_GLOBAL)");
					push(global(m, n));
				}
				case 'R' -> {
					Object args = pop(), f = pop();
					if (!(args instanceof Tuple t)) throw bad("malformed pickle (REDUCE without an argument tuple)");
					push(call(f, t.items()));
				}
				case 0x81 -> { // NEWOBJ: only the allowed classes can be here
					Object args = pop(), cls = pop();
					if (!(args instanceof Tuple t)) throw bad("malformed pickle (NEWOBJ)");
					push(call(cls, t.items()));
				}
				case 'b' -> { // BUILD: state of an OrderedDict (a state dict's _metadata), ignored
					pop();
					if (!(peek() instanceof Map)) throw bad("refuses to set the state of a " + typeName(peek()) + ": only state dicts are read");
				}
				case 'Q' -> push(persistent.load(pop()));
				case 'i', 'o' -> throw refuseClass(op == 'i' ? line() + "." + line() : "an object built from the stack (OBJ)");
				case 'P' -> throw bad("text persistent ids are not used by PyTorch; refusing the file");
				case 0x82, 0x83, 0x84 -> throw bad("refuses extension-registry globals (EXT opcodes): this file holds code, not only weights");
				default -> throw bad(String.format("unsupported pickle opcode 0x%02x at byte %d; this reader accepts only state "
					+ "dicts of tensors", op, at));
			}
		}
	}

	private TorchFileException refuseClass(String name) {
		return bad("refuses " + name + ": this file holds code, not only weights (only state dicts of tensors are read; "
			+ "save model.state_dict() rather than the model)");
	}

	private Object global(String module, String name) throws TorchFileException {
		// protocol 2 writes Python 2 module names; Python reads them as these (fix_imports)
		String full = switch (module) {
			case "__builtin__" -> "builtins";
			case "copy_reg" -> "copyreg";
			default -> module;
		} + "." + name;
		if (!ALLOWED.contains(full)) throw refuseClass(full);
		return new Global(full);
	}

	private Object call(Object f, List<Object> args) throws TorchFileException {
		if (!(f instanceof Global g)) throw bad("malformed pickle (calls a " + typeName(f) + ")");
		switch (g.name()) {
			case "collections.OrderedDict" -> {
				if (!args.isEmpty()) throw bad("OrderedDict with arguments is not used by state dicts");
				return new LinkedHashMap<>();
			}
			case "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor" -> { // v1: PyTorch 0.4
				if (args.size() < 4) throw bad("_rebuild_tensor_v2 with " + args.size() + " arguments");
				if (!(args.get(0) instanceof StorageRef s)) throw bad("_rebuild_tensor_v2 without a storage");
				long offset = integer(args.get(1), "storage offset");
				long[] size = integers(args.get(2), "size");
				long[] stride = integers(args.get(3), "stride");
				if (size.length != stride.length) throw bad("tensor with " + size.length + " sizes but " + stride.length + " strides");
				return new TensorRef(s, offset, size, stride);
			}
			case "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state" -> {
				if (args.isEmpty() || !(args.get(0) instanceof TensorRef t)) throw bad("_rebuild_parameter without a tensor");
				return t;
			}
			default -> throw bad("refuses to call " + g.name() + " (it names a storage type, not a function)");
		}
	}

	private long integer(Object o, String what) throws TorchFileException {
		if (o instanceof Long l) return l;
		throw bad("tensor " + what + " is not an integer: " + o);
	}

	private long[] integers(Object o, String what) throws TorchFileException {
		if (!(o instanceof Tuple t)) throw bad("tensor " + what + " is not a tuple");
		if (t.items().size() > 16) throw bad("tensor with " + t.items().size() + " dimensions");
		long[] out = new long[t.items().size()];
		for (int i = 0; i < out.length; i++) out[i] = integer(t.items().get(i), what);
		return out;
	}

	private static String typeName(Object o) {
		return o == null ? "null" : o instanceof Global g ? g.name() : o.getClass().getSimpleName();
	}

	private Object key(Object k) throws TorchFileException {
		if (k instanceof String || k instanceof Long || k instanceof Boolean || k instanceof Double || k == NONE
			|| k instanceof BigInteger || k instanceof Tuple)
		{
			return k;
		}
		throw bad("a dict key of type " + typeName(k));
	}

	@SuppressWarnings("unchecked")
	private List<Object> list(Object o) throws TorchFileException {
		if (o instanceof List) return (List<Object>) o;
		throw bad("malformed pickle (APPEND to a " + typeName(o) + ")");
	}

	@SuppressWarnings("unchecked")
	private Map<Object, Object> dict(Object o) throws TorchFileException {
		if (o instanceof Map) return (Map<Object, Object>) o;
		throw bad("malformed pickle (SETITEM on a " + typeName(o) + ")");
	}

	private Object longBytes(int n) throws TorchFileException {
		if (n > 64) throw bad("an integer of " + n + " bytes");
		byte[] le = bytes(n);
		if (n == 0) return 0L;
		byte[] be = new byte[n];
		for (int i = 0; i < n; i++) be[i] = le[n - 1 - i];
		BigInteger v = new BigInteger(be);
		return v.bitLength() < 64 ? (Object) v.longValue() : v;
	}

	private int length(long n) throws TorchFileException {
		if (n < 0 || n > MAX_STRING || n > buf.remaining()) {
			throw bad("a string or number of " + n + " bytes (the pickle has " + buf.remaining() + " left; truncated file?)");
		}
		return (int) n;
	}

	private byte[] bytes(int n) throws TorchFileException {
		if (n > buf.remaining()) throw bad("the pickle ends early (truncated file?)");
		byte[] b = new byte[n];
		buf.get(b);
		return b;
	}

	private String string(int n, java.nio.charset.Charset cs) throws TorchFileException {
		return new String(bytes(n), cs);
	}

	private String line() throws TorchFileException {
		StringBuilder sb = new StringBuilder();
		while (true) {
			byte b = buf.get();
			if (b == '\n') return sb.toString();
			if (sb.length() > 1000) throw bad("a global name longer than 1000 characters");
			sb.append((char) (b & 0xff));
		}
	}

	private void push(Object o) throws TorchFileException {
		if (stack.size() >= MAX_STACK) throw bad("pickle stack deeper than " + MAX_STACK);
		stack.add(o);
	}

	private Object pop() throws TorchFileException {
		if (stack.isEmpty() || (!marks.isEmpty() && marks.get(marks.size() - 1) == stack.size())) {
			throw bad("malformed pickle (pop from an empty stack)");
		}
		return stack.remove(stack.size() - 1);
	}

	private Object peek() throws TorchFileException {
		if (stack.isEmpty()) throw bad("malformed pickle (empty stack)");
		return stack.get(stack.size() - 1);
	}

	private List<Object> popMark() throws TorchFileException {
		if (marks.isEmpty()) throw bad("malformed pickle (no MARK)");
		int m = marks.remove(marks.size() - 1);
		List<Object> items = new ArrayList<>(stack.subList(m, stack.size()));
		stack.subList(m, stack.size()).clear();
		return items;
	}

	private void put(long index) throws TorchFileException {
		if (memo.size() >= MAX_MEMO && !memo.containsKey(index)) throw bad("more than " + MAX_MEMO + " memo entries");
		memo.put(index, peek());
	}

	private void get(long index) throws TorchFileException {
		Object o = memo.get(index);
		if (o == null) throw bad("malformed pickle (memo " + index + " is not set)");
		push(o);
	}

	/** Identity set for walking values that may refer to themselves (a list appended to itself). */
	static Set<Object> identitySet() {
		return java.util.Collections.newSetFromMap(new IdentityHashMap<>());
	}
}
