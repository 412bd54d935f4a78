// Elementwise ops over n = get_global_size(0) elements. The second operand b has a's shape
// (bcols == 0) or is one row of bcols values repeated over every row of a (Backend.add).

kernel void add(global float *y, global const void *a, int adt, global const void *b, int bdt, int bcols) {
    size_t i = get_global_id(0);
    y[i] = ld(a, adt, i) + ld(b, bdt, bcols ? i % bcols : i);
}

kernel void mul(global float *y, global const void *a, int adt, global const void *b, int bdt, int bcols) {
    size_t i = get_global_id(0);
    y[i] = ld(a, adt, i) * ld(b, bdt, bcols ? i % bcols : i);
}

kernel void scale(global float *y, global const void *a, int adt, float s) {
    size_t i = get_global_id(0);
    y[i] = ld(a, adt, i) * s;
}
