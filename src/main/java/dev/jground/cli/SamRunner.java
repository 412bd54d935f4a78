package dev.jground.cli;

import dev.jground.image.RgbImage;
import dev.jground.image.SamImageProcessor;
import dev.jground.io.config.SamConfig;
import dev.jground.model.sam.SamMaskDecoder;
import dev.jground.model.sam.SamModel;
import dev.jground.model.sam.SamPredictor;
import dev.jground.model.sam.SamVisionEncoder;
import dev.jground.nn.Backend;
import dev.jground.nn.Tensor;
import dev.jground.tensor.TensorView;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * sam-tiny(-f16), stage by stage: preprocessing; the image encoder on the golden pixel_values;
 * each prompt through the prompt encoder and mask decoder on the golden image_embeddings; and
 * end to end (the predictor on the photo) for the thresholded masks.
 */
final class SamRunner implements GoldenRunner {

    @Override public Map<String, TensorView> run(GoldenCase golden, Backend b) throws IOException {
        SamConfig c = SamConfig.parse(golden.config());
        SamModel model = new SamModel(golden.weights(), b, c);
        Outputs out = new Outputs(golden, b);
        int g = c.vision().gridSize(), d = c.vision().hiddenSize();

        RgbImage image = Images.fromHwc(golden.tensor("in.image"));
        SamImageProcessor processor = new SamImageProcessor(c.vision().imageSize());
        SamImageProcessor.Result pre = processor.preprocess(image);
        RgbImage r = pre.resized();
        int s = processor.target();
        out.put("out.resized_image", TensorView.ofBytes("out.resized_image", r.pixels(), r.height(), r.width(), 3));
        out.put("out.pixel_values", TensorView.of("out.pixel_values", pre.pixelValues(), 1, 3, s, s));

        // the encoder is fed the golden's own pixel_values, the decoder its own image_embeddings
        TensorView px = golden.tensor("out.pixel_values");
        SamVisionEncoder.Output enc = model.visionEncoder().forward(b, b.upload(px.toFloatArray(), 3, s, s));
        out.put("out.patch_embed", enc.patchEmbed(), 1, g, g, d);
        for (int i = 0; i < enc.layers().size(); i++) out.put("out.encoder_layer_" + i, enc.layers().get(i), 1, g, g, d);
        out.put("out.neck_conv1", enc.neckConv1(), withBatch(enc.neckConv1()));
        out.put("out.neck_layer_norm1", enc.neckLayerNorm1(), withBatch(enc.neckLayerNorm1()));
        out.put("out.neck_conv2", enc.neckConv2(), withBatch(enc.neckConv2()));
        out.put("out.image_embeddings", enc.imageEmbeddings(), withBatch(enc.imageEmbeddings()));
        Tensor pe = model.promptEncoder().densePositionalEmbedding(b);
        out.put("out.image_positional_embeddings", pe, withBatch(pe));
        Tensor noMask = model.promptEncoder().dense(b, null);
        out.put("out.dense_embeddings", noMask, withBatch(noMask));

        TensorView goldenEmb = golden.tensor("out.image_embeddings");
        int[] es = goldenEmb.shape();
        Tensor embeddings = b.upload(goldenEmb.toFloatArray(), es[1], es[2], es[3]);
        SamPredictor predictor = new SamPredictor(model, b);
        predictor.setImage(image);
        for (int k = 0; golden.has("in.multimask_" + k); k++) {
            float[] points = golden.has("in.points_" + k) ? golden.tensor("in.points_" + k).toFloatArray() : null;
            int[] labels = golden.has("in.labels_" + k) ? toInts(golden.tensor("in.labels_" + k).toLongArray()) : null;
            float[] box = golden.has("in.box_" + k) ? golden.tensor("in.box_" + k).toFloatArray() : null;
            float[] maskInput = golden.has("in.mask_input_" + k) ? golden.tensor("in.mask_input_" + k).toFloatArray() : null;
            boolean multimask = golden.tensor("in.multimask_" + k).getLong(0) != 0;

            // stage by stage: the golden image embedding
            float[] pointsModel = points == null ? null : processor.applyCoords(points, image.height(), image.width());
            float[] boxModel = box == null ? null : processor.applyCoords(box, image.height(), image.width());
            int m = model.promptEncoder().maskInputSize();
            Tensor mask = maskInput == null ? null : b.upload(maskInput, 1, m, m);
            SamModel.Decoded dec = model.decode(b, embeddings, pointsModel, labels, boxModel, mask, multimask);
            SamMaskDecoder.Output o = dec.decoder();
            if (pointsModel != null) out.put("out.points_model_" + k, TensorView.of("p", pointsModel, pointsModel.length / 2, 2));
            if (boxModel != null) out.put("out.box_model_" + k, TensorView.of("b", boxModel, 4));
            if (dec.sparse() != null) out.put("out.sparse_embeddings_" + k, dec.sparse(), withBatch(dec.sparse()));
            if (mask != null) out.put("out.dense_embeddings_" + k, dec.dense(), withBatch(dec.dense()));
            out.put("out.decoder_queries_" + k, o.queries(), withBatch(o.queries()));
            out.put("out.decoder_keys_" + k, o.keys(), withBatch(o.keys()));
            out.put("out.upscaled_embedding_" + k, o.upscaled(), withBatch(o.upscaled()));
            out.put("out.hyper_in_" + k, o.hyperIn(), withBatch(o.hyperIn()));
            out.put("out.iou_head_" + k, o.iouHead(), o.iouHead().shape());
            out.put("out.low_res_masks_" + k, o.lowResMasks(), o.lowResMasks().shape());
            out.put("out.iou_predictions_" + k, TensorView.of("i", o.iouPredictions(), o.iouPredictions().length));

            // end to end: the predictor's own preprocessing and encoding
            SamPredictor.Prediction p = predictor.predict(points, labels, box, maskInput, multimask);
            out.put("out.masks_" + k, TensorView.ofBytes("m", p.masks(), p.count(), p.height(), p.width()));
        }
        return out.map;
    }

    /** The outputs the case has; a name it lacks is not produced (prompt 4 shares prompt 1's intermediates). */
    private static final class Outputs {
        final Map<String, TensorView> map = new LinkedHashMap<>();
        private final GoldenCase golden;
        private final Backend b;

        Outputs(GoldenCase golden, Backend b) { this.golden = golden; this.b = b; }

        void put(String name, TensorView t) {
            if (golden.has(name)) map.put(name, new TensorView(name, t.dtype(), t.shape(), t.data()));
        }

        void put(String name, Tensor t, int... shape) {
            if (golden.has(name)) map.put(name, TensorView.of(name, b.download(t), shape));
        }
    }

    private static int[] withBatch(Tensor t) {
        int[] s = t.shape(), out = new int[s.length + 1];
        out[0] = 1;
        System.arraycopy(s, 0, out, 1, s.length);
        return out;
    }

    private static int[] toInts(long[] v) {
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) out[i] = Math.toIntExact(v[i]);
        return out;
    }
}
