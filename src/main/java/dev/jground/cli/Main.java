package dev.jground.cli;

import dev.jground.io.JsonException;
import dev.jground.io.SafeTensorsException;
import dev.jground.nn.ClException;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;

/** The {@code jground} command: one verb per job. */
public final class Main {
    private Main() {}

    static final String USAGE = """
            usage: jground <verb> [options]

              info <checkpoint dir or file>         tensors, dtypes, shapes, parameters per shard; the model type
              verify <case dir>... [--backend cpu|opencl [--device N]] [--threads T]
                                                    run a golden case's model and compare every output
              bench matmul --m M --n N --k K --dtype f32|f16|bf16 --threads T [--warmup W] [--runs R]
                                                    matmul speed, median of repeated runs (GFLOP/s)
              bench llava --model DIR [--random] [--prompt-tokens N] [--decode-tokens N]
                          [--backend cpu|opencl [--device N]] [--threads T]
                                                    image encode s, prefill and decode tokens/s (--random writes
                                                    the LLaVA-1.5-7B shape with random F16 weights into an empty DIR)
              bench sam --sam DIR [--random-from LAYOUT_DIR] [--runs R] [--backend cpu|opencl [--device N]]
                        [--threads T]
                                                    SAM image encoder seconds and per-prompt milliseconds
              bench unet --unet DIR [--random-from LAYOUT_DIR [--dtype f32|f16]] [--latent 48] [--context 576]
                         [--warmup W] [--runs R] [--backend cpu|opencl [--device N]] [--threads 2]
                                                    SD UNet seconds through up block 1 and whole (DiffLMM's shapes)
              bench vae --vae DIR [--random-from LAYOUT_DIR [--dtype f32|f16]] [--size 384] [--warmup W] [--runs R]
                        [--backend cpu|opencl [--device N]] [--threads 2]
                                                    SD VAE encoder seconds on a size x size image
              chat --model DIR --image IMG [--prompt TEXT] [--max-tokens N] [--temperature T [--top-p P] [--seed S]]
                   [--template llava_v1|llava-hf] [--tokenizer FILE] [--no-pad] [--backend cpu|opencl [--device N]] [--threads T]
                                                    ask a LLaVA or DiffLMM model about an image; the answer streams
              ground --image IMG [--prompt TEXT] [--model DIR] [--sam DIR] [--out DIR] [--max-tokens N]
                     [--heads official|all|L:H,...] [--offset 0|1] [--mask third|best] [--no-normalize]
                     [--template llava_v1|llava-hf] [--tokenizer FILE] [--backend cpu|opencl [--device N]] [--threads T]
                                                    attend-and-segment: the answer with each noun phrase grounded
                                                    by a point and a SAM mask; result.json, overlay.png, heat maps
                                                    and index.html in --out (default IMG-name.ground/)
              eval --annotations FILE --images DIR [--model DIR] [--sam DIR] [--tokenizer FILE] [--limit N]
                   [--max-tokens N] [--prompt TEXT] [--heads official|all|L:H,...] [--offset 0|1] [--no-normalize]
                   [--out report.json] [--seed S] [--template llava_v1|llava-hf]
                   [--backend cpu|opencl [--device N]] [--threads T]
                                                    attend-and-segment scored as instance segmentation on a COCO
                                                    file: PAcc, mIoU, mask AP/AR and the random-point baseline for
                                                    every read-out variant side by side; JSON report in --out
              tokenize --tokenizer FILE [--no-bos] [--json-input]
                                                    one text per stdin line -> one JSON array of token ids per line
              segment --sam DIR --image IMG (--point x,y[,label] ... | --box x0,y0,x1,y1) [--multimask] --out mask.png
                   [--backend cpu|opencl [--device N]] [--threads T]
                                                    Segment Anything: the mask PNG, <name>.overlay.png, IoU scores
              convert difflmm --base VICUNA_DIR --adapter ADAPTER_DIR --out DIR
                                                    merge the DiffLMM LoRA (and non_lora_trainables.bin) into
                                                    Vicuna's weights: one model.safetensors + config.json in DIR
                                                    (chat/ground --model DIR then find stable-diffusion-v1-5/ and
                                                    clip-vit-large-patch14-336/ inside DIR or beside it)
              devices                               OpenCL platforms and devices (numbered as --device N picks them)
                                                    with compute units and memory
              help                                  this text
            """;

    public static void main(String[] args) {
        System.exit(run(Arrays.asList(args), System.out, System.err));
    }

    /** Runs a command line and returns its exit status; errors are one line on {@code err}. */
    public static int run(List<String> args, PrintStream out, PrintStream err) {
        if (args.isEmpty()) { err.print(USAGE); return 2; }
        String verb = args.getFirst();
        List<String> rest = args.subList(1, args.size());
        try {
            return switch (verb) {
                case "info" -> Info.run(rest, out);
                case "verify" -> Verify.run(rest, out);
                case "bench" -> Bench.run(rest, out);
                case "devices" -> Devices.run(rest, out);
                case "chat" -> Chat.run(rest, out, err);
                case "ground" -> Ground.run(rest, out, err);
                case "eval" -> Eval.run(rest, out, err);
                case "tokenize" -> Tokenize.run(rest, System.in, out);
                case "segment" -> Segment.run(rest, out);
                case "convert" -> Convert.run(rest, out, err);
                case "help", "--help", "-h" -> { out.print(USAGE); yield 0; }
                default -> throw new UsageException("unknown verb '" + verb + "'");
            };
        } catch (UsageException e) {
            err.println("jground " + verb + ": " + e.getMessage() + " (jground help lists the verbs)");
            return 2;
        } catch (IOException | UncheckedIOException | IllegalArgumentException | IllegalStateException
                 | UnsupportedOperationException | SafeTensorsException | JsonException | ClException e) {
            err.println("jground " + verb + ": " + e.getMessage());
            return 2;
        }
    }
}
