// Softmax over each row of x [rows, d], as torch.softmax(x, -1): one work-group per row.
// Subtracting the row maximum before exp keeps large logits from overflowing; the maximum and
// the sum are tree reductions in local memory (the group size is a power of two).

// Reduces scratch[0 .. size) into scratch[0] with op; every work-item gets the result.
#define REDUCE(scratch, t, op)                                                  \
    for (int s = get_local_size(0) / 2; s > 0; s >>= 1) {                     \
        if (t < s) scratch[t] = op(scratch[t], scratch[t + s]);               \
        barrier(CLK_LOCAL_MEM_FENCE);                                          \
    }

inline float plus(float a, float b) { return a + b; }

kernel void softmax(global float *y, global const void *x, int xdt, int d, local float *scratch) {
    int t = get_local_id(0), step = get_local_size(0);
    size_t row = (size_t) get_group_id(0) * d;

    float mx = -INFINITY;
    for (int c = t; c < d; c += step) mx = fmax(mx, ld(x, xdt, row + c));
    scratch[t] = mx;
    barrier(CLK_LOCAL_MEM_FENCE);
    REDUCE(scratch, t, fmax)
    mx = scratch[0];
    barrier(CLK_LOCAL_MEM_FENCE);   // everyone has read the max before scratch is reused

    float sum = 0.0f;
    for (int c = t; c < d; c += step) {
        float e = exp(ld(x, xdt, row + c) - mx);
        y[row + c] = e;
        sum += e;
    }
    scratch[t] = sum;
    barrier(CLK_LOCAL_MEM_FENCE);
    REDUCE(scratch, t, plus)
    float total = scratch[0];
    for (int c = t; c < d; c += step) y[row + c] /= total;   // each work-item rescales what it wrote
}
