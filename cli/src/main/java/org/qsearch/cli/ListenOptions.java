package org.qsearch.cli;

import picocli.CommandLine.Option;

/** --host and --port, shared by serve and demo. */
final class ListenOptions {
    @Option(names = "--host", defaultValue = "127.0.0.1", description = "address to listen on (default: ${DEFAULT-VALUE})")
    String host;

    @Option(names = "--port", defaultValue = "7070", description = "port; 0 picks a free one (default: ${DEFAULT-VALUE})")
    int port;
}
