// Elementwise activations with PyTorch's formulas in the same float operations, in the same
// order, as dev.jground.kernel.Activations; one work item per element. exp and erf are the
// built-ins (within the few ulp OpenCL allows), not the CPU's polynomials.
#pragma OPENCL FP_CONTRACT OFF   // each product rounded, as the CPU's mul-then-add

#define SQRT1_2 0.70710677f         // M_SQRT1_2
#define TANH_BETA 0.7978845608028654f    // sqrt(2 / pi), PyTorch's kBeta
#define TANH_KAPPA 0.044715f

// 0.5 x (1 + erf(x / √2)), the exact GELU
kernel void gelu(global float *y, global const void *a, int adt) {
    size_t i = get_global_id(0);
    float x = ld(a, adt, i);
    y[i] = x * 0.5f * (erf(x * SQRT1_2) + 1.0f);
}

// 0.5 (1 + tanh u) written as sigmoid(2u): no cancellation where tanh nears -1
kernel void gelu_tanh(global float *y, global const void *a, int adt) {
    size_t i = get_global_id(0);
    float x = ld(a, adt, i);
    float u = (x * x * x * TANH_KAPPA + x) * TANH_BETA;
    y[i] = x / (exp(-(u + u)) + 1.0f);
}

// x sigmoid(1.702 x), CLIP's quick_gelu
kernel void quick_gelu(global float *y, global const void *a, int adt) {
    size_t i = get_global_id(0);
    float x = ld(a, adt, i);
    y[i] = x * (1.0f / (exp(-(x * 1.702f)) + 1.0f));
}

// torch's x / (1 + exp(-x)): for x -> -inf the denominator is inf and the result -0, never NaN
inline float silu1(float x) { return x / (exp(-x) + 1.0f); }

kernel void silu(global float *y, global const void *a, int adt) {
    size_t i = get_global_id(0);
    y[i] = silu1(ld(a, adt, i));
}

kernel void swiglu(global float *y, global const void *gate, int gdt, global const void *up, int udt) {
    size_t i = get_global_id(0);
    y[i] = silu1(ld(gate, gdt, i)) * ld(up, udt, i);
}

kernel void exponential(global float *y, global const void *a, int adt) {
    size_t i = get_global_id(0);
    y[i] = exp(ld(a, adt, i));
}

// torch.clamp: NaN stays NaN (fmin and fmax would drop it)
kernel void clamp_range(global float *y, global const void *a, int adt, float lo, float hi) {
    size_t i = get_global_id(0);
    float x = ld(a, adt, i);
    y[i] = isnan(x) ? x : fmin(fmax(x, lo), hi);
}
