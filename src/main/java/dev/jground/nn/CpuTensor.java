package dev.jground.nn;

import dev.jground.kernel.Parallel;
import dev.jground.kernel.WeightMatrix;
import dev.jground.kernel.Winograd;
import dev.jground.tensor.DType;
import dev.jground.tensor.Shapes;
import dev.jground.tensor.TensorView;

import java.lang.foreign.MemorySegment;

/** A CPU tensor: a heap float[] for activations, or a checkpoint view kept in its stored dtype. */
final class CpuTensor implements Tensor {
    private final int[] shape;
    private final float[] data;       // activations (F32), else null
    private final TensorView view;    // weights in their stored dtype, else null
    private float[] widened;          // a weight as float[], made on first use by a small op (norm scales, biases)
    private WeightMatrix matrix;
    private Winograd.Filters filters;  // a 3×3 conv weight's transformed filters, made on first use

    private CpuTensor(int[] shape, float[] data, TensorView view) {
        this.shape = shape.clone();
        this.data = data;
        this.view = view;
    }

    static CpuTensor of(float[] data, int... shape) {
        if (data.length != Shapes.numel(shape))
            throw new IllegalArgumentException(data.length + " floats do not fill shape " + Shapes.str(shape));
        return new CpuTensor(shape, data, null);
    }

    static CpuTensor weight(TensorView view) {
        if (!view.dtype().isFloat())
            throw new IllegalArgumentException("tensor '" + view.name() + "' is " + view.dtype() + ", a weight must be a float type");
        return new CpuTensor(view.shape(), null, view);
    }

    @Override public int[] shape() { return shape.clone(); }

    int dim(int i) { return shape[i < 0 ? shape.length + i : i]; }

    int rank() { return shape.length; }

    @Override public DType dtype() { return view == null ? DType.F32 : view.dtype(); }

    /** The values as float32; for a weight, a widened copy made once. */
    float[] floats() {
        if (data != null) return data;
        synchronized (this) {
            if (widened == null) widened = view.toFloatArray();
            return widened;
        }
    }

    /** This tensor as W [dim 0, rest] for matmul and conv, without widening a stored weight. */
    synchronized WeightMatrix matrix() {
        if (matrix == null) {
            int rows = shape.length == 0 ? 1 : shape[0];
            int cols = Math.toIntExact(numel() / Math.max(rows, 1));
            matrix = view != null ? WeightMatrix.of(view)
                    : new WeightMatrix(DType.F32, rows, cols, MemorySegment.ofArray(data));
        }
        return matrix;
    }

    /** This [O, C, 3, 3] weight's Winograd filters, made once (16/9 of its floats, F32). */
    synchronized Winograd.Filters winogradFilters(Parallel par) {
        if (filters == null) filters = Winograd.filters(matrix(), shape[1], par);
        return filters;
    }

    String describe() {
        return (view != null ? "'" + view.name() + "' " : "") + dtype() + " " + Shapes.str(shape);
    }
}
