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

// max(x, 0) as Java's Math.max: NaN stays NaN, -0 becomes +0
kernel void relu(global float *y, global const void *a, int adt) {
    size_t i = get_global_id(0);
    float x = ld(a, adt, i);
    y[i] = (x > 0.0f || isnan(x)) ? x : 0.0f;
}

// SAM's window_partition: y [nh*nw, win*win, c] from a [h, w, c], zero where the window passes the edge
kernel void window_partition(global float *y, global const void *a, int adt, int h, int w, int c, int win, int nw) {
    size_t o = get_global_id(0);
    int ch = o % c;
    size_t t = o / c;
    int inside = t % (win * win), wi = t / (win * win);
    int gy = (wi / nw) * win + inside / win, gx = (wi % nw) * win + inside % win;
    y[o] = (gy < h && gx < w) ? ld(a, adt, ((size_t) gy * w + gx) * c + ch) : 0.0f;
}

// the inverse: y [h, w, c] from the windows, padding dropped
kernel void window_unpartition(global float *y, global const void *a, int adt, int h, int w, int c, int win, int nw) {
    size_t o = get_global_id(0);
    int ch = o % c;
    size_t t = o / c;
    int gx = t % w, gy = t / w;
    int wi = (gy / win) * nw + gx / win, inside = (gy % win) * win + gx % win;
    y[o] = ld(a, adt, ((size_t) wi * win * win + inside) * c + ch);
}

// y [c, height, width] = the region of a [c, hIn, wIn] whose top-left corner is (top, left)
kernel void crop(global float *y, global const void *a, int adt, int hIn, int wIn, int top, int left, int height, int width) {
    size_t o = get_global_id(0);
    int x = o % width;
    size_t t = o / width;
    int r = t % height, ch = t / height;
    y[o] = ld(a, adt, ((size_t) ch * hIn + top + r) * wIn + left + x);
}

// SAM's LayerNorm2d on x [c, spatial]: each position normalised over its c channels (two passes),
// then w[ch] v + b[ch]; affine bit 0: w given, bit 1: b given. One work item per position.
kernel void layer_norm_2d(global float *y, global const void *x, int xdt, global const void *w, int wdt,
                          global const void *b, int bdt, int affine, int c, int spatial, float eps) {
    size_t p = get_global_id(0);
    float mean = 0.0f, var = 0.0f;
    for (int ch = 0; ch < c; ch++) mean += ld(x, xdt, (size_t) ch * spatial + p);
    mean /= c;
    for (int ch = 0; ch < c; ch++) {
        float d = ld(x, xdt, (size_t) ch * spatial + p) - mean;
        var += d * d;
    }
    float rstd = 1.0f / sqrt(var / c + eps);
    for (int ch = 0; ch < c; ch++) {
        float v = (ld(x, xdt, (size_t) ch * spatial + p) - mean) * rstd;
        if (affine & 1) v *= ld(w, wdt, ch);
        if (affine & 2) v += ld(b, bdt, ch);
        y[(size_t) ch * spatial + p] = v;
    }
}

// F.pad of x [c, h, w] with zeros: y [c, top + h + bottom, left + w + right]
kernel void pad(global float *y, global const void *x, int xdt, int h, int w, int top, int left, int oh, int ow) {
    size_t o = get_global_id(0);
    int ox = o % ow;
    size_t t = o / ow;
    int oy = t % oh, ch = t / oh, sy = oy - top, sx = ox - left;
    y[o] = (sy >= 0 && sy < h && sx >= 0 && sx < w) ? ld(x, xdt, ((size_t) ch * h + sy) * w + sx) : 0.0f;
}
