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

// y[yoff + i] = a[aoff + i]: slice and concat (a part may be a weight in any dtype)
kernel void copy(global float *y, int yoff, global const void *a, int adt, int aoff) {
    size_t i = get_global_id(0);
    y[yoff + i] = ld(a, adt, aoff + i);
}

// y [cols, rows] = transpose of a [rows, cols]; global size (cols, rows)
kernel void transpose(global float *y, global const void *a, int adt, int rows, int cols) {
    size_t j = get_global_id(0), i = get_global_id(1);
    y[j * rows + i] = ld(a, adt, i * cols + j);
}

kernel void fill(global float *y, float v) {
    y[get_global_id(0)] = v;
}
