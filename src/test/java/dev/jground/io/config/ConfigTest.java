package dev.jground.io.config;

import dev.jground.io.JsonException;
import dev.jground.io.JsonObject;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Config records against the real and golden config files; expected values from the files' READMEs. */
class ConfigTest {
    private static final Path REAL = Path.of("src/test/resources/fixtures/real-layouts");
    private static final Path GOLDEN = Path.of("src/test/resources/golden");

    private static JsonObject json(String text) { return JsonObject.parse(text, "test.json"); }

    private static void assertLlama(JsonObject r, LlamaConfig t) {
        assertEquals(r.integer("vocab_size"), t.vocabSize());
        assertEquals(r.integer("hidden_size"), t.hiddenSize());
        assertEquals(r.integer("intermediate_size"), t.intermediateSize());
        assertEquals(r.integer("num_hidden_layers"), t.numHiddenLayers());
        assertEquals(r.integer("num_attention_heads"), t.numAttentionHeads());
        assertEquals(r.integer("num_key_value_heads"), t.numKeyValueHeads());
        assertEquals(r.integer("head_dim"), t.headDim());
        assertEquals(r.string("hidden_act"), t.hiddenAct());
        assertEquals(r.integer("max_position_embeddings"), t.maxPositionEmbeddings());
        assertEquals(r.number("rms_norm_eps"), t.rmsNormEps());
        assertEquals(r.number("rope_theta"), t.ropeTheta());
        assertNull(t.ropeScaling());
        assertEquals(r.bool("tie_word_embeddings", true), t.tieWordEmbeddings());
        assertEquals(r.bool("attention_bias", true), t.attentionBias());
        assertEquals(r.bool("mlp_bias", true), t.mlpBias());
        assertEquals(r.integer("bos_token_id"), t.bosTokenId());
        assertEquals(r.integer("eos_token_id"), t.eosTokenId());
    }

    private static void assertClip(JsonObject r, ClipVisionConfig v) {
        assertEquals(r.integer("hidden_size"), v.hiddenSize());
        assertEquals(r.integer("intermediate_size"), v.intermediateSize());
        assertEquals(r.integer("num_hidden_layers"), v.numHiddenLayers());
        assertEquals(r.integer("num_attention_heads"), v.numAttentionHeads());
        assertEquals(r.integer("num_channels"), v.numChannels());
        assertEquals(r.integer("image_size"), v.imageSize());
        assertEquals(r.integer("patch_size"), v.patchSize());
        assertEquals(r.string("hidden_act"), v.hiddenAct());
        assertEquals(r.number("layer_norm_eps"), v.layerNormEps());
        assertEquals(r.integer("projection_dim"), v.projectionDim());
    }

    @Test void llava7bRelyingOnDefaultsMatchesTheResolvedConfig() {
        LlavaConfig c = LlavaConfig.load(REAL.resolve("llava-1.5-7b-hf/config.json"));
        // tensors.json records what transformers resolves from this exact config.json.
        JsonObject resolved = JsonObject.parse(REAL.resolve("llava-1.5-7b-hf/tensors.json"));
        assertLlama(resolved.object("resolved_text_config"), c.text());
        assertClip(resolved.object("resolved_vision_config"), c.vision());
        assertEquals(32, c.text().numHiddenLayers());
        assertEquals(4096, c.text().hiddenSize());
        assertEquals(32064, c.text().vocabSize());
        assertEquals(1e-5, c.text().rmsNormEps());
        assertEquals(4096, c.text().maxPositionEmbeddings());
        assertEquals(128, c.text().headDim());
        assertNull(c.text().padTokenId());
        assertEquals(24, c.vision().gridSize());
        assertEquals(576, c.vision().numPatches());
        assertEquals(32000, c.imageTokenIndex());
        assertEquals("gelu", c.projectorHiddenAct());
        assertEquals("default", c.visionFeatureSelectStrategy());
        assertEquals(-2, c.visionFeatureLayer());
        assertEquals(576, c.imageSeqLength());
        assertTrue(c.multimodalProjectorBias());
        assertEquals(32001, c.padTokenId());
    }

