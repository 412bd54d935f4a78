// PyTorch's upsampling on x [c, h, w] -> y [c, oh, ow] with the float index arithmetic of
// dev.jground.kernel.Resample. One work item per output element.

// mode='nearest': src = min(floor(dst (in / out)), in - 1), the scales in float
kernel void upsample_nearest(global float *y, global const void *x, int xdt, int h, int w, int oh, int ow,
                             float scaleH, float scaleW) {
    size_t o = get_global_id(0);
    int ox = o % ow;
    size_t t = o / ow;
    int oy = t % oh, ch = t / oh;
    int sy = min((int) floor((float) oy * scaleH), h - 1), sx = min((int) floor((float) ox * scaleW), w - 1);
    y[o] = ld(x, xdt, ((size_t) ch * h + sy) * w + sx);
}
