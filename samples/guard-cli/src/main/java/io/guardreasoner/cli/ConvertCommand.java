package io.guardreasoner.cli;

import io.guardreasoner.llamacpp.GgufConverter;
import io.guardreasoner.llamacpp.GgufType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code convert}: a Hugging Face Llama folder to a GGUF file, for llama.cpp and LocalAI. */
@Command(name = "convert", mixinStandardHelpOptions = true, description = {
        "Converts a Hugging Face Llama folder (config.json, tokenizer.json, BF16/F16/F32 safetensors, single or",
        "sharded) into a GGUF v3 file that llama.cpp (and so LocalAI, or --backend llamacpp) loads, in Java.",
        "Prints one line: the file, its type and its size. Exit 0 when written; 2 for bad arguments or a model",
        "folder it cannot read (nothing is left behind then)."})
final class ConvertCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model-dir", paramLabel = "DIR", required = true, description = "The Hugging Face model folder.")
    Path modelDir;

    @Option(names = "--out", paramLabel = "FILE.gguf", required = true, description = "The GGUF file to write (replaced when present).")
    Path out;

    @Option(names = "--type", paramLabel = "f32|f16|q8_0|q4_0", defaultValue = "q8_0",
            description = "The weight type: q8_0 is near-lossless at about half of f16; q4_0 is the fastest on a CPU "
                    + "(default: ${DEFAULT-VALUE}).")
    String type;

    @Override
    public Integer call() {
        GgufType ggufType = parseType(type);
        if (!Files.isDirectory(modelDir)) {
            throw new GuardCli.ConfigurationException("--model-dir " + modelDir + " is not a directory");
        }
        if (Files.isDirectory(out)) {
            throw new GuardCli.ConfigurationException("--out " + out + " is a directory; give the GGUF file to write");
        }
        Path written;
        long size;
        try {
            written = GgufConverter.builder().type(ggufType).build().convert(modelDir, out);
            size = Files.size(written);
        } catch (GgufConverter.ConversionException | UncheckedIOException e) {
            throw new GuardCli.ConfigurationException("cannot convert " + modelDir + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new GuardCli.ConfigurationException("cannot read " + out + " after writing it: " + e.getMessage(), e);
        }
        PrintWriter stdout = spec.commandLine().getOut();
        stdout.println(written + " " + ggufType.fileSuffix() + " " + size + " bytes ("
                + String.format(Locale.ROOT, "%.1f", size / (1024.0 * 1024.0)) + " MiB)");
        stdout.flush();
        return 0;
    }

    private static GgufType parseType(String type) {
        for (GgufType t : GgufType.values()) {
            if (t.fileSuffix().equalsIgnoreCase(type)) return t;
        }
        throw new GuardCli.ConfigurationException("--type must be f32, f16, q8_0 or q4_0, was '" + type + "'");
    }
}