    @Test void llava13bAndTiny() {
        LlavaConfig big = LlavaConfig.load(REAL.resolve("llava-1.5-13b-hf/config.json"));
        assertEquals(5120, big.text().hiddenSize());
        assertEquals(13824, big.text().intermediateSize());
        assertEquals(40, big.text().numHiddenLayers());
        assertEquals(40, big.text().numKeyValueHeads());
        assertEquals(128, big.text().headDim());

        LlavaConfig tiny = LlavaConfig.load(GOLDEN.resolve("llava-tiny/config.json"));
        assertEquals(36, tiny.imageSeqLength());
        assertEquals(64, tiny.text().hiddenSize());
        assertEquals(172, tiny.text().intermediateSize());
        assertEquals(3, tiny.text().numHiddenLayers());
        assertEquals(4, tiny.text().numAttentionHeads());
        assertEquals(16, tiny.text().headDim());
        assertEquals(512, tiny.text().maxPositionEmbeddings());
        assertEquals(32064, tiny.text().vocabSize());
        assertEquals(84, tiny.vision().imageSize());
        assertEquals(14, tiny.vision().patchSize());
        assertEquals(36, tiny.vision().numPatches());
        assertEquals(128, tiny.vision().intermediateSize());
        assertEquals(3, tiny.vision().numHiddenLayers());
    }

    @Test void llavaDefaultsFollowConfigurationLlava() {
        LlavaConfig bare = LlavaConfig.parse(json("{}"));
        // No vision_config: CLIP ViT-L/14-336. No text_config: LlamaConfig().
        assertEquals(1024, bare.vision().hiddenSize());
        assertEquals(4096, bare.vision().intermediateSize());
        assertEquals(24, bare.vision().numHiddenLayers());
        assertEquals(16, bare.vision().numAttentionHeads());
        assertEquals(336, bare.vision().imageSize());
        assertEquals(14, bare.vision().patchSize());
        assertEquals(768, bare.vision().projectionDim());
        assertEquals(32000, bare.text().vocabSize());
        assertEquals(2048, bare.text().maxPositionEmbeddings());
        assertEquals(1e-6, bare.text().rmsNormEps());
        assertNull(bare.padTokenId());
        // A present but partial vision_config fills gaps from CLIPVisionConfig (ViT-B/32 at 224).
        LlavaConfig partial = LlavaConfig.parse(json("{\"vision_config\": {\"hidden_size\": 1200}, \"image_token_id\": 7}"));
        assertEquals(1200, partial.vision().hiddenSize());
        assertEquals(224, partial.vision().imageSize());
        assertEquals(32, partial.vision().patchSize());
        assertEquals(3072, partial.vision().intermediateSize());
        assertEquals(7, partial.imageTokenIndex());
        assertThrows(JsonException.class, () -> LlavaConfig.parse(json("{\"vision_feature_select_strategy\": \"cls\"}")));
        assertThrows(JsonException.class, () -> LlavaConfig.parse(json("{\"vision_feature_layer\": [-2, -5]}")));
    }

