package dev.jground.model.sam;

import dev.jground.image.RgbImage;
import dev.jground.image.SamImageProcessor;
import dev.jground.nn.Backend;
import dev.jground.nn.Tensor;

import java.util.Arrays;

/**
 * The official SamPredictor: {@link #setImage} preprocesses and encodes an image once and
 * keeps its embedding; {@link #predict} then answers any number of prompts in original image
 * pixels with the prompt encoder and mask decoder alone, and post-processes the masks to the
 * original size, thresholded at logit 0.
 */
public final class SamPredictor {

    /**
     * One prompt's answer: k = 3 masks (multimask) or 1. masks [k, height, width] are 0/1;
     * lowResMasks [k, 4g, 4g] are the logits (feed one back as a mask input); pointsModel and
     * boxModel are the prompt in the model's input frame; decoded holds the intermediates.
     */
    public record Prediction(int count, int height, int width, byte[] masks, float[] iouPredictions, Tensor lowResMasks,
                             float[] pointsModel, float[] boxModel, SamModel.Decoded decoded) {
        /** The mask with the highest predicted IoU (the first on ties). */
        public int best() {
            int best = 0;
            for (int i = 1; i < count; i++) if (iouPredictions[i] > iouPredictions[best]) best = i;
            return best;
        }

        /** Mask i as 0/1 bytes [height, width]. */
        public byte[] mask(int i) {
            return Arrays.copyOfRange(masks, i * height * width, (i + 1) * height * width);
        }
    }

    private final SamModel model;
    private final Backend backend;
    private final SamImageProcessor processor;
    private Tensor embeddings;
    private int height, width, inputH, inputW;

    public SamPredictor(SamModel model, Backend backend) {
        this.model = model;
        this.backend = backend;
        processor = new SamImageProcessor(model.config().vision().imageSize());
    }

    public SamImageProcessor processor() { return processor; }

    public SamModel model() { return model; }

    /** Encodes the image and keeps its embedding for the prompts that follow. */
    public void setImage(RgbImage image) {
        SamImageProcessor.Result pre = processor.preprocess(image);
        int s = processor.target();
        embeddings = model.embed(backend, backend.upload(pre.pixelValues(), 3, s, s));
        height = image.height();
        width = image.width();
        inputH = pre.resized().height();
        inputW = pre.resized().width();
    }

    /** The current image's embedding [C, g, g]. */
    public Tensor imageEmbeddings() {
        if (embeddings == null) throw new IllegalStateException("SAM predictor: no image set");
        return embeddings;
    }

    /**
     * points: x, y pairs in original pixels with labels (1 foreground, 0 background), box: x0,
     * y0, x1, y1 in original pixels, maskInput: low-res logits [1, 4g, 4g] of an earlier
     * prediction; each may be null.
     */
    public Prediction predict(float[] points, int[] labels, float[] box, float[] maskInput, boolean multimask) {
        Tensor emb = imageEmbeddings();
        float[] pointsModel = points == null ? null : processor.applyCoords(points, height, width);
        float[] boxModel = box == null ? null : processor.applyCoords(box, height, width);
        int m = model.promptEncoder().maskInputSize();
        Tensor mask = maskInput == null ? null : backend.upload(maskInput, 1, m, m);
        SamModel.Decoded d = model.decode(backend, emb, pointsModel, labels, boxModel, mask, multimask);
        Tensor lowRes = d.decoder().lowResMasks();
        return new Prediction(lowRes.shape()[0], height, width, masks(lowRes), d.decoder().iouPredictions(), lowRes, pointsModel, boxModel, d);
    }

    /** Low-res mask logits [k, 4g, 4g] of the current image as 0/1 masks [k, height, width]: upscaled, cropped, thresholded at 0. */
    public byte[] masks(Tensor lowRes) {
        float[] logits = backend.download(model.postprocessMasks(backend, lowRes, inputH, inputW, height, width));
        byte[] masks = new byte[logits.length];
        for (int i = 0; i < logits.length; i++) masks[i] = (byte) (logits[i] > 0 ? 1 : 0);
        return masks;
    }
}
