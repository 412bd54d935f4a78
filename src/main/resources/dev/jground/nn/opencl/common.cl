// Prepended to every kernel source.
// Buffers are read in their stored dtype and widened to float on the fly; the dtype codes
// are ClTensor.dtypeCode(): 0 = F32, 1 = F16, 2 = BF16.
#define DT_F32 0
#define DT_F16 1
#define DT_BF16 2

// vload_half is core OpenCL, so F16 weights need no cl_khr_fp16; BF16 is the top half of an F32.
inline float ld(global const void *p, int dtype, size_t i) {
    if (dtype == DT_F16) return vload_half(i, (global const half *) p);
    if (dtype == DT_BF16) return as_float((uint) ((global const ushort *) p)[i] << 16);
    return ((global const float *) p)[i];
}