    @Test void llamaDefaultsAndChecks() {
        LlamaConfig d = LlamaConfig.parse(json("{}"));
        assertEquals(32000, d.vocabSize());
        assertEquals(4096, d.hiddenSize());
        assertEquals(11008, d.intermediateSize());
        assertEquals(32, d.numHiddenLayers());
        assertEquals(32, d.numKeyValueHeads());
        assertEquals(128, d.headDim());
        assertEquals("silu", d.hiddenAct());
        assertEquals(10000.0, d.ropeTheta());
        assertEquals(1, d.bosTokenId());
        assertEquals(2, d.eosTokenId());
        assertFalse(d.tieWordEmbeddings());
        LlamaConfig gqa = LlamaConfig.parse(json("{\"hidden_size\": 512, \"num_attention_heads\": 8, \"num_key_value_heads\": 2,"
                + " \"eos_token_id\": [128001, 128009], \"rope_scaling\": {\"type\": \"linear\", \"factor\": 2.0}}"));
        assertEquals(64, gqa.headDim());
        assertEquals(2, gqa.numKeyValueHeads());
        assertEquals(128001, gqa.eosTokenId());
        assertEquals(2.0, gqa.ropeScaling().get("factor"));
        assertEquals("test.json: num_attention_heads 32 must be a positive multiple of num_key_value_heads 5",
                assertThrows(JsonException.class, () -> LlamaConfig.parse(json("{\"num_key_value_heads\": 5}"))).getMessage());
        assertEquals("test.json: hidden_size 100 is not divisible by num_attention_heads 32",
                assertThrows(JsonException.class, () -> LlamaConfig.parse(json("{\"hidden_size\": 100}"))).getMessage());
        LlamaConfig vicuna = LlamaConfig.load(REAL.resolve("vicuna-7b-v1.5/config.json"));
        assertEquals(32000, vicuna.vocabSize());
        assertEquals(0, vicuna.padTokenId());
        assertEquals(1e-5, vicuna.rmsNormEps());
        LlamaConfig difflmm = LlamaConfig.load(REAL.resolve("difflmm-llava-v1.5-7b-lora/config.json"));
        assertEquals(4096, difflmm.maxPositionEmbeddings());
        assertEquals(32, difflmm.numHiddenLayers());
    }

    @Test void clipVision() {
        ClipVisionConfig tiny = ClipVisionConfig.load(GOLDEN.resolve("clip-vision-tiny/config.json"));
        assertEquals(48, tiny.hiddenSize());
        assertEquals(80, tiny.intermediateSize());
        assertEquals(4, tiny.numHiddenLayers());
        assertEquals(4, tiny.numAttentionHeads());
        assertEquals(12, tiny.headDim());
        assertEquals(60, tiny.imageSize());
        assertEquals(12, tiny.patchSize());
        assertEquals(25, tiny.numPatches());
        assertEquals(26, tiny.numPositions());
        assertEquals("quick_gelu", tiny.hiddenAct());
        assertEquals(1e-5, tiny.layerNormEps());
        ClipVisionConfig large = ClipVisionConfig.load(REAL.resolve("clip-vit-large-patch14-336/config.json"));   // a CLIPModel config
        assertEquals(1024, large.hiddenSize());
        assertEquals(24, large.numHiddenLayers());
        assertEquals(577, large.numPositions());
        ClipVisionConfig d = ClipVisionConfig.parse(json("{}"));
        assertEquals(768, d.hiddenSize());
        assertEquals(3072, d.intermediateSize());
        assertEquals(12, d.numHiddenLayers());
        assertEquals(224, d.imageSize());
        assertEquals(32, d.patchSize());
        assertEquals(512, d.projectionDim());
        assertThrows(JsonException.class, () -> ClipVisionConfig.parse(json("{\"image_size\": 100}")));
    }

