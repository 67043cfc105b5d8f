package org.qsearch.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.qsearch.bench.BenchReport;
import org.qsearch.bench.EncoderBenchmark;
import org.qsearch.encoder.Blip2Encoder;
import org.qsearch.encoder.EncoderOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Encoder throughput: images/s (with decode/preprocess/inference shares) and texts/s by batch size. */
@Command(name = "encoder", mixinStandardHelpOptions = true,
        description = "Images/s and texts/s by batch size; writes OUT.json and OUT.md.")
final class BenchEncoderCommand implements Callable<Integer> {
    private static final List<String> DEFAULT_TEXTS = List.of("red heart", "grinning face with smiling eyes",
            "dog face", "a thumbs up sign", "flag of japan", "pile of poo", "a cat with tears of joy",
            "rocket", "pizza", "woman dancing in a red dress", "snowman without snow", "crescent moon",
            "face with tears of joy", "two hearts", "the sun behind a large cloud", "birthday cake");

    @Mixin
    ModelOption model;

    @Option(names = "--images", required = true, paramLabel = "DIR", description = "directory of images to encode")
    Path images;

    @Option(names = "--texts", paramLabel = "FILE", description = "texts, one per line (default: 16 built-in phrases)")
    Path texts;

    @Option(names = "--batches", split = ",", defaultValue = "1,8,32", description = "batch sizes (default: ${DEFAULT-VALUE})")
    int[] batches;

    @Option(names = "--rounds", defaultValue = "5", description = "timed rounds per figure, median reported")
    int rounds;

    @Option(names = "--out", required = true, paramLabel = "PREFIX", description = "writes PREFIX.json and PREFIX.md")
    Path out;

    @Override
    public Integer call() throws Exception {
        List<byte[]> files = readImages();
        List<String> textList = texts == null ? DEFAULT_TEXTS
                : Files.readAllLines(texts).stream().filter(l -> !l.isBlank()).toList();
        int threads = EncoderOptions.defaults().intraOpThreads();
        try (Blip2Encoder enc = model.open()) {
            EncoderBenchmark bench = new EncoderBenchmark(enc, rounds);
            Map<String, Object> report = new LinkedHashMap<>();
            report.put("command", "bin/qsearch bench encoder --images " + images
                    + (texts == null ? "" : " --texts " + texts) + " --batches "
                    + String.join(",", Arrays.stream(batches).mapToObj(Integer::toString).toList())
                    + " --rounds " + rounds + " --out " + out);
            report.put("date", Instant.now().toString());
            report.put("machine", EncoderBenchmark.machine(enc, threads));
            report.put("image_files", files.size());
            report.put("images", bench.images(files, batches));
            report.put("texts", bench.texts(textList, batches));
            String md = markdown(report);
            BenchReport.write(out, report, md);
            System.out.println(md);
        }
        return 0;
    }

    private List<byte[]> readImages() throws IOException {
        List<byte[]> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(images)) {
            for (Path p : s.sorted().toList()) {
                if (p.getFileName().toString().matches("(?i).*\\.(png|jpe?g|gif|bmp|webp)$")) {
                    out.add(Files.readAllBytes(p));
                }
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("no images in " + images);
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static String markdown(Map<String, Object> r) {
        StringBuilder md = BenchReport.header("Encoder benchmark", r,
                "Medians of the timed rounds after one warm-up round.");
        md.append("\n| batch | images/s | decode | preprocess | inference |\n|---|---|---|---|---|\n");
        for (EncoderBenchmark.ImageRow row : (List<EncoderBenchmark.ImageRow>) r.get("images")) {
            md.append(String.format("| %d | %.1f | %.0f%% | %.0f%% | %.0f%% |%n", row.batch(), row.imagesPerSecond(),
                    100 * row.decodeShare(), 100 * row.preprocessShare(), 100 * row.inferenceShare()));
        }
        md.append("\n| batch | texts/s |\n|---|---|\n");
        for (EncoderBenchmark.TextRow row : (List<EncoderBenchmark.TextRow>) r.get("texts")) {
            md.append(String.format("| %d | %.1f |%n", row.batch(), row.textsPerSecond()));
        }
        return md.toString();
    }
}
