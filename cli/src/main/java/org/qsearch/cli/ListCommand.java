package org.qsearch.cli;

import java.util.concurrent.Callable;
import org.qsearch.index.CollectionIndex;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The ids in an index, without a model: what a script needs to check what a run kept. */
@Command(name = "ls", mixinStandardHelpOptions = true,
        description = {"List the documents of an index: one line per document, \"image ID URI\" or \"text ID TEXT\".",
                "With --count, print only the numbers of images and texts."})
final class ListCommand implements Callable<Integer> {
    @Mixin
    IndexLocationOptions index;

    @Option(names = "--count", description = "print \"images N\" and \"texts N\" only")
    boolean count;

    @Option(names = "--images", description = "images only")
    boolean imagesOnly;

    @Override
    public Integer call() throws Exception {
        try (CollectionIndex searcher = index.location().openIndex()) {
            if (count) {
                System.out.println("images " + searcher.imageCount());
                System.out.println("texts " + searcher.textCount());
                return 0;
            }
            searcher.forEachImage(hit -> System.out.println("image " + hit.id() + " " + hit.uri()));
            if (!imagesOnly) {
                // one line per text: a newline inside a text would look like another document
                searcher.forEachText(hit -> System.out.println("text " + hit.id() + " " + hit.text().replace('\n', ' ')));
            }
        }
        return 0;
    }
}