    @Test void sam() {
        SamConfig tiny = SamConfig.load(GOLDEN.resolve("sam-tiny/config.json"));
        assertEquals(64, tiny.vision().hiddenSize());
        assertEquals(32, tiny.vision().outputChannels());
        assertEquals(4, tiny.vision().numHiddenLayers());
        assertEquals(256, tiny.vision().mlpDim());
        assertEquals(6, tiny.vision().windowSize());
        assertArrayEquals(new int[] {1, 3}, tiny.vision().globalAttnIndexes());
        assertEquals(16, tiny.vision().numPosFeats());
        assertEquals(16, tiny.vision().gridSize());
        assertEquals(1e-6, tiny.vision().layerNormEps());
        assertEquals(32, tiny.promptEncoder().hiddenSize());
        assertEquals(16, tiny.promptEncoder().imageEmbeddingSize());
        assertEquals(16, tiny.promptEncoder().maskInputChannels());
        assertEquals(32, tiny.maskDecoder().hiddenSize());
        assertEquals(64, tiny.maskDecoder().mlpDim());
        assertEquals(24, tiny.maskDecoder().iouHeadHiddenDim());
        assertEquals(4, tiny.maskDecoder().numAttentionHeads());
        SamConfig huge = SamConfig.load(REAL.resolve("sam-vit-huge/config.json"));
        assertEquals(1280, huge.vision().hiddenSize());
        assertEquals(32, huge.vision().numHiddenLayers());
        assertEquals(5120, huge.vision().mlpDim());
        assertArrayEquals(new int[] {7, 15, 23, 31}, huge.vision().globalAttnIndexes());
        assertEquals(64, huge.promptEncoder().imageEmbeddingSize());
        SamConfig d = SamConfig.parse(json("{\"vision_config\": {\"hidden_size\": 1024}}"));
        assertEquals(4096, d.vision().mlpDim());   // hidden x mlp_ratio 4.0
        assertEquals(12, d.vision().numHiddenLayers());
        assertArrayEquals(new int[] {2, 5, 8, 11}, d.vision().globalAttnIndexes());
        assertEquals(14, d.vision().windowSize());
        assertEquals(1024, d.vision().imageSize());
        assertEquals(256, d.maskDecoder().hiddenSize());
        assertEquals(2048, d.maskDecoder().mlpDim());
        assertEquals(8, d.maskDecoder().numAttentionHeads());
        assertEquals(3, d.maskDecoder().numMultimaskOutputs());
        assertEquals("relu", d.maskDecoder().hiddenAct());
    }

    @Test void stableDiffusion() {
        UNet2DConditionConfig unet = UNet2DConditionConfig.load(REAL.resolve("stable-diffusion-v1-5/unet/config.json"));
        assertArrayEquals(new int[] {320, 640, 1280, 1280}, unet.blockOutChannels());
        assertArrayEquals(new int[] {8, 8, 8, 8}, unet.attentionHeadDim());
        assertEquals(768, unet.crossAttentionDim());
        assertEquals(2, unet.layersPerBlock());
        assertEquals(32, unet.normNumGroups());
        assertEquals(1e-5, unet.normEps());
        assertTrue(unet.flipSinToCos());
        assertEquals(0, unet.freqShift());
        assertEquals(1, unet.downsamplePadding());
        assertFalse(unet.useLinearProjection());
        assertEquals("UNetMidBlock2DCrossAttn", unet.midBlockType());
        assertEquals(List.of("UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"), unet.upBlockTypes());
        assertEquals(64, unet.sampleSize());
        assertEquals(1280, unet.timeEmbedDim());
        assertEquals(List.of(), unet.extensions());
        assertEquals(List.of(), UNet2DConditionConfig.load(GOLDEN.resolve("difflmm-encoder-tiny/unet/config.json")).extensions());   // every key, off
        assertEquals(List.of("addition_embed_type=text_time", "resnet_out_scale_factor=2.0"), UNet2DConditionConfig.parse(
                json("{\"addition_embed_type\": \"text_time\", \"resnet_out_scale_factor\": 2.0, \"transformer_layers_per_block\": 1}")).extensions());
        UNet2DConditionConfig tiny = UNet2DConditionConfig.load(GOLDEN.resolve("unet-tiny/config.json"));
        assertArrayEquals(new int[] {32, 48, 64, 64}, tiny.blockOutChannels());
        assertArrayEquals(new int[] {4, 4, 4, 4}, tiny.attentionHeadDim());
        assertEquals(32, tiny.crossAttentionDim());
        assertEquals(1, tiny.layersPerBlock());
        assertEquals(8, tiny.normNumGroups());
        UNet2DConditionConfig list = UNet2DConditionConfig.parse(json("{\"attention_head_dim\": [5, 10, 20, 20]}"));
        assertArrayEquals(new int[] {5, 10, 20, 20}, list.attentionHeadDim());
        assertEquals(1280, list.crossAttentionDim());
        assertEquals("test.json: attention_head_dim has 3 entries for 4 blocks",
                assertThrows(JsonException.class, () -> UNet2DConditionConfig.parse(json("{\"attention_head_dim\": [5, 10, 20]}"))).getMessage());

        AutoencoderKLConfig vae = AutoencoderKLConfig.load(REAL.resolve("stable-diffusion-v1-5/vae/config.json"));
        assertArrayEquals(new int[] {128, 256, 512, 512}, vae.blockOutChannels());
        assertEquals(0.18215, vae.scalingFactor());
        assertEquals(2, vae.layersPerBlock());
        assertEquals(32, vae.normNumGroups());
        assertEquals(4, vae.latentChannels());
        assertEquals(512, vae.sampleSize());
        AutoencoderKLConfig small = AutoencoderKLConfig.load(GOLDEN.resolve("difflmm-encoder-tiny/vae/config.json"));
        assertEquals(4, small.normNumGroups());
        assertArrayEquals(new int[] {8, 16, 32, 32}, small.blockOutChannels());
        AutoencoderKLConfig d = AutoencoderKLConfig.parse(json("{}"));
        assertArrayEquals(new int[] {64}, d.blockOutChannels());
        assertEquals(1, d.layersPerBlock());

        DdpmSchedulerConfig s = DdpmSchedulerConfig.load(REAL.resolve("stable-diffusion-v1-5/scheduler/scheduler_config.json"));
        assertEquals("PNDMScheduler", s.className());
        assertEquals(1000, s.numTrainTimesteps());
        assertEquals(0.00085, s.betaStart());
        assertEquals(0.012, s.betaEnd());
        assertEquals("scaled_linear", s.betaSchedule());
        assertEquals(1, s.stepsOffset());
        DdpmSchedulerConfig ddpm = DdpmSchedulerConfig.parse(json("{}"));
        assertEquals(0.0001, ddpm.betaStart());
        assertEquals(0.02, ddpm.betaEnd());
        assertEquals("linear", ddpm.betaSchedule());
    }

