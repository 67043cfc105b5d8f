package org.qsearch.cli;

import java.awt.Desktop;
import java.awt.GraphicsEnvironment;
import java.io.IOException;
import java.net.URI;
import java.util.concurrent.CountDownLatch;
import org.qsearch.search.CollectionStatus;
import org.qsearch.search.SearchCollection;
import org.qsearch.server.SearchServer;
import org.qsearch.server.ServerSettings;

/** Runs a server until the process is stopped (Ctrl-C, SIGTERM), then closes it and the collection. */
final class Serving {
    private Serving() {}

    /** @param page the path (and query) of the page to print and, with {@code open}, to open in a browser */
    static void untilStopped(SearchCollection collection, ServerSettings settings, String page, boolean open)
            throws IOException, InterruptedException {
        CountDownLatch stopped = new CountDownLatch(1);
        SearchServer server;
        try {
            server = SearchServer.start(collection, settings);
        } catch (RuntimeException e) {
            collection.close();
            throw e;
        }
        Thread hook = Thread.ofPlatform().unstarted(() -> {
            server.close();
            try {
                collection.close();
            } catch (IOException e) {
                System.err.println("qsearch: closing the index failed: " + e.getMessage());
            }
            stopped.countDown();
        });
        Runtime.getRuntime().addShutdownHook(hook);
        String url = server.url() + page;
        CollectionStatus status = collection.status();
        System.err.printf("qsearch: serving %d images and %d texts; writes %s%n", status.images(), status.texts(),
                settings.writesEnabled() ? "on" : "off");
        System.out.println("qsearch: open " + url + "  (Ctrl-C stops)");
        System.out.flush();
        if (open && !GraphicsEnvironment.isHeadless() && Desktop.isDesktopSupported()
                && Desktop.getDesktop().isSupported(Desktop.Action.BROWSE)) {
            Desktop.getDesktop().browse(URI.create(url));
        }
        stopped.await();
    }
}
