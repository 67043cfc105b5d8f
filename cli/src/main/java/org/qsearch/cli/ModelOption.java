package org.qsearch.cli;

import java.nio.file.Path;
import org.qsearch.encoder.Blip2Encoder;
import org.qsearch.encoder.EncoderOptions;
import picocli.CommandLine.Option;

/** --model DIR and --cuda, shared by every command that runs the model. */
final class ModelOption {
    @Option(names = "--model", paramLabel = "DIR",
            description = "model bundle directory (default: the bundled models/tiny-blip2)")
    Path model;

    @Option(names = "--cuda", description = "run the graphs on CUDA (needs the gpu build and a GPU)")
    boolean cuda;

    Path dir() {
        if (model != null) {
            return model;
        }
        String home = System.getProperty("qsearch.home", ".");
        return Path.of(home, "models", "tiny-blip2");
    }

    EncoderOptions options() {
        EncoderOptions options = EncoderOptions.defaults();
        return cuda ? options.withCuda(true) : options;
    }

    Blip2Encoder open() {
        return Blip2Encoder.open(dir(), options());
    }
}