    /** The release's config (difflmm-spec.md, "What the released checkpoint contains"): Vicuna-7B plus the mm_* keys. */
    @Test void difflmmReleaseConfig() {
        DiffLmmConfig c = DiffLmmConfig.load(REAL.resolve("difflmm-llava-v1.5-7b-lora/config.json"));
        LlamaConfig t = c.text();
        assertEquals(4096, t.hiddenSize());
        assertEquals(11008, t.intermediateSize());
        assertEquals(32, t.numHiddenLayers());
        assertEquals(32, t.numAttentionHeads());
        assertEquals(32000, t.vocabSize());
        assertEquals(4096, t.maxPositionEmbeddings());
        assertEquals(1e-5, t.rmsNormEps());
        assertNull(t.ropeScaling());
        assertEquals(0, t.padTokenId());
        assertEquals("SDCLIPBlock", c.mmProjectorType());
        assertEquals("stable-diffusion-v1-5/stable-diffusion-v1-5", c.mmVisionTower());
        assertArrayEquals(new int[] {1280, 1280, 640, 320, 1024}, c.mmHiddenSize());
        assertEquals(1, c.mmVisionSelectLayer());
        assertEquals("patch", c.mmVisionSelectFeature());
        assertEquals(384, c.mmVisionResolution());
        assertEquals(100, c.mmVisionSdTimestep());
        assertEquals(1, c.mmVisionSdEnsembleSize());
        assertEquals("openai/clip-vit-large-patch14-336", c.mmVisionSdClip());
        assertEquals(1024, c.mmVisionSdClipProjIn());
        assertEquals(768, c.mmVisionSdClipProjOut());
        assertTrue(c.mmVisionSdConcatClip());
        assertTrue(c.mmVisionSdImplicitCaption());
        assertEquals(576, c.mmVisionSdPe());
        assertTrue(c.addPe());
        assertEquals("pad", c.imageAspectRatio());
        assertEquals("flat", c.mmPatchMergeType());
        assertFalse(c.mmUseImStartEnd());
        assertFalse(c.mmUseImPatchToken());
    }

