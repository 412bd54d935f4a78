package dev.jground.nn;

import dev.jground.kernel.Rope;
import dev.jground.tensor.Shapes;

import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The attention ops of {@link OpenClBackend} (attention.cl, rope.cl), with {@link CpuBackend}'s
 * semantics. Attention is scores, an in-place softmax and the weighted sum of values, three
 * kernels over a [heads, Tq, Tk] buffer on the device, which the recorder's probabilities are
 * read back from: correct first, a fused (flash) kernel is the fast one's work.
 */
final class ClAttention {
    /** SAM's head sizes (64 for ViT-B, 80 for ViT-H) fit rel_pos_attention's private accumulator. */
    private static final int MAX_REL_POS_HEAD = 128;

    private final ClContext ctx;
    /** Rope's inverse frequencies per (head size, theta): the CPU's float table, uploaded once. */
    private final Map<Long, ClTensor> invFreq = new ConcurrentHashMap<>();

    ClAttention(ClContext ctx) { this.ctx = ctx; }

    ClTensor rope(ClTensor x, int heads, int pos0, float theta) {
        int[] s = x.shape();
        int width = s.length == 0 ? 0 : Shapes.last(s);
        if (heads < 1 || width % heads != 0 || width / heads < 2 || (width / heads) % 2 != 0)
            throw new IllegalArgumentException("rope: width " + width + " is not " + heads + " heads of an even size");
        if (pos0 < 0) throw new IllegalArgumentException("rope: negative position " + pos0);
        int d = width / heads;
        ClTensor freq = invFreq.computeIfAbsent(((long) d << 32) | (Float.floatToIntBits(theta) & 0xffffffffL),
                key -> ClTensor.upload(ctx, Rope.invFreq(d, theta), new int[] {d / 2}));
        ClTensor y = ClTensor.allocate(ctx, s);
        ctx.run(ctx.kernel("rope", "rope"), new long[] {(long) Shapes.rows(s) * heads, d / 2}, null,
                y, x, x.dtypeCode(), freq, heads, d, pos0);
        return y;
    }

    ClTensor attention(ClTensor q, ClTensor k, ClTensor v, int keys, int heads, int kvHeads, float scale, boolean causal, float[] probs) {
        int d = ShapeChecks.attention(q.shape(), k.shape(), v.shape(), keys, heads, kvHeads, causal, probs);
        int tq = Shapes.rows(q.shape());
        ClTensor p = ClTensor.allocate(ctx, new int[] {heads, tq, keys});
        try {
            ctx.run(ctx.kernel("attention", "attention_scores"), new long[] {keys, tq, heads}, null,
                    p, q, q.dtypeCode(), k, k.dtypeCode(), tq, keys, heads, kvHeads, d, scale, causal ? 1 : 0);
            long group = ctx.reductionGroup();   // softmax reads each element before it writes it, so in place is safe
            ctx.run(ctx.kernel("softmax", "softmax"), new long[] {(long) heads * tq * group}, new long[] {group},
                    p, p, p.dtypeCode(), keys, new ClContext.Local(group * Float.BYTES));
            ClTensor y = ClTensor.allocate(ctx, q.shape());
            ctx.run(ctx.kernel("attention", "attention_output"), new long[] {d, tq, heads}, null,
                    y, p, v, v.dtypeCode(), tq, keys, heads, kvHeads, d);
            if (probs != null) ctx.read(p.mem(), MemorySegment.ofArray(probs).asSlice(0, p.numel() * Float.BYTES));
            return y;
        } finally {
            p.close();   // queued kernels still finish: OpenCL defers the free
        }
    }

    ClTensor relPosAttention(ClTensor qkv, int heads, int size, float scale, ClTensor rh, ClTensor rw, ClTensor pad) {
        int[] s = qkv.shape();
        int d = ShapeChecks.relPosAttention(s, heads, size);
        if (d > MAX_REL_POS_HEAD) throw OpenClBackend.later("relPosAttention with head size " + d + " > " + MAX_REL_POS_HEAD);
        if (rh.numel() != (long) (2 * size - 1) * d || rw.numel() != (long) (2 * size - 1) * d || (pad != null && pad.numel() != 3L * heads * d))
            throw new IllegalArgumentException("rel-pos attention: tables " + Shapes.str(rh.shape()) + ", " + Shapes.str(rw.shape())
                    + " should be [" + (2 * size - 1) + ", " + d + "], the pad row " + 3 * heads * d + " long");
        ClTensor y = ClTensor.allocate(ctx, new int[] {s[0], s[1], heads * d});
        ctx.run(ctx.kernel("attention", "rel_pos_attention"), new long[] {(long) s[0] * s[1], heads}, null,
                y, qkv, qkv.dtypeCode(), heads, s[0], s[1], size, d, scale, rh, rh.dtypeCode(), rw, rw.dtypeCode(),
                pad == null ? qkv : pad, pad == null ? 0 : pad.dtypeCode(), pad == null ? 0 : 1);
        return y;
    }
}