    /** Absent keys: groundLMM train.py ModelArguments / DataArguments defaults, LlamaConfig's for the decoder. */
    @Test void difflmmDefaults() {
        DiffLmmConfig c = DiffLmmConfig.parse(json("{\"mm_hidden_size\": [1280, 1280, 640, 320, 1024]}"));
        assertEquals(4096, c.text().hiddenSize());
        assertEquals("linear", c.mmProjectorType());
        assertNull(c.mmVisionTower());
        assertEquals(-1, c.mmVisionSelectLayer());
        assertEquals("patch", c.mmVisionSelectFeature());
        assertEquals(336, c.mmVisionResolution());
        assertEquals(100, c.mmVisionSdTimestep());
        assertEquals(1, c.mmVisionSdEnsembleSize());
        assertNull(c.mmVisionSdClip());
        assertEquals(1024, c.mmVisionSdClipProjIn());
        assertEquals(768, c.mmVisionSdClipProjOut());
        assertFalse(c.mmVisionSdConcatClip());
        assertFalse(c.mmVisionSdImplicitCaption());
        assertEquals(-1, c.mmVisionSdPe());
        assertFalse(c.addPe());
        assertEquals("square", c.imageAspectRatio());
        assertEquals("flat", c.mmPatchMergeType());
        assertFalse(c.mmUseImStartEnd());
        assertTrue(c.mmUseImPatchToken());
        assertEquals("test.json: mm_hidden_size must be the list of the SD vision tower's widths (up blocks 0..3, then CLIP), got 1024",
                assertThrows(JsonException.class, () -> DiffLmmConfig.parse(json("{\"mm_hidden_size\": 1024}"))).getMessage());
    }

    @Test void modelKind() {
        assertEquals(ModelKind.LLAVA, ModelKind.detect(JsonObject.parse(REAL.resolve("llava-1.5-7b-hf/config.json"))));
        assertEquals(ModelKind.LLAVA, ModelKind.detect(JsonObject.parse(GOLDEN.resolve("llava-tiny/config.json"))));
        assertEquals(ModelKind.LLAVA_LLAMA_DIFFLMM, ModelKind.detect(JsonObject.parse(GOLDEN.resolve("difflmm-encoder-tiny/config.json"))));
        assertEquals(ModelKind.SAM, ModelKind.detect(JsonObject.parse(GOLDEN.resolve("sam-tiny/config.json"))));
        assertEquals(ModelKind.CLIP_VISION, ModelKind.detect(JsonObject.parse(GOLDEN.resolve("clip-vision-tiny/config.json"))));
        assertEquals(ModelKind.CLIP_VISION, ModelKind.detect(JsonObject.parse(REAL.resolve("clip-vit-large-patch14-336/config.json"))));
        assertEquals(ModelKind.UNET2D_CONDITION, ModelKind.detect(JsonObject.parse(GOLDEN.resolve("unet-tiny/config.json"))));
        assertEquals(ModelKind.AUTOENCODER_KL, ModelKind.detect(JsonObject.parse(GOLDEN.resolve("vae-encoder-tiny/config.json"))));
        assertEquals(ModelKind.UNKNOWN, ModelKind.detect(JsonObject.parse(REAL.resolve("vicuna-7b-v1.5/config.json"))));
        assertEquals(ModelKind.SAM, ModelKind.detect(json("{\"architectures\": [\"SamModel\"]}")));
        assertEquals(ModelKind.UNKNOWN, ModelKind.detect(json("{}")));
        assertEquals("CLIPVisionModel", ModelKind.CLIP_VISION.humanName());
        assertEquals("UNet2DConditionModel", ModelKind.UNET2D_CONDITION.humanName());
    }
}
